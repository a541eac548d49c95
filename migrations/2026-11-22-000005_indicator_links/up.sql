-- Indicators measure objectives and serve priorities (many to many both).
CREATE TABLE objective_indicators (
    objective_id uuid NOT NULL REFERENCES objectives (id),
    indicator_id uuid NOT NULL REFERENCES indicators (id),
    PRIMARY KEY (objective_id, indicator_id)
);
CREATE INDEX objective_indicators_indicator_idx ON objective_indicators (indicator_id);

CREATE TABLE indicator_priorities (
    indicator_id uuid NOT NULL REFERENCES indicators (id),
    priority_id  uuid NOT NULL REFERENCES priorities (id),
    PRIMARY KEY (indicator_id, priority_id)
);
CREATE INDEX indicator_priorities_priority_idx ON indicator_priorities (priority_id);
