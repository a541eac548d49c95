//! `GET /performance/summary` (issue 13): the board's counts by status,
//! grouped by lead organisation with the council's roll-up, by priority,
//! objective and OBA category.

use std::collections::HashMap;

use serde_json::Value;
use trustplan::web::auth::Role;

use crate::helpers::TestApp;

const STATUSES: [&str; 8] = [
    "green",
    "amber",
    "red",
    "no_target",
    "missing",
    "pending",
    "not_due",
    "not_judged",
];

fn sum(counts: &Value) -> i64 {
    STATUSES.iter().map(|s| counts[s].as_i64().unwrap()).sum()
}

async fn summary(app: &TestApp, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/performance/summary?{query}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    res.body.clone()
}

#[actix_web::test]
async fn the_summary_rolls_departments_up_to_the_council_and_matches_the_performance_view() {
    let app = TestApp::spawn_with_demo().await;
    let period = "FY2009-10-Q2";
    let by_org = summary(&app, &format!("period={period}&group_by=lead_organisation")).await;
    // The overall counts are the performance view's.
    let view = app
        .get(&format!("/api/v1/performance?period={period}&limit=1"))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(by_org["counts"], view.body["counts"]);
    assert_eq!(by_org["total"], view.body["total"]);
    assert_eq!(sum(&by_org["counts"]), by_org["total"].as_i64().unwrap());

    let groups = by_org["groups"].as_array().unwrap();
    let by_code: HashMap<&str, &Value> = groups
        .iter()
        .filter_map(|g| g["code"].as_str().map(|c| (c, g)))
        .collect();
    let council = by_code["HBC"];
    let children: Vec<&&Value> = by_code
        .values()
        .filter(|g| g["parent_key"] == council["key"])
        .collect();
    assert!(
        !children.is_empty(),
        "the council's departments lead indicators"
    );
    // The council counts what it leads and everything its departments lead.
    let below: i64 = children.iter().map(|g| g["total"].as_i64().unwrap()).sum();
    assert_eq!(
        council["total"].as_i64().unwrap(),
        council["direct_total"].as_i64().unwrap() + below,
        "{council}"
    );
    for s in STATUSES {
        let below: i64 = children
            .iter()
            .map(|g| g["counts"][s].as_i64().unwrap())
            .sum();
        assert_eq!(
            council["counts"][s].as_i64().unwrap(),
            council["direct_counts"][s].as_i64().unwrap() + below,
            "{s}"
        );
    }
    // Counting each indicator once, at the organisation that leads it.
    let direct: i64 = groups
        .iter()
        .map(|g| g["direct_total"].as_i64().unwrap())
        .sum();
    assert_eq!(direct, by_org["total"].as_i64().unwrap());
    // And the department's own line agrees with the performance view filtered by it.
    let ss = by_code["HBC-SS"];
    let filtered = app
        .get(&format!(
            "/api/v1/performance?period={period}&lead_organisation_id={}&limit=1",
            ss["key"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(ss["direct_counts"], filtered.body["counts"]);
}

#[actix_web::test]
async fn the_summary_groups_by_oba_category_priority_and_objective_in_bounded_statements() {
    let app = TestApp::spawn_with_demo().await;
    app.warm_up().await;
    let before = app.queries();
    let oba = summary(&app, "period=FY2009-10-Q2&group_by=oba_category").await;
    let statements = app.queries() - before;
    assert!(statements <= 8, "{statements} statements");
    let codes: Vec<&str> = oba["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap_or("-"))
        .collect();
    assert!(
        codes.contains(&"better_off") && codes.contains(&"how_much") && codes.contains(&"how_well"),
        "{codes:?}"
    );
    let total: i64 = oba["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["total"].as_i64().unwrap())
        .sum();
    assert_eq!(
        total,
        oba["total"].as_i64().unwrap(),
        "each indicator in one OBA group"
    );

    for grouping in ["priority", "objective"] {
        let s = summary(&app, &format!("period=FY2009-10-Q2&group_by={grouping}")).await;
        let groups = s["groups"].as_array().unwrap();
        assert!(groups.len() > 1, "{grouping}: {s}");
        for g in groups {
            assert_eq!(g["total"], g["direct_total"]);
            assert_eq!(sum(&g["counts"]), g["total"].as_i64().unwrap());
            assert_eq!(g["parent_key"], Value::Null);
        }
    }
    let objective = summary(&app, "period=FY2009-10-Q2&group_by=objective&key=true").await;
    assert!(objective["total"].as_i64().unwrap() < oba["total"].as_i64().unwrap());

    for bad in [
        "group_by=lead_organisation",
        "period=FY2009-10-Q2&group_by=colour",
        "period=FY2009-10-Q2&limit=5",
    ] {
        app.get(&format!("/api/v1/performance/summary?{bad}"))
            .with_role(Role::Viewer)
            .send()
            .await
            .expect(400);
    }
    app.get("/api/v1/performance/summary?period=Q9")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(422);
}
