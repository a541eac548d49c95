//! `Idempotency-Key` on POST.

use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::TestApp;

#[actix_web::test]
async fn a_retry_with_the_same_key_and_body_answers_the_first_response_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let body = json!({"code": "HBC", "name": "Halton Borough Council", "kind": "council"});
    let first = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "create-hbc-1")
        .json(&body)
        .send()
        .await;
    first.expect(201);
    let again = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "create-hbc-1")
        .json(&body)
        .send()
        .await;
    again.expect(201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));

    let list = app
        .get("/api/v1/organisations")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(list.body["total"], 1);
    let audit = app
        .get("/api/v1/audit")
        .with_role(Role::Admin)
        .counted()
        .send()
        .await;
    assert_eq!(audit.body["total"], 1);
}

#[actix_web::test]
async fn the_same_key_with_another_body_is_a_422() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "k1")
        .json(&json!({"code": "HBC", "name": "Halton Borough Council", "kind": "council"}))
        .send()
        .await
        .expect(201);
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "k1")
        .json(&json!({"code": "PCT", "name": "PCT", "kind": "health_body"}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.problem(), "idempotency_key_reused");
    let list = app
        .get("/api/v1/organisations")
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert_eq!(list.body["total"], 1);
}

#[actix_web::test]
async fn a_failed_request_does_not_use_up_its_key() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "k2")
        .json(&json!({"code": "bad code!", "name": "x", "kind": "council"}))
        .send()
        .await
        .expect(422);
    app.post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "k2")
        .json(&json!({"code": "HBC", "name": "x", "kind": "council"}))
        .send()
        .await
        .expect(201);
}

#[actix_web::test]
async fn keys_belong_to_their_caller() {
    let app = TestApp::spawn().await;
    let body = json!({"code": "HBC", "name": "x", "kind": "council"});
    app.post("/api/v1/organisations")
        .with_role_at(Role::Admin, "HBC")
        .header("idempotency-key", "shared")
        .json(&body)
        .send()
        .await
        .expect(201);
    // Another caller's identical request is its own: it runs (and finds the code taken).
    let other = app
        .state
        .jwt
        .mint("another-admin", Role::Admin, "HBC", None, 600)
        .unwrap();
    let res = app
        .post("/api/v1/organisations")
        .bearer(&other)
        .header("idempotency-key", "shared")
        .json(&body)
        .send()
        .await;
    res.expect(409);
    assert_eq!(res.problem(), "duplicate");
}

#[actix_web::test]
async fn a_key_is_scoped_to_the_sub_role_and_organisation_and_authorised_first() {
    let app = TestApp::spawn_with_demo().await;
    let body = json!({"code": "NEWORG", "name": "x", "kind": "other"});
    let admin = app
        .state
        .jwt
        .mint("shared-sub", Role::Admin, "HBC", None, 600)
        .unwrap();
    let first = app
        .post("/api/v1/organisations")
        .bearer(&admin)
        .header("idempotency-key", "k-scope")
        .json(&body)
        .send()
        .await;
    first.expect(201);
    // The same sub with a lower role, or at another organisation, is
    // another caller: it is authorised on its own and replays nothing.
    let viewer = app
        .state
        .jwt
        .mint("shared-sub", Role::Viewer, "HBC", None, 600)
        .unwrap();
    let res = app
        .post("/api/v1/organisations")
        .bearer(&viewer)
        .header("idempotency-key", "k-scope")
        .json(&body)
        .send()
        .await;
    res.expect(403);
    assert_ne!(res.header("idempotent-replayed").as_deref(), Some("true"));
    let elsewhere = app
        .state
        .jwt
        .mint("shared-sub", Role::Admin, "PCT", None, 600)
        .unwrap();
    let res = app
        .post("/api/v1/organisations")
        .bearer(&elsewhere)
        .header("idempotency-key", "k-scope")
        .json(&body)
        .send()
        .await;
    res.expect(409);
    assert_eq!(
        res.problem(),
        "duplicate",
        "it ran, and found the code taken"
    );
    // The caller itself gets its answer again.
    let again = app
        .post("/api/v1/organisations")
        .bearer(&admin)
        .header("idempotency-key", "k-scope")
        .json(&body)
        .send()
        .await;
    again.expect(201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, first.body);
}

#[actix_web::test]
async fn a_malformed_key_is_a_400() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "x".repeat(201))
        .json(&json!({"code": "HBC", "name": "x", "kind": "council"}))
        .send()
        .await;
    res.expect(400);
}
