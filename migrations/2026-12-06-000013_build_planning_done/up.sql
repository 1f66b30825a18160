-- Whether an initializer session ran its course. A feature list alone does
-- not say so: a paused initializer may have written it before the project's
-- skeleton, and coding sessions cannot start from that.
ALTER TABLE builds ADD COLUMN planned boolean NOT NULL DEFAULT false;
-- Builds from before kept their rule: a readable feature list meant planned.
UPDATE builds SET planned = features_total > 0;
