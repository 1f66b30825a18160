-- A preview app's output tells nothing of a build's state, and a chatty app
-- writes it by the million: the state index (and the build page's fold,
-- which names the same kinds) leaves it out too.
DROP INDEX build_events_state;
CREATE INDEX build_events_state ON build_events (build_id, seq)
    WHERE kind NOT IN ('log', 'tool_start', 'tool_end', 'session_usage', 'app_log');
