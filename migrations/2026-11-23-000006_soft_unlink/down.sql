DELETE FROM objective_indicators WHERE unlinked_at IS NOT NULL;
ALTER TABLE objective_indicators DROP COLUMN unlinked_at;
