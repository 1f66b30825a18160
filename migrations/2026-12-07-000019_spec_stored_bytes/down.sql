DROP TRIGGER app_spec_versions_count_bytes ON app_spec_versions;
DROP FUNCTION count_spec_version_bytes();
ALTER TABLE app_specs DROP COLUMN stored_bytes;
