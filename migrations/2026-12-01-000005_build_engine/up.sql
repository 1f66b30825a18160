-- The build engine. The builds table is the queue: workers claim a build
-- (FOR UPDATE SKIP LOCKED) and hold a lease they renew; a build whose lease
-- ran out (its process died) is claimed again and resumes. Every event of a
-- build, log lines included, is one row of build_events, numbered without
-- gaps by builds.last_event_seq, which each writer advances in the same
-- transaction as its insert.

ALTER TABLE builds
    -- The spec's name when the build was created, like its content.
    ADD COLUMN spec_name text NOT NULL DEFAULT '',
    ADD COLUMN provider text NOT NULL DEFAULT '',
    ADD COLUMN model text NOT NULL DEFAULT '',
    ADD COLUMN input_tokens bigint NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    ADD COLUMN output_tokens bigint NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    -- Agent sessions run, and how many in a row added no passing feature.
    ADD COLUMN sessions integer NOT NULL DEFAULT 0 CHECK (sessions >= 0),
    ADD COLUMN stalled_sessions integer NOT NULL DEFAULT 0 CHECK (stalled_sessions >= 0),
    ADD COLUMN features_passing integer NOT NULL DEFAULT 0,
    ADD COLUMN features_total integer NOT NULL DEFAULT 0,
    -- Seconds the agent has worked, pauses excluded.
    ADD COLUMN active_secs bigint NOT NULL DEFAULT 0,
    -- The per-build limits count from here: a person resuming a build that
    -- reached one grants it another allowance.
    ADD COLUMN limits_from_tokens bigint NOT NULL DEFAULT 0,
    ADD COLUMN limits_from_sessions integer NOT NULL DEFAULT 0,
    ADD COLUMN limits_from_secs bigint NOT NULL DEFAULT 0,
    -- A paused build with resume_at is claimed again from that moment on.
    ADD COLUMN resume_at timestamptz,
    ADD COLUMN lease_owner uuid,
    ADD COLUMN lease_expires_at timestamptz,
    ADD COLUMN last_event_seq bigint NOT NULL DEFAULT 0 CHECK (last_event_seq >= 0);

UPDATE builds b SET spec_name = s.name FROM app_specs s WHERE s.id = b.app_spec_id;

-- What workers look for: builds that are not over.
CREATE INDEX builds_claimable_idx ON builds (created_at)
    WHERE status IN ('queued', 'running', 'paused');

-- Log lines are events like any other now.
DROP TABLE build_logs;
