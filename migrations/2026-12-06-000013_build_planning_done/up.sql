-- The session whose initializer finished the plan, after which coding
-- sessions may follow. A feature list alone does not say so: a paused
-- initializer may have written it before the project's skeleton. A work
-- directory restored from a checkpoint older than it holds no plan.
ALTER TABLE builds ADD COLUMN planned_in_session integer;
-- Builds from before kept their rule: a readable feature list meant planned.
UPDATE builds SET planned_in_session = 1 WHERE features_total > 0;
