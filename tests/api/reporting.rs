//! Reporting cycles and the period locks they set (issue 13, first part):
//! a closed cycle refuses its period's values, commentary and progress
//! updates with 409 `period_locked`, except for an admin giving a reason,
//! which the audit trail keeps; reopening is an admin's, with a reason.

use actix_web::http::Method;
use serde_json::{json, Value};
use trustplan::demo::demo_id;
use trustplan::web::auth::Role;

use crate::helpers::{pointers, Res, TestApp};

async fn open_cycle(app: &TestApp, plan: &str, period: &str) -> Value {
    let res = app
        .post("/api/v1/reporting-cycles")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": demo_id("plan", plan), "period": period, "due_on": "2009-10-15"}))
        .send()
        .await;
    res.expect(201);
    res.body.clone()
}

async fn update(app: &TestApp, role: Role, org: &str, period: &str, query: &str) -> Res {
    app.post(&format!(
        "/api/v1/milestones/{}/updates{query}",
        demo_id("milestone", "SS1-0910-2")
    ))
    .with_role_at(role, org)
    .json(&json!({"period": period, "status": "at_risk", "commentary": "Placements slipping."}))
    .send()
    .await
}

async fn value(app: &TestApp, role: Role, period: &str, query: &str) -> Res {
    app.req(
        Method::PUT,
        &format!(
            "/api/v1/indicators/{}/values/area/{period}{query}",
            demo_id("indicator", "SS LI3")
        ),
    )
    .with_role(role)
    .json(&json!({"value": 2.0}))
    .send()
    .await
}

#[actix_web::test]
async fn a_closed_cycle_locks_its_period_until_an_admin_gives_a_reason_or_reopens_it() {
    let app = TestApp::spawn_with_demo().await;
    let lead = app
        .get(&format!(
            "/api/v1/milestones/{}",
            demo_id("milestone", "SS1-0910-2")
        ))
        .with_role(Role::Viewer)
        .send()
        .await
        .body["lead_organisation"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let cycle = open_cycle(&app, "SS-2009-12", "FY2009-10-Q2").await;
    let id = cycle["id"].as_str().unwrap().to_string();
    assert_eq!(cycle["status"], "open");
    assert_eq!(cycle["period"]["label"], "2009/10 Q2");
    assert_eq!(cycle["plan"]["code"], "SS-2009-12");

    // Open: contributors report.
    update(&app, Role::Contributor, &lead, "FY2009-10-Q2", "")
        .await
        .expect(201);
    value(&app, Role::Editor, "FY2009-10-Q2", "").await;

    // Closed: the quarter's updates, values and commentary are locked.
    let res = app
        .post(&format!("/api/v1/reporting-cycles/{id}/close"))
        .with_role(Role::Editor)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["status"], "closed");
    assert!(res.body["closed_at"].is_string());
    app.post(&format!("/api/v1/reporting-cycles/{id}/close"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(409);
    for role in [Role::Contributor, Role::Editor] {
        let res = update(&app, role, &lead, "FY2009-10-Q2", "").await;
        res.expect(409);
        assert_eq!(res.problem(), "period_locked");
        assert!(res.body["detail"].as_str().unwrap().contains("SS-2009-12"));
    }
    let res = value(&app, Role::Editor, "FY2009-10-Q2", "").await;
    res.expect(409);
    assert_eq!(res.problem(), "period_locked");
    let res = app
        .req(
            Method::PUT,
            &format!(
                "/api/v1/indicators/{}/commentary/FY2009-10-Q2",
                demo_id("indicator", "SS LI3")
            ),
        )
        .with_role(Role::Editor)
        .json(&json!({"overview": "After the board"}))
        .send()
        .await;
    res.expect(409);
    // A reason is an admin's to give.
    let res = update(
        &app,
        Role::Editor,
        &lead,
        "FY2009-10-Q2",
        "?reason=late%20figure",
    )
    .await;
    res.expect(409);
    let res = update(&app, Role::Admin, &lead, "FY2009-10-Q2", "").await;
    res.expect(409);
    assert!(res.body["detail"].as_str().unwrap().contains("reason"));
    // Other quarters are not locked.
    update(&app, Role::Contributor, &lead, "FY2009-10-Q1", "")
        .await
        .expect(201);

    // Imports too: a row into the locked quarter is the import's error.
    let import = |role: Role, query: &'static str| {
        app.post(&format!("/api/v1/indicators/values/import{query}"))
            .with_role(role)
            .json(&json!({"rows": [
                {"indicator_ref": "SS LI3", "period": "FY2009-10-Q1", "series": "area", "breakdown": null, "value": 1.0, "note": null},
                {"indicator_ref": "SS LI3", "period": "FY2009-10-Q2", "series": "area", "breakdown": null, "value": 3.0, "note": null},
            ]}))
    };
    let res = import(Role::Editor, "").send().await;
    res.expect(422);
    assert_eq!(
        res.body["errors"].as_array().unwrap().len(),
        1,
        "{}",
        res.text
    );
    assert!(res.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("locked"));
    import(Role::Admin, "?dry_run=true&reason=Return%20resubmitted")
        .send()
        .await
        .expect(200);

    // An admin with a reason writes, and the audit trail keeps why.
    let res = value(
        &app,
        Role::Admin,
        "FY2009-10-Q2",
        "?reason=PCT%20corrected%20the%20return",
    )
    .await;
    assert!(res.status < 300, "{}", res.text);
    let value_id = res.body["id"].as_str().unwrap().to_string();
    let history = app
        .get(&format!(
            "/api/v1/indicators/values/{value_id}/history?sort=-at&limit=1"
        ))
        .with_role(Role::Admin)
        .send()
        .await;
    assert_eq!(
        history.body["items"][0]["reason"],
        "PCT corrected the return"
    );
    let res = update(
        &app,
        Role::Admin,
        &lead,
        "FY2009-10-Q2",
        "?reason=Board%20asked",
    )
    .await;
    res.expect(201);
    let audit = app
        .get("/api/v1/audit?entity_type=progress_update&sort=-at&limit=1")
        .with_role(Role::Admin)
        .send()
        .await;
    assert_eq!(audit.body["items"][0]["reason"], "Board asked");

    // Reopening: an admin's, with a reason; then contributors report again.
    app.post(&format!("/api/v1/reporting-cycles/{id}/reopen"))
        .with_role(Role::Editor)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .expect(403);
    let res = app
        .post(&format!("/api/v1/reporting-cycles/{id}/reopen"))
        .with_role(Role::Admin)
        .json(&json!({"reason": " "}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(pointers(&res), ["/reason"]);
    let res = app
        .post(&format!("/api/v1/reporting-cycles/{id}/reopen"))
        .with_role(Role::Admin)
        .json(&json!({"reason": "NI60 figure corrected after the board"}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["status"], "open");
    assert_eq!(res.body["closed_at"], Value::Null);
    update(&app, Role::Contributor, &lead, "FY2009-10-Q2", "")
        .await
        .expect(201);
    let history = app
        .get(&format!("/api/v1/reporting-cycles/{id}/history"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let entries = history.body["items"].as_array().unwrap();
    let actions: Vec<(&str, &Value)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), &e["reason"]))
        .collect();
    assert_eq!(
        actions,
        [
            ("create", &Value::Null),
            ("status", &Value::Null),
            ("status", &json!("NI60 figure corrected after the board"))
        ]
    );
}

#[actix_web::test]
async fn cycles_are_one_per_plan_and_period_of_a_quarter_or_year_and_listed() {
    let app = TestApp::spawn_with_demo().await;
    open_cycle(&app, "SS-2009-12", "FY2009-10-Q2").await;
    open_cycle(&app, "SS-2009-12", "FY2009-10").await;
    let res = app
        .post("/api/v1/reporting-cycles")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": demo_id("plan", "SS-2009-12"), "period": "FY2009-10-Q2", "due_on": "2009-10-15"}))
        .send()
        .await;
    res.expect(409);
    let res = app
        .post("/api/v1/reporting-cycles")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": uuid::Uuid::nil(), "period": "CY2008", "due_on": "2009-10-15"}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(pointers(&res), ["/period", "/plan_id"]);
    app.post("/api/v1/reporting-cycles")
        .with_role(Role::Contributor)
        .json(&json!({"plan_id": demo_id("plan", "SS-2009-12"), "period": "FY2009-10-Q3", "due_on": "2010-01-15"}))
        .send()
        .await
        .expect(403);
    let list = app
        .get(&format!(
            "/api/v1/reporting-cycles?plan_id={}&status=open",
            demo_id("plan", "SS-2009-12")
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    list.expect(200);
    let periods: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["period"]["code"].as_str().unwrap())
        .collect();
    // Newest period first: the quarter starts after the year.
    assert_eq!(periods, ["FY2009-10-Q2", "FY2009-10"]);
}

#[actix_web::test]
async fn a_plans_narrative_keeps_its_author_and_history_and_is_locked_with_its_period() {
    let app = TestApp::spawn_with_demo().await;
    let plan = demo_id("plan", "SS-2009-12");
    let path = format!("/api/v1/plans/{plan}/narrative/FY2009-10-Q2/key_developments");
    let write = |role: Role, text: &str, query: &str| {
        app.req(Method::PUT, &format!("{path}{query}"))
            .with_role(role)
            .json(&json!({ "text": text }))
    };
    for role in [Role::Viewer, Role::Contributor] {
        write(role, "x", "").send().await.expect(403);
    }
    let res = write(Role::Editor, "Apprenticeships started.", "")
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.header("location").as_deref(), Some(path.as_str()));
    assert_eq!(res.body["author_sub"], "test-editor-HBC");
    assert_eq!(res.body["period"]["code"], "FY2009-10-Q2");
    let id = res.body["id"].as_str().unwrap().to_string();
    let res = write(Role::Editor, "Apprenticeships started; the team moved.", "")
        .if_match("\"1\"")
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["version"], 2);
    write(Role::Editor, "stale", "")
        .if_match("\"1\"")
        .send()
        .await
        .expect(412);
    app.req(
        Method::PUT,
        &format!("/api/v1/plans/{plan}/narrative/FY2009-10-Q2/emerging_issues"),
    )
    .with_role(Role::Editor)
    .json(&json!({"text": "Placement costs are rising."}))
    .send()
    .await
    .expect(201);

    // Read back: one section, the plan's list, and the history of the text.
    let got = app.get(&path).with_role(Role::Viewer).send().await;
    got.expect(200);
    assert_eq!(got.body["text"], "Apprenticeships started; the team moved.");
    let list = app
        .get(&format!(
            "/api/v1/plans/{plan}/narrative?period=FY2009-10-Q2"
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    list.expect(200);
    let sections: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["section"].as_str().unwrap())
        .collect();
    assert_eq!(sections, ["emerging_issues", "key_developments"]);
    let history = app
        .get(&format!("/api/v1/narratives/{id}/history"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let entries = history.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["action"], "narrative");
    assert_eq!(entries[1]["before"]["text"], "Apprenticeships started.");

    // Bad periods and sections, and plans that do not exist.
    for bad in ["CY2008/key_developments", "FY2009-10-Q2/summary"] {
        app.req(
            Method::PUT,
            &format!("/api/v1/plans/{plan}/narrative/{bad}"),
        )
        .with_role(Role::Editor)
        .json(&json!({"text": "x"}))
        .send()
        .await
        .expect(422);
    }
    app.req(
        Method::PUT,
        &format!(
            "/api/v1/plans/{}/narrative/FY2009-10-Q2/key_developments",
            uuid::Uuid::nil()
        ),
    )
    .with_role(Role::Editor)
    .json(&json!({"text": "x"}))
    .send()
    .await
    .expect(404);
    app.get(&format!(
        "/api/v1/plans/{plan}/narrative/FY2009-10-Q3/key_developments"
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(404);

    // The quarter's closed cycle locks its narrative too.
    let cycle = open_cycle(&app, "SS-2009-12", "FY2009-10-Q2").await;
    app.post(&format!(
        "/api/v1/reporting-cycles/{}/close",
        cycle["id"].as_str().unwrap()
    ))
    .with_role(Role::Editor)
    .send()
    .await
    .expect(200);
    let res = write(Role::Editor, "After the board", "").send().await;
    res.expect(409);
    assert_eq!(res.problem(), "period_locked");
    let res = write(
        Role::Admin,
        "Corrected after the board",
        "?reason=Figures%20restated",
    )
    .send()
    .await;
    res.expect(200);
    let history = app
        .get(&format!("/api/v1/narratives/{id}/history?sort=-at&limit=1"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(history.body["items"][0]["reason"], "Figures restated");
}
