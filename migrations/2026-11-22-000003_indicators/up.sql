-- Performance indicators (issue 4): the indicators themselves, their targets
-- per period, their observations (our own figures and comparators) and the
-- commentary ("story behind the curve") per period.
--
-- Periods are stored as their code plus the dates they cover, so that lists
-- sort and filter by time without parsing codes in SQL.

CREATE TABLE indicators (
    id                   uuid PRIMARY KEY,
    code                 text NOT NULL UNIQUE,
    kind                 text NOT NULL CHECK (kind IN ('national', 'local', 'outcome')),
    title                text NOT NULL,
    description          text,
    category             text,
    unit                 text NOT NULL CHECK (unit IN (
                             'percent', 'percent_change', 'count', 'number', 'rate', 'ratio',
                             'currency', 'rank', 'not_stated')),
    decimals             smallint NOT NULL DEFAULT 1 CHECK (decimals BETWEEN 0 AND 6),
    polarity             text NOT NULL CHECK (polarity IN ('higher_is_better', 'lower_is_better', 'maintain')),
    aggregation          text NOT NULL DEFAULT 'point_in_time' CHECK (aggregation IN ('point_in_time', 'cumulative')),
    tolerance_kind       text NOT NULL DEFAULT 'percent' CHECK (tolerance_kind IN ('percent', 'absolute')),
    tolerance_value      double precision NOT NULL DEFAULT 5 CHECK (tolerance_value >= 0),
    frequency            text NOT NULL DEFAULT 'annual' CHECK (frequency IN ('quarterly', 'annual')),
    key_indicator        boolean NOT NULL DEFAULT false,
    laa                  boolean NOT NULL DEFAULT false,
    lead_organisation_id uuid REFERENCES organisations (id),
    data_source          text,
    notes                text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer NOT NULL DEFAULT 1,
    archived_at          timestamptz
);
CREATE INDEX indicators_lead_organisation_idx ON indicators (lead_organisation_id);

-- One target per indicator and period. Removing a target archives it; setting
-- it again brings the row back, so its history stays in one place.
CREATE TABLE indicator_targets (
    id               uuid PRIMARY KEY,
    indicator_id     uuid NOT NULL REFERENCES indicators (id),
    period           text NOT NULL,
    period_starts_on date NOT NULL,
    period_ends_on   date NOT NULL,
    value            double precision NOT NULL,
    note             text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    archived_at      timestamptz,
    UNIQUE (indicator_id, period),
    CHECK (period_ends_on >= period_starts_on)
);

-- Observations: one value per indicator, series, breakdown (null for the
-- whole population) and period.
CREATE TABLE indicator_values (
    id               uuid PRIMARY KEY,
    indicator_id     uuid NOT NULL REFERENCES indicators (id),
    period           text NOT NULL,
    period_starts_on date NOT NULL,
    period_ends_on   date NOT NULL,
    series           text NOT NULL CHECK (series IN (
                         'area', 'national', 'statistical_neighbours', 'region',
                         'england_top_quartile', 'england_median', 'england_bottom_quartile')),
    breakdown        text CHECK (breakdown <> ''),
    value            double precision NOT NULL,
    numerator        double precision,
    denominator      double precision,
    status           text NOT NULL DEFAULT 'provisional' CHECK (status IN ('provisional', 'validated')),
    note             text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    UNIQUE NULLS NOT DISTINCT (indicator_id, series, breakdown, period),
    CHECK (period_ends_on >= period_starts_on)
);
CREATE INDEX indicator_values_period_idx ON indicator_values (period, indicator_id);

-- The story behind the curve, one per indicator and period.
CREATE TABLE indicator_commentary (
    id                       uuid PRIMARY KEY,
    indicator_id             uuid NOT NULL REFERENCES indicators (id),
    period                   text NOT NULL,
    period_starts_on         date NOT NULL,
    period_ends_on           date NOT NULL,
    overview                 text,
    what_made_the_difference text,
    what_happens_next        text,
    author_sub               text NOT NULL,
    author_name              text,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    version                  integer NOT NULL DEFAULT 1,
    UNIQUE (indicator_id, period),
    CHECK (period_ends_on >= period_starts_on)
);
