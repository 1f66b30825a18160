-- The build page folds a build's state (phase, features, files, errors,
-- progress) from its events when it renders. Log lines and tool calls are
-- most of the rows and tell no state; this index finds the others without
-- reading them. The query names the same kinds literally, so the planner
-- can prove the predicate for a prepared statement too.
CREATE INDEX build_events_state ON build_events (build_id, seq)
    WHERE kind NOT IN ('log', 'tool_start', 'tool_end', 'session_usage');
