-- The archive's evidence (test runs, feature ends, session usage) without
-- reading the rest of a long history. Built without blocking the event
-- writers of a large table, so alone in its migration and outside a
-- transaction (metadata.toml). Interrupted, such a build leaves an invalid
-- index behind: the next start then stops here, loudly, rather than record
-- a useless index as made (`DROP INDEX build_events_evidence` clears it).
CREATE INDEX CONCURRENTLY build_events_evidence ON build_events (build_id, seq)
    WHERE kind IN ('test_run', 'feature_end', 'session_usage');
