//! Key milestones: overdue, filters, progress updates and who may post them,
//! and the objective roll-up they feed.

use actix_web::http::Method;
use serde_json::{json, Value};
use trustplan::web::auth::Role;

use crate::helpers::{assert_refused_below, codes, Res, TestApp, ROLES};

async fn objective(app: &TestApp, code: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/objectives?code={code}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.body["items"][0].clone()
}

/// A fresh objective (so its roll-up is ours alone) led by `lead`.
async fn new_objective(app: &TestApp, code: &str, lead: &str) -> Value {
    let plan = app
        .get("/api/v1/plans?code=SS-2009-12")
        .with_role(Role::Viewer)
        .send()
        .await
        .body["items"][0]["id"]
        .clone();
    let lead = app.org_id(lead).await;
    let res = app
        .post("/api/v1/objectives")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": plan, "code": code, "title": "Test objective", "lead_organisation_id": lead}))
        .send()
        .await;
    res.expect(201);
    res.body.clone()
}

async fn new_milestone(app: &TestApp, objective_id: &Value, code: &str, due_on: Value) -> Value {
    let res = app
        .post("/api/v1/milestones")
        .with_role(Role::Editor)
        .json(&json!({"objective_id": objective_id, "code": code, "title": format!("Milestone {code}"),
                      "financial_year": "FY2009-10", "due_on": due_on}))
        .send()
        .await;
    res.expect(201);
    res.body.clone()
}

async fn post_update(app: &TestApp, milestone: &Value, role: Role, org: &str, body: Value) -> Res {
    app.post(&format!(
        "/api/v1/milestones/{}/updates",
        milestone["id"].as_str().unwrap()
    ))
    .with_role_at(role, org)
    .json(&body)
    .send()
    .await
}

#[actix_web::test]
async fn the_demo_has_45_milestones_exactly_as_planned() {
    let app = TestApp::spawn_with_demo().await;
    let res = app
        .get("/api/v1/milestones?limit=500")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["total"], 45);
    let items = res.body["items"].as_array().unwrap();
    assert!(items.iter().all(|m| m["status"] == "not_started"));
    let undated: Vec<&str> = items
        .iter()
        .filter(|m| m["due_on"].is_null())
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert_eq!(undated, ["SS2-1112-1", "SS4-1011-2"], "no date sorts last");
    let m = items.iter().find(|m| m["code"] == "SS1-0910-1").unwrap();
    assert_eq!(m["due_on"], "2009-09-30");
    assert_eq!(m["financial_year"]["label"], "2009/10");
    assert_eq!(m["lead_organisation"]["code"], "HBC-SS");
    let early = items.iter().find(|m| m["code"] == "SS2-0910-1").unwrap();
    assert_eq!(early["due_outside_financial_year"], true);
    let ss1 = objective(&app, "SS1").await;
    let res = app
        .get(&format!(
            "/api/v1/objectives/{}/milestones",
            ss1["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 12);
}

#[actix_web::test]
async fn overdue_as_of_a_day() {
    let app = TestApp::spawn_with_demo().await;
    let o = new_objective(&app, "T1", "HBC-SS").await;
    let late = new_milestone(&app, &o["id"], "T1-A", json!("2009-09-29")).await;
    let done = new_milestone(&app, &o["id"], "T1-B", json!("2009-09-29")).await;
    new_milestone(&app, &o["id"], "T1-C", Value::Null).await;
    new_milestone(&app, &o["id"], "T1-D", json!("2009-09-30")).await;
    post_update(
        &app,
        &done,
        Role::Editor,
        "HBC",
        json!({"period": "FY2009-10-Q2", "status": "complete", "completed_on": "2009-09-20"}),
    )
    .await
    .expect(201);
    let q = format!(
        "/api/v1/milestones?objective_id={}&as_of=2009-09-30",
        o["id"].as_str().unwrap()
    );
    let res = app
        .get(&format!("{q}&overdue=true"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(codes(&res), ["T1-A"], "due the day before and not complete");
    assert_eq!(res.body["items"][0]["overdue"], true);
    let res = app
        .get(&format!("{q}&overdue=false"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(codes(&res), ["T1-B", "T1-D", "T1-C"]);
    assert!(res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["overdue"] == false));
    let _ = late;
    // The roll-up counts overdue as of the day asked.
    let res = app
        .get("/api/v1/objectives?code=T1&as_of=2009-09-30")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(res.body["items"][0]["milestones"]["overdue"], 1);
    assert_eq!(res.body["items"][0]["milestones"]["status"], "red");
    let res = app
        .get("/api/v1/objectives?code=T1&as_of=2009-09-01")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(res.body["items"][0]["milestones"]["overdue"], 0);
    assert_eq!(res.body["items"][0]["milestones"]["status"], "green");
    app.get("/api/v1/milestones?overdue=yes")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(400);
    app.get("/api/v1/milestones?as_of=tomorrow")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(400);
    // Demo: as of 1 October 2009 the milestones due by September 2009 are overdue.
    let res = app
        .get("/api/v1/milestones?overdue=true&as_of=2009-10-01&limit=100")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert!(codes(&res).contains(&"SS1-0910-1".to_string()));
    assert!(res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["due_on"].as_str().unwrap() < "2009-10-01"));
}

#[actix_web::test]
async fn an_update_sets_the_milestone_status_and_the_objective_roll_up() {
    let app = TestApp::spawn_with_demo().await;
    let o = new_objective(&app, "T2", "HBC-SS").await;
    let oid = o["id"].as_str().unwrap();
    let a = new_milestone(&app, &o["id"], "T2-A", json!("2099-01-31")).await;
    new_milestone(&app, &o["id"], "T2-B", json!("2099-01-31")).await;
    async fn rollup_of(app: &TestApp, oid: &str) -> Value {
        let path = format!("/api/v1/objectives/{oid}");
        app.get(&path).with_role(Role::Viewer).send().await.body["milestones"].clone()
    }
    assert_eq!(rollup_of(&app, oid).await["status"], "green");

    let res = post_update(&app, &a, Role::Contributor, "HBC-SS",
        json!({"period": "FY2009-10-Q2", "status": "at_risk", "commentary": "Recruitment slipping"})).await;
    res.expect(201);
    assert_eq!(res.body["author_org"], "HBC-SS");
    assert_eq!(res.body["period"]["label"], "2009/10 Q2");
    let location = res.header("location").unwrap();
    app.get(&location)
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(200);
    let m = app
        .get(&format!("/api/v1/milestones/{}", a["id"].as_str().unwrap()))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(m.body["status"], "at_risk");
    assert_eq!(m.body["version"], 2);
    assert_eq!(
        m.body["latest_update"]["commentary"],
        "Recruitment slipping"
    );
    let r = rollup_of(&app, oid).await;
    assert_eq!(
        (
            r["at_risk"].as_i64(),
            r["not_started"].as_i64(),
            r["status"].as_str()
        ),
        (Some(1), Some(1), Some("amber"))
    );

    post_update(
        &app,
        &a,
        Role::Editor,
        "HBC",
        json!({"period": "FY2009-10-Q3", "status": "off_track"}),
    )
    .await
    .expect(201);
    assert_eq!(rollup_of(&app, oid).await["status"], "red");
    post_update(
        &app,
        &a,
        Role::Editor,
        "HBC",
        json!({"period": "FY2009-10-Q4", "status": "complete", "completed_on": "2010-03-01"}),
    )
    .await
    .expect(201);
    let r = rollup_of(&app, oid).await;
    assert_eq!(
        (r["complete"].as_i64(), r["status"].as_str()),
        (Some(1), Some("green"))
    );
    let m = app
        .get(&format!("/api/v1/milestones/{}", a["id"].as_str().unwrap()))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(m.body["completed_on"], "2010-03-01");

    let updates = app
        .get(&format!(
            "/api/v1/milestones/{}/updates",
            a["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    let statuses: Vec<&str> = updates.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["complete", "off_track", "at_risk"],
        "newest first"
    );
    let history = app
        .get(&format!(
            "/api/v1/milestones/{}/history",
            a["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "status", "status", "status"]);
    assert_eq!(history.body["items"][1]["before"]["status"], "not_started");
    assert_eq!(history.body["items"][1]["after"]["status"], "at_risk");
}

#[actix_web::test]
async fn who_may_report_progress() {
    let app = TestApp::spawn_with_demo().await;
    let o = new_objective(&app, "T3", "HBC-SS").await;
    let m = new_milestone(&app, &o["id"], "T3-A", json!("2010-03-31")).await;
    let body = json!({"period": "FY2009-10-Q1", "status": "on_track"});
    let path = format!("/api/v1/milestones/{}/updates", m["id"].as_str().unwrap());
    app.post(&path).json(&body).send().await.expect(401);
    post_update(&app, &m, Role::Viewer, "HBC-SS", body.clone())
        .await
        .expect(403);
    let res = post_update(&app, &m, Role::Contributor, "PCT", body.clone()).await;
    res.expect(403);
    assert!(res.body["detail"].as_str().unwrap().contains("HBC-SS"));
    post_update(&app, &m, Role::Contributor, "HBC-SS", body.clone())
        .await
        .expect(201);
    post_update(&app, &m, Role::Editor, "PCT", body.clone())
        .await
        .expect(201);
    post_update(&app, &m, Role::Admin, "PCT", body.clone())
        .await
        .expect(201);
    // A contributor may not change the milestone itself.
    app.patch(&format!("/api/v1/milestones/{}", m["id"].as_str().unwrap()))
        .with_role_at(Role::Contributor, "HBC-SS")
        .if_match("\"4\"")
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect(403);
    for role in ROLES {
        app.get(&path).with_role(role).send().await.expect(200);
    }
}

#[actix_web::test]
async fn updates_are_validated_and_change_nothing_when_refused() {
    let app = TestApp::spawn_with_demo().await;
    let o = new_objective(&app, "T4", "HBC-SS").await;
    let m = new_milestone(&app, &o["id"], "T4-A", json!("2010-03-31")).await;
    for (body, pointer) in [
        (
            json!({"period": "FY2009-10", "status": "on_track"}),
            "/period",
        ),
        (
            json!({"period": "2009 Q1", "status": "on_track"}),
            "/period",
        ),
        (
            json!({"period": "FY2009-10-Q1", "status": "sunny"}),
            "/status",
        ),
        (
            json!({"period": "FY2009-10-Q1", "status": "complete"}),
            "/completed_on",
        ),
        (
            json!({"period": "FY2009-10-Q1", "status": "on_track", "completed_on": "2009-06-01"}),
            "/completed_on",
        ),
        (
            json!({"period": "FY2009-10-Q1", "status": "complete", "completed_on": "2999-06-01"}),
            "/completed_on",
        ),
    ] {
        let res = post_update(&app, &m, Role::Editor, "HBC", body.clone()).await;
        res.expect(422);
        assert_eq!(res.body["errors"][0]["pointer"], pointer, "{body}");
    }
    let got = app
        .get(&format!("/api/v1/milestones/{}", m["id"].as_str().unwrap()))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(got.body["version"], 1);
    assert_eq!(got.body["status"], "not_started");
    let updates = app
        .get(&format!(
            "/api/v1/milestones/{}/updates",
            m["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(updates.body["total"], 0);
    // A stale If-Match on an update is refused too.
    app.post(&format!(
        "/api/v1/milestones/{}/updates",
        m["id"].as_str().unwrap()
    ))
    .with_role(Role::Editor)
    .if_match("\"7\"")
    .json(&json!({"period": "FY2009-10-Q1", "status": "on_track"}))
    .send()
    .await
    .expect(412);
}

#[actix_web::test]
async fn milestone_writes_role_matrix_and_validation() {
    let app = TestApp::spawn_with_demo().await;
    let ss1 = objective(&app, "SS1").await;
    let body = json!({"objective_id": ss1["id"], "code": "SS1-0910-7", "title": "Extra milestone", "financial_year": "FY2009-10",
                      "due_on": "2010-03-31"});
    assert_refused_below(
        &app,
        Method::POST,
        "/api/v1/milestones",
        Some(&body),
        Role::Editor,
    )
    .await;
    let res = app
        .post("/api/v1/milestones")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    assert_eq!(
        res.body["lead_organisation"]["code"], "HBC-SS",
        "defaults to the objective's lead"
    );
    assert_eq!(res.body["status"], "not_started");
    let item = res.header("location").unwrap();
    app.post("/api/v1/milestones")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await
        .expect(409);

    let res = app
        .post("/api/v1/milestones")
        .with_role(Role::Editor)
        .json(&json!({"objective_id": uuid::Uuid::now_v7(), "code": "X", "title": "x", "financial_year": "FY2009-11",
                      "due_on": "1850-01-01", "lead_organisation_id": uuid::Uuid::now_v7()}))
        .send()
        .await;
    res.expect(422);
    let pointers: Vec<&str> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/financial_year",
            "/due_on",
            "/objective_id",
            "/lead_organisation_id"
        ]
    );

    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
    }
    let patch = json!({"due_on": null, "title": "Renamed"});
    assert_refused_below(&app, Method::PATCH, &item, Some(&patch), Role::Editor).await;
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await;
    res.expect(200);
    assert!(res.body["due_on"].is_null());
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .json(&json!({"status": "complete"}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(
        res.body["errors"][0]["pointer"], "/status",
        "status changes only through updates"
    );
    assert_refused_below(&app, Method::DELETE, &item, None, Role::Editor).await;
    app.delete(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .send()
        .await
        .expect(200);
    let res = app
        .get("/api/v1/milestones?code=SS1-0910-7")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 0);
    app.post(&format!("{item}/restore"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(200);
    let res = app
        .get("/api/v1/audit?entity_type=milestone&action=create,update,archive,restore&limit=500")
        .with_role(Role::Editor)
        .send()
        .await;
    let mine: Vec<&Value> = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["after"]["code"] == "SS1-0910-7")
        .collect();
    assert_eq!(mine.len(), 4);
}

#[actix_web::test]
async fn milestone_filters_and_sorts() {
    let app = &TestApp::spawn_with_demo().await;
    let get = |q: String| async move {
        app.get(&format!("/api/v1/milestones?{q}"))
            .with_role(Role::Viewer)
            .counted()
            .send()
            .await
    };
    assert_eq!(
        get("financial_year=FY2011-12&limit=100".into()).await.body["total"],
        9
    );
    let res = get("due_from=2010-01-01&due_to=2010-03-31&limit=100".into()).await;
    assert!(res.body["items"].as_array().unwrap().iter().all(|m| {
        let d = m["due_on"].as_str().unwrap();
        ("2010-01-01"..="2010-03-31").contains(&d)
    }));
    assert!(res.body["total"].as_i64().unwrap() > 0);
    let plan = app
        .get("/api/v1/plans?code=SS-2009-12")
        .with_role(Role::Viewer)
        .send()
        .await
        .body["items"][0]["id"]
        .clone();
    assert_eq!(
        get(format!("plan_id={}", plan.as_str().unwrap()))
            .await
            .body["total"],
        45
    );
    let cypp = app
        .get("/api/v1/plans?code=CYPP-2009-11")
        .with_role(Role::Viewer)
        .send()
        .await
        .body["items"][0]["id"]
        .clone();
    assert_eq!(
        get(format!("plan_id={}", cypp.as_str().unwrap()))
            .await
            .body["total"],
        0
    );
    let lead = app.org_id("HBC-SS").await;
    assert_eq!(
        get(format!("lead_organisation_id={lead}")).await.body["total"],
        45
    );
    assert_eq!(
        get("status=at_risk,off_track".into()).await.body["total"],
        0
    );
    assert_eq!(get("status=not_started".into()).await.body["total"], 45);
    get("status=late".into()).await.expect(400);
    let res = get("sort=-code&limit=2".into()).await;
    assert_eq!(codes(&res), ["SS4-1112-3", "SS4-1112-2"]);
    let res = get("q=foster%20carers&limit=100".into()).await;
    assert!(res.body["total"].as_i64().unwrap() >= 1);
    // Paging by due date (with nulls) neither skips nor repeats.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("limit=7&cursor={c}"),
            None => "limit=7".into(),
        };
        let res = get(q).await;
        res.expect(200);
        seen.extend(codes(&res));
        cursor = res.body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (45, 45));
}

#[actix_web::test]
async fn the_milestone_list_is_a_fixed_number_of_queries() {
    let app = TestApp::spawn_with_demo().await;
    // The token's organisation is looked up once, then cached: counted
    // requests are the steady state.
    app.warm_up().await;
    let count = |q: &'static str| {
        let app = &app;
        async move {
            let before = app.queries();
            app.get(&format!("/api/v1/milestones?{q}"))
                .with_role(Role::Viewer)
                .send()
                .await
                .expect(200);
            app.queries() - before
        }
    };
    assert_eq!(count("limit=1").await, count("limit=500").await);
}
