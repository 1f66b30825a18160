-- What a build's events weigh, so that a build printing without end meets a
-- limit: past it, command output is counted here instead of stored.
ALTER TABLE builds
    ADD COLUMN event_bytes bigint NOT NULL DEFAULT 0 CHECK (event_bytes >= 0),
    ADD COLUMN log_lines_dropped bigint NOT NULL DEFAULT 0 CHECK (log_lines_dropped >= 0);
