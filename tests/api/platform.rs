//! What every request shares: health, metrics, request ids, body limits,
//! media types, CORS, the demo data, and behaviour while PostgreSQL is down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use trustplan::web::auth::Role;

use crate::helpers::{config_for, server_url, TestApp, RUNTIME_ROLE};

#[actix_web::test]
async fn health_and_metrics_need_no_token() {
    let app = TestApp::spawn().await;
    let res = app.get("/health/live").send().await;
    res.expect(200);
    assert_eq!(res.body["status"], "ok");
    app.get("/health/ready").send().await.expect(200);
    app.get("/api/v1/organisations")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(200);
    let res = app.get("/metrics").send().await;
    res.expect(200);
    assert!(res
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    assert!(res.text.contains(
        r#"trustplan_http_requests_total{method="GET",route="/api/v1/organisations",status="200"} 1"#
    ), "{}", res.text);
    assert!(res
        .text
        .contains("trustplan_http_request_duration_seconds_bucket"));
    assert!(res.text.contains("trustplan_db_pool_connections"));
    assert!(res.text.contains("trustplan_db_pool_max_size 4"));
    let spec = app.get("/api/v1/openapi.json").send().await;
    spec.expect(200);
    assert_eq!(spec.body["openapi"], "3.1.0");
    let docs = app.get("/docs").send().await;
    docs.expect(200);
    assert!(docs.text.contains("<html"));
}

#[actix_web::test]
async fn request_ids_are_the_servers_own_and_quoted_in_problems() {
    let app = TestApp::spawn().await;
    // The server names every request, whatever the client sends: a
    // client's id is kept beside it (see the audit test), never adopted.
    for sent in [None, Some("abc-123"), Some("a b<script>")] {
        let mut req = app.get("/health/live");
        if let Some(id) = sent {
            req = req.header("x-request-id", id);
        }
        let res = req.send().await;
        let id = res.header("x-request-id").unwrap();
        assert_eq!(
            uuid::Uuid::parse_str(&id).unwrap().get_version_num(),
            4,
            "{sent:?} gets a server id"
        );
    }

    let res = app
        .get("/api/v1/organisations")
        .header("x-request-id", "req-9")
        .send()
        .await;
    res.expect(401);
    assert_eq!(
        res.body["request_id"].as_str(),
        res.header("x-request-id").as_deref()
    );
    assert_ne!(res.body["request_id"], "req-9");
    assert_eq!(res.body["instance"], "/api/v1/organisations");
}

#[actix_web::test]
async fn unknown_paths_and_methods_are_problems() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/nothing-here").send().await;
    res.expect(404);
    assert_eq!(res.problem(), "not_found");
    let res = app
        .req(actix_web::http::Method::PUT, "/api/v1/organisations")
        .with_role(Role::Admin)
        .send()
        .await;
    assert!(res.status == 404 || res.status == 405);
    res.expect(res.status);
}

#[actix_web::test]
async fn bodies_over_1_mib_are_413_and_other_media_types_415() {
    let app = TestApp::spawn().await;
    let big = format!(
        r#"{{"code":"X","name":"{}","kind":"other"}}"#,
        "x".repeat(1024 * 1024 + 10)
    );
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .raw("application/json", big.clone())
        .send()
        .await;
    res.expect(413);
    // Also when the body arrives with an Idempotency-Key (read by the middleware first).
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "big")
        .raw("application/json", big)
        .send()
        .await;
    res.expect(413);

    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .raw("text/plain", r#"{"code":"X","name":"x","kind":"other"}"#)
        .send()
        .await;
    res.expect(415);
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .raw("application/json", "{nope")
        .send()
        .await;
    res.expect(400);
    assert_eq!(res.problem(), "malformed_json");
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .raw("application/json", "[1,2]")
        .send()
        .await;
    res.expect(422);
}

#[actix_web::test]
async fn cors_allows_the_configured_origin_only() {
    let app = TestApp::spawn().await;
    let res = app
        .req(actix_web::http::Method::OPTIONS, "/api/v1/organisations")
        .header("origin", "https://frontend.example")
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "authorization,if-match,content-type",
        )
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some("https://frontend.example")
    );
    let res = app
        .get("/api/v1/organisations")
        .with_role(Role::Viewer)
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert!(res.header("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn the_demo_data_loads_the_partner_bodies_once() {
    let app = TestApp::spawn_with_demo().await;
    let mut conn = app.state.conn().await.unwrap();
    let again = trustplan::demo::load(&mut conn).await.unwrap();
    assert_eq!(again.organisations, 0, "a second load adds nothing");
    assert!(again.is_empty(), "nothing at all: {again:?}");
    drop(conn);
    let res = app
        .get("/api/v1/organisations?limit=500")
        .with_role(Role::Viewer)
        .send()
        .await;
    let codes: Vec<&str> = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    for code in [
        "HBC",
        "PCT",
        "CONNEXIONS",
        "POLICE",
        "PROBATION",
        "YOS",
        "HSCB",
        "CTB",
        "CTEG",
    ] {
        assert!(codes.contains(&code), "demo has {code}");
    }
    let res = app
        .get("/api/v1/organisations?code=CTEG")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(res.body["items"][0]["parent"]["code"], "CTB");
}

#[actix_web::test]
async fn with_the_database_unreachable_requests_answer_503_quickly() {
    // Nothing listens on port 1.
    let app = TestApp::serve(config_for(
        "postgres://postgres@127.0.0.1:1/trustplan".into(),
    ));
    for path in ["/health/ready", "/api/v1/organisations"] {
        let started = Instant::now();
        let res = app.get(path).with_role(Role::Viewer).send().await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{path} answered within 2 s"
        );
        res.expect(503);
        assert_eq!(res.problem(), "service_unavailable");
        assert!(res.header("retry-after").is_some());
        assert!(
            !res.text.to_lowercase().contains("connection refused"),
            "no internals: {}",
            res.text
        );
    }
    app.get("/health/live").send().await.expect(200);
}

/// A TCP proxy to PostgreSQL that the test can cut and restore.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: Arc<tokio::sync::Notify>,
}

impl Proxy {
    async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(tokio::sync::Notify::new());
        let target = server_url().rsplit('@').next().unwrap().to_string();
        let (up2, cut2) = (up.clone(), cut.clone());
        actix_web::rt::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let cut = cut2.clone();
                actix_web::rt::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.notified() => {}
                    }
                });
            }
        });
        Proxy { port, up, cut }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.cut.notify_waiters();
        }
    }
}

#[actix_web::test]
async fn the_service_recovers_by_itself_when_the_database_comes_back() {
    let app = TestApp::spawn().await;
    let name = app.db_name.clone().unwrap();
    let proxy = Proxy::start().await;
    let via_proxy = TestApp::serve(config_for(format!(
        "postgres://{RUNTIME_ROLE}@127.0.0.1:{}/{name}",
        proxy.port
    )));

    via_proxy
        .get("/api/v1/organisations")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(200);
    proxy.set_up(false);
    let started = Instant::now();
    let res = via_proxy
        .get("/api/v1/organisations")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert!(started.elapsed() < Duration::from_secs(2));
    res.expect(503);
    via_proxy.get("/health/ready").send().await.expect(503);

    proxy.set_up(true);
    via_proxy.get("/health/ready").send().await.expect(200);
    let res = via_proxy
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": "BACK", "name": "Back again", "kind": "other"}))
        .send()
        .await;
    res.expect(201);
}
