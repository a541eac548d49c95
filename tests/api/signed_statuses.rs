//! Statuses a performance officer can sign (issue 11), through HTTP on the
//! demo data: exact arithmetic, collection frequency, period order,
//! corrections with history, point-in-time answers, sub-groups, derived
//! measures and significance.

use actix_web::http::Method;
use serde_json::{json, Value};
use trustplan::web::auth::Role;

use crate::helpers::{Res, TestApp};
use crate::indicators::indicator_id;

async fn put(app: &TestApp, path: &str, body: Value) -> Res {
    let res = app
        .req(Method::PUT, path)
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    assert!(
        res.status == 200 || res.status == 201,
        "{path}: {}",
        res.text
    );
    res
}

async fn value(app: &TestApp, id: &str, series: &str, period: &str, body: Value) -> Res {
    put(
        app,
        &format!("/api/v1/indicators/{id}/values/{series}/{period}"),
        body,
    )
    .await
}

async fn performance(app: &TestApp, id: &str, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/indicators/{id}/performance?{query}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    res.body.clone()
}

async fn milestone(app: &TestApp, code: &str, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/milestones?code={code}{query}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    res.body["items"][0].clone()
}

async fn report(app: &TestApp, milestone_id: &str, body: Value) -> Res {
    let res = app
        .post(&format!("/api/v1/milestones/{milestone_id}/updates"))
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    res
}

#[actix_web::test]
async fn ss_li3_is_red_in_q1_against_the_pro_rata_target_1_25() {
    let app = TestApp::spawn_with_demo().await;
    // A count, cumulative over the year, with a 2009/10 target of 5.
    let id = indicator_id(&app, "SS LI3").await;
    value(&app, &id, "area", "FY2009-10-Q1", json!({"value": 1})).await;
    let q1 = performance(&app, &id, "period=FY2009-10-Q1").await;
    assert_eq!(q1["target_used"], 1.25);
    assert_eq!(q1["variance"], -0.25);
    assert_eq!(q1["rag"], "red", "{q1}");
    let sentence = q1["explanation"].as_str().unwrap();
    assert!(
        sentence.contains("pro-rata target 1.25 (1/4 of the 2009/10 target 5)"),
        "{sentence}"
    );
    // Q2: 1 + 2 = 3 against 2.5, not against a rounded 3.
    value(&app, &id, "area", "FY2009-10-Q2", json!({"value": 2})).await;
    let q2 = performance(&app, &id, "period=FY2009-10-Q2").await;
    assert_eq!(q2["target_used"], 2.5);
    assert!(q2["explanation"]
        .as_str()
        .unwrap()
        .contains("pro-rata target 2.5 (2/4"));
}

#[actix_web::test]
async fn ss_li8_at_minus_9_6_is_amber_against_minus_10() {
    let app = TestApp::spawn_with_demo().await;
    let id = indicator_id(&app, "SS LI8").await;
    let indicator = app
        .get(&format!("/api/v1/indicators/{id}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(indicator.body["polarity"], "lower_is_better");
    value(&app, &id, "area", "FY2009-10", json!({"value": -9.6})).await;
    let year = performance(&app, &id, "period=FY2009-10").await;
    assert_eq!(year["target_used"], -10.0, "{year}");
    assert_eq!(year["actual"], -9.6);
    // Misses by 0.4, within 5 % of 10.
    assert_eq!(year["rag"], "amber", "{year}");
    assert!(year["explanation"]
        .as_str()
        .unwrap()
        .contains("-9.6 is 0.4 above"));
}

#[actix_web::test]
async fn an_annual_indicator_is_not_due_in_a_quarter_and_the_report_shows_its_year() {
    let app = TestApp::spawn_with_demo().await;
    let id = indicator_id(&app, "NI147").await;
    let q1 = performance(&app, &id, "period=FY2009-10-Q1").await;
    assert_eq!(q1["rag"], "not_due", "{q1}");
    assert_eq!(q1["next_due"]["code"], "FY2009-10");
    assert!(q1["actual"].is_null());
    // The cross-indicator view shows its latest completed year instead,
    // named in the item's period.
    let res = app
        .get("/api/v1/performance?period=FY2009-10-Q1&ref=NI147,NI59")
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    let items = res.body["items"].as_array().unwrap();
    let ni147 = items
        .iter()
        .find(|i| i["indicator"]["ref"] == "NI147")
        .unwrap();
    assert_eq!(ni147["period"]["code"], "FY2008-09", "{ni147}");
    assert_ne!(ni147["rag"], "not_due");
    let ni59 = items
        .iter()
        .find(|i| i["indicator"]["ref"] == "NI59")
        .unwrap();
    assert_eq!(ni59["period"]["code"], "FY2009-10-Q1");
    // No annual measure is "missing" in a quarter's view before anything is
    // entered: each shows its year, and is missing only when that year ended
    // without a figure.
    let res = app
        .get("/api/v1/performance?period=FY2009-10-Q1&limit=500")
        .with_role(Role::Viewer)
        .send()
        .await;
    let items = res.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 99);
    let outcome_measures: Vec<&Value> = items
        .iter()
        .filter(|i| i["indicator"]["ref"].as_str().unwrap().starts_with("OM"))
        .collect();
    assert_eq!(outcome_measures.len(), 62);
    for om in outcome_measures {
        // Every outcome measure is annual (or a one-off): shown for its
        // latest year, or, for pooled years with no fixed span, not due.
        assert!(
            om["period"]["type"] != "financial_quarter" || om["rag"] == "not_due",
            "{om}"
        );
        assert!(
            om["period"]["type"] != "financial_quarter" || om["rag"] != "missing",
            "{om}"
        );
    }
}

#[actix_web::test]
async fn an_update_for_an_earlier_quarter_entered_late_leaves_the_later_status() {
    let app = TestApp::spawn_with_demo().await;
    let m = milestone(&app, "SS1-0910-1", "").await;
    let id = m["id"].as_str().unwrap();
    report(
        &app,
        id,
        json!({"period": "FY2009-10-Q2", "status": "at_risk"}),
    )
    .await;
    report(
        &app,
        id,
        json!({"period": "FY2009-10-Q1", "status": "on_track"}),
    )
    .await;
    let now = milestone(&app, "SS1-0910-1", "").await;
    assert_eq!(now["status"], "at_risk");
    assert_eq!(now["latest_update"]["period"]["code"], "FY2009-10-Q2");
    // Withdrawing the Q2 update lets Q1's govern.
    let q2 = now["latest_update"].clone();
    let path = format!(
        "/api/v1/milestones/{id}/updates/{}",
        q2["id"].as_str().unwrap()
    );
    app.delete(&path)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(428);
    app.delete(&path)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .send()
        .await
        .expect(200);
    let now = milestone(&app, "SS1-0910-1", "").await;
    assert_eq!(now["status"], "on_track");
    let updates = app
        .get(&format!("/api/v1/milestones/{id}/updates"))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(
        updates.body["total"], 1,
        "the withdrawn update is gone from the list"
    );
    // ... and kept: its own GET shows when it was withdrawn.
    let withdrawn = app.get(&path).with_role(Role::Viewer).send().await;
    withdrawn.expect(200);
    assert!(withdrawn.body["withdrawn_at"].is_string());
}

#[actix_web::test]
async fn a_progress_update_can_be_corrected_and_is_refused_for_a_quarter_not_started() {
    let app = TestApp::spawn_with_demo().await;
    let m = milestone(&app, "SS1-0910-1", "").await;
    let id = m["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/milestones/{id}/updates"))
        .with_role(Role::Editor)
        .json(&json!({"period": "FY2030-31-Q1", "status": "on_track"}))
        .send()
        .await;
    res.expect(422);
    assert!(res.problem().contains("rule_violated"), "{}", res.text);
    let update = report(
        &app,
        id,
        json!({"period": "FY2009-10-Q1", "status": "on_track"}),
    )
    .await;
    let path = format!(
        "/api/v1/milestones/{id}/updates/{}",
        update.body["id"].as_str().unwrap()
    );
    let res = app
        .patch(&path)
        .with_role(Role::Editor)
        .if_match(&update.etag())
        .json(&json!({"status": "off_track", "commentary": "Recruitment fell through"}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["version"], 2);
    assert_eq!(
        milestone(&app, "SS1-0910-1", "").await["status"],
        "off_track"
    );
    // A stale ETag is refused.
    app.patch(&path)
        .with_role(Role::Editor)
        .if_match(&update.etag())
        .json(&json!({"status": "on_track"}))
        .send()
        .await
        .expect(412);
    // A viewer may not.
    app.patch(&path)
        .with_role(Role::Viewer)
        .if_match("*")
        .json(&json!({"status": "on_track"}))
        .send()
        .await
        .expect(403);
}

#[actix_web::test]
async fn a_q1_picture_is_reproduced_after_q2_is_in() {
    let app = TestApp::spawn_with_demo().await;
    // A milestone completed in Q2, due in Q1.
    let m = milestone(&app, "SS1-0910-1", "").await;
    let id = m["id"].as_str().unwrap().to_string();
    assert_eq!(m["due_on"], "2009-09-30");
    report(
        &app,
        &id,
        json!({"period": "FY2009-10-Q1", "status": "on_track"}),
    )
    .await;
    report(
        &app,
        &id,
        json!({"period": "FY2009-10-Q2", "status": "complete", "completed_on": "2009-09-14"}),
    )
    .await;
    assert_eq!(
        milestone(&app, "SS1-0910-1", "").await["status"],
        "complete"
    );
    // As of the end of Q1: the Q1 update's status; complete only from 14
    // September.
    let q1 = milestone(&app, "SS1-0910-1", "&as_of=2009-06-30").await;
    assert_eq!(q1["status"], "on_track", "{q1}");
    assert!(q1["completed_on"].is_null());
    assert_eq!(q1["latest_update"]["period"]["code"], "FY2009-10-Q1");
    let before_it = milestone(&app, "SS1-0910-1", "&as_of=2009-09-13").await;
    assert_eq!(before_it["status"], "on_track");
    let done = milestone(&app, "SS1-0910-1", "&as_of=2009-09-14").await;
    assert_eq!(done["status"], "complete");
    // Before any update's quarter had started it had not started.
    let early = milestone(&app, "SS1-0910-1", "&as_of=2009-03-31").await;
    assert_eq!(early["status"], "not_started");
    // The status filter and overdue are judged on that day too.
    let res = app
        .get("/api/v1/milestones?code=SS1-0910-1&status=on_track&as_of=2009-06-30")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 1);
    let res = app
        .get("/api/v1/milestones?code=SS1-0910-1&overdue=true&as_of=2009-10-01")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(
        res.body["total"], 0,
        "complete on 14 September, not overdue"
    );

    // An indicator's Q1 answer, after Q2 is in, from the values of periods
    // that had ended by the end of Q1.
    let ni59 = indicator_id(&app, "NI59").await;
    value(&app, &ni59, "area", "FY2009-10-Q1", json!({"value": 90.2})).await;
    value(&app, &ni59, "area", "FY2009-10-Q2", json!({"value": 80.0})).await;
    let q1 = performance(&app, &ni59, "period=FY2009-10-Q1&as_of=2009-06-30").await;
    assert_eq!(q1["actual"], 90.2);
    assert_eq!(q1["as_of"], "2009-06-30");
    let q2_then = performance(&app, &ni59, "period=FY2009-10-Q2&as_of=2009-06-30").await;
    assert_eq!(q2_then["rag"], "pending", "Q2 had not ended: {q2_then}");
    let q2_now = performance(&app, &ni59, "period=FY2009-10-Q2").await;
    assert_eq!(q2_now["actual"], 80.0);
    // The objective's roll-up as of the end of Q1.
    let rollup = app
        .get("/api/v1/objectives?code=SS1&as_of=2009-06-30")
        .with_role(Role::Viewer)
        .send()
        .await;
    rollup.expect(200);
    let ss1 = &rollup.body["items"][0]["milestones"];
    assert_eq!(ss1["complete"], 0, "{ss1}");
    assert!(ss1["on_track"].as_i64().unwrap() >= 1, "{ss1}");
}

#[actix_web::test]
async fn a_value_is_corrected_and_withdrawn_with_its_history_kept() {
    let app = TestApp::spawn_with_demo().await;
    let ni59 = indicator_id(&app, "NI59").await;
    let v = value(&app, &ni59, "area", "FY2009-10-Q1", json!({"value": 90.2})).await;
    let vid = v.body["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/indicators/values/{vid}");
    app.patch(&path)
        .with_role(Role::Editor)
        .json(&json!({"value": 90.4}))
        .send()
        .await
        .expect(428);
    let res = app
        .patch(&path)
        .with_role(Role::Editor)
        .if_match(&v.etag())
        .json(&json!({"value": 90.4, "note": "Recounted"}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["value"], 90.4);
    let res = app
        .delete(&path)
        .with_role(Role::Editor)
        .if_match(&res.etag())
        .send()
        .await;
    res.expect(200);
    assert!(res.body["withdrawn_at"].is_string());
    // Gone from the series, the lists and the status ...
    let series = app
        .get(&format!("/api/v1/indicators/{ni59}/series"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let area_points: Vec<&Value> = series.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["series"] == "area" && l["breakdown"].is_null())
        .flat_map(|l| l["points"].as_array().unwrap())
        .filter(|p| p["period"] == "FY2009-10-Q1")
        .collect();
    assert!(area_points.is_empty(), "{}", series.body);
    let list = app
        .get(&format!(
            "/api/v1/indicators/{ni59}/values?period=FY2009-10-Q1&series=area"
        ))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(list.body["total"], 0);
    assert!(performance(&app, &ni59, "period=FY2009-10-Q1").await["actual"].is_null());
    // ... and present in its history, every figure it had.
    let history = app
        .get(&format!("{path}/history"))
        .with_role(Role::Viewer)
        .send()
        .await;
    history.expect(200);
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["value", "update", "withdraw"]);
    assert_eq!(history.body["items"][1]["before"]["value"], 90.2);
    // Recording it again brings it back.
    let again = value(&app, &ni59, "area", "FY2009-10-Q1", json!({"value": 90.3})).await;
    assert_eq!(again.body["id"], vid.as_str());
    assert!(again.body["withdrawn_at"].is_null());
}

#[actix_web::test]
async fn actuals_ahead_of_their_period_are_refused_but_forecasts_and_targets_are_not() {
    let app = TestApp::spawn_with_demo().await;
    let ni59 = indicator_id(&app, "NI59").await;
    let res = app
        .req(
            Method::PUT,
            &format!("/api/v1/indicators/{ni59}/values/area/FY2030-31"),
        )
        .with_role(Role::Editor)
        .json(&json!({"value": 90}))
        .send()
        .await;
    res.expect(422);
    assert!(res.problem().contains("rule_violated"), "{}", res.text);
    value(
        &app,
        &ni59,
        "area",
        "FY2030-31",
        json!({"value": 92, "status": "forecast"}),
    )
    .await;
    value(
        &app,
        &ni59,
        "national_target",
        "FY2030-31",
        json!({"value": 95}),
    )
    .await;
    put(
        &app,
        &format!("/api/v1/indicators/{ni59}/targets/FY2030-31"),
        json!({"value": 93}),
    )
    .await;
    // A forecast is shown, never judged as an actual.
    let p = performance(&app, &ni59, "period=FY2030-31").await;
    assert!(p["actual"].is_null(), "{p}");
    assert_eq!(p["rag"], "pending");
}

#[actix_web::test]
async fn targets_and_commentary_are_corrected_and_withdrawn_with_if_match() {
    let app = TestApp::spawn_with_demo().await;
    let ni60 = indicator_id(&app, "NI60").await;
    let target = put(
        &app,
        &format!("/api/v1/indicators/{ni60}/targets/FY2012-13"),
        json!({"value": 93.5}),
    )
    .await;
    let path = format!("/api/v1/indicators/{ni60}/targets/FY2012-13");
    app.patch(&path)
        .with_role(Role::Contributor)
        .if_match("*")
        .json(&json!({"value": 93}))
        .send()
        .await
        .expect(403);
    let res = app
        .patch(&path)
        .with_role(Role::Editor)
        .if_match(&target.etag())
        .json(&json!({"value": 93, "note": "Revised by the board"}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["value"], 93.0);
    assert_eq!(res.body["version"], 2);
    let commentary = put(
        &app,
        &format!("/api/v1/indicators/{ni60}/commentary/FY2009-10-Q1"),
        json!({"overview": "First draft"}),
    )
    .await;
    let path = format!("/api/v1/indicators/{ni60}/commentary/FY2009-10-Q1");
    let res = app
        .patch(&path)
        .with_role(Role::Editor)
        .if_match(&commentary.etag())
        .json(&json!({"overview": "Corrected", "what_happens_next": "Weekly review"}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["overview"], "Corrected");
    let res = app
        .delete(&path)
        .with_role(Role::Editor)
        .if_match(&res.etag())
        .send()
        .await;
    res.expect(200);
    let list = app
        .get(&format!("/api/v1/indicators/{ni60}/commentary"))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(list.body["total"], 0);
    assert!(performance(&app, &ni60, "period=FY2009-10-Q1").await["commentary"].is_null());
}

#[actix_web::test]
async fn a_sub_group_is_judged_against_its_own_target_with_its_gap_to_the_whole() {
    let app = TestApp::spawn_with_demo().await;
    let ni59 = indicator_id(&app, "NI59").await;
    value(&app, &ni59, "area", "FY2009-10-Q1", json!({"value": 90.0})).await;
    let q = "?breakdown=Care%20leavers";
    put(
        &app,
        &format!("/api/v1/indicators/{ni59}/values/area/FY2009-10-Q1{q}"),
        json!({"value": 70.0}),
    )
    .await;
    let target = put(
        &app,
        &format!("/api/v1/indicators/{ni59}/targets/FY2009-10-Q1{q}"),
        json!({"value": 80.0}),
    )
    .await;
    assert_eq!(target.body["breakdown"], "Care leavers");
    let p = performance(&app, &ni59, "period=FY2009-10-Q1").await;
    let groups = p["sub_groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{p}");
    let g = &groups[0];
    assert_eq!(g["breakdown"], "Care leavers");
    assert_eq!(g["target_used"], 80.0);
    assert_eq!(g["rag"], "red");
    assert_eq!(g["gap_to_whole"], -20.0);
    // The whole population still has its own target (91 for 2009/10).
    assert_eq!(p["target_used"], 91.0);
}

#[actix_web::test]
async fn derived_indicators_are_computed_from_their_sources() {
    let app = TestApp::spawn_with_demo().await;
    let ni59 = indicator_id(&app, "NI59").await;
    let lead = app.org_id("HBC-SS").await;
    let create = |r#ref: &str, derivation: Value| {
        let app = &app;
        let lead = lead.clone();
        let body = json!({"ref": r#ref, "kind": "local", "title": "Derived", "unit": "number",
                          "polarity": "lower_is_better", "frequency": "quarterly",
                          "lead_organisation_id": lead, "derivation": derivation});
        async move {
            let res = app
                .post("/api/v1/indicators")
                .with_role(Role::Editor)
                .json(&body)
                .send()
                .await;
            res.expect(201);
            res.body["id"].as_str().unwrap().to_string()
        }
    };
    let gap = create(
        "NI59-GAP",
        json!({"kind": "gap",
               "source": {"indicator_id": ni59, "series": "area", "breakdown": null},
               "other": {"indicator_id": ni59, "series": "area", "breakdown": "Care leavers"}}),
    )
    .await;
    let change = create(
        "NI59-CHANGE",
        json!({"kind": "change_from_baseline",
               "source": {"indicator_id": ni59, "series": "area", "breakdown": null},
               "baseline_period": "FY2008-09-Q1"}),
    )
    .await;
    value(&app, &ni59, "area", "FY2008-09-Q1", json!({"value": 80.0})).await;
    value(&app, &ni59, "area", "FY2009-10-Q1", json!({"value": 90.0})).await;
    put(
        &app,
        &format!("/api/v1/indicators/{ni59}/values/area/FY2009-10-Q1?breakdown=Care%20leavers"),
        json!({"value": 72.5}),
    )
    .await;
    put(
        &app,
        &format!("/api/v1/indicators/{gap}/targets/FY2009-10-Q1"),
        json!({"value": 15.0}),
    )
    .await;
    let p = performance(&app, &gap, "period=FY2009-10-Q1").await;
    assert_eq!(p["actual"], 17.5, "90 - 72.5: {p}");
    assert_eq!(p["rag"], "red", "a gap of 17.5 against 15, lower is better");
    let p = performance(&app, &change, "period=FY2009-10-Q1").await;
    assert_eq!(p["actual"], 12.5, "(90 - 80) / 80 x 100: {p}");
    // A derivation that names no indicator is refused.
    let res = app
        .post("/api/v1/indicators")
        .with_role(Role::Editor)
        .json(&json!({"ref": "BAD-GAP", "kind": "local", "title": "t", "unit": "number",
                      "polarity": "none",
                      "derivation": {"kind": "gap",
                                     "source": {"indicator_id": lead, "series": "area", "breakdown": null},
                                     "other": null}}))
        .send()
        .await;
    res.expect(422);
}

#[actix_web::test]
async fn a_value_with_a_numerator_and_denominator_is_compared_with_england() {
    let app = TestApp::spawn_with_demo().await;
    let ni59 = indicator_id(&app, "NI59").await;
    // 457 of 500 = 91.4 %; Wilson 95 % interval about 88.6 to 93.6.
    value(
        &app,
        &ni59,
        "area",
        "FY2009-10-Q1",
        json!({"value": 91.4, "numerator": 457, "denominator": 500}),
    )
    .await;
    value(
        &app,
        &ni59,
        "national",
        "FY2009-10-Q1",
        json!({"value": 85.0}),
    )
    .await;
    let p = performance(&app, &ni59, "period=FY2009-10-Q1").await;
    let s = &p["significance"];
    assert_eq!(s["interval"]["method"], "wilson", "{p}");
    let lower = s["interval"]["lower"].as_f64().unwrap();
    let upper = s["interval"]["upper"].as_f64().unwrap();
    assert!((88.5..88.7).contains(&lower), "{lower}");
    assert!((93.5..93.7).contains(&upper), "{upper}");
    assert_eq!(s["comparison"], "better");
    assert!(s["explanation"].as_str().unwrap().contains("Wilson"));
    // Fewer than five periods with a numerator: no trend yet.
    assert_eq!(s["trend"]["trend"], "not_enough_data");
    // Without a numerator there is nothing to test.
    let ni60 = indicator_id(&app, "NI60").await;
    value(&app, &ni60, "area", "FY2009-10-Q1", json!({"value": 80.0})).await;
    assert!(performance(&app, &ni60, "period=FY2009-10-Q1").await["significance"].is_null());
}

#[actix_web::test]
async fn figures_beyond_ten_to_the_fifteen_are_refused_and_history_stays_readable() {
    let app = TestApp::spawn_with_demo().await;
    let ni59 = indicator_id(&app, "NI59").await;
    let path = format!("/api/v1/indicators/{ni59}/values/area/FY2009-10-Q3");
    for body in [
        json!({"value": 50, "numerator": -1.797_693_134_862_315_7e308, "denominator": 10}),
        json!({"value": 50, "numerator": 1, "denominator": 1e16}),
    ] {
        let res = app
            .req(Method::PUT, &path)
            .with_role(Role::Editor)
            .json(&body)
            .send()
            .await;
        res.expect(422);
    }
    let v = value(
        &app,
        &ni59,
        "area",
        "FY2009-10-Q3",
        json!({"value": 50, "numerator": 5e-324, "denominator": 1e15}),
    )
    .await;
    let history = app
        .get(&format!(
            "/api/v1/indicators/values/{}/history",
            v.body["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    history.expect(200);
}
