-- What each spec's versions take (their names and texts, in bytes), kept on
-- the spec, so an account's total is a sum over its specs (a thousand rows
-- at most) rather than over every version it ever saved. Deleting a spec
-- takes its versions' bytes with it.
ALTER TABLE app_specs ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;

UPDATE app_specs
SET stored_bytes = kept.bytes
FROM (
    SELECT spec_id, sum(octet_length(name) + octet_length(content)) AS bytes
    FROM app_spec_versions
    GROUP BY spec_id
) AS kept
WHERE kept.spec_id = app_specs.id;
