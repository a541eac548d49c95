//! Service objectives, promises and the risk register.

use actix_web::http::Method;
use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::{assert_refused_below, codes, id_of, TestApp, ROLES};

#[actix_web::test]
async fn the_demo_has_four_service_objectives_with_their_risks_and_fourteen_promises() {
    let app = TestApp::spawn_with_demo().await;
    let res = app
        .get("/api/v1/objectives?kind=service_objective")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(codes(&res), ["SS1", "SS2", "SS3", "SS4"]);
    let ss2 = &res.body["items"][1];
    assert_eq!(ss2["risk_initial"], 16);
    assert_eq!(ss2["risk_initial_band"], "high");
    assert_eq!(ss2["risk_residual"], 8);
    assert_eq!(ss2["risk_residual_band"], "medium");
    assert_eq!(ss2["responsible_officer"], "DM CIC");
    assert_eq!(ss2["plan"]["code"], "SS-2009-12");
    assert_eq!(ss2["milestones"]["total"], 15);
    let sets: Vec<&str> = ss2["priorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["set"].as_str().unwrap())
        .collect();
    assert_eq!(
        sets,
        [
            "corporate_area_of_focus",
            "corporate_priority",
            "ecm_outcome"
        ]
    );
    let ss1 = &res.body["items"][0];
    assert_eq!(
        ss1["cypp_priority_refs"],
        json!(["BH3", "SS4", "EA3", "MPC1", "AEW2"])
    );

    let res = app
        .get("/api/v1/objectives?kind=promise&limit=100")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 14);
    let p1 = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "P1")
        .unwrap();
    assert_eq!(p1["lead_organisation"]["code"], "CTB");
    assert_eq!(p1["due_on"], "2009-07-31");

    let ss2_id = ss2["id"].as_str().unwrap();
    let risks = app
        .get(&format!("/api/v1/objectives/{ss2_id}/risks"))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    risks.expect(200);
    assert_eq!(risks.body["total"], 2);
    assert_eq!(risks.body["items"][0]["risk_initial_band"], "high");
    assert!(!risks.body["items"][0]["treatment_measures"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[actix_web::test]
async fn objective_filters() {
    let app = &TestApp::spawn_with_demo().await;
    let get = |q: String| async move {
        app.get(&format!("/api/v1/objectives?{q}"))
            .with_role(Role::Viewer)
            .counted()
            .send()
            .await
    };
    assert_eq!(
        codes(&get("risk_initial_band=high".into()).await),
        ["SS2", "SS3"]
    );
    assert_eq!(
        codes(&get("risk_residual_band=medium".into()).await),
        ["SS2"]
    );
    assert_eq!(
        codes(&get("risk_initial_band=medium,high&risk_residual_band=low".into()).await),
        ["SS1", "SS3", "SS4"]
    );
    get("risk_initial_band=huge".into()).await.expect(400);
    let aof19 = id_of(app, "/api/v1/priorities?code=AOF19").await;
    assert_eq!(
        codes(&get(format!("priority_id={aof19}")).await),
        ["SS3", "SS4"]
    );
    let hscb = app.org_id("HSCB").await;
    assert_eq!(
        codes(&get(format!("lead_organisation_id={hscb}")).await),
        ["P2"]
    );
    let plan = id_of(app, "/api/v1/plans?code=SS-2009-12").await;
    // Four service objectives and three equality actions.
    assert_eq!(get(format!("plan_id={plan}")).await.body["total"], 7);
    assert_eq!(
        codes(&get(format!("plan_id={plan}&kind=equality_action")).await),
        ["EQ1", "EQ2", "EQ3"]
    );
    assert_eq!(codes(&get("q=placement%20choice".into()).await), ["SS2"]);
    assert_eq!(codes(&get("code=SS3".into()).await), ["SS3"]);
}

#[actix_web::test]
async fn objective_writes_role_matrix_validation_and_audit() {
    let app = TestApp::spawn_with_demo().await;
    let plan = id_of(&app, "/api/v1/plans?code=SS-2009-12").await;
    let cp3 = id_of(&app, "/api/v1/priorities?code=CP3").await;
    let lead = app.org_id("HBC-SS").await;
    let body = json!({"plan_id": plan, "code": "SS5", "title": "Short breaks for disabled children",
                      "priority_ids": [cp3], "lead_organisation_id": lead, "responsible_officer": "DM CIN",
                      "risk_initial": 12, "risk_residual": 6, "cross_referenced_plan_codes": ["PS2"]});
    assert_refused_below(
        &app,
        Method::POST,
        "/api/v1/objectives",
        Some(&body),
        Role::Editor,
    )
    .await;
    let res = app
        .post("/api/v1/objectives")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.body["kind"], "service_objective");
    assert_eq!(res.body["risk_initial_band"], "high");
    assert_eq!(res.body["milestones"]["status"], "none");
    assert_eq!(res.body["priorities"][0]["code"], "CP3");
    let item = res.header("location").unwrap();

    // The same code in the same plan: 409; in another plan it is fine.
    app.post("/api/v1/objectives")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await
        .expect(409);

    let bad = json!({"plan_id": uuid::Uuid::now_v7(), "code": "bad code!", "title": "",
                     "priority_ids": [cp3, uuid::Uuid::now_v7()], "lead_organisation_id": uuid::Uuid::now_v7(),
                     "risk_initial": 17, "risk_residual": 0, "due_on": "3000-01-01"});
    let res = app
        .post("/api/v1/objectives")
        .with_role(Role::Editor)
        .json(&bad)
        .send()
        .await;
    res.expect(422);
    let pointers: Vec<&str> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    for p in [
        "/code",
        "/title",
        "/risk_initial",
        "/risk_residual",
        "/due_on",
        "/plan_id",
        "/lead_organisation_id",
        "/priority_ids/1",
    ] {
        assert!(pointers.contains(&p), "{p} in {pointers:?}");
    }
    let res = app
        .post("/api/v1/objectives")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": plan, "code": "SS6", "title": "x", "risk_initial": 4, "risk_residual": 8}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/risk_residual");

    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
    }
    let patch = json!({"risk_residual": 4, "priority_ids": []});
    assert_refused_below(&app, Method::PATCH, &item, Some(&patch), Role::Editor).await;
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
    assert_eq!(res.body["risk_residual_band"], "low");
    assert_eq!(res.body["priorities"], json!([]));
    app.patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await
        .expect(412);
    assert_refused_below(&app, Method::DELETE, &item, None, Role::Editor).await;
    app.delete(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .send()
        .await
        .expect(200);
    app.post(&format!("{item}/restore"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(200);
    let res = app
        .get(&format!("{item}/history"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let actions: Vec<&str> = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "archive", "restore"]);
    assert_eq!(res.body["items"][1]["before"]["risk_residual"], 6);
    assert_eq!(res.body["items"][1]["after"]["risk_residual"], 4);
}

#[actix_web::test]
async fn risk_register_writes() {
    let app = TestApp::spawn_with_demo().await;
    let ss1 = id_of(&app, "/api/v1/objectives?code=SS1").await;
    let path = format!("/api/v1/objectives/{ss1}/risks");
    let body = json!({"code": "RISK-9", "title": "Too few apprenticeships", "treatment_measures": ["Council apprenticeship scheme"],
                      "risk_initial": 9, "risk_residual": 4});
    assert_refused_below(&app, Method::POST, &path, Some(&body), Role::Editor).await;
    let res = app
        .post(&path)
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    let item = res.header("location").unwrap();
    app.post(&path)
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await
        .expect(409);
    let res = app
        .post(&path)
        .with_role(Role::Editor)
        .json(&json!({"code": "RISK-10", "title": "x", "risk_initial": 20}))
        .send()
        .await;
    res.expect(422);
    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
        app.get(&path).with_role(role).send().await.expect(200);
    }
    let patch = json!({"risk_residual": 2});
    assert_refused_below(&app, Method::PATCH, &item, Some(&patch), Role::Editor).await;
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["risk_residual_band"], "low");
    app.delete(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .send()
        .await
        .expect(200);
    let res = app
        .get(&path)
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 0);
    app.get(&format!(
        "/api/v1/objectives/{}/risks",
        uuid::Uuid::now_v7()
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(404);
}

#[actix_web::test]
async fn the_objective_list_is_a_fixed_number_of_queries() {
    let app = TestApp::spawn_with_demo().await;
    // The token's organisation is looked up once, then cached: counted
    // requests are the steady state.
    app.warm_up().await;
    let count = |q: &'static str| {
        let app = &app;
        async move {
            let before = app.queries();
            app.get(&format!("/api/v1/objectives?{q}"))
                .with_role(Role::Viewer)
                .send()
                .await
                .expect(200);
            app.queries() - before
        }
    };
    let one = count("limit=1").await;
    let all = count("limit=500").await;
    assert_eq!(one, all, "18 objectives with roll-ups cost what one does");
    assert!(all <= 8, "{all} statements");
}

#[actix_web::test]
async fn the_risk_register_lists_every_risk_by_objective_plan_and_band() {
    let app = &TestApp::spawn_with_demo().await;
    let get = |q: String| async move {
        app.get(&format!("/api/v1/risks?{q}"))
            .with_role(Role::Viewer)
            .send()
            .await
    };
    let all = get(String::new()).await;
    all.expect(200);
    assert_eq!(codes(&all), ["RISK-1", "RISK-2", "RISK-3"]);
    assert_eq!(codes(&get("residual_band=low".into()).await), ["RISK-3"]);
    assert_eq!(
        codes(&get("residual_band=medium,low".into()).await),
        ["RISK-1", "RISK-2", "RISK-3"]
    );
    assert_eq!(codes(&get("initial_band=high".into()).await).len(), 3);
    assert!(codes(&get("initial_band=low".into()).await).is_empty());
    let ss2 = id_of(app, "/api/v1/objectives?code=SS2").await;
    assert_eq!(
        codes(&get(format!("objective_id={ss2}")).await),
        ["RISK-1", "RISK-2"]
    );
    let plan_id = all.body["items"][0]["objective_id"].as_str().unwrap();
    let objective = app
        .get(&format!("/api/v1/objectives/{plan_id}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let plan_id = objective.body["plan_id"].as_str().unwrap();
    assert_eq!(codes(&get(format!("plan_id={plan_id}")).await).len(), 3);
    assert!(codes(&get(format!("plan_id={}", uuid::Uuid::now_v7())).await).is_empty());
    assert_eq!(codes(&get("sort=-code&limit=1".into()).await), ["RISK-3"]);

    get("residual_band=severe".into()).await.expect(400);
    get("colour=red".into()).await.expect(400);
    app.get("/api/v1/risks").send().await.expect(401);
}
