-- The last group of events each event writer committed: its name and the
-- number of its last event. A writer whose COMMIT was answered by a dropped
-- connection cannot tell whether the group was stored; sending it again
-- finds its name here rather than storing every event twice. A row per
-- writer, since a build has more than one at a time (its run's, its
-- preview's); a writer removes its row when it ends.
CREATE TABLE event_writer_groups (
    writer uuid PRIMARY KEY,
    build_id uuid NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    last_group uuid NOT NULL,
    -- NULL for a group of counts only (tokens, dropped lines), no events.
    last_seq bigint
);

CREATE INDEX event_writer_groups_build ON event_writer_groups (build_id);
