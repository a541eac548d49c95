//! Computed performance through HTTP: NI59 against its 91% target with
//! 2009/10 quarterly actuals, a cumulative indicator year-to-date, quartile
//! bands and comparators, the whole-plan report and its bounded queries.

use actix_web::http::Method;
use serde_json::{json, Value};
use trustplan::web::auth::Role;

use crate::helpers::TestApp;
use crate::indicators::indicator_id;

async fn put_value(app: &TestApp, id: &str, series: &str, period: &str, value: f64) {
    let res = app
        .req(
            Method::PUT,
            &format!("/api/v1/indicators/{id}/values/{series}/{period}"),
        )
        .with_role(Role::Editor)
        .json(&json!({"value": value}))
        .send()
        .await;
    assert!(res.status == 201 || res.status == 200, "{}", res.text);
}

async fn performance(app: &TestApp, id: &str, period: &str) -> Value {
    let res = app
        .get(&format!(
            "/api/v1/indicators/{id}/performance?period={period}"
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    res.body.clone()
}

/// The demo with NI59's 2009/10 quarters entered: Q1 90.2, Q2 91.5, Q3 85.0,
/// no Q4; 2008/09 Q2 90.0; England quartiles and a national figure for Q2.
async fn demo_with_ni59_quarters() -> (TestApp, String) {
    let app = TestApp::spawn_with_demo().await;
    let ni59 = indicator_id(&app, "NI59").await;
    for (series, period, value) in [
        ("area", "FY2009-10-Q1", 90.2),
        ("area", "FY2009-10-Q2", 91.5),
        ("area", "FY2009-10-Q3", 85.0),
        ("area", "FY2008-09-Q2", 90.0),
        ("national", "FY2009-10-Q2", 89.0),
        ("england_top_quartile", "FY2009-10-Q2", 93.0),
        ("england_median", "FY2009-10-Q2", 90.0),
        ("england_bottom_quartile", "FY2009-10-Q2", 87.0),
    ] {
        put_value(&app, &ni59, series, period, value).await;
    }
    (app, ni59)
}

#[actix_web::test]
async fn ni59_quarters_are_judged_against_the_91_percent_target_of_2009_10() {
    let (app, ni59) = demo_with_ni59_quarters().await;
    let q1 = performance(&app, &ni59, "FY2009-10-Q1").await;
    assert_eq!(q1["indicator"]["ref"], "NI59");
    assert_eq!(q1["period"]["label"], "2009/10 Q1");
    assert_eq!(q1["target_used"], 91.0);
    assert_eq!(q1["target_basis"], "financial_year_target");
    assert_eq!(q1["actual"], 90.2);
    assert_eq!(q1["variance"], -0.8);
    assert_eq!(q1["rag"], "amber");
    let explanation = q1["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("90.2")
            && explanation.contains("91.0")
            && explanation.contains("amber"),
        "{explanation}"
    );
    assert_eq!(q1["direction"], "not_comparable");

    let q2 = performance(&app, &ni59, "FY2009-10-Q2").await;
    assert_eq!(q2["rag"], "green");
    assert_eq!(q2["direction"], "improving");
    assert_eq!(q2["previous_actual"], 90.0);
    assert_eq!(q2["quartile"], "upper_middle");
    let comparators: Vec<&str> = q2["comparators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["series"].as_str().unwrap())
        .collect();
    assert!(comparators.contains(&"national"), "{comparators:?}");
    assert_eq!(comparators.len(), 4);

    let q3 = performance(&app, &ni59, "FY2009-10-Q3").await;
    assert_eq!(q3["rag"], "red");
    // Q4 of 2009/10 has long ended without an actual.
    let q4 = performance(&app, &ni59, "FY2009-10-Q4").await;
    assert_eq!(q4["rag"], "missing");
    assert!(q4["actual"].is_null());
    // 2007/08 has the published actual but no target.
    let y0708 = performance(&app, &ni59, "FY2007-08").await;
    assert_eq!(y0708["actual"], 89.3);
    assert_eq!(y0708["rag"], "no_target");
}

#[actix_web::test]
async fn performance_carries_the_periods_commentary() {
    let (app, ni59) = demo_with_ni59_quarters().await;
    let before = performance(&app, &ni59, "FY2009-10-Q2").await;
    assert!(before["commentary"].is_null());
    app.req(
        Method::PUT,
        &format!("/api/v1/indicators/{ni59}/commentary/FY2009-10-Q2"),
    )
    .with_role_at(Role::Contributor, "HBC-SS")
    .json(&json!({"overview": "Back on target after the new duty rota"}))
    .send()
    .await
    .expect(201);
    let after = performance(&app, &ni59, "FY2009-10-Q2").await;
    assert_eq!(
        after["commentary"]["overview"],
        "Back on target after the new duty rota"
    );
}

#[actix_web::test]
async fn a_cumulative_quarter_is_judged_year_to_date_against_a_pro_rata_target() {
    let app = TestApp::spawn_with_demo().await;
    // SS LI3 is a count (cumulative) with a 2009/10 target of 5.
    let id = indicator_id(&app, "SS LI3").await;
    put_value(&app, &id, "area", "FY2009-10-Q1", 1.0).await;
    put_value(&app, &id, "area", "FY2009-10-Q2", 2.0).await;
    let q2 = performance(&app, &id, "FY2009-10-Q2").await;
    assert_eq!(q2["target_basis"], "pro_rata_financial_year_target");
    assert_eq!(q2["actual"], 3.0);
    assert_eq!(q2["rag"], "green", "{q2}");
}

#[actix_web::test]
async fn performance_needs_a_valid_period() {
    let (app, ni59) = demo_with_ni59_quarters().await;
    app.get(&format!("/api/v1/indicators/{ni59}/performance"))
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(400);
    let res = app
        .get(&format!(
            "/api/v1/indicators/{ni59}/performance?period=2009-Q1"
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "?period");
    app.get("/api/v1/performance")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(400);
}

#[actix_web::test]
async fn the_report_pages_like_every_list_and_counts_only_when_asked() {
    let (app, _) = demo_with_ni59_quarters().await;
    let mut path = "/api/v1/performance?period=FY2009-10-Q1&limit=20".to_string();
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    loop {
        let res = app.get(&path).with_role(Role::Viewer).send().await;
        res.expect(200);
        pages += 1;
        // Without `Prefer: count` nothing is counted.
        assert!(res.body["total"].is_null(), "{}", res.body);
        assert!(res.body["counts"].is_null(), "{}", res.body);
        assert_eq!(res.body["period"]["code"], "FY2009-10-Q1");
        let items = res.body["items"].as_array().unwrap();
        assert!(items.len() <= 20);
        for i in items {
            assert!(
                seen.insert(i["indicator"]["id"].as_str().unwrap().to_string()),
                "an indicator repeats across pages"
            );
        }
        match res.body["next_cursor"].as_str() {
            Some(c) => {
                assert!(res.header("link").unwrap().contains("rel=\"next\""));
                path = format!("/api/v1/performance?period=FY2009-10-Q1&limit=20&cursor={c}");
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 99, "every indicator once, over {pages} pages");
    assert_eq!(pages, 5);
    // A status filter pages too, and counts what it keeps when asked.
    let res = app
        .get("/api/v1/performance?period=FY2009-10-Q1&rag=missing,pending,no_target&limit=2")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["items"].as_array().unwrap().len(), 2);
    let total = res.body["total"].as_i64().unwrap();
    assert!(total > 2);
    assert_eq!(res.body["counts"]["green"], 0);
    assert_eq!(
        res.header("preference-applied").as_deref(),
        Some("count=exact")
    );
}

#[actix_web::test]
async fn the_report_gives_every_indicators_status_and_filters_by_rag() {
    let (app, _) = demo_with_ni59_quarters().await;
    let res = app
        .get("/api/v1/performance?period=FY2009-10-Q1")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["total"], 99);
    let counts = &res.body["counts"];
    let sum: i64 = [
        "green",
        "amber",
        "red",
        "no_target",
        "missing",
        "pending",
        "not_due",
        "not_judged",
    ]
    .iter()
    .map(|k| counts[k].as_i64().unwrap())
    .sum();
    assert_eq!(sum, 99);
    assert_eq!(counts["amber"], 1);
    let res = app
        .get("/api/v1/performance?period=FY2009-10-Q1&rag=red,amber&key=false")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["total"], 1);
    assert_eq!(res.body["items"][0]["indicator"]["ref"], "NI59");
    // The same question asked of the indicator list.
    let res = app
        .get("/api/v1/indicators?period=FY2009-10-Q3&rag=red,amber")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["total"], 1);
    assert_eq!(res.body["items"][0]["ref"], "NI59");
    assert_eq!(res.body["items"][0]["performance"]["rag"], "red");
    let res = app
        .get("/api/v1/indicators?period=FY2009-10-Q3&kind=national&limit=3")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(res.body["items"].as_array().unwrap().len(), 3);
    assert!(res.body["items"][0]["performance"]["rag"].is_string());
    let res = app
        .get("/api/v1/indicators?limit=1")
        .with_role(Role::Viewer)
        .send()
        .await;
    // Without a period there is no status: the field is sent, as null.
    assert!(res.body["items"][0]["performance"].is_null());
    assert!(res.body["items"][0]
        .as_object()
        .unwrap()
        .contains_key("performance"));
}

async fn statements(app: &TestApp, path: &str) -> u64 {
    let before = app.queries();
    app.get(path)
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(200);
    app.queries() - before
}

#[actix_web::test]
async fn performance_lists_take_the_same_number_of_queries_for_1_or_83_indicators() {
    let small = TestApp::spawn().await;
    let org = small
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(
            &json!({"code": "HBC-SS", "name": "Specialist Services", "kind": "council_department"}),
        )
        .send()
        .await;
    org.expect(201);
    small.act_for("HBC-SS");
    let ni59 = small
        .post("/api/v1/indicators")
        .with_role(Role::Editor)
        .json(&json!({"ref": "NI59", "kind": "national", "title": "t", "unit": "percent", "polarity": "higher_is_better", "lead_organisation_id": org.body["id"]}))
        .send()
        .await;
    ni59.expect(201);
    // A derived indicator too, as the demo has: its sources are one more
    // query in both.
    small
        .post("/api/v1/indicators")
        .with_role(Role::Editor)
        .json(&json!({"ref": "NI59-CHANGE", "kind": "national", "title": "t", "unit": "percent_change",
                      "polarity": "higher_is_better", "lead_organisation_id": org.body["id"],
                      "derivation": {"kind": "change_from_baseline",
                                     "source": {"indicator_id": ni59.body["id"], "series": "area", "breakdown": null},
                                     "baseline_period": "FY2008-09"}}))
        .send()
        .await
        .expect(201);
    let (big, _) = demo_with_ni59_quarters().await;
    for path in [
        "/api/v1/performance?period=FY2009-10-Q2",
        "/api/v1/performance?period=FY2009-10-Q2&rag=red,amber,green,missing,no_target,pending",
        "/api/v1/indicators?period=FY2009-10-Q2&limit=500",
        "/api/v1/indicators?period=FY2009-10-Q2&rag=green,no_target,missing&limit=500",
    ] {
        let one = statements(&small, path).await;
        let many = statements(&big, path).await;
        assert_eq!(one, many, "{path}: {one} statements for 1, {many} for 83");
        // Pool check, count, page, lead organisations, priority and objective links, and the
        // performance queries (targets, values, derived indicators' sources, commentary).
        assert!(many <= 10, "{path}: {many}");
    }
}

#[actix_web::test]
async fn the_series_endpoint_gives_every_line_for_a_chart() {
    let (app, ni59) = demo_with_ni59_quarters().await;
    let res = app
        .get(&format!("/api/v1/indicators/{ni59}/series"))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    let lines = res.body["lines"].as_array().unwrap();
    assert_eq!(lines[0]["series"], "area");
    assert_eq!(lines[0]["points"].as_array().unwrap().len(), 5);
    assert_eq!(lines.len(), 5);
    assert_eq!(res.body["targets"].as_array().unwrap().len(), 4);
    let periods: Vec<&str> = res.body["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(periods[0], "FY2007-08");
    assert_eq!(periods[1], "FY2008-09");
    assert_eq!(periods[2], "FY2008-09-Q2");
    let res = app
        .get(&format!(
            "/api/v1/indicators/{ni59}/series?from=FY2009-10&to=FY2009-10"
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["targets"].as_array().unwrap().len(), 1);
    assert_eq!(res.body["lines"][0]["points"].as_array().unwrap().len(), 3);
    app.get(&format!(
        "/api/v1/indicators/{ni59}/series?from=FY2010-11&to=FY2009-10"
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(422);
    // An outcome measure with sub-groups: one line per breakdown.
    let om16 = indicator_id(&app, "OM16").await;
    let res = app
        .get(&format!("/api/v1/indicators/{om16}/series"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(res.body["lines"].as_array().unwrap().len(), 5);
}
