-- Rate limits every server process shares: one row per bucket (what is
-- counted, for whom), holding the generic cell rate algorithm's theoretical
-- arrival time. A bucket whose time has passed is whole again; such rows are
-- deleted now and then, and a missing row means the same.
CREATE TABLE rate_limits (
    bucket text PRIMARY KEY CHECK (length(bucket) <= 200),
    tat    timestamptz NOT NULL
);
CREATE INDEX rate_limits_tat_idx ON rate_limits (tat);
