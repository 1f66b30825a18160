DROP INDEX build_events_state;
CREATE INDEX build_events_state ON build_events (build_id, seq)
    WHERE kind NOT IN ('log', 'tool_start', 'tool_end', 'session_usage');
