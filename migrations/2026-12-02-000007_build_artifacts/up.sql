-- What a build leaves behind: its work directory as a tar.gz in object
-- storage, with the evidence pack (manifest.json) beside it. A build that
-- ended after doing work gets a row; the process that holds its work
-- directory claims it, uploads, verifies and records it here.
CREATE TABLE build_artifacts (
    build_id      uuid PRIMARY KEY REFERENCES builds (id) ON DELETE CASCADE,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'uploading', 'stored', 'failed', 'expired')),
    object_key    text,
    size_bytes    bigint CHECK (size_bytes >= 0),
    sha256        text,
    file_count    integer CHECK (file_count >= 0),
    -- Why the last upload failed, or that retention removed it.
    message       text,
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- The process uploading it, until when: one that dies mid-upload leaves
    -- it for another to claim.
    claimed_by    uuid,
    claimed_until timestamptz,
    stored_at     timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX build_artifacts_waiting_idx ON build_artifacts (updated_at)
    WHERE state IN ('pending', 'uploading');
CREATE INDEX build_artifacts_stored_idx ON build_artifacts (stored_at) WHERE state = 'stored';
CREATE TRIGGER build_artifacts_set_updated_at BEFORE UPDATE ON build_artifacts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Never written; build_artifacts.object_key replaces it.
ALTER TABLE builds DROP COLUMN artifact_key;
