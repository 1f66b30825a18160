-- Webhooks: URLs a user registers to hear about their builds (completed,
-- failed, paused, needs attention, budget at 80 %) while away.
CREATE TABLE webhooks (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url         text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    events      text[] NOT NULL CHECK (cardinality(events) >= 1),
    -- The signing secret (`whsec_` and base64): the receiver holds the same
    -- one to check signatures, so it is kept as is, like a password would not be.
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_user_idx ON webhooks (user_id, created_at);

-- The outbox: a delivery is written in the transaction that stores the
-- build's event, so it exists exactly when the event does, and waits here
-- (across restarts) until the receiver answers 2xx or the attempts run out.
CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           text NOT NULL,
    build_id        uuid REFERENCES builds (id) ON DELETE SET NULL,
    -- The exact body sent (and signed) on every attempt.
    payload         text NOT NULL,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- The process sending it, until when: one that dies mid-send leaves it
    -- for another to claim.
    claimed_by      uuid,
    claimed_until   timestamptz,
    response_status integer,
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (webhook_id, created_at DESC);
