DROP INDEX build_events_state;
