//! What the HTTP layer refuses before any handler sees the request is a
//! problem too: an over-long URI (414), headers over the limit (431), a
//! head that is not HTTP (400).

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trustplan::web::auth::Role;

use crate::binary::Served;
use crate::helpers::TestApp;

/// Sends `raw` on a connection of its own; the status and the body as JSON.
async fn raw_request(served: &Served, raw: &[u8]) -> (u16, String, Value) {
    let addr = served.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer (and close) before it has read all of it.
    let _ = stream.write_all(raw).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (
        status,
        head.to_string(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[actix_web::test]
async fn protocol_refusals_are_problem_details() {
    let app = TestApp::spawn_with_demo().await;
    let served = Served::start(app.db_name.as_ref().unwrap(), &[]).await;
    let token = app.token(Role::Viewer, "HBC");
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        // Longer than the HTTP layer's own limit for a URI (64 KiB).
        (
            format!(
                "GET /api/v1/plans?q={} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n",
                "a".repeat(100_000)
            )
            .into_bytes(),
            414,
            "uri_too_long",
        ),
        // Longer than the service's limit (8 KiB), within the layer's.
        (
            format!(
                "GET /api/v1/plans?q={} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n",
                "a".repeat(9_000)
            )
            .into_bytes(),
            414,
            "uri_too_long",
        ),
        (
            format!(
                "GET /api/v1/plans HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
                "b".repeat(200_000)
            )
            .into_bytes(),
            431,
            "headers_too_large",
        ),
        (
            b"THIS IS NOT HTTP\r\n\r\n".to_vec(),
            400,
            "bad_request",
        ),
    ];
    for (raw, status, slug) in cases {
        let (got, head, body) = raw_request(&served, &raw).await;
        assert_eq!(got, status, "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{head}"
        );
        assert_eq!(
            body["type"],
            format!("urn:trustplan:problem:{slug}"),
            "{body}"
        );
        assert_eq!(body["status"], status);
        assert!(body["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    }
    // The service goes on serving.
    let (got, _, _) = raw_request(
        &served,
        format!("GET /api/v1/plans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(got, 200);
}

#[actix_web::test]
async fn a_uri_over_8_kib_is_a_414_in_the_spec_too() {
    let app = TestApp::spawn_with_demo().await;
    let res = app
        .get(&format!("/api/v1/plans?q={}", "a".repeat(9_000)))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(414);
    assert_eq!(res.problem(), "uri_too_long");
}
