DROP TABLE event_writer_groups;
