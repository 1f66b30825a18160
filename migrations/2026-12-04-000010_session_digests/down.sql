-- A digest cannot be turned back into the cookie's value: everyone signs in again.
DELETE FROM sessions;

COMMENT ON COLUMN sessions.id IS NULL;
