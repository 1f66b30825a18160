CREATE TABLE build_logs (
    build_id   uuid NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    seq        bigint NOT NULL CHECK (seq >= 0),
    stream     text NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
    line       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (build_id, seq)
);

DROP INDEX builds_claimable_idx;

ALTER TABLE builds
    DROP COLUMN spec_name,
    DROP COLUMN provider,
    DROP COLUMN model,
    DROP COLUMN input_tokens,
    DROP COLUMN output_tokens,
    DROP COLUMN sessions,
    DROP COLUMN stalled_sessions,
    DROP COLUMN features_passing,
    DROP COLUMN features_total,
    DROP COLUMN active_secs,
    DROP COLUMN limits_from_tokens,
    DROP COLUMN limits_from_sessions,
    DROP COLUMN limits_from_secs,
    DROP COLUMN resume_at,
    DROP COLUMN lease_owner,
    DROP COLUMN lease_expires_at,
    DROP COLUMN last_event_seq;
