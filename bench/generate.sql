-- Scales the demo data: `psql -v scale=10 -f bench/generate.sql` after the
-- demo is loaded adds (scale - 1) copies of its organisations, objectives,
-- milestones (each with four progress updates) and indicators, and gives
-- every indicator ten years of quarterly values with two comparators. So
-- scale 1 is the demo with the values, and scale 100 a hundred demos.
\set ON_ERROR_STOP on
BEGIN;
SELECT setseed(0.42);

-- Organisations: copies under the same parents' copies.
CREATE TEMP TABLE copies AS SELECT k FROM generate_series(2, :scale) AS k;
CREATE TEMP TABLE org_map AS
SELECT o.id AS old_id, c.k, gen_random_uuid() AS new_id
FROM organisations o, copies c;
INSERT INTO organisations (id, code, name, kind, parent_id)
SELECT m.new_id, o.code || '-B' || m.k, o.name || ' (copy ' || m.k || ')', o.kind,
       (SELECT p.new_id FROM org_map p WHERE p.old_id = o.parent_id AND p.k = m.k)
FROM org_map m JOIN organisations o ON o.id = m.old_id;

-- Objectives (under the same plans), their milestones and updates.
CREATE TEMP TABLE objective_map AS
SELECT o.id AS old_id, c.k, gen_random_uuid() AS new_id
FROM objectives o, copies c;
INSERT INTO objectives (id, plan_id, code, kind, title, description, lead_organisation_id,
                        responsible_officer, risk_initial, risk_residual, due_on)
SELECT m.new_id, o.plan_id, o.code || '-B' || m.k, o.kind, o.title, o.description,
       (SELECT p.new_id FROM org_map p WHERE p.old_id = o.lead_organisation_id AND p.k = m.k),
       o.responsible_officer, o.risk_initial, o.risk_residual, o.due_on
FROM objective_map m JOIN objectives o ON o.id = m.old_id;

CREATE TEMP TABLE milestone_map AS
SELECT ms.id AS old_id, c.k, gen_random_uuid() AS new_id
FROM milestones ms, copies c;
INSERT INTO milestones (id, objective_id, code, title, financial_year, sequence, due_on,
                        due_original, lead_organisation_id, status, notes)
SELECT m.new_id,
       (SELECT om.new_id FROM objective_map om WHERE om.old_id = ms.objective_id AND om.k = m.k),
       ms.code || '-B' || m.k, ms.title, ms.financial_year, ms.sequence, ms.due_on,
       ms.due_original,
       (SELECT p.new_id FROM org_map p WHERE p.old_id = ms.lead_organisation_id AND p.k = m.k),
       (ARRAY['not_started', 'on_track', 'at_risk', 'off_track'])[1 + (random() * 3)::int],
       ms.notes
FROM milestone_map m JOIN milestones ms ON ms.id = m.old_id;

INSERT INTO progress_updates (id, milestone_id, period, period_starts_on, period_ends_on,
                              status, commentary, author_sub, author_org, created_at)
SELECT gen_random_uuid(), ms.id, 'FY2009-10-Q' || q,
       make_date(2009 + (q = 4)::int, (q % 4) * 3 + 1, 1),
       (make_date(2009 + (q = 4)::int, (q % 4) * 3 + 1, 1) + interval '3 months - 1 day')::date,
       (ARRAY['on_track', 'at_risk', 'off_track'])[1 + (random() * 2)::int],
       'Quarter ' || q || ' progress as reported by the lead.', 'bench', 'HBC',
       now() - (5 - q) * interval '90 days'
FROM milestones ms, generate_series(1, 4) AS q
WHERE ms.archived_at IS NULL;
-- Each milestone's status is its latest quarter's, as the service keeps it.
UPDATE milestones m SET status = pu.status
FROM (SELECT DISTINCT ON (milestone_id) milestone_id, status FROM progress_updates
      WHERE milestone_id IS NOT NULL
      ORDER BY milestone_id, period_starts_on DESC, created_at DESC) pu
WHERE pu.milestone_id = m.id;

-- Indicators, led by the copies of their lead organisations.
CREATE TEMP TABLE indicator_map AS
SELECT i.id AS old_id, c.k, gen_random_uuid() AS new_id
FROM indicators i, copies c;
INSERT INTO indicators (id, code, kind, title, description, category, unit, decimals, polarity,
                        aggregation, tolerance_kind, tolerance_value, frequency, year_basis,
                        oba_category, key_indicator, laa, lead_organisation_id, data_source, notes)
SELECT m.new_id, i.code || '-B' || m.k, i.kind, i.title, i.description, i.category, i.unit,
       i.decimals, i.polarity, i.aggregation, i.tolerance_kind, i.tolerance_value, i.frequency,
       i.year_basis, i.oba_category, i.key_indicator, i.laa,
       (SELECT p.new_id FROM org_map p WHERE p.old_id = i.lead_organisation_id AND p.k = m.k),
       i.data_source, i.notes
FROM indicator_map m JOIN indicators i ON i.id = m.old_id
-- Derived indicators are computed from their sources; copies of recorded
-- ones are enough for the load.
WHERE i.derivation IS NULL;

-- Ten years of quarters (2000/01 to 2009/10) for every indicator, with
-- the national figure and the statistical neighbours' beside its own.
INSERT INTO indicator_values (id, indicator_id, period, period_starts_on, period_ends_on,
                              series, value, status)
SELECT gen_random_uuid(), i.id,
       'FY' || y || '-' || lpad(((y + 1) % 100)::text, 2, '0') || '-Q' || q,
       make_date(y + (q = 4)::int, (q % 4) * 3 + 1, 1),
       (make_date(y + (q = 4)::int, (q % 4) * 3 + 1, 1) + interval '3 months - 1 day')::date,
       s.series,
       round((CASE WHEN i.unit = 'percent' THEN 40 + random() * 50 ELSE random() * 500 END)::numeric, 1),
       'provisional'
FROM indicators i, generate_series(2000, 2009) AS y, generate_series(1, 4) AS q,
     (VALUES ('area'), ('national'), ('statistical_neighbours')) AS s(series)
ON CONFLICT DO NOTHING;

COMMIT;
ANALYZE;
