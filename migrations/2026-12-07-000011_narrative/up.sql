-- Issue 13: a plan's narrative for a reporting period (key developments,
-- emerging issues, achievements), written by the performance officer.
CREATE TABLE narratives (
    id               uuid PRIMARY KEY,
    plan_id          uuid NOT NULL REFERENCES plans (id),
    period           text NOT NULL,
    period_starts_on date NOT NULL,
    period_ends_on   date NOT NULL,
    section          text NOT NULL
                     CHECK (section IN ('key_developments', 'emerging_issues', 'achievements')),
    body             text NOT NULL,
    author_sub       text NOT NULL,
    author_name      text,
    author_org       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    UNIQUE (plan_id, period, section)
);
