//! Tokens: every way a bad token can arrive is a 401 with `WWW-Authenticate`.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use trustplan::web::auth::Role;

use crate::helpers::{TestApp, AUDIENCE, ISSUER, SECRET};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims() -> Value {
    json!({"sub": "attacker", "role": "admin", "org": "HBC", "iat": now(),
           "exp": now() + 600, "iss": ISSUER, "aud": AUDIENCE})
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn with(mut c: Value, key: &str, v: Value) -> Value {
    c[key] = v;
    c
}

async fn refused(app: &TestApp, authorization: Option<String>) {
    let mut req = app.get("/api/v1/organisations");
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let res = req.send().await;
    res.expect(401);
    assert_eq!(res.problem(), "unauthorized");
    assert_eq!(res.header("www-authenticate").as_deref(), Some("Bearer"));
}

#[actix_web::test]
async fn a_valid_token_is_accepted() {
    let app = TestApp::spawn().await;
    let token = sign(&claims(), SECRET);
    app.get("/api/v1/organisations")
        .bearer(&token)
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn bad_tokens_are_all_401() {
    let app = TestApp::spawn().await;
    let good = sign(&claims(), SECRET);

    refused(&app, None).await;
    refused(&app, Some("Bearer".into())).await;
    refused(&app, Some("Bearer garbage".into())).await;
    refused(&app, Some("Basic dXNlcjpwYXNz".into())).await;
    refused(&app, Some(good.clone())).await; // no scheme

    // alg: none, unsigned.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    refused(&app, Some(format!("Bearer {header}.{payload}."))).await;

    // Signed with another key.
    refused(
        &app,
        Some(format!("Bearer {}", sign(&claims(), "not-the-secret"))),
    )
    .await;

    // Expired beyond the 30 s leeway; not yet valid beyond it.
    let expired = with(claims(), "exp", json!(now() - 120));
    refused(&app, Some(format!("Bearer {}", sign(&expired, SECRET)))).await;
    let future = with(claims(), "nbf", json!(now() + 600));
    refused(&app, Some(format!("Bearer {}", sign(&future, SECRET)))).await;

    // Wrong audience, wrong issuer, missing claims, unknown role.
    let aud = with(claims(), "aud", json!("someone-else"));
    refused(&app, Some(format!("Bearer {}", sign(&aud, SECRET)))).await;
    let iss = with(claims(), "iss", json!("evil"));
    refused(&app, Some(format!("Bearer {}", sign(&iss, SECRET)))).await;
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    refused(&app, Some(format!("Bearer {}", sign(&no_exp, SECRET)))).await;
    let god = with(claims(), "role", json!("superuser"));
    refused(&app, Some(format!("Bearer {}", sign(&god, SECRET)))).await;

    // A viewer's token with its role claim changed to admin: the signature no longer matches.
    let viewer = sign(&with(claims(), "role", json!("viewer")), SECRET);
    let parts: Vec<&str> = viewer.split('.').collect();
    let tampered_payload = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&with(claims(), "role", json!("admin"))).unwrap());
    refused(
        &app,
        Some(format!(
            "Bearer {}.{}.{}",
            parts[0], tampered_payload, parts[2]
        )),
    )
    .await;

    // HS384 with the right secret: not the pinned algorithm.
    let hs384 = encode(
        &Header::new(Algorithm::HS384),
        &claims(),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    refused(&app, Some(format!("Bearer {hs384}"))).await;
}

#[actix_web::test]
async fn leeway_of_30_seconds_is_allowed() {
    let app = TestApp::spawn().await;
    let just_expired = with(claims(), "exp", json!(now() - 10));
    app.get("/api/v1/organisations")
        .bearer(&sign(&just_expired, SECRET))
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn the_role_hierarchy_orders_viewer_contributor_editor_admin() {
    assert!(Role::Viewer < Role::Contributor);
    assert!(Role::Contributor < Role::Editor);
    assert!(Role::Editor < Role::Admin);
}
