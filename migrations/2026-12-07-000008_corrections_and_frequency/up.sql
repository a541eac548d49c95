-- Issue 11: what an indicator is collected as and judged by, derived
-- measures, targets per sub-group, and corrections that keep their history.

-- How often an indicator is collected, and which kind of year its annual
-- figures cover; `none` for measures tracked without a judgement; the
-- outcomes-based accountability category reports group by.
ALTER TABLE indicators DROP CONSTRAINT indicators_frequency_check;
ALTER TABLE indicators ADD CONSTRAINT indicators_frequency_check
    CHECK (frequency IN ('monthly', 'quarterly', 'annual', 'one_off'));
ALTER TABLE indicators ADD COLUMN year_basis text NOT NULL DEFAULT 'financial'
    CHECK (year_basis IN ('financial', 'academic', 'calendar', 'pooled_calendar_years'));
ALTER TABLE indicators DROP CONSTRAINT indicators_polarity_check;
ALTER TABLE indicators ADD CONSTRAINT indicators_polarity_check
    CHECK (polarity IN ('higher_is_better', 'lower_is_better', 'maintain', 'none'));
ALTER TABLE indicators ADD COLUMN oba_category text
    CHECK (oba_category IN ('how_much', 'how_well', 'better_off'));

-- A derived indicator's values are computed from stored series, never
-- typed in: `gap` is source - other; `change_from_baseline` the percentage
-- change of source from its value in baseline_period.
ALTER TABLE indicators ADD COLUMN derivation text
    CHECK (derivation IN ('gap', 'change_from_baseline'));
ALTER TABLE indicators ADD COLUMN source_indicator_id uuid REFERENCES indicators (id);
ALTER TABLE indicators ADD COLUMN source_series text;
ALTER TABLE indicators ADD COLUMN source_breakdown text;
ALTER TABLE indicators ADD COLUMN other_indicator_id uuid REFERENCES indicators (id);
ALTER TABLE indicators ADD COLUMN other_series text;
ALTER TABLE indicators ADD COLUMN other_breakdown text;
ALTER TABLE indicators ADD COLUMN baseline_period text;
ALTER TABLE indicators ADD CONSTRAINT indicators_derivation_shape CHECK (
    (derivation IS NULL AND source_indicator_id IS NULL AND other_indicator_id IS NULL
        AND baseline_period IS NULL)
    OR (derivation = 'gap' AND source_indicator_id IS NOT NULL AND source_series IS NOT NULL
        AND other_indicator_id IS NOT NULL AND other_series IS NOT NULL AND baseline_period IS NULL)
    OR (derivation = 'change_from_baseline' AND source_indicator_id IS NOT NULL
        AND source_series IS NOT NULL AND other_indicator_id IS NULL AND baseline_period IS NOT NULL));
CREATE INDEX indicators_source_idx ON indicators (source_indicator_id);

-- Values: forecasts beside actuals, more comparators, and withdrawal (the
-- row stays, with its history; a new value for its key brings it back).
ALTER TABLE indicator_values DROP CONSTRAINT indicator_values_series_check;
ALTER TABLE indicator_values ADD CONSTRAINT indicator_values_series_check CHECK (series IN (
    'area', 'national', 'statistical_neighbours', 'similar_authorities', 'region',
    'national_target', 'england_top_quartile', 'england_median', 'england_bottom_quartile'));
ALTER TABLE indicator_values DROP CONSTRAINT indicator_values_status_check;
ALTER TABLE indicator_values ADD CONSTRAINT indicator_values_status_check
    CHECK (status IN ('provisional', 'validated', 'forecast'));
ALTER TABLE indicator_values ADD COLUMN withdrawn_at timestamptz;

-- Targets per sub-group (breakdown null: the whole population).
ALTER TABLE indicator_targets ADD COLUMN breakdown text CHECK (breakdown <> '');
ALTER TABLE indicator_targets DROP CONSTRAINT indicator_targets_indicator_id_period_key;
ALTER TABLE indicator_targets ADD CONSTRAINT indicator_targets_key
    UNIQUE NULLS NOT DISTINCT (indicator_id, breakdown, period);

ALTER TABLE indicator_commentary ADD COLUMN withdrawn_at timestamptz;

-- Progress updates are corrected and withdrawn like any record, and ordered
-- by the period they report on.
ALTER TABLE progress_updates ADD COLUMN period_starts_on date;
ALTER TABLE progress_updates ADD COLUMN period_ends_on date;
UPDATE progress_updates SET
    period_starts_on = make_date(substr(period, 3, 4)::int + (substr(period, 11, 1)::int = 4)::int,
                                 ((substr(period, 11, 1)::int % 4) * 3) + 1, 1),
    period_ends_on = (make_date(substr(period, 3, 4)::int + (substr(period, 11, 1)::int = 4)::int,
                                ((substr(period, 11, 1)::int % 4) * 3) + 1, 1)
                      + interval '3 months - 1 day')::date;
ALTER TABLE progress_updates ALTER COLUMN period_starts_on SET NOT NULL;
ALTER TABLE progress_updates ALTER COLUMN period_ends_on SET NOT NULL;
ALTER TABLE progress_updates ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE progress_updates ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE progress_updates ADD COLUMN withdrawn_at timestamptz;
UPDATE progress_updates SET updated_at = created_at;
-- The update that sets a deliverable's status: the latest period, then the
-- latest entry.
CREATE INDEX progress_updates_milestone_latest_idx
    ON progress_updates (milestone_id, period_starts_on DESC, created_at DESC, id DESC)
    WHERE withdrawn_at IS NULL;
CREATE INDEX progress_updates_action_latest_idx
    ON progress_updates (improvement_action_id, period_starts_on DESC, created_at DESC, id DESC)
    WHERE withdrawn_at IS NULL;
