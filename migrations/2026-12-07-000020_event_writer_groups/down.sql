ALTER TABLE builds
    DROP COLUMN last_writer_group,
    DROP COLUMN last_writer_group_seq;
