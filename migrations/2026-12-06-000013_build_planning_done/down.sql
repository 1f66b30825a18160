ALTER TABLE builds DROP COLUMN planned;
