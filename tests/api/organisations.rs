//! Organisations: the role matrix, the CRUD flows with ETag / If-Match,
//! validation, archive and restore, and the audit trail they leave.

use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::{TestApp, ROLES};

async fn create(app: &TestApp, code: &str) -> serde_json::Value {
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": code, "name": format!("{code} body"), "kind": "statutory_partner"}))
        .send()
        .await;
    res.expect(201);
    res.body.clone()
}

async fn audit_count(app: &TestApp) -> usize {
    let res = app
        .get("/api/v1/audit?limit=500")
        .with_role(Role::Admin)
        .send()
        .await;
    res.expect(200);
    res.body["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn anonymous_callers_get_401_on_every_organisation_endpoint() {
    let app = TestApp::spawn().await;
    let org = create(&app, "HBC").await;
    let id = org["id"].as_str().unwrap();
    let item = format!("/api/v1/organisations/{id}");
    for (method, path) in [
        ("GET", "/api/v1/organisations".to_string()),
        ("POST", "/api/v1/organisations".to_string()),
        ("GET", item.clone()),
        ("PATCH", item.clone()),
        ("DELETE", item.clone()),
        ("POST", format!("{item}/restore")),
        ("GET", format!("{item}/history")),
    ] {
        let res = app
            .req(method.parse().unwrap(), &path)
            .json(&json!({}))
            .send()
            .await;
        res.expect(401);
        assert_eq!(
            res.header("www-authenticate").as_deref(),
            Some("Bearer"),
            "{method} {path}"
        );
    }
}

#[actix_web::test]
async fn every_role_reads_organisations() {
    let app = TestApp::spawn().await;
    let org = create(&app, "HBC").await;
    let id = org["id"].as_str().unwrap();
    for role in ROLES {
        app.get("/api/v1/organisations")
            .with_role(role)
            .send()
            .await
            .expect(200);
        let res = app
            .get(&format!("/api/v1/organisations/{id}"))
            .with_role(role)
            .send()
            .await;
        res.expect(200);
        assert_eq!(res.body["code"], "HBC");
        app.get(&format!("/api/v1/organisations/{id}/history"))
            .with_role(role)
            .send()
            .await
            .expect(200);
    }
}

#[actix_web::test]
async fn only_admins_create_change_archive_and_restore_organisations() {
    let app = TestApp::spawn().await;
    let org = create(&app, "HBC").await;
    let id = org["id"].as_str().unwrap();
    let item = format!("/api/v1/organisations/{id}");
    for role in [Role::Viewer, Role::Contributor, Role::Editor] {
        app.post("/api/v1/organisations")
            .with_role(role)
            .json(&json!({"code": "PCT", "name": "PCT", "kind": "health_body"}))
            .send()
            .await
            .expect(403);
        app.patch(&item)
            .with_role(role)
            .if_match("\"1\"")
            .json(&json!({"name": "Renamed"}))
            .send()
            .await
            .expect(403);
        app.delete(&item)
            .with_role(role)
            .if_match("\"1\"")
            .send()
            .await
            .expect(403);
        app.post(&format!("{item}/restore"))
            .with_role(role)
            .send()
            .await
            .expect(403);
    }
    // Nothing changed.
    let res = app.get(&item).with_role(Role::Viewer).send().await;
    assert_eq!(res.body["version"], 1);
    assert_eq!(res.body["name"], "HBC body");

    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .json(&json!({"name": "Halton Borough Council"}))
        .send()
        .await;
    res.expect(200);
    let res = app
        .delete(&item)
        .with_role(Role::Admin)
        .if_match(&res.etag())
        .send()
        .await;
    res.expect(200);
    app.post(&format!("{item}/restore"))
        .with_role(Role::Admin)
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn creating_an_organisation_answers_201_with_location_etag_and_the_record() {
    let app = TestApp::spawn().await;
    let parent = create(&app, "HBC").await;
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(
            &json!({"code": "HBC-CYPD", "name": "Children and Young People Directorate",
                      "kind": "council_department", "parent_id": parent["id"]}),
        )
        .send()
        .await;
    res.expect(201);
    let id = res.body["id"].as_str().unwrap();
    assert_eq!(
        res.header("location"),
        Some(format!("/api/v1/organisations/{id}"))
    );
    assert_eq!(res.etag(), "\"1\"");
    assert_eq!(res.body["version"], 1);
    assert_eq!(res.body["kind"], "council_department");
    assert_eq!(res.body["parent"]["code"], "HBC");
    assert!(res.body["archived_at"].is_null());
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);

    let got = app
        .get(&format!("/api/v1/organisations/{id}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    got.expect(200);
    assert_eq!(got.etag(), "\"1\"");
    assert_eq!(got.body, res.body);
}

#[actix_web::test]
async fn a_duplicate_code_is_409_and_writes_nothing() {
    let app = TestApp::spawn().await;
    create(&app, "HBC").await;
    let before = audit_count(&app).await;
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": "HBC", "name": "Another", "kind": "council"}))
        .send()
        .await;
    res.expect(409);
    assert_eq!(res.problem(), "duplicate");
    assert_eq!(
        audit_count(&app).await,
        before,
        "a failed write leaves no audit entry"
    );
    let list = app
        .get("/api/v1/organisations")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(list.body["total"], 1, "and no row");
}

#[actix_web::test]
async fn invalid_fields_are_422_with_one_error_per_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(
            &json!({"code": "bad code!", "name": "  ", "kind": "council",
                      "parent_id": uuid::Uuid::now_v7()}),
        )
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.problem(), "validation_failed");
    let pointers: Vec<&str> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/code", "/name", "/parent_id"]);

    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": "X", "name": "X", "kind": "spaceship"}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/kind");

    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": "X", "name": "X", "kind": "council", "colour": "red"}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/colour");

    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"name": "X", "kind": "council"}))
        .send()
        .await;
    res.expect(422);
    assert!(res.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("code"));
}

#[actix_web::test]
async fn patch_needs_if_match_and_refuses_a_stale_one() {
    let app = TestApp::spawn().await;
    let org = create(&app, "HBC").await;
    let item = format!("/api/v1/organisations/{}", org["id"].as_str().unwrap());

    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .json(&json!({"name": "A"}))
        .send()
        .await;
    res.expect(428);
    assert_eq!(res.problem(), "precondition_required");

    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .json(&json!({"name": "First change"}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.etag(), "\"2\"");
    assert_eq!(res.body["version"], 2);
    assert_eq!(res.body["name"], "First change");

    // A second writer still holding version 1 loses nothing of the first change.
    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .json(&json!({"name": "Lost update"}))
        .send()
        .await;
    res.expect(412);
    let res = app.get(&item).with_role(Role::Viewer).send().await;
    assert_eq!(res.body["name"], "First change");

    app.delete(&item)
        .with_role(Role::Admin)
        .send()
        .await
        .expect(428);
    app.delete(&item)
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .send()
        .await
        .expect(412);
    // If-Match compares strongly: a weak tag never matches (RFC 9110 13.1.1).
    let current = app.get(&item).with_role(Role::Viewer).send().await.etag();
    app.delete(&item)
        .with_role(Role::Admin)
        .if_match(&format!("W/{current}"))
        .send()
        .await
        .expect(412);
    // `*` matches any existing record.
    app.delete(&item)
        .with_role(Role::Admin)
        .if_match("*")
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn patch_is_a_merge_patch() {
    let app = TestApp::spawn().await;
    let parent = create(&app, "HBC").await;
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(
            &json!({"code": "CYPD", "name": "Directorate", "kind": "council_department",
                      "parent_id": parent["id"]}),
        )
        .send()
        .await;
    let item = format!("/api/v1/organisations/{}", res.body["id"].as_str().unwrap());

    // Absent fields stay; null clears a nullable field.
    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .raw("application/merge-patch+json", r#"{"parent_id": null}"#)
        .send()
        .await;
    res.expect(200);
    assert!(res.body["parent_id"].is_null());
    assert_eq!(res.body["name"], "Directorate");
    assert_eq!(res.body["code"], "CYPD");

    // null for a required field is refused, and nothing changes.
    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match("\"2\"")
        .json(&json!({"name": null, "code": "NEW"}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/name");
    let res = app.get(&item).with_role(Role::Viewer).send().await;
    assert_eq!(res.body["version"], 2);
    assert_eq!(res.body["code"], "CYPD");
}

#[actix_web::test]
async fn an_organisation_cannot_sit_under_itself() {
    let app = TestApp::spawn().await;
    let top = create(&app, "TOP").await;
    app.act_for("TOP");
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": "CHILD", "name": "Child", "kind": "other", "parent_id": top["id"]}))
        .send()
        .await;
    let child_id = res.body["id"].clone();
    let top_item = format!("/api/v1/organisations/{}", top["id"].as_str().unwrap());
    let res = app
        .patch(&top_item)
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .json(&json!({"parent_id": child_id}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/parent_id");
}

#[actix_web::test]
async fn archiving_hides_and_restoring_brings_back() {
    let app = TestApp::spawn().await;
    let org = create(&app, "HBC").await;
    create(&app, "PCT").await;
    let item = format!("/api/v1/organisations/{}", org["id"].as_str().unwrap());

    let res = app
        .delete(&item)
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .send()
        .await;
    res.expect(200);
    assert!(res.body["archived_at"].is_string());
    assert_eq!(res.etag(), "\"2\"");

    let list = app
        .get("/api/v1/organisations")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["code"], "PCT");
    let list = app
        .get("/api/v1/organisations?include_archived=true")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(list.body["total"], 2);
    // Still readable by id: nothing is ever hard-deleted.
    app.get(&item)
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(200);

    let res = app
        .delete(&item)
        .with_role(Role::Admin)
        .if_match("\"2\"")
        .send()
        .await;
    res.expect(409);

    let res = app
        .post(&format!("{item}/restore"))
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .send()
        .await;
    res.expect(412);
    let res = app
        .post(&format!("{item}/restore"))
        .with_role(Role::Admin)
        .if_match("\"2\"")
        .send()
        .await;
    res.expect(200);
    assert!(res.body["archived_at"].is_null());
    assert_eq!(res.body["version"], 3);
    app.post(&format!("{item}/restore"))
        .with_role(Role::Admin)
        .send()
        .await
        .expect(409);
}

#[actix_web::test]
async fn every_change_is_in_the_record_history_and_the_audit_trail() {
    let app = TestApp::spawn().await;
    let org = create(&app, "HBC").await;
    let id = org["id"].as_str().unwrap();
    let item = format!("/api/v1/organisations/{id}");
    app.patch(&item)
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .header("x-request-id", "change-42")
        .json(&json!({"name": "Renamed"}))
        .send()
        .await
        .expect(200);
    app.delete(&item)
        .with_role(Role::Admin)
        .if_match("\"2\"")
        .send()
        .await
        .expect(200);
    app.post(&format!("{item}/restore"))
        .with_role(Role::Admin)
        .send()
        .await
        .expect(200);

    let res = app
        .get(&format!("{item}/history"))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    let actions: Vec<&str> = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "archive", "restore"]);
    let update = &res.body["items"][1];
    assert_eq!(update["before"]["name"], "HBC body");
    assert_eq!(update["after"]["name"], "Renamed");
    assert_eq!(update["actor_sub"], "test-admin-HBC");
    assert_eq!(update["actor_org"], "HBC");
    assert_eq!(update["role"], "admin");
    // The server's own id, with the client's beside it.
    let request_id = update["request_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
    assert_eq!(update["client_request_id"], "change-42");
    assert_eq!(update["entity_type"], "organisation");
    assert_eq!(update["entity_id"], id);

    // The audit search: editors and admins only, with filters.
    for role in [Role::Viewer, Role::Contributor] {
        app.get("/api/v1/audit")
            .with_role(role)
            .send()
            .await
            .expect(403);
    }
    let res = app
        .get(&format!(
            "/api/v1/audit?entity_type=organisation&entity_id={id}&action=update"
        ))
        .with_role(Role::Editor)
        .counted()
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["total"], 1);
    let res = app
        .get("/api/v1/audit?actor_sub=nobody")
        .with_role(Role::Admin)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 0);
    let res = app
        .get("/api/v1/audit?from=2000-01-01&to=2999-12-31")
        .with_role(Role::Admin)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 4);
    let res = app
        .get("/api/v1/audit?from=2999-01-01")
        .with_role(Role::Admin)
        .counted()
        .send()
        .await;
    assert_eq!(res.body["total"], 0);
    app.get("/api/v1/audit?from=yesterday")
        .with_role(Role::Admin)
        .send()
        .await
        .expect(400);
}

#[actix_web::test]
async fn the_audit_trail_cannot_be_rewritten_even_by_sql() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    create(&app, "HBC").await;
    let mut conn = app.db().await;
    let err = diesel::sql_query("UPDATE audit_log SET actor_sub = 'someone else'")
        .execute(&mut conn)
        .await;
    assert!(err.is_err());
    let err = diesel::sql_query("DELETE FROM audit_log")
        .execute(&mut conn)
        .await;
    assert!(err.is_err());
}

#[actix_web::test]
async fn unknown_and_malformed_ids() {
    let app = TestApp::spawn().await;
    let res = app
        .get(&format!("/api/v1/organisations/{}", uuid::Uuid::now_v7()))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(404);
    let res = app
        .get("/api/v1/organisations/not-a-uuid")
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(400);
    assert!(
        !res.text.contains("UUID parsing failed"),
        "no internals: {}",
        res.text
    );
}

/// A PATCH is five statements, counted by the app's pool: BEGIN, the row
/// read and locked in one, the UPDATE that answers the new row with its
/// parent, the audit entry, COMMIT.
#[actix_web::test]
async fn a_patch_runs_five_statements() {
    let app = TestApp::spawn().await;
    // The tokens name HBC.
    let parent = create(&app, "HBC").await;
    let org = create(&app, "CHILD").await;
    let path = format!("/api/v1/organisations/{}", org["id"].as_str().unwrap());
    // The token's organisation is looked up once, then cached.
    app.get(&path)
        .with_role(Role::Admin)
        .send()
        .await
        .expect(200);
    let before = app.queries();
    let res = app
        .patch(&path)
        .with_role(Role::Admin)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Renamed", "parent_id": parent["id"]}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["parent"]["code"], "HBC");
    assert_eq!(res.body["version"], 2);
    // A new parent is checked as well: that it exists, and makes no loop.
    assert_eq!(app.queries() - before, 7);
    let before = app.queries();
    app.patch(&path)
        .with_role(Role::Admin)
        .header("if-match", "\"2\"")
        .json(&json!({"name": "Renamed again"}))
        .send()
        .await
        .expect(200);
    assert_eq!(app.queries() - before, 5);
}
