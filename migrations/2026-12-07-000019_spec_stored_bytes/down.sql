ALTER TABLE app_specs DROP COLUMN stored_bytes;
