ALTER TABLE builds ADD COLUMN artifact_key text;
DROP TABLE build_artifacts;
