//! The JAR improvement plan: areas, actions (deliverables like milestones),
//! their progress updates and who may post them, overdue as of a day, and the
//! trace from a recommendation down to actions and objectives.

use actix_web::http::Method;
use serde_json::{json, Value};
use trustplan::web::auth::Role;

use crate::helpers::{assert_refused_below, codes, id_of, pointers, Res, TestApp, ROLES};

fn actions_of(history: &Res) -> Vec<String> {
    history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

/// The codes of a list of references, sorted.
fn ref_codes(refs: &Value) -> Vec<String> {
    let mut v: Vec<String> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn get(app: &TestApp, path: &str) -> Res {
    let res = app.get(path).with_role(Role::Viewer).counted().send().await;
    res.expect(200);
    res
}

async fn first(app: &TestApp, path: &str) -> Value {
    let res = get(app, path).await;
    let item = res.body["items"][0].clone();
    assert!(item.is_object(), "{path}: {}", res.text);
    item
}

async fn area(app: &TestApp, code: &str) -> Value {
    first(app, &format!("/api/v1/improvement-areas?code={code}")).await
}

async fn action(app: &TestApp, code: &str) -> Value {
    first(app, &format!("/api/v1/improvement-actions?code={code}")).await
}

async fn recommendation_id(app: &TestApp, code: &str) -> String {
    id_of(app, &format!("/api/v1/recommendations?code={code}")).await
}

async fn plan_id(app: &TestApp) -> String {
    id_of(app, "/api/v1/plans?code=JAR-IP-2008-09").await
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// A new recommendation of the JAR, so a trace is ours alone.
async fn new_recommendation(app: &TestApp, code: &str) -> Value {
    let jar = id_of(app, "/api/v1/inspections?code=JAR-2008").await;
    let res = app
        .post("/api/v1/recommendations")
        .with_role(Role::Editor)
        .json(
            &json!({"inspection_id": jar, "code": code, "text": format!("Recommendation {code}"),
                      "timeframe": "within_six_months"}),
        )
        .send()
        .await;
    res.expect(201);
    res.body.clone()
}

/// A new area in the improvement plan, answering `recommendations`.
async fn new_area(app: &TestApp, code: &str, due_on: &str, body: Value) -> Value {
    let mut b = json!({"plan_id": plan_id(app).await, "code": code, "title": format!("Area {code}"),
                       "due_on": due_on});
    for (k, v) in body.as_object().unwrap() {
        b[k] = v.clone();
    }
    let res = app
        .post("/api/v1/improvement-areas")
        .with_role(Role::Editor)
        .json(&b)
        .send()
        .await;
    res.expect(201);
    res.body.clone()
}

async fn new_action(app: &TestApp, area: &Value, code: &str, body: Value) -> Value {
    let mut b = json!({"area_id": area["id"], "code": code, "title": format!("Action {code}")});
    for (k, v) in body.as_object().unwrap() {
        b[k] = v.clone();
    }
    let res = app
        .post("/api/v1/improvement-actions")
        .with_role(Role::Editor)
        .json(&b)
        .send()
        .await;
    res.expect(201);
    res.body.clone()
}

async fn post_update(app: &TestApp, action: &Value, role: Role, org: &str, body: Value) -> Res {
    app.post(&format!(
        "/api/v1/improvement-actions/{}/updates",
        id(action)
    ))
    .with_role_at(role, org)
    .json(&body)
    .send()
    .await
}

async fn report(app: &TestApp, action: &Value, body: Value) {
    post_update(app, action, Role::Editor, "HBC", body)
        .await
        .expect(201);
}

async fn trace(app: &TestApp, recommendation_id: &str, as_of: &str) -> Value {
    get(
        app,
        &format!("/api/v1/recommendations/{recommendation_id}/trace?as_of={as_of}"),
    )
    .await
    .body
    .clone()
}

#[actix_web::test]
async fn the_demo_plan_has_twelve_areas_and_thirty_eight_actions() {
    let app = &TestApp::spawn_with_demo().await;
    let plan = plan_id(app).await;
    let res = get(
        app,
        &format!("/api/v1/improvement-areas?plan_id={plan}&limit=100"),
    )
    .await;
    assert_eq!(res.body["total"], 12);
    assert_eq!(codes(&res).first().map(String::as_str), Some("IA01"));
    assert_eq!(codes(&res).last().map(String::as_str), Some("IA12"));

    let ia01 = area(app, "IA01").await;
    assert_eq!(ia01["plan"]["code"], "JAR-IP-2008-09");
    assert_eq!(ia01["due_on"], "2008-12-31");
    assert_eq!(ia01["due_original"], "December 2008");
    assert_eq!(ia01["overarching_strategy"], "Children in Care Strategy");
    assert_eq!(ia01["listed_in_cypp"], true);
    assert_eq!(
        ref_codes(&ia01["lead_organisations"]),
        // The Children in Care Partnership Board shares the lead (demo
        // additions: the catalogue's lead fixes).
        ["CIC-PB", "HBC-CYPD", "HBC-SS"]
    );
    assert_eq!(
        ia01["lead_roles"],
        json!([
            "HBC CYPD OD Preventative Services",
            "OD Specialist Services"
        ])
    );
    assert_eq!(ref_codes(&ia01["recommendations"]), ["JAR-R2"]);
    assert_eq!(ref_codes(&ia01["objectives"]), ["SS1"]);
    assert_eq!(ia01["recommendation_ids"].as_array().unwrap().len(), 1);
    assert_eq!(ia01["objective_ids"].as_array().unwrap().len(), 1);
    assert!(!ia01["process_enablers"].as_array().unwrap().is_empty());
    let ia08 = area(app, "IA08").await;
    assert_eq!(
        ref_codes(&ia08["lead_organisations"]),
        ["HSCB", "PCT", "SDP-A3"]
    );
    assert_eq!(ref_codes(&ia08["recommendations"]), ["JAR-R7"]);
    assert_eq!(ia08["due_on"], "2009-03-31");
    let ia09 = area(app, "IA09").await;
    assert_eq!(ia09["listed_in_cypp"], false);
    assert!(ia09["overarching_strategy"].is_null());

    let res = get(app, "/api/v1/improvement-actions?limit=500").await;
    assert_eq!(res.body["total"], 38);
    let items = res.body["items"].as_array().unwrap();
    assert!(items.iter().all(|a| a["status"] == "not_started"));
    assert!(items.iter().all(|a| a["own_due_on"].is_null()
        && a["lead_organisation_id"].is_null()
        && a["latest_update"].is_null()));
    // Actions take their area's date and leads.
    let ia01_actions: Vec<&Value> = items
        .iter()
        .filter(|a| a["area"]["code"] == "IA01")
        .collect();
    assert_eq!(ia01_actions.len(), 6);
    for a in &ia01_actions {
        assert_eq!(a["due_on"], "2008-12-31", "{}", a["code"]);
        assert_eq!(
            ref_codes(&a["lead_organisations"]),
            ["CIC-PB", "HBC-CYPD", "HBC-SS"]
        );
    }
    let a3 = items.iter().find(|a| a["code"] == "IA03-A2").unwrap();
    assert_eq!(a3["due_on"], "2009-03-31");
    assert_eq!(a3["sequence"], 2);
    assert_eq!(a3["area"]["code"], "IA03");
    assert_eq!(a3["area_id"], area(app, "IA03").await["id"]);
}

#[actix_web::test]
async fn improvement_area_filters() {
    let app = &TestApp::spawn_with_demo().await;
    let list = |q: String| async move {
        app.get(&format!("/api/v1/improvement-areas?{q}&limit=100"))
            .with_role(Role::Viewer)
            .counted()
            .send()
            .await
    };
    let ss_plan = id_of(app, "/api/v1/plans?code=SS-2009-12").await;
    assert_eq!(list(format!("plan_id={ss_plan}")).await.body["total"], 0);
    let r2 = recommendation_id(app, "JAR-R2").await;
    let r3 = recommendation_id(app, "JAR-R3").await;
    let r1 = recommendation_id(app, "JAR-R1").await;
    assert_eq!(
        codes(&list(format!("recommendation_id={r2}")).await),
        ["IA01"]
    );
    assert_eq!(
        codes(&list(format!("recommendation_id={r2},{r3}")).await),
        ["IA01", "IA03"]
    );
    assert_eq!(
        list(format!("recommendation_id={r1}")).await.body["total"],
        0
    );
    let pct = app.org_id("PCT").await;
    assert_eq!(
        codes(&list(format!("lead_organisation_id={pct}")).await),
        ["IA07", "IA08"]
    );
    let connexions = app.org_id("CONNEXIONS").await;
    assert_eq!(
        codes(&list(format!("lead_organisation_id={connexions},{pct}")).await),
        ["IA06", "IA07", "IA08"]
    );
    let ss1 = id_of(app, "/api/v1/objectives?code=SS1").await;
    assert_eq!(
        codes(&list(format!("objective_id={ss1}")).await),
        ["IA01", "IA02"]
    );
    let ss2 = id_of(app, "/api/v1/objectives?code=SS2").await;
    assert_eq!(list(format!("objective_id={ss2}")).await.body["total"], 0);
    assert_eq!(codes(&list("q=breastfeeding".into()).await), ["IA07"]);
    assert_eq!(
        codes(&list("q=ambition%20for%20health".into()).await),
        ["IA07", "IA08"],
        "the overarching strategy is searched"
    );
    assert_eq!(
        codes(&list(format!("q=care&objective_id={ss1}")).await),
        ["IA01", "IA02"]
    );
    assert_eq!(codes(&list("code=IA05".into()).await), ["IA05"]);
    let res = list("sort=-code&limit=2".into()).await;
    assert_eq!(codes(&res)[..2], ["IA12", "IA11"]);
    list("lead=PCT".into()).await.expect(400);
    list("recommendation_id=JAR-R2".into()).await.expect(400);
    list("sort=title".into()).await.expect(400);
}

#[actix_web::test]
async fn improvement_action_filters() {
    let app = &TestApp::spawn_with_demo().await;
    let list = |q: String| async move {
        app.get(&format!("/api/v1/improvement-actions?{q}&limit=500"))
            .with_role(Role::Viewer)
            .counted()
            .send()
            .await
    };
    let ia01 = area(app, "IA01").await;
    let ia03 = area(app, "IA03").await;
    assert_eq!(
        codes(&list(format!("area_id={}", id(&ia01))).await),
        ["IA01-A1", "IA01-A2", "IA01-A3", "IA01-A4", "IA01-A5", "IA01-A6"]
    );
    assert_eq!(
        list(format!("area_id={},{}", id(&ia01), id(&ia03)))
            .await
            .body["total"],
        9
    );
    let r3 = recommendation_id(app, "JAR-R3").await;
    assert_eq!(
        codes(&list(format!("recommendation_id={r3}")).await),
        ["IA03-A1", "IA03-A2", "IA03-A3"]
    );
    let r1 = recommendation_id(app, "JAR-R1").await;
    assert_eq!(
        list(format!("recommendation_id={r1}")).await.body["total"],
        0
    );
    let pct = app.org_id("PCT").await;
    assert_eq!(
        codes(&list(format!("lead_organisation_id={pct}")).await),
        ["IA07-A1", "IA08-A1", "IA08-A2", "IA08-A3"],
        "led through their areas"
    );
    assert_eq!(list("status=not_started".into()).await.body["total"], 38);
    assert_eq!(
        list("status=at_risk,off_track".into()).await.body["total"],
        0
    );
    list("status=late".into()).await.expect(400);
    assert_eq!(
        list("due_to=2008-12-31".into()).await.body["total"],
        8,
        "IA01 and IA02"
    );
    assert_eq!(
        list("due_from=2009-01-01&due_to=2009-03-31".into())
            .await
            .body["total"],
        30
    );
    assert_eq!(list("due_from=2009-04-01".into()).await.body["total"], 0);
    list("due_from=March".into()).await.expect(400);
    assert_eq!(
        codes(&list("q=Duke%20of%20Edinburgh".into()).await),
        ["IA01-A6", "IA06-A5"]
    );
    assert_eq!(codes(&list("code=IA09-A4".into()).await), ["IA09-A4"]);
    let res = list("sort=-code&limit=2".into()).await;
    assert_eq!(codes(&res)[..2], ["IA12-A3", "IA12-A2"]);
    list("lead=PCT".into()).await.expect(400);
    list("overdue=yes".into()).await.expect(400);
    list("as_of=tomorrow".into()).await.expect(400);
    list("sort=title".into()).await.expect(400);

    // An action's own lead and date win over its area's.
    let hscb = app.org_id("HSCB").await;
    let own = new_action(
        app,
        &ia01,
        "IA01-A7",
        json!({"lead_organisation_id": hscb, "due_on": "2009-06-30"}),
    )
    .await;
    assert_eq!(ref_codes(&own["lead_organisations"]), ["HSCB"]);
    assert_eq!(own["due_on"], "2009-06-30");
    assert_eq!(own["own_due_on"], "2009-06-30");
    assert!(
        codes(&list(format!("lead_organisation_id={hscb}")).await).contains(&"IA01-A7".to_string())
    );
    let ss = app.org_id("HBC-SS").await;
    let res = list(format!("lead_organisation_id={ss}")).await;
    // IA01's six (HBC-SS shares its lead) and IA02's two, not IA01-A7 with
    // a lead of its own.
    assert_eq!(
        res.body["total"], 8,
        "not the action with a lead of its own"
    );
    assert_eq!(list("due_to=2008-12-31".into()).await.body["total"], 8);
    assert_eq!(
        codes(&list("due_from=2009-04-01".into()).await),
        ["IA01-A7"]
    );
    report(
        app,
        &own,
        json!({"period": "FY2009-10-Q1", "status": "at_risk"}),
    )
    .await;
    assert_eq!(
        codes(&list("status=at_risk,off_track".into()).await),
        ["IA01-A7"]
    );
    assert_eq!(list("status=not_started".into()).await.body["total"], 38);
}

#[actix_web::test]
async fn overdue_actions_as_of_a_day() {
    let app = &TestApp::spawn_with_demo().await;
    let list = |q: &'static str| async move {
        app.get(&format!("/api/v1/improvement-actions?{q}&limit=500"))
            .with_role(Role::Viewer)
            .counted()
            .send()
            .await
    };
    let res = list("overdue=true&as_of=2009-01-01").await;
    let late = codes(&res);
    assert_eq!(late.len(), 8);
    assert!(late
        .iter()
        .all(|c| c.starts_with("IA01-") || c.starts_with("IA02-")));
    assert!(res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["overdue"] == true && a["due_on"] == "2008-12-31"));
    let res = list("overdue=false&as_of=2009-01-01").await;
    assert_eq!(res.body["total"], 30);
    assert!(
        codes(&res).contains(&"IA03-A1".to_string()),
        "IA03 is due 2009-03-31"
    );
    assert!(res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["overdue"] == false));
    // Due on the day itself is not yet overdue.
    assert_eq!(list("overdue=true&as_of=2008-12-31").await.body["total"], 0);
    assert_eq!(
        list("overdue=true&as_of=2009-04-01").await.body["total"],
        38
    );
    // Without overdue=, as_of still decides the flag each action carries.
    let res = list("as_of=2009-01-01&code=IA01-A1,IA03-A1").await;
    let flags: Vec<(&str, bool)> = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["code"].as_str().unwrap(), a["overdue"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [("IA01-A1", true), ("IA03-A1", false)]);

    // A complete, deferred or cancelled action is never overdue.
    let done = action(app, "IA01-A1").await;
    report(
        app,
        &done,
        json!({"period": "FY2008-09-Q3", "status": "complete", "completed_on": "2008-12-15"}),
    )
    .await;
    report(
        app,
        &action(app, "IA01-A2").await,
        json!({"period": "FY2008-09-Q3", "status": "deferred"}),
    )
    .await;
    report(
        app,
        &action(app, "IA01-A3").await,
        json!({"period": "FY2008-09-Q3", "status": "off_track"}),
    )
    .await;
    let res = list("overdue=true&as_of=2009-01-01").await;
    assert_eq!(res.body["total"], 6);
    assert!(!codes(&res).contains(&"IA01-A1".to_string()));
    assert!(!codes(&res).contains(&"IA01-A2".to_string()));
    assert!(
        codes(&res).contains(&"IA01-A3".to_string()),
        "off track is still open"
    );
    let res = list("overdue=false&as_of=2009-01-01&code=IA01-A1").await;
    assert_eq!(res.body["items"][0]["overdue"], false);
    assert_eq!(res.body["items"][0]["status"], "complete");
    assert_eq!(res.body["items"][0]["completed_on"], "2008-12-15");
    // Read on its own, an action is judged as of today: the 2008 dates are long past.
    let res = get(
        app,
        &format!(
            "/api/v1/improvement-actions/{}",
            id(&action(app, "IA01-A4").await)
        ),
    )
    .await;
    assert_eq!(res.body["overdue"], true);
    let res = get(app, &format!("/api/v1/improvement-actions/{}", id(&done))).await;
    assert_eq!(res.body["overdue"], false);

    // Overdue combines with the other filters.
    let ia02 = area(app, "IA02").await;
    let q = format!(
        "/api/v1/improvement-actions?overdue=true&as_of=2009-01-01&area_id={}",
        id(&ia02)
    );
    assert_eq!(codes(&get(app, &q).await), ["IA02-A1", "IA02-A2"]);
}

#[actix_web::test]
async fn an_update_sets_the_action_status_and_appears_in_its_updates() {
    let app = &TestApp::spawn_with_demo().await;
    let a = action(app, "IA01-A1").await;
    let item = format!("/api/v1/improvement-actions/{}", id(&a));
    let res = post_update(
        app,
        &a,
        Role::Contributor,
        "HBC-SS",
        json!({"period": "FY2008-09-Q3", "status": "at_risk", "commentary": "Placements slow to find"}),
    )
    .await;
    res.expect(201);
    assert_eq!(res.body["status"], "at_risk");
    assert_eq!(res.body["author_org"], "HBC-SS");
    assert_eq!(res.body["author_sub"], "test-contributor-HBC-SS");
    assert_eq!(res.body["period"]["code"], "FY2008-09-Q3");
    assert_eq!(res.body["period"]["label"], "2008/09 Q3");
    assert_eq!(res.body["period"]["starts_on"], "2008-10-01");
    let location = res.header("location").unwrap();
    assert_eq!(location, format!("{item}/updates/{}", id(&res.body)));
    for role in ROLES {
        let got = app.get(&location).with_role(role).send().await;
        got.expect(200);
        assert_eq!(got.body["commentary"], "Placements slow to find");
    }
    app.get(&location).send().await.expect(401);
    // An update is found only under its own action.
    let other = action(app, "IA01-A2").await;
    app.get(&format!(
        "/api/v1/improvement-actions/{}/updates/{}",
        id(&other),
        id(&res.body)
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(404);

    let got = get(app, &item).await;
    assert_eq!(got.body["status"], "at_risk");
    assert_eq!(got.body["version"], 2);
    assert_eq!(got.etag(), "\"2\"");
    assert_eq!(
        got.body["latest_update"]["commentary"],
        "Placements slow to find"
    );
    assert_eq!(got.body["latest_update"]["id"], res.body["id"]);

    // With a fresh If-Match it is accepted; the newest sets the status.
    app.post(&format!("{item}/updates"))
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .json(
            &json!({"period": "FY2008-09-Q4", "status": "complete", "completed_on": "2009-02-27"}),
        )
        .send()
        .await
        .expect(201);
    let got = get(app, &item).await;
    assert_eq!(got.body["status"], "complete");
    assert_eq!(got.body["completed_on"], "2009-02-27");
    assert_eq!(got.body["latest_update"]["status"], "complete");
    assert_eq!(got.body["version"], 3);

    let updates = get(app, &format!("{item}/updates")).await;
    assert_eq!(updates.body["total"], 2);
    let statuses: Vec<&str> = updates.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["complete", "at_risk"], "newest first");
    let oldest = get(app, &format!("{item}/updates?sort=created_at")).await;
    assert_eq!(oldest.body["items"][0]["status"], "at_risk");
    app.get(&format!("{item}/updates?status=complete"))
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(400);
    assert_eq!(
        get(
            app,
            &format!("/api/v1/improvement-actions/{}/updates", id(&other))
        )
        .await
        .body["total"],
        0
    );

    let history = get(app, &format!("{item}/history")).await;
    assert_eq!(actions_of(&history), ["create", "status", "status"]);
    assert_eq!(history.body["items"][1]["before"]["status"], "not_started");
    assert_eq!(history.body["items"][1]["after"]["status"], "at_risk");
    assert_eq!(history.body["items"][1]["actor_org"], "HBC-SS");
}

#[actix_web::test]
async fn who_may_report_progress_on_an_action() {
    let app = &TestApp::spawn_with_demo().await;
    // IA08 is led by the PCT, the Safeguarding Children Board and a service
    // delivery partnership; its actions have no lead of their own.
    let ia08 = area(app, "IA08").await;
    assert_eq!(
        ref_codes(&ia08["lead_organisations"]),
        ["HSCB", "PCT", "SDP-A3"]
    );
    let a = action(app, "IA08-A1").await;
    assert_eq!(
        ref_codes(&a["lead_organisations"]),
        ["HSCB", "PCT", "SDP-A3"]
    );
    let body = json!({"period": "FY2008-09-Q4", "status": "on_track"});
    let path = format!("/api/v1/improvement-actions/{}/updates", id(&a));
    app.post(&path).json(&body).send().await.expect(401);
    post_update(app, &a, Role::Viewer, "PCT", body.clone())
        .await
        .expect(403);
    let res = post_update(app, &a, Role::Contributor, "HBC", body.clone()).await;
    res.expect(403);
    let detail = res.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("PCT") && detail.contains("HSCB"),
        "{detail}"
    );
    post_update(app, &a, Role::Contributor, "CONNEXIONS", body.clone())
        .await
        .expect(403);
    post_update(app, &a, Role::Contributor, "PCT", body.clone())
        .await
        .expect(201);
    post_update(app, &a, Role::Contributor, "HSCB", body.clone())
        .await
        .expect(201);
    post_update(app, &a, Role::Editor, "CTB", body.clone())
        .await
        .expect(201);
    post_update(app, &a, Role::Admin, "CTB", body.clone())
        .await
        .expect(201);
    assert_eq!(get(app, &path).await.body["total"], 4);

    // An action's own lead replaces the area's.
    let connexions = app.org_id("CONNEXIONS").await;
    let own = new_action(
        app,
        &ia08,
        "IA08-A4",
        json!({"lead_organisation_id": connexions}),
    )
    .await;
    post_update(app, &own, Role::Contributor, "PCT", body.clone())
        .await
        .expect(403);
    post_update(app, &own, Role::Contributor, "CONNEXIONS", body.clone())
        .await
        .expect(201);

    // A contributor reports progress but does not change the action itself.
    app.patch(&format!("/api/v1/improvement-actions/{}", id(&a)))
        .with_role_at(Role::Contributor, "PCT")
        .if_match("\"5\"")
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect(403);
    app.delete(&format!("/api/v1/improvement-actions/{}", id(&a)))
        .with_role_at(Role::Contributor, "PCT")
        .if_match("\"5\"")
        .send()
        .await
        .expect(403);
    for role in ROLES {
        app.get(&path).with_role(role).send().await.expect(200);
    }
    app.get(&path).send().await.expect(401);
    app.post(&format!(
        "/api/v1/improvement-actions/{}/updates",
        uuid::Uuid::now_v7()
    ))
    .with_role(Role::Editor)
    .json(&body)
    .send()
    .await
    .expect(404);
}

#[actix_web::test]
async fn progress_updates_are_validated_and_change_nothing_when_refused() {
    let app = &TestApp::spawn_with_demo().await;
    let a = action(app, "IA03-A1").await;
    for (body, pointer) in [
        (
            json!({"period": "FY2008-09", "status": "on_track"}),
            "/period",
        ),
        (json!({"period": "CY2008", "status": "on_track"}), "/period"),
        (
            json!({"period": "2008 Q3", "status": "on_track"}),
            "/period",
        ),
        (
            json!({"period": "FY2008-09-Q5", "status": "on_track"}),
            "/period",
        ),
        (
            json!({"period": "FY2008-09-Q3", "status": "sunny"}),
            "/status",
        ),
        (
            json!({"period": "FY2008-09-Q3", "status": "complete"}),
            "/completed_on",
        ),
        (
            json!({"period": "FY2008-09-Q3", "status": "at_risk", "completed_on": "2008-11-01"}),
            "/completed_on",
        ),
        (
            json!({"period": "FY2008-09-Q3", "status": "complete", "completed_on": "2099-11-01"}),
            "/completed_on",
        ),
        (
            json!({"period": "FY2008-09-Q3", "status": "complete", "completed_on": "1850-11-01"}),
            "/completed_on",
        ),
        (
            json!({"period": "FY2008-09-Q3", "status": "on_track", "author": "me"}),
            "/author",
        ),
    ] {
        let res = post_update(app, &a, Role::Editor, "HBC", body.clone()).await;
        res.expect(422);
        assert_eq!(pointers(&res), [pointer], "{body}");
    }
    let item = format!("/api/v1/improvement-actions/{}", id(&a));
    let got = get(app, &item).await;
    assert_eq!(got.body["version"], 1);
    assert_eq!(got.body["status"], "not_started");
    assert!(got.body["latest_update"].is_null());
    assert_eq!(get(app, &format!("{item}/updates")).await.body["total"], 0);
    app.post(&format!("{item}/updates"))
        .with_role(Role::Editor)
        .if_match("\"7\"")
        .json(&json!({"period": "FY2008-09-Q3", "status": "on_track"}))
        .send()
        .await
        .expect(412);
    assert_eq!(get(app, &format!("{item}/updates")).await.body["total"], 0);
}

#[actix_web::test]
async fn improvement_area_role_matrix_validation_and_history() {
    let app = &TestApp::spawn_with_demo().await;
    let plan = plan_id(app).await;
    let pct = app.org_id("PCT").await;
    let hscb = app.org_id("HSCB").await;
    let r1 = recommendation_id(app, "JAR-R1").await;
    let ss4 = id_of(app, "/api/v1/objectives?code=SS4").await;
    let body = json!({"plan_id": plan, "code": "IA13", "title": "Share the findings with young people",
                      "lead_organisation_ids": [pct, hscb], "lead_roles": ["Participation Officer"],
                      "due_on": "2009-01-31", "due_original": "January 2009",
                      "overarching_strategy": "Participation Strategy", "linked_strategies": ["Youth Matters"],
                      "process_enablers": ["Youth Parliament"], "listed_in_cypp": true,
                      "recommendation_ids": [r1], "objective_ids": [ss4]});
    assert_refused_below(
        app,
        Method::POST,
        "/api/v1/improvement-areas",
        Some(&body),
        Role::Editor,
    )
    .await;
    let res = app
        .post("/api/v1/improvement-areas")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    assert_eq!(ref_codes(&res.body["lead_organisations"]), ["HSCB", "PCT"]);
    assert_eq!(ref_codes(&res.body["recommendations"]), ["JAR-R1"]);
    assert_eq!(ref_codes(&res.body["objectives"]), ["SS4"]);
    assert_eq!(res.body["linked_strategies"], json!(["Youth Matters"]));
    let item = res.header("location").unwrap();
    app.post("/api/v1/improvement-areas")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await
        .expect(409);
    let r1_areas = get(
        app,
        &format!("/api/v1/improvement-areas?recommendation_id={r1}"),
    )
    .await;
    assert_eq!(codes(&r1_areas), ["IA13"]);

    let res = app
        .post("/api/v1/improvement-areas")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": uuid::Uuid::now_v7(), "code": "IA 14!", "title": "",
                      "due_on": "2101-01-01", "lead_organisation_ids": [pct, uuid::Uuid::now_v7()],
                      "recommendation_ids": [uuid::Uuid::now_v7()], "objective_ids": [ss4, uuid::Uuid::now_v7()],
                      "lead_roles": [""]}))
        .send()
        .await;
    res.expect(422);
    let p = pointers(&res);
    for want in [
        "/code",
        "/title",
        "/lead_roles/0",
        "/due_on",
        "/plan_id",
        "/lead_organisation_ids/1",
        "/recommendation_ids/0",
        "/objective_ids/1",
    ] {
        assert!(p.iter().any(|x| x == want), "{want} in {p:?}");
    }
    assert_eq!(p.len(), 8, "{p:?}");

    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
        app.get("/api/v1/improvement-areas")
            .with_role(role)
            .send()
            .await
            .expect(200);
        app.get(&format!("{item}/history"))
            .with_role(role)
            .send()
            .await
            .expect(200);
    }
    app.get("/api/v1/improvement-areas")
        .send()
        .await
        .expect(401);
    app.get(&item).send().await.expect(401);

    // Lists given replace the old ones.
    let patch = json!({"recommendation_ids": [], "lead_organisation_ids": [pct], "due_on": null});
    assert_refused_below(app, Method::PATCH, &item, Some(&patch), Role::Editor).await;
    app.patch(&item)
        .with_role(Role::Editor)
        .json(&patch)
        .send()
        .await
        .expect(428);
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["recommendations"], json!([]));
    assert_eq!(ref_codes(&res.body["lead_organisations"]), ["PCT"]);
    assert_eq!(
        ref_codes(&res.body["objectives"]),
        ["SS4"],
        "not given, kept"
    );
    assert!(res.body["due_on"].is_null());
    assert_eq!(
        get(
            app,
            &format!("/api/v1/improvement-areas?recommendation_id={r1}")
        )
        .await
        .body["total"],
        0
    );
    app.patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await
        .expect(412);
    for (bad, pointer) in [
        (json!({"recommendation_ids": null}), "/recommendation_ids"),
        (
            json!({"objective_ids": [uuid::Uuid::now_v7()]}),
            "/objective_ids/0",
        ),
        (json!({"due_on": "1989-12-31"}), "/due_on"),
        (json!({"title": null}), "/title"),
        (json!({"status": "open"}), "/status"),
    ] {
        let res = app
            .patch(&item)
            .with_role(Role::Editor)
            .if_match("\"2\"")
            .json(&bad)
            .send()
            .await;
        res.expect(422);
        assert_eq!(pointers(&res), [pointer], "{bad}");
    }
    app.patch(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .json(&json!({"code": "IA01"}))
        .send()
        .await
        .expect(409);

    assert_refused_below(app, Method::DELETE, &item, None, Role::Editor).await;
    app.delete(&item)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(428);
    app.delete(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .send()
        .await
        .expect(200);
    assert_eq!(
        get(app, &format!("/api/v1/improvement-areas?plan_id={plan}"))
            .await
            .body["total"],
        12
    );
    assert_eq!(
        get(
            app,
            &format!("/api/v1/improvement-areas?plan_id={plan}&include_archived=true")
        )
        .await
        .body["total"],
        13
    );
    let restore = format!("{item}/restore");
    assert_refused_below(app, Method::POST, &restore, None, Role::Editor).await;
    app.post(&restore)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(200);
    let history = get(app, &format!("{item}/history")).await;
    assert_eq!(
        actions_of(&history),
        ["create", "update", "archive", "restore"]
    );
    assert_eq!(
        history.body["items"][1]["before"]["recommendations"][0]["code"],
        "JAR-R1"
    );
}

#[actix_web::test]
async fn improvement_action_role_matrix_validation_and_history() {
    let app = &TestApp::spawn_with_demo().await;
    let ia03 = area(app, "IA03").await;
    let body = json!({"area_id": ia03["id"], "code": "IA03-A4", "title": "Train SENCOs in person-centred reviews",
                      "sequence": 4});
    assert_refused_below(
        app,
        Method::POST,
        "/api/v1/improvement-actions",
        Some(&body),
        Role::Editor,
    )
    .await;
    let res = app
        .post("/api/v1/improvement-actions")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.body["status"], "not_started");
    assert_eq!(res.body["due_on"], "2009-03-31", "the area's date");
    assert!(res.body["own_due_on"].is_null());
    assert_eq!(res.body["area"]["code"], "IA03");
    assert_eq!(ref_codes(&res.body["lead_organisations"]), ["HBC-CYPD"]);
    assert_eq!(res.body["overdue"], true, "as of today, March 2009 is past");
    let item = res.header("location").unwrap();
    app.post("/api/v1/improvement-actions")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await
        .expect(409);
    let mut elsewhere = body.clone();
    elsewhere["area_id"] = area(app, "IA04").await["id"].clone();
    app.post("/api/v1/improvement-actions")
        .with_role(Role::Editor)
        .json(&elsewhere)
        .send()
        .await
        .expect(409);

    let res = app
        .post("/api/v1/improvement-actions")
        .with_role(Role::Editor)
        .json(&json!({"area_id": uuid::Uuid::now_v7(), "code": "", "title": " ", "due_on": "1900-01-01",
                      "lead_organisation_id": uuid::Uuid::now_v7()}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(
        pointers(&res),
        [
            "/code",
            "/title",
            "/due_on",
            "/area_id",
            "/lead_organisation_id"
        ]
    );
    let res = app
        .post("/api/v1/improvement-actions")
        .with_role(Role::Editor)
        .json(
            &json!({"area_id": ia03["id"], "code": "IA03-A5", "title": "x", "status": "on_track"}),
        )
        .send()
        .await;
    res.expect(422);
    assert_eq!(pointers(&res), ["/status"], "status comes from updates");

    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
        app.get("/api/v1/improvement-actions")
            .with_role(role)
            .send()
            .await
            .expect(200);
        app.get(&format!("{item}/history"))
            .with_role(role)
            .send()
            .await
            .expect(200);
    }
    app.get("/api/v1/improvement-actions")
        .send()
        .await
        .expect(401);
    app.get(&item).send().await.expect(401);
    app.get(&format!(
        "/api/v1/improvement-actions/{}",
        uuid::Uuid::now_v7()
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(404);

    let pct = app.org_id("PCT").await;
    let patch =
        json!({"due_on": "2099-06-30", "lead_organisation_id": pct, "title": "Train every SENCO"});
    assert_refused_below(app, Method::PATCH, &item, Some(&patch), Role::Editor).await;
    app.patch(&item)
        .with_role(Role::Editor)
        .json(&patch)
        .send()
        .await
        .expect(428);
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["due_on"], "2099-06-30");
    assert_eq!(res.body["overdue"], false);
    assert_eq!(ref_codes(&res.body["lead_organisations"]), ["PCT"]);
    app.patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await
        .expect(412);
    // null: the area's date and leads apply again.
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .json(&json!({"due_on": null, "lead_organisation_id": null}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["due_on"], "2009-03-31");
    assert!(res.body["own_due_on"].is_null());
    assert_eq!(ref_codes(&res.body["lead_organisations"]), ["HBC-CYPD"]);
    for (bad, pointer) in [
        (json!({"status": "complete"}), "/status"),
        (json!({"code": null}), "/code"),
        (json!({"due_on": "2101-01-01"}), "/due_on"),
        (
            json!({"lead_organisation_id": uuid::Uuid::now_v7()}),
            "/lead_organisation_id",
        ),
    ] {
        let res = app
            .patch(&item)
            .with_role(Role::Editor)
            .if_match("\"3\"")
            .json(&bad)
            .send()
            .await;
        res.expect(422);
        assert_eq!(pointers(&res), [pointer], "{bad}");
    }
    app.patch(&item)
        .with_role(Role::Editor)
        .if_match("\"3\"")
        .json(&json!({"code": "IA03-A1"}))
        .send()
        .await
        .expect(409);

    assert_refused_below(app, Method::DELETE, &item, None, Role::Editor).await;
    app.delete(&item)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(428);
    app.delete(&item)
        .with_role(Role::Editor)
        .if_match("\"3\"")
        .send()
        .await
        .expect(200);
    let q = format!("/api/v1/improvement-actions?area_id={}", id(&ia03));
    assert_eq!(get(app, &q).await.body["total"], 3);
    assert_eq!(
        get(app, &format!("{q}&include_archived=true")).await.body["total"],
        4
    );
    let restore = format!("{item}/restore");
    assert_refused_below(app, Method::POST, &restore, None, Role::Editor).await;
    app.post(&restore)
        .with_role(Role::Admin)
        .send()
        .await
        .expect(200);
    assert_eq!(get(app, &q).await.body["total"], 4);
    let history = get(app, &format!("{item}/history")).await;
    assert_eq!(
        actions_of(&history),
        ["create", "update", "update", "archive", "restore"]
    );
}

#[actix_web::test]
async fn the_trace_follows_a_recommendation_to_its_actions_and_objectives() {
    let app = &TestApp::spawn_with_demo().await;
    let r2 = recommendation_id(app, "JAR-R2").await;
    let path = format!("/api/v1/recommendations/{r2}/trace");
    for role in ROLES {
        app.get(&path).with_role(role).send().await.expect(200);
    }
    app.get(&path).send().await.expect(401);

    let t = trace(app, &r2, "2008-11-30").await;
    assert_eq!(t["recommendation"]["code"], "JAR-R2");
    assert_eq!(t["recommendation"]["inspection"]["code"], "JAR-2008");
    assert_eq!(t["as_of"], "2008-11-30");
    let areas = t["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 1);
    assert_eq!(areas[0]["area"]["code"], "IA01");
    let actions: Vec<&str> = areas[0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["IA01-A1", "IA01-A2", "IA01-A3", "IA01-A4", "IA01-A5", "IA01-A6"]
    );
    assert_eq!(areas[0]["rollup"]["total"], 6);
    assert_eq!(areas[0]["rollup"]["not_started"], 6);
    assert_eq!(areas[0]["rollup"]["overdue"], 0);
    assert_eq!(areas[0]["rollup"]["status"], "green");
    let objectives = t["objectives"].as_array().unwrap();
    assert_eq!(objectives.len(), 1);
    assert_eq!(objectives[0]["code"], "SS1");
    assert_eq!(objectives[0]["milestones"]["total"], 12);
    assert_eq!(objectives[0]["milestones"]["status"], "green");

    // A day after IA01's date every one of its actions is overdue: red.
    let t = trace(app, &r2, "2009-01-01").await;
    assert_eq!(t["areas"][0]["rollup"]["overdue"], 6);
    assert!(t["areas"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["overdue"] == true));
    assert_eq!(t["areas"][0]["rollup"]["status"], "red");
    assert_eq!(t["status"], "red");
}

#[actix_web::test]
async fn the_trace_turns_red_when_one_of_its_actions_becomes_overdue() {
    let app = &TestApp::spawn_with_demo().await;
    // JAR-R3 is answered by IA03 alone (due 2009-03-31), which no objective takes up.
    let r3 = recommendation_id(app, "JAR-R3").await;
    let t = trace(app, &r3, "2009-03-31").await;
    assert_eq!(t["areas"].as_array().unwrap().len(), 1);
    assert_eq!(t["areas"][0]["area"]["code"], "IA03");
    assert_eq!(t["objectives"], json!([]));
    assert_eq!(t["status"], "green", "due today is not overdue");

    let a1 = action(app, "IA03-A1").await;
    let a2 = action(app, "IA03-A2").await;
    let a3 = action(app, "IA03-A3").await;
    report(
        app,
        &a1,
        json!({"period": "FY2008-09-Q4", "status": "at_risk"}),
    )
    .await;
    report(
        app,
        &a2,
        json!({"period": "FY2008-09-Q4", "status": "on_track"}),
    )
    .await;
    let t = trace(app, &r3, "2009-03-31").await;
    assert_eq!(t["status"], "amber", "at risk, nothing overdue");
    assert_eq!(t["areas"][0]["rollup"]["at_risk"], 1);
    assert_eq!(t["areas"][0]["rollup"]["on_track"], 1);

    // Two actions done: only IA03-A3 is still open, and the next day it is overdue.
    report(
        app,
        &a1,
        json!({"period": "FY2008-09-Q4", "status": "complete", "completed_on": "2009-03-20"}),
    )
    .await;
    report(
        app,
        &a2,
        json!({"period": "FY2008-09-Q4", "status": "complete", "completed_on": "2009-03-25"}),
    )
    .await;
    assert_eq!(trace(app, &r3, "2009-04-01").await["status"], "red");
    let t = trace(app, &r3, "2009-03-31").await;
    assert_eq!(t["status"], "green");
    let t = trace(app, &r3, "2009-04-01").await;
    let flags: Vec<(&str, bool)> = t["areas"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["code"].as_str().unwrap(), a["overdue"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        flags,
        [("IA03-A1", false), ("IA03-A2", false), ("IA03-A3", true)]
    );
    assert_eq!(t["areas"][0]["rollup"]["overdue"], 1);
    assert_eq!(t["areas"][0]["rollup"]["complete"], 2);
    assert_eq!(t["areas"][0]["rollup"]["status"], "red");
    assert_eq!(t["status"], "red");
    // Complete the last one and the trace is green again, whatever the day.
    report(
        app,
        &a3,
        json!({"period": "FY2009-10-Q1", "status": "complete", "completed_on": "2009-04-10"}),
    )
    .await;
    assert_eq!(trace(app, &r3, "2010-01-01").await["status"], "green");
}

#[actix_web::test]
async fn a_trace_of_our_own_turns_red_on_an_overdue_action_an_off_track_one_or_a_late_milestone() {
    let app = &TestApp::spawn_with_demo().await;
    let rec = new_recommendation(app, "JAR-R9").await;
    let rid = id(&rec);
    assert_eq!(trace(app, rid, "2009-06-01").await["status"], "none");
    let area = new_area(
        app,
        "IA20",
        "2009-12-31",
        json!({"recommendation_ids": [rid]}),
    )
    .await;
    let t = trace(app, rid, "2009-06-01").await;
    assert_eq!(t["areas"][0]["rollup"]["total"], 0);
    assert_eq!(t["status"], "none", "an area with no actions yet");
    new_action(app, &area, "IA20-A1", json!({})).await;
    let early = new_action(app, &area, "IA20-A2", json!({"due_on": "2009-06-30"})).await;
    assert_eq!(trace(app, rid, "2009-06-01").await["status"], "green");
    // The action with its own earlier date is overdue first.
    let t = trace(app, rid, "2009-07-01").await;
    assert_eq!(t["status"], "red");
    let late: Vec<&str> = t["areas"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["overdue"] == true)
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(late, ["IA20-A2"]);
    // Deferred, it is no longer overdue.
    report(
        app,
        &early,
        json!({"period": "FY2009-10-Q2", "status": "deferred"}),
    )
    .await;
    assert_eq!(trace(app, rid, "2009-07-01").await["status"], "green");
    // Off track is red on any day from the start of the quarter it reports
    // on; before that day the update does not count yet.
    report(
        app,
        &early,
        json!({"period": "FY2009-10-Q2", "status": "off_track"}),
    )
    .await;
    assert_eq!(trace(app, rid, "2009-07-01").await["status"], "red");
    assert_eq!(trace(app, rid, "2009-06-01").await["status"], "green");
    report(
        app,
        &early,
        json!({"period": "FY2009-10-Q1", "status": "off_track"}),
    )
    .await;
    assert_eq!(trace(app, rid, "2009-06-01").await["status"], "red");
    report(
        app,
        &early,
        json!({"period": "FY2009-10-Q1", "status": "on_track"}),
    )
    .await;
    assert_eq!(trace(app, rid, "2009-06-01").await["status"], "green");

    // An objective that takes the area up brings its milestones into the roll-up.
    let plan = id_of(app, "/api/v1/plans?code=SS-2009-12").await;
    let objective = app
        .post("/api/v1/objectives")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": plan, "code": "SS9", "title": "Traced objective"}))
        .send()
        .await;
    objective.expect(201);
    let milestone = app
        .post("/api/v1/milestones")
        .with_role(Role::Editor)
        .json(&json!({"objective_id": objective.body["id"], "code": "SS9-0910-1", "title": "Traced milestone",
                      "financial_year": "FY2009-10", "due_on": "2009-05-31"}))
        .send()
        .await;
    milestone.expect(201);
    app.patch(&format!("/api/v1/improvement-areas/{}", id(&area)))
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&json!({"objective_ids": [objective.body["id"]]}))
        .send()
        .await
        .expect(200);
    let t = trace(app, rid, "2009-05-01").await;
    assert_eq!(t["objectives"][0]["code"], "SS9");
    assert_eq!(t["objectives"][0]["milestones"]["status"], "green");
    assert_eq!(t["status"], "green");
    let t = trace(app, rid, "2009-06-01").await;
    assert_eq!(t["objectives"][0]["milestones"]["overdue"], 1);
    assert_eq!(
        t["areas"][0]["rollup"]["status"], "green",
        "the actions are fine"
    );
    assert_eq!(t["status"], "red", "the objective's milestone is overdue");

    // Archived actions and areas drop out of the trace.
    app.delete(&format!("/api/v1/improvement-actions/{}", id(&early)))
        .with_role(Role::Editor)
        .if_match("\"5\"")
        .send()
        .await
        .expect(200);
    let t = trace(app, rid, "2009-05-01").await;
    assert_eq!(t["areas"][0]["rollup"]["total"], 1);
    app.delete(&format!("/api/v1/improvement-areas/{}", id(&area)))
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .send()
        .await
        .expect(200);
    let t = trace(app, rid, "2009-06-01").await;
    assert_eq!(t["areas"], json!([]));
    assert_eq!(t["objectives"], json!([]));
    assert_eq!(t["status"], "none");
}

#[actix_web::test]
async fn a_recommendation_nothing_answers_has_no_status_and_bad_traces_are_refused() {
    let app = &TestApp::spawn_with_demo().await;
    let r1 = recommendation_id(app, "JAR-R1").await;
    let t = trace(app, &r1, "2009-01-01").await;
    assert_eq!(t["recommendation"]["code"], "JAR-R1");
    assert_eq!(t["areas"], json!([]));
    assert_eq!(t["objectives"], json!([]));
    assert_eq!(t["status"], "none");
    // Without as_of it is judged today.
    let t = get(app, &format!("/api/v1/recommendations/{r1}/trace")).await;
    assert!(t.body["as_of"].as_str().unwrap() > "2009-01-01");

    app.get(&format!(
        "/api/v1/recommendations/{}/trace",
        uuid::Uuid::now_v7()
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(404);
    for bad in [
        "when=today",
        "as_of=tomorrow",
        "as_of=2009-02-30",
        "limit=5",
    ] {
        app.get(&format!("/api/v1/recommendations/{r1}/trace?{bad}"))
            .with_role(Role::Viewer)
            .send()
            .await
            .expect(400);
    }
    app.get("/api/v1/recommendations/JAR-R1/trace")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(400);
}

#[actix_web::test]
async fn a_trace_costs_the_same_queries_whatever_its_size() {
    let app = &TestApp::spawn_with_demo().await;
    let objectives = [
        id_of(app, "/api/v1/objectives?code=SS1").await,
        id_of(app, "/api/v1/objectives?code=SS2").await,
        id_of(app, "/api/v1/objectives?code=SS3").await,
    ];
    let leads = [app.org_id("PCT").await, app.org_id("HSCB").await];
    let cost = |rid: String| async move {
        let before = app.queries();
        let res = app
            .get(&format!(
                "/api/v1/recommendations/{rid}/trace?as_of=2009-06-01"
            ))
            .with_role(Role::Viewer)
            .send()
            .await;
        res.expect(200);
        (app.queries() - before, res.body)
    };

    // One area, one action, one lead (the same objectives, so the same indicators).
    let small = new_recommendation(app, "JAR-R10").await;
    let a = new_area(
        app,
        "IA30",
        "2009-12-31",
        json!({"recommendation_ids": [small["id"]], "objective_ids": objectives,
               "lead_organisation_ids": [leads[0]]}),
    )
    .await;
    let one = new_action(app, &a, "IA30-A1", json!({})).await;
    report(
        app,
        &one,
        json!({"period": "FY2009-10-Q1", "status": "on_track"}),
    )
    .await;
    let (few, t) = cost(id(&small).to_string()).await;
    assert_eq!(t["areas"][0]["actions"].as_array().unwrap().len(), 1);
    assert_eq!(t["areas"][0]["rollup"]["status"], "green");

    // Four areas, 24 actions with updates, two leads.
    let big = new_recommendation(app, "JAR-R11").await;
    for i in 0..4 {
        let area = new_area(
            app,
            &format!("IA4{i}"),
            "2009-12-31",
            json!({"recommendation_ids": [big["id"]], "objective_ids": objectives,
                   "lead_organisation_ids": leads}),
        )
        .await;
        for j in 0..6 {
            let action = new_action(
                app,
                &area,
                &format!("IA4{i}-A{j}"),
                json!({"lead_organisation_id": leads[j % 2]}),
            )
            .await;
            if j % 3 == 0 {
                report(
                    app,
                    &action,
                    json!({"period": "FY2009-10-Q1", "status": "at_risk"}),
                )
                .await;
            }
        }
    }
    let (many, t) = cost(id(&big).to_string()).await;
    assert_eq!(t["areas"].as_array().unwrap().len(), 4);
    let actions: usize = t["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["actions"].as_array().unwrap().len())
        .sum();
    assert_eq!(actions, 24);
    assert_eq!(t["objectives"].as_array().unwrap().len(), 3);
    assert_eq!(t["areas"][0]["rollup"]["at_risk"], 2);
    assert_eq!(t["areas"][0]["rollup"]["status"], "amber");
    assert_eq!(few, many, "one action or 24: the same statements");
}
