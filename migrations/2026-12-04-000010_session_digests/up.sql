-- A session row is found by the SHA-256 digest of the cookie's value, not the
-- value itself, so whoever reads the table (a backup, a leaked dump) holds no
-- live session. Existing sessions are converted in place: nobody is signed out.
UPDATE sessions SET id = encode(sha256(convert_to(id, 'UTF8')), 'hex');

COMMENT ON COLUMN sessions.id IS 'SHA-256 of the session cookie''s value, in hex';
