//! Who a token names must exist: an organisation for its `org`, a `sub`,
//! and for a service account a live account of the token's generation. The
//! server's own request id is what the audit trail keeps. The token
//! endpoint is rate limited.

use std::time::{Duration, Instant};

use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::{config_for, runtime_url, TestApp};

#[actix_web::test]
async fn an_org_claim_that_names_no_organisation_is_refused() {
    let app = TestApp::spawn_with_demo().await;
    let nope = app.token(Role::Admin, "NOPE");
    let res = app
        .post("/api/v1/organisations")
        .bearer(&nope)
        .json(&json!({"code": "WROTE", "name": "x", "kind": "other"}))
        .send()
        .await;
    res.expect(401);
    assert!(res.text.contains("NOPE"), "{}", res.text);
    app.get("/api/v1/plans")
        .bearer(&nope)
        .send()
        .await
        .expect(401);
    // Nothing was written.
    let res = app
        .get("/api/v1/organisations?code=WROTE")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(res.body["items"].as_array().unwrap().len(), 0);
    // A real organisation's token works.
    app.get("/api/v1/plans")
        .with_role_at(Role::Viewer, "PCT")
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn until_an_organisation_exists_the_first_admin_can_create_one() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/organisations")
        .with_role_at(Role::Admin, "HBC")
        .json(&json!({"code": "HBC", "name": "Halton Borough Council", "kind": "council"}))
        .send()
        .await
        .expect(201);
    // From then on every org claim is checked.
    app.get("/api/v1/organisations")
        .with_role_at(Role::Viewer, "PCT")
        .send()
        .await
        .expect(401);
    app.get("/api/v1/organisations")
        .with_role_at(Role::Viewer, "HBC")
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_token_with_an_empty_sub_or_org_is_refused() {
    let app = TestApp::spawn_with_demo().await;
    for (sub, org) in [("", "HBC"), ("  ", "HBC"), ("someone", "")] {
        let token = app
            .state
            .jwt
            .mint(sub, Role::Admin, org, None, 600)
            .unwrap();
        let res = app.get("/api/v1/plans").bearer(&token).send().await;
        res.expect(401);
    }
}

/// A service account of PCT with `role`, and a token bought with it.
async fn account_with_token(app: &TestApp, role: &str) -> (serde_json::Value, String) {
    let org = app.org_id("PCT").await;
    let res = app
        .post("/api/v1/service-accounts")
        .with_role(Role::Admin)
        .json(&json!({"name": "PCT feed", "role": role, "organisation_id": org}))
        .send()
        .await;
    res.expect(201);
    let account = res.body.clone();
    let token = buy_token(app, &account["client_secret"], &account).await;
    (account, token)
}

async fn buy_token(
    app: &TestApp,
    secret: &serde_json::Value,
    account: &serde_json::Value,
) -> String {
    let res = app
        .post("/api/v1/auth/token")
        .json(&json!({"client_id": account["client_id"], "client_secret": secret}))
        .send()
        .await;
    res.expect(200);
    res.body["access_token"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn an_archived_service_accounts_tokens_stop_working_and_restore_does_not_revive_them() {
    let app = TestApp::spawn_with_demo().await;
    let (account, token) = account_with_token(&app, "editor").await;
    let item = format!(
        "/api/v1/service-accounts/{}",
        account["id"].as_str().unwrap()
    );
    let pct = app.org_id("PCT").await;
    let write = |token: String, code: &'static str| {
        let app = &app;
        let pct = pct.clone();
        async move {
            app.post("/api/v1/plans")
                .bearer(&token)
                .json(
                    &json!({"code": code, "title": "A plan", "kind": "service_plan",
                              "owner_organisation_id": pct,
                              "starts_on": "2009-04-01", "ends_on": "2012-03-31"}),
                )
                .send()
                .await
        }
    };
    write(token.clone(), "SA-PLAN-1").await.expect(201);

    app.delete(&item)
        .with_role(Role::Admin)
        .if_match("\"1\"")
        .send()
        .await
        .expect(200);
    // At once on the instance that archived it: neither reads nor writes.
    app.get("/api/v1/plans")
        .bearer(&token)
        .send()
        .await
        .expect(401);
    write(token.clone(), "SA-PLAN-2").await.expect(401);

    let restored = app
        .post(&format!("{item}/restore"))
        .with_role(Role::Admin)
        .send()
        .await;
    restored.expect(200);
    // A token issued before the archive stays refused after the restore...
    app.get("/api/v1/plans")
        .bearer(&token)
        .send()
        .await
        .expect(401);
    // ...and a token bought with the new secret works.
    let fresh = buy_token(&app, &restored.body["client_secret"], &account).await;
    write(fresh, "SA-PLAN-3").await.expect(201);
}

#[actix_web::test]
async fn another_instance_refuses_an_archived_accounts_tokens_within_five_seconds() {
    let a = TestApp::spawn_with_demo().await;
    let b = TestApp::serve(config_for(runtime_url(a.db_name.as_ref().unwrap())));
    let (account, token) = account_with_token(&a, "viewer").await;
    // B has seen the account live (and cached it).
    b.get("/api/v1/plans")
        .bearer(&token)
        .send()
        .await
        .expect(200);
    a.delete(&format!(
        "/api/v1/service-accounts/{}",
        account["id"].as_str().unwrap()
    ))
    .with_role(Role::Admin)
    .if_match("\"1\"")
    .send()
    .await
    .expect(200);
    let archived = Instant::now();
    loop {
        let res = b.get("/api/v1/plans").bearer(&token).send().await;
        if res.status == 401 {
            break;
        }
        res.expect(200);
        assert!(
            archived.elapsed() < Duration::from_secs(7),
            "instance B still accepts the archived account's token after {:?}",
            archived.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[actix_web::test]
async fn the_audit_keeps_the_servers_request_id_and_the_clients_beside_it() {
    let app = TestApp::spawn_with_demo().await;
    let mut ids = Vec::new();
    for code in ["RID-1", "RID-2"] {
        let res = app
            .post("/api/v1/organisations")
            .with_role(Role::Admin)
            .header("x-request-id", "forged-and-shared")
            .json(&json!({"code": code, "name": "x", "kind": "other"}))
            .send()
            .await;
        res.expect(201);
        ids.push((
            res.body["id"].as_str().unwrap().to_string(),
            res.header("x-request-id").unwrap(),
        ));
    }
    assert_ne!(ids[0].1, ids[1].1, "two requests, two ids");
    for (entity, response_id) in &ids {
        let res = app
            .get(&format!("/api/v1/audit?entity_id={entity}"))
            .with_role(Role::Admin)
            .send()
            .await;
        res.expect(200);
        let entry = &res.body["items"][0];
        assert_eq!(&entry["request_id"], response_id);
        assert_eq!(entry["client_request_id"], "forged-and-shared");
    }
    // An id that is too long or holds other characters is not kept at all.
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("x-request-id", "x".repeat(129))
        .json(&json!({"code": "RID-3", "name": "x", "kind": "other"}))
        .send()
        .await;
    res.expect(201);
    let entity = res.body["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/audit?entity_id={entity}"))
        .with_role(Role::Admin)
        .send()
        .await;
    assert!(res.body["items"][0]["client_request_id"].is_null());
}

#[actix_web::test]
async fn the_token_endpoint_answers_429_beyond_its_rate_for_a_client_id() {
    let db = TestApp::spawn_with_demo().await;
    let mut config = config_for(runtime_url(db.db_name.as_ref().unwrap()));
    // Three a minute: one attempt comes back every 20 s, longer than the
    // attempts below take.
    config.auth_rate_per_client = 3;
    let app = TestApp::serve(config);
    for _ in 0..3 {
        app.post("/api/v1/auth/token")
            .json(&json!({"client_id": "sa_guess", "client_secret": "wrong"}))
            .send()
            .await
            .expect(401);
    }
    let res = app
        .post("/api/v1/auth/token")
        .json(&json!({"client_id": "sa_guess", "client_secret": "wrong"}))
        .send()
        .await;
    res.expect(429);
    assert_eq!(res.problem(), "too_many_requests");
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "retry after {wait} s");
    // Another client id is not held back by this one's attempts.
    app.post("/api/v1/auth/token")
        .json(&json!({"client_id": "sa_other", "client_secret": "wrong"}))
        .send()
        .await
        .expect(401);
}

#[actix_web::test]
async fn the_token_endpoint_answers_429_beyond_its_rate_for_an_address() {
    let db = TestApp::spawn_with_demo().await;
    let mut config = config_for(runtime_url(db.db_name.as_ref().unwrap()));
    config.auth_rate_per_address = 3;
    let app = TestApp::serve(config);
    for i in 0..3 {
        app.post("/api/v1/auth/token")
            .json(&json!({"client_id": format!("sa_{i}"), "client_secret": "wrong"}))
            .send()
            .await
            .expect(401);
    }
    let res = app
        .post("/api/v1/auth/token")
        .json(&json!({"client_id": "sa_fourth", "client_secret": "wrong"}))
        .send()
        .await;
    res.expect(429);
    assert!(res.header("retry-after").is_some());
}
