-- What each spec's versions take (their names and texts, in bytes), kept on
-- the spec, so an account's total is a sum over its specs (a thousand rows
-- at most) rather than over every version it ever saved. Deleting a spec
-- takes its versions' bytes with it.
ALTER TABLE app_specs ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;

-- Counted by the database as each version is written, whichever server
-- writes it (during a rolling upgrade, one that predates this column too).
CREATE FUNCTION count_spec_version_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE app_specs
    SET stored_bytes = stored_bytes + octet_length(NEW.name) + octet_length(NEW.content)
    WHERE id = NEW.spec_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER app_spec_versions_count_bytes
    AFTER INSERT ON app_spec_versions
    FOR EACH ROW EXECUTE FUNCTION count_spec_version_bytes();

-- The versions kept so far. The column's ALTER holds the table's lock until
-- this commits, so no version is written meanwhile; octet_length reads a
-- long text's size from its header, so this reads no spec's text (about a
-- second per million versions).
UPDATE app_specs
SET stored_bytes = kept.bytes
FROM (
    SELECT spec_id, sum(octet_length(name) + octet_length(content)) AS bytes
    FROM app_spec_versions
    GROUP BY spec_id
) AS kept
WHERE kept.spec_id = app_specs.id;
