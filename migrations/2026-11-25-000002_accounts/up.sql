-- Accounts: server-side sessions, personal API tokens, and the record of
-- failed sign-ins that throttling reads.

-- One row per browser session. The id is the opaque value of the session
-- cookie; data is the session's key/value map as JSON.
CREATE TABLE sessions (
    id         text PRIMARY KEY,
    data       jsonb NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Personal API tokens. Only a SHA-256 hash of the secret is kept; the prefix
-- lets a person recognise a token in the list without revealing it.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user_created_idx ON api_tokens (user_id, created_at DESC);

-- Failed sign-ins, kept for the throttling window. account_key is the
-- lower-cased email that was tried (whether or not such an account exists),
-- client_address the address the attempt came from, when known.
CREATE TABLE sign_in_failures (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_key    text NOT NULL,
    client_address text,
    failed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_account_idx ON sign_in_failures (account_key, failed_at);
CREATE INDEX sign_in_failures_address_idx ON sign_in_failures (client_address, failed_at)
    WHERE client_address IS NOT NULL;
