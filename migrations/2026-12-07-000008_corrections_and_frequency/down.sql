DROP INDEX progress_updates_action_latest_idx;
DROP INDEX progress_updates_milestone_latest_idx;
ALTER TABLE progress_updates DROP COLUMN withdrawn_at, DROP COLUMN version,
    DROP COLUMN updated_at, DROP COLUMN period_ends_on, DROP COLUMN period_starts_on;
ALTER TABLE indicator_commentary DROP COLUMN withdrawn_at;
ALTER TABLE indicator_targets DROP CONSTRAINT indicator_targets_key;
DELETE FROM indicator_targets WHERE breakdown IS NOT NULL;
ALTER TABLE indicator_targets DROP COLUMN breakdown;
ALTER TABLE indicator_targets ADD CONSTRAINT indicator_targets_indicator_id_period_key
    UNIQUE (indicator_id, period);
ALTER TABLE indicator_values DROP COLUMN withdrawn_at;
ALTER TABLE indicator_values DROP CONSTRAINT indicator_values_status_check;
ALTER TABLE indicator_values ADD CONSTRAINT indicator_values_status_check
    CHECK (status IN ('provisional', 'validated'));
ALTER TABLE indicator_values DROP CONSTRAINT indicator_values_series_check;
ALTER TABLE indicator_values ADD CONSTRAINT indicator_values_series_check CHECK (series IN (
    'area', 'national', 'statistical_neighbours', 'region',
    'england_top_quartile', 'england_median', 'england_bottom_quartile'));
DROP INDEX indicators_source_idx;
ALTER TABLE indicators DROP CONSTRAINT indicators_derivation_shape;
ALTER TABLE indicators DROP COLUMN baseline_period, DROP COLUMN other_breakdown,
    DROP COLUMN other_series, DROP COLUMN other_indicator_id, DROP COLUMN source_breakdown,
    DROP COLUMN source_series, DROP COLUMN source_indicator_id, DROP COLUMN derivation;
ALTER TABLE indicators DROP COLUMN oba_category;
ALTER TABLE indicators DROP CONSTRAINT indicators_polarity_check;
ALTER TABLE indicators ADD CONSTRAINT indicators_polarity_check
    CHECK (polarity IN ('higher_is_better', 'lower_is_better', 'maintain'));
ALTER TABLE indicators DROP COLUMN year_basis;
ALTER TABLE indicators DROP CONSTRAINT indicators_frequency_check;
ALTER TABLE indicators ADD CONSTRAINT indicators_frequency_check
    CHECK (frequency IN ('quarterly', 'annual'));
