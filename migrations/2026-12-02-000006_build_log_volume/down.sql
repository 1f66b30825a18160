ALTER TABLE builds
    DROP COLUMN log_lines_dropped,
    DROP COLUMN event_bytes;
