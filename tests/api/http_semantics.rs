//! HTTP as RFC 9110 says: 405 with `Allow`, `HEAD` wherever `GET` is,
//! `If-None-Match` answered 304, refused CORS preflights as problems, the
//! contract's headers readable by browsers, and docs with no outside asset.

use actix_web::http::Method;
use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::{organisation, TestApp};

#[actix_web::test]
async fn a_known_path_with_another_method_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let res = app
        .req(Method::PUT, "/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({}))
        .send()
        .await;
    res.expect(405);
    assert_eq!(res.problem(), "method_not_allowed");
    let allow = res.header("allow").expect("Allow");
    for m in ["GET", "HEAD", "POST"] {
        assert!(allow.contains(m), "Allow {allow:?} lists {m}");
    }
    let (item, _) = organisation(&app).await;
    let res = app
        .req(Method::PUT, &item)
        .with_role(Role::Admin)
        .send()
        .await;
    res.expect(405);
    let allow = res.header("allow").expect("Allow");
    for m in ["GET", "PATCH", "DELETE"] {
        assert!(allow.contains(m), "Allow {allow:?} lists {m}");
    }
    // An unknown path stays a 404.
    app.req(Method::PUT, "/api/v1/nothing-here")
        .send()
        .await
        .expect(404);
}

#[actix_web::test]
async fn head_answers_wherever_get_does_without_a_body() {
    let app = TestApp::spawn().await;
    let (item, etag) = organisation(&app).await;
    let res = app
        .req(Method::HEAD, &item)
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.etag(), etag);
    assert!(res.text.is_empty());
    let res = app
        .req(Method::HEAD, "/api/v1/organisations")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert!(res.text.is_empty());
    let res = app.req(Method::HEAD, &item).send().await;
    assert_eq!(res.status, 401, "HEAD is authorised like GET");
}

#[actix_web::test]
async fn if_none_match_on_a_record_answers_304() {
    let app = TestApp::spawn().await;
    let (item, etag) = organisation(&app).await;
    let res = app
        .get(&item)
        .with_role(Role::Viewer)
        .header("if-none-match", etag.as_str())
        .send()
        .await;
    assert_eq!(res.status, 304);
    assert_eq!(res.etag(), etag);
    assert!(res.text.is_empty());
    // Weak comparison: W/"1" matches too.
    let res = app
        .get(&item)
        .with_role(Role::Viewer)
        .header("if-none-match", format!("W/{etag}"))
        .send()
        .await;
    assert_eq!(res.status, 304);
    let res = app
        .get(&item)
        .with_role(Role::Viewer)
        .header("if-none-match", "\"99\"")
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["code"], "PCT");
}

#[actix_web::test]
async fn if_match_star_matches_an_existing_record_and_weak_tags_never_do() {
    let app = TestApp::spawn().await;
    let (item, etag) = organisation(&app).await;
    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match(&format!("W/{etag}"))
        .json(&json!({"name": "Renamed"}))
        .send()
        .await;
    res.expect(412);
    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match("*")
        .json(&json!({"name": "Renamed"}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["name"], "Renamed");
    let missing = format!("/api/v1/organisations/{}", uuid::Uuid::now_v7());
    app.patch(&missing)
        .with_role(Role::Admin)
        .if_match("*")
        .json(&json!({"name": "Renamed"}))
        .send()
        .await
        .expect(404);
}

#[actix_web::test]
async fn a_refused_preflight_is_a_problem_and_contract_headers_are_exposed() {
    let app = TestApp::spawn().await;
    let res = app
        .req(Method::OPTIONS, "/api/v1/organisations")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    assert_eq!(res.body["status"], 400);
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("origin", "https://frontend.example")
        .header("idempotency-key", "k1")
        .json(&json!({"code": "X1", "name": "X", "kind": "school"}))
        .send()
        .await;
    res.expect(201);
    let exposed = res
        .header("access-control-expose-headers")
        .expect("exposed headers")
        .to_ascii_lowercase();
    for h in [
        "etag",
        "location",
        "link",
        "retry-after",
        "www-authenticate",
        "allow",
        "x-request-id",
        "idempotent-replayed",
    ] {
        assert!(exposed.contains(h), "{h} is exposed to browsers: {exposed}");
    }
}

#[actix_web::test]
async fn the_docs_page_uses_only_assets_served_here() {
    let app = TestApp::spawn().await;
    let page = app.get("/docs/").send().await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<html") || page.text.contains("<!DOCTYPE html"));
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in page.text.split(attr).skip(1) {
            let url = part.split('"').next().unwrap();
            assert!(
                !url.contains("//"),
                "the docs page references an outside asset: {url}"
            );
            assets.push(url.trim_start_matches("./").to_string());
        }
    }
    assert!(!assets.is_empty());
    for asset in assets {
        let res = app.get(&format!("/docs/{asset}")).send().await;
        assert_eq!(res.status, 200, "/docs/{asset} is served");
        assert!(
            !res.text.contains("https://cdn") && !res.text.contains("unpkg.com"),
            "/docs/{asset} loads nothing from a CDN"
        );
    }
    let init = app.get("/docs/swagger-initializer.js").send().await;
    assert_eq!(init.status, 200);
    assert!(init.text.contains("/api/v1/openapi.json"));
}

#[actix_web::test]
async fn every_operation_refuses_a_query_parameter_it_does_not_document() {
    let app = TestApp::spawn().await;
    let (item, etag) = organisation(&app).await;
    // A record read, a change and a create: none takes a query, so any
    // parameter is a mistake the client should hear about.
    let res = app
        .get(&format!("{item}?expand=plans"))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(400);
    assert_eq!(res.problem(), "invalid_query");
    assert!(res.text.contains("expand"), "{}", res.text);
    app.patch(&format!("{item}?dry_run=true"))
        .with_role(Role::Admin)
        .if_match(&etag)
        .json(&json!({"name": "Renamed"}))
        .send()
        .await
        .expect(400);
    app.get(&item)
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(200);
    assert_eq!(
        app.get(&item).with_role(Role::Viewer).send().await.body["name"],
        "Primary care trust",
        "the refused PATCH changed nothing"
    );
    // A list still names what it accepts.
    let res = app
        .get("/api/v1/organisations?colour=red")
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(400);
    assert!(res.text.contains("colour"), "{}", res.text);
}
