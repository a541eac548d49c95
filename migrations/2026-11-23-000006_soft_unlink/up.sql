-- Nothing is hard-deleted through the API: an unlinked indicator keeps its
-- row, marked with when it was unlinked, and linking again clears the mark.
ALTER TABLE objective_indicators ADD COLUMN unlinked_at timestamptz;
