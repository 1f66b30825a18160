-- The last group of events the build's event writer committed: its name and
-- the number of its last event. A writer whose COMMIT was answered by a
-- dropped connection cannot tell whether the group was stored; sending it
-- again finds its name here rather than storing every event twice.
ALTER TABLE builds
    ADD COLUMN last_writer_group uuid,
    ADD COLUMN last_writer_group_seq bigint;
