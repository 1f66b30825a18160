ALTER TABLE builds DROP COLUMN planned_in_session;
