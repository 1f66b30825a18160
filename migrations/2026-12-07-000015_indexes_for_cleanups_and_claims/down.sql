DROP INDEX builds_claimable_idx;
CREATE INDEX builds_claimable_idx ON builds (created_at)
    WHERE status IN ('queued', 'running', 'paused');

DROP INDEX model_requests_created_idx;
DROP INDEX sign_in_failures_failed_idx;
DROP INDEX webhook_deliveries_finished_idx;
DROP INDEX webhook_deliveries_build_idx;
