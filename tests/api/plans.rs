//! Plans and priorities.

use actix_web::http::Method;
use serde_json::{json, Value};
use trustplan::web::auth::Role;

use crate::helpers::{assert_refused_below, codes, id_of, TestApp, ROLES};

#[actix_web::test]
async fn plan_role_matrix_and_lifecycle() {
    let app = TestApp::spawn_with_demo().await;
    let owner = app.org_id("CTB").await;
    let body = json!({"code": "HSCB-BP-2009", "title": "HSCB Business Plan", "kind": "business_plan",
                      "owner_organisation_id": owner, "starts_on": "2009-04-01", "ends_on": "2010-03-31"});
    assert_refused_below(
        &app,
        Method::POST,
        "/api/v1/plans",
        Some(&body),
        Role::Editor,
    )
    .await;
    let res = app
        .post("/api/v1/plans")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.body["status"], "draft");
    assert_eq!(res.body["owner_organisation"]["code"], "CTB");
    let item = res.header("location").unwrap();

    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
        app.get("/api/v1/plans")
            .with_role(role)
            .send()
            .await
            .expect(200);
    }
    app.get("/api/v1/plans").send().await.expect(401);

    let patch = json!({"status": "approved"});
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
    assert_eq!(res.body["status"], "approved");
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
    assert_refused_below(
        &app,
        Method::POST,
        &format!("{item}/restore"),
        None,
        Role::Editor,
    )
    .await;
    app.post(&format!("{item}/restore"))
        .with_role(Role::Admin)
        .send()
        .await
        .expect(200);
    let history = app
        .get(&format!("{item}/history"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "archive", "restore"]);
}

#[actix_web::test]
async fn plans_are_validated() {
    let app = TestApp::spawn_with_demo().await;
    let owner = app.org_id("CTB").await;
    let res = app
        .post("/api/v1/plans")
        .with_role(Role::Editor)
        .json(&json!({"code": "X", "title": "X", "kind": "cypp", "owner_organisation_id": uuid::Uuid::now_v7(),
                      "starts_on": "2011-04-01", "ends_on": "2010-03-31", "predecessor_id": uuid::Uuid::now_v7()}))
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
        ["/ends_on", "/owner_organisation_id", "/predecessor_id"]
    );
    let res = app
        .post("/api/v1/plans")
        .with_role(Role::Editor)
        .json(&json!({"code": "CYPP-2009-11", "title": "Again", "kind": "cypp", "owner_organisation_id": owner,
                      "starts_on": "2009-04-01", "ends_on": "2011-03-31"}))
        .send()
        .await;
    res.expect(409);
    let res = app
        .post("/api/v1/plans")
        .with_role(Role::Editor)
        .json(
            &json!({"code": "Y", "title": "Y", "kind": "cypp", "owner_organisation_id": owner,
                      "starts_on": "1850-04-01", "ends_on": "2011-03-31", "status": "dreaming"}),
        )
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/status");
}

#[actix_web::test]
async fn plan_filters() {
    let app = TestApp::spawn_with_demo().await;
    let get = |q: &str| {
        app.get(&format!("/api/v1/plans?{q}"))
            .with_role(Role::Viewer)
            .counted()
            .send()
    };
    // The CYPP 2006-09 is the 2009-11 plan's predecessor.
    assert_eq!(
        codes(&get("kind=cypp").await),
        ["CYPP-2006-09", "CYPP-2009-11", "CYPP-2011-14"]
    );
    assert_eq!(codes(&get("status=draft").await), ["SS-2009-12"]);
    assert_eq!(
        codes(&get("active_on=2010-06-30").await),
        ["CYPP-2009-11", "SS-2009-12"]
    );
    assert_eq!(
        codes(&get("active_on=2008-12-01").await),
        ["CYPP-2006-09", "JAR-IP-2008-09"]
    );
    let ctb = app.org_id("CTB").await;
    assert_eq!(
        get(&format!("owner_organisation_id={ctb}")).await.body["total"],
        4
    );
    assert_eq!(codes(&get("q=improvement").await), ["JAR-IP-2008-09"]);
    get("active_on=soon").await.expect(400);
    let res = get("code=CYPP-2011-14").await;
    assert_eq!(res.body["items"][0]["predecessor"]["code"], "CYPP-2009-11");
    let res = get("code=CYPP-2009-11").await;
    assert_eq!(res.body["items"][0]["predecessor"]["code"], "CYPP-2006-09");
}

#[actix_web::test]
async fn priorities_demo_filters_and_writes() {
    let app = TestApp::spawn_with_demo().await;
    let res = app
        .get("/api/v1/priorities?limit=500")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 63);
    let res = app
        .get("/api/v1/priorities?set=corporate_area_of_focus")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 39);
    let cp3 = id_of(&app, "/api/v1/priorities?set=corporate_priority&code=CP3").await;
    let res = app
        .get(&format!("/api/v1/priorities?parent_id={cp3}&limit=100"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert!(codes(&res).contains(&"AOF14".to_string()));
    assert!(res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["parent"]["code"] == "CP3"));
    let cypp = id_of(&app, "/api/v1/plans?code=CYPP-2009-11").await;
    let res = app
        .get(&format!("/api/v1/priorities?plan_id={cypp}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(
        codes(&res),
        ["CYPP09-A1", "CYPP09-A2", "CYPP09-A3", "CYPP09-A4"]
    );
    let res = app
        .get("/api/v1/priorities?q=looked%20after")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert!(res.body["total"].as_i64().unwrap() >= 1);

    let body =
        json!({"set": "trust_priority", "code": "TP1", "title": "Early help", "parent_id": cp3});
    assert_refused_below(
        &app,
        Method::POST,
        "/api/v1/priorities",
        Some(&body),
        Role::Editor,
    )
    .await;
    let res = app
        .post("/api/v1/priorities")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    let item = res.header("location").unwrap();
    app.post("/api/v1/priorities")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await
        .expect(409);
    // The same code in another set is another priority.
    let other = json!({"set": "ecm_outcome", "code": "TP1", "title": "x"});
    app.post("/api/v1/priorities")
        .with_role(Role::Editor)
        .json(&other)
        .send()
        .await
        .expect(201);
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&json!({"parent_id": null, "set": "galaxy"}))
        .send()
        .await;
    res.expect(422);
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&json!({"parent_id": null}))
        .send()
        .await;
    res.expect(200);
    assert!(res.body["parent"].is_null());
    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
    }
    assert_refused_below(&app, Method::DELETE, &item, None, Role::Editor).await;
    app.delete(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .send()
        .await
        .expect(200);
    let audit: Value = app
        .get(&format!("{item}/history"))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await
        .body;
    assert_eq!(audit["total"], 3);
}
