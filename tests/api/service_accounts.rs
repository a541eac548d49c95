//! Service accounts and the client-credentials token exchange.

use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::TestApp;

async fn create_account(app: &TestApp, role: &str) -> serde_json::Value {
    let org = app.org_id("PCT").await;
    let res = app
        .post("/api/v1/service-accounts")
        .with_role(Role::Admin)
        .json(&json!({"name": "PCT performance feed", "role": role, "organisation_id": org}))
        .send()
        .await;
    res.expect(201);
    res.body.clone()
}

#[actix_web::test]
async fn only_admins_manage_service_accounts() {
    let app = TestApp::spawn_with_demo().await;
    let account = create_account(&app, "contributor").await;
    let item = format!(
        "/api/v1/service-accounts/{}",
        account["id"].as_str().unwrap()
    );
    for role in [Role::Viewer, Role::Contributor, Role::Editor] {
        app.get("/api/v1/service-accounts")
            .with_role(role)
            .send()
            .await
            .expect(403);
        app.get(&item).with_role(role).send().await.expect(403);
        app.get(&format!("{item}/history"))
            .with_role(role)
            .send()
            .await
            .expect(403);
        app.post("/api/v1/service-accounts")
            .with_role(role)
            .json(&json!({"name": "x", "role": "viewer", "organisation_id": account["organisation_id"]}))
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
    for path in ["/api/v1/service-accounts".to_string(), item.clone()] {
        app.get(&path).send().await.expect(401);
    }
    let res = app
        .get("/api/v1/service-accounts")
        .with_role(Role::Admin)
        .counted()
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["total"], 1);
    assert!(res.body["items"][0].get("client_secret").is_none());
    assert!(res.body["items"][0].get("secret_hash").is_none());
    app.get(&format!("{item}/history"))
        .with_role(Role::Admin)
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn the_secret_is_shown_once_and_stored_hashed() {
    let app = TestApp::spawn_with_demo().await;
    let account = create_account(&app, "contributor").await;
    let secret = account["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 40);
    assert!(account["client_id"].as_str().unwrap().starts_with("sa_"));
    assert_eq!(account["organisation"]["code"], "PCT");

    let got = app
        .get(&format!(
            "/api/v1/service-accounts/{}",
            account["id"].as_str().unwrap()
        ))
        .with_role(Role::Admin)
        .send()
        .await;
    assert!(!got.text.contains(secret));

    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct H {
        #[diesel(sql_type = diesel::sql_types::Text)]
        secret_hash: String,
    }
    let mut conn = app.db().await;
    let h: H = diesel::sql_query("SELECT secret_hash FROM service_accounts")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert!(h.secret_hash.starts_with("$argon2"));
    assert!(!h.secret_hash.contains(secret));
    // Neither the audit trail nor the idempotency store keeps it.
    let audit = app.get("/api/v1/audit").with_role(Role::Admin).send().await;
    assert!(!audit.text.contains(secret));
}

#[actix_web::test]
async fn client_credentials_buy_a_token_that_carries_the_account_role_and_org() {
    let app = TestApp::spawn_with_demo().await;
    let account = create_account(&app, "editor").await;
    let res = app
        .post("/api/v1/auth/token")
        .json(
            &json!({"client_id": account["client_id"], "client_secret": account["client_secret"]}),
        )
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["token_type"], "Bearer");
    assert_eq!(res.body["expires_in"], 900);
    let token = res.body["access_token"].as_str().unwrap();
    let claims = app.state.jwt.verify(token).unwrap();
    assert_eq!(claims.role, Role::Editor);
    assert_eq!(claims.org, "PCT");
    assert_eq!(
        claims.sub,
        format!("service-account:{}", account["client_id"].as_str().unwrap())
    );
    // The token works against the API with that role: an editor reads but may not manage organisations.
    app.get("/api/v1/organisations")
        .bearer(token)
        .send()
        .await
        .expect(200);
    app.post("/api/v1/organisations")
        .bearer(token)
        .json(&json!({"code": "X", "name": "X", "kind": "other"}))
        .send()
        .await
        .expect(403);
    let got = app
        .get(&format!(
            "/api/v1/service-accounts/{}",
            account["id"].as_str().unwrap()
        ))
        .with_role(Role::Admin)
        .send()
        .await;
    assert!(got.body["last_used_at"].is_string());
}

#[actix_web::test]
async fn wrong_unknown_or_archived_credentials_are_401() {
    let app = TestApp::spawn_with_demo().await;
    let account = create_account(&app, "viewer").await;
    let token = |id: serde_json::Value, secret: serde_json::Value| {
        app.post("/api/v1/auth/token")
            .json(&json!({"client_id": id, "client_secret": secret}))
            .send()
    };
    let res = token(account["client_id"].clone(), json!("wrong")).await;
    res.expect(401);
    token(json!("sa_nobody"), account["client_secret"].clone())
        .await
        .expect(401);
    token(
        account["client_id"].clone(),
        account["client_secret"].clone(),
    )
    .await
    .expect(200);

    let item = format!(
        "/api/v1/service-accounts/{}",
        account["id"].as_str().unwrap()
    );
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
        .expect(200);
    token(
        account["client_id"].clone(),
        account["client_secret"].clone(),
    )
    .await
    .expect(401);
    let list = app
        .get("/api/v1/service-accounts")
        .with_role(Role::Admin)
        .counted()
        .send()
        .await;
    assert_eq!(list.body["total"], 0);

    // Restoring gives the account a new secret, shown once; the old one
    // stays refused.
    let restored = app
        .post(&format!("{item}/restore"))
        .with_role(Role::Admin)
        .send()
        .await;
    restored.expect(200);
    assert_eq!(
        restored.header("cache-control").as_deref(),
        Some("no-store")
    );
    let new_secret = restored.body["client_secret"].clone();
    assert!(new_secret.as_str().is_some_and(|s| s.len() >= 40));
    assert_ne!(new_secret, account["client_secret"]);
    token(
        account["client_id"].clone(),
        account["client_secret"].clone(),
    )
    .await
    .expect(401);
    token(account["client_id"].clone(), new_secret)
        .await
        .expect(200);

    // Malformed requests.
    app.post("/api/v1/auth/token")
        .json(&json!({"client_id": "x"}))
        .send()
        .await
        .expect(422);
    app.post("/api/v1/auth/token")
        .raw("application/json", "{")
        .send()
        .await
        .expect(400);
}

#[actix_web::test]
async fn creating_a_service_account_validates_its_fields() {
    let app = TestApp::spawn_with_demo().await;
    let res = app
        .post("/api/v1/service-accounts")
        .with_role(Role::Admin)
        .json(&json!({"name": "", "role": "viewer", "organisation_id": uuid::Uuid::now_v7()}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"].as_array().unwrap().len(), 2);
    let res = app
        .post("/api/v1/service-accounts")
        .with_role(Role::Admin)
        .json(&json!({"name": "x", "role": "god", "organisation_id": uuid::Uuid::now_v7()}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/role");
}

#[actix_web::test]
async fn a_replayed_creation_does_not_show_the_secret_again() {
    let app = TestApp::spawn_with_demo().await;
    let org = app.org_id("PCT").await;
    let body = json!({"name": "feed", "role": "viewer", "organisation_id": org});
    let first = app
        .post("/api/v1/service-accounts")
        .with_role(Role::Admin)
        .header("idempotency-key", "sa-1")
        .json(&body)
        .send()
        .await;
    first.expect(201);
    let again = app
        .post("/api/v1/service-accounts")
        .with_role(Role::Admin)
        .header("idempotency-key", "sa-1")
        .json(&body)
        .send()
        .await;
    again.expect(409);
    let list = app
        .get("/api/v1/service-accounts")
        .with_role(Role::Admin)
        .counted()
        .send()
        .await;
    assert_eq!(list.body["total"], 1, "the retry created nothing");
}
