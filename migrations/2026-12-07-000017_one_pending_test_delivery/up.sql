-- One test send per hook waits at a time (a receiver that never answers
-- must not pile them up ahead of real deliveries). The insert checked it,
-- but two clicks at once could both pass the check: now a constraint holds
-- it. Duplicates two such clicks left are failed first.
UPDATE webhook_deliveries d
SET state = 'failed', last_error = 'Another test send to this hook was waiting already.'
WHERE d.event = 'webhook.test' AND d.state = 'pending'
  AND EXISTS (SELECT 1 FROM webhook_deliveries e
              WHERE e.webhook_id = d.webhook_id AND e.event = 'webhook.test' AND e.state = 'pending'
                AND (e.created_at, e.id) < (d.created_at, d.id));

CREATE UNIQUE INDEX webhook_deliveries_one_pending_test_idx ON webhook_deliveries (webhook_id)
    WHERE event = 'webhook.test' AND state = 'pending';
