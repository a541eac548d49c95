//! Every collection the document lists runs a bounded number of SQL
//! statements (counted by the app's pool), on the demo data: no more for
//! `limit=500` than for `limit=1` where it pages, beyond the look-ups a
//! small page may skip (a page whose items have no parent needs no parent
//! query), and never more than the bound written here. An N+1 query in a
//! list shows as hundreds more for the large page; a new collection without
//! a bound fails the test.
//!
//! The collections are the `GET`s that answer a `*Page` or take `limit`,
//! every `.../trace`, every `GET` that can answer `text/csv` (as an export,
//! measured with `Accept: text/csv`), and the reports in [`ALSO`]. A nested
//! collection is measured under up to [`PARENTS`] real parents, and its
//! bound holds under each.
//!
//! Requests here are sequential: statement counts must not interleave.

/// How many reference look-ups a one-item page may skip that a full page runs.
const SKIPPABLE: u64 = 2;

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::Method;
use trustplan::web::auth::Role;

use super::{operations, real_paths, seed_missing_records, Op};
use crate::helpers::{Res, TestApp};

/// Collections that are neither pages nor traces but grow with the data.
const ALSO: &[&str] = &["get_performance", "get_indicator_series"];

/// How many real parents a nested collection is measured under.
const PARENTS: usize = 25;

/// The most SQL statements one request of each collection may run (on the
/// demo data: measured, then one above, for the identity check a request
/// makes when its cache has expired). A page of organisations, plans,
/// risks, inspections, milestones or audit entries is one statement, its
/// references embedded. A CSV export is named
/// `<operationId> (text/csv)`. A trace computes every indicator at its own
/// latest period in one computation, so its count does not grow with the
/// periods its indicators report on.
const BOUNDS: &[(&str, u64)] = &[
    ("list_audit", 2),
    ("list_changes", 2),
    ("list_reporting_cycles", 3),
    ("list_narrative", 4),
    ("list_narratives", 3),
    ("narrative_history", 3),
    ("reporting_cycle_history", 3),
    ("list_webhooks", 2),
    ("webhook_history", 3),
    ("list_webhook_deliveries", 4),
    ("list_organisations", 2),
    ("organisation_history", 3),
    ("list_plans", 2),
    ("plan_history", 3),
    ("list_priorities", 4),
    ("priority_history", 4),
    ("list_objectives", 7),
    ("objective_history", 8),
    ("list_objective_risks", 3),
    ("list_objective_indicators", 6),
    ("list_objective_milestones", 3),
    ("list_risks", 2),
    ("risk_history", 3),
    ("list_milestones", 2),
    ("milestone_history", 3),
    ("list_milestone_updates", 3),
    ("list_objective_updates", 7),
    ("list_risk_reviews", 4),
    ("list_report_snapshots", 3),
    ("quarterly_report (text/csv)", 30),
    ("annual_report (text/csv)", 30),
    ("improvement_report (text/csv)", 30),
    ("get_report_snapshot_content (text/csv)", 3),
    ("list_inspections", 2),
    ("inspection_history", 3),
    ("list_judgements", 3),
    ("judgement_history", 3),
    ("list_recommendations", 3),
    ("recommendation_history", 4),
    ("trace_recommendation", 31),
    ("list_improvement_areas", 9),
    ("improvement_area_history", 10),
    ("list_improvement_actions", 8),
    ("improvement_action_history", 9),
    ("list_improvement_action_updates", 9),
    ("list_values", 3),
    ("list_values (text/csv)", 3),
    ("value_history", 4),
    ("list_indicators", 5),
    ("indicator_history", 6),
    ("list_indicator_targets", 3),
    ("list_indicator_values", 4),
    ("list_indicator_commentary", 3),
    ("get_indicator_series", 4),
    ("get_performance", 5),
    ("list_service_accounts", 3),
    ("service_account_history", 4),
];

/// The query of a report: a demo plan and a period it covers.
fn report_query(operation_id: &str) -> Option<String> {
    let plan = |code| trustplan::demo::demo_id("plan", code);
    Some(match operation_id {
        "quarterly_report" => format!("?plan_id={}&period=FY2009-10-Q2", plan("SS-2009-12")),
        "annual_report" => format!("?plan_id={}&year=FY2009-10", plan("CYPP-2009-11")),
        "improvement_report" => {
            format!("?plan_id={}&period=FY2008-09-Q4", plan("JAR-IP-2008-09"))
        }
        _ => return None,
    })
}

/// One collection to measure: its operation, and whether as a CSV export.
struct Collection<'a> {
    op: &'a Op,
    csv: bool,
}

impl Collection<'_> {
    fn name(&self) -> String {
        if self.csv {
            format!("{} (text/csv)", self.op.id)
        } else {
            self.op.id.clone()
        }
    }
}

fn collections() -> Vec<Collection<'static>> {
    let mut out = Vec::new();
    for op in operations().iter().filter(|o| o.method == Method::GET) {
        let paged = op.ok_schema().is_some_and(|s| s.ends_with("Page")) || op.takes_query("limit");
        if paged || op.template.ends_with("/trace") || ALSO.contains(&op.id.as_str()) {
            out.push(Collection { op, csv: false });
        }
        if op.answers("text/csv") {
            out.push(Collection { op, csv: true });
        }
    }
    for id in ALSO {
        assert!(
            operations().iter().any(|o| o.id == *id),
            "ALSO names {id}, which the document does not have"
        );
    }
    out
}

#[test]
fn the_bounds_name_every_collection_and_nothing_else() {
    let table: BTreeMap<&str, u64> = BOUNDS.iter().copied().collect();
    assert_eq!(
        table.len(),
        BOUNDS.len(),
        "a name is listed twice in BOUNDS"
    );
    let names: BTreeSet<String> = collections().iter().map(Collection::name).collect();
    let listed: BTreeSet<String> = table.keys().map(|k| k.to_string()).collect();
    let missing: Vec<&String> = names.difference(&listed).collect();
    let unknown: Vec<&String> = listed.difference(&names).collect();
    assert!(
        missing.is_empty(),
        "collections without a query bound in BOUNDS (measure and add them): {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "BOUNDS names collections the document does not have: {unknown:?}"
    );
}

/// One request, and the statements it ran.
async fn measure(app: &TestApp, path: &str, csv: bool) -> (u64, Res) {
    let mut req = app.get(path).with_role(Role::Admin);
    if csv {
        req = req.header("accept", "text/csv");
    }
    let before = app.queries();
    let res = req.send().await;
    (app.queries() - before, res)
}

/// What a collection measured: the most statements and the most items.
#[derive(Default)]
struct Measured {
    statements: u64,
    items: usize,
    paths: usize,
}

#[actix_web::test]
async fn every_collection_runs_a_bounded_number_of_statements_whatever_its_size() {
    let app = TestApp::spawn_with_demo().await;
    seed_missing_records(&app).await;
    let table: BTreeMap<&str, u64> = BOUNDS.iter().copied().collect();
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for c in collections() {
        let name = c.name();
        let paths = if c.op.template.contains('{') {
            real_paths(&app, &c.op.template, PARENTS).await
        } else {
            vec![c.op.template.clone()]
        };
        if paths.is_empty() {
            failures.push(format!("{name}: no real parent found to list under"));
            continue;
        }
        let mut m = Measured::default();
        for path in paths {
            let query = report_query(&c.op.id).unwrap_or_else(|| c.op.required_query());
            let pages = c.op.takes_query("limit") && !c.csv;
            let limits: &[Option<u32>] = if pages {
                &[Some(1), Some(500)]
            } else {
                &[None]
            };
            let mut counts = Vec::new();
            for limit in limits {
                let url = match (limit, query.is_empty()) {
                    (None, _) => format!("{path}{query}"),
                    (Some(l), true) => format!("{path}?limit={l}"),
                    (Some(l), false) => format!("{path}{query}&limit={l}"),
                };
                let (n, res) = measure(&app, &url, c.csv).await;
                if res.status != 200 {
                    failures.push(format!(
                        "{name}: GET {url} answered {}; {}",
                        res.status,
                        res.text.chars().take(300).collect::<String>()
                    ));
                }
                // Rows: CSV lines after the header, or a list's items (the
                // trace and the series are not lists: counted as none).
                let listed = if c.csv {
                    res.text.lines().count().saturating_sub(1)
                } else {
                    res.body["items"].as_array().map_or(0, Vec::len)
                };
                m.items = m.items.max(listed);
                m.statements = m.statements.max(n);
                counts.push((limit.unwrap_or(0), n, listed));
            }
            if let [(_, small, _), (_, large, listed)] = counts[..] {
                // A small page may skip a look-up it has nothing for, never
                // add one; the bound caps the large page.
                if small > large || large > small + SKIPPABLE {
                    failures.push(format!(
                        "{name}: GET {path} ran {small} statements for limit=1 and {large} for \
                         limit=500 ({listed} items)"
                    ));
                }
            }
            m.paths += 1;
        }
        match table.get(name.as_str()) {
            Some(bound) if m.statements > *bound => failures.push(format!(
                "{name}: {} statements, over its bound {bound}",
                m.statements
            )),
            Some(_) => {}
            None => failures.push(format!(
                "{name}: no bound in BOUNDS (measured {})",
                m.statements
            )),
        }
        report.push(format!(
            "{name:<40} {:>3} statements, at most {:>4} items, {:>2} path(s)",
            m.statements, m.items, m.paths
        ));
    }
    println!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{} failures:\n{}\n\nmeasured:\n{}",
        failures.len(),
        failures.join("\n"),
        report.join("\n")
    );
}
