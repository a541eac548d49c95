//! Partner integration (issue 14): the change feed in commit order, signed
//! webhook deliveries from the outbox (a receiver inside the test), and
//! all-or-nothing batches.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use trustplan::demo::demo_id;
use trustplan::web::auth::Role;

use crate::helpers::{config_for, organisation, pointers, runtime_url, Res, TestApp};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Verifies a Standard Webhooks signature as a partner would (the README's
/// recipe): HMAC-SHA256 over `{id}.{timestamp}.{body}` keyed with the
/// base64-decoded secret, compared with each `v1,` signature.
fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .expect("a whsec_ secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("hmac key");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    header
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|sig| sig == expected)
}

/// What the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
    answered: u16,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON delivery")
    }

    /// Asserts the body is what the document's `webhooks` say this event sends.
    fn check_against_spec(&self) {
        let spec = trustplan::openapi();
        let event = self.json();
        let kind = event["type"].as_str().expect("a type");
        let schema =
            &spec["webhooks"][kind]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "the document has no webhook {kind}");
        if let Err(e) = crate::examples::check_schema(&spec, schema, &event) {
            panic!("{kind} does not match the document: {e}\n{event}");
        }
    }
}

/// A webhook receiver on 127.0.0.1: answers 500 to the first `fail_first`
/// deliveries (and to all while `failing` is set), 204 to the rest, and
/// keeps everything it was sent.
struct Receiver {
    server: actix_test::TestServer,
    got: Arc<Mutex<Vec<Received>>>,
    failing: Arc<std::sync::atomic::AtomicBool>,
}

impl Receiver {
    fn start(fail_first: usize) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (g, f) = (got.clone(), failing.clone());
        let server = actix_test::start(move || {
            let (got, failing) = (g.clone(), f.clone());
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let (got, failing) = (got.clone(), failing.clone());
                    async move {
                        let header = |n: &str| {
                            req.headers()
                                .get(n)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_string()
                        };
                        let mut got = got.lock().unwrap();
                        let fail = got.len() < fail_first
                            || failing.load(std::sync::atomic::Ordering::SeqCst);
                        let answered = if fail { 500 } else { 204 };
                        got.push(Received {
                            id: header("webhook-id"),
                            timestamp: header("webhook-timestamp"),
                            signature: header("webhook-signature"),
                            body: body.to_vec(),
                            answered,
                        });
                        if fail {
                            HttpResponse::InternalServerError().finish()
                        } else {
                            HttpResponse::NoContent().finish()
                        }
                    }
                }),
            )
        });
        Receiver {
            server,
            got,
            failing,
        }
    }

    fn url(&self) -> String {
        self.server.url("/hook")
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// The deliveries answered 2xx.
    fn delivered(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.answered < 300)
            .collect()
    }

    /// Waits (up to 20 s) until `done` holds of what was received.
    async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) {
        let started = Instant::now();
        while !done(&self.received()) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}; received: {:?}",
                self.received()
                    .iter()
                    .map(|r| (
                        r.id.clone(),
                        r.answered,
                        String::from_utf8_lossy(&r.body).to_string()
                    ))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// An app that runs the delivery worker, with the demo data.
async fn app_with_worker(tweak: impl FnOnce(&mut trustplan::config::Config)) -> TestApp {
    let app = TestApp::spawn_with(|c| {
        c.webhooks.worker = true;
        tweak(c);
    })
    .await;
    let mut conn = app.state.conn().await.expect("conn");
    trustplan::demo::load(&mut conn).await.expect("demo data");
    app
}

async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> Value {
    let res = app
        .post("/api/v1/webhooks")
        .with_role(Role::Admin)
        .json(&json!({"url": url, "events": events, "secret": SECRET, "description": "test receiver"}))
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.body["secret"], SECRET);
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    res.body.clone()
}

async fn deliveries(app: &TestApp, sub: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/webhooks/{sub}/deliveries?limit=500"))
        .with_role(Role::Admin)
        .send()
        .await;
    res.expect(200);
    res.body["items"].as_array().unwrap().clone()
}

/// Reads the whole feed from `after` as `role`, page by page.
async fn read_feed(app: &TestApp, role: Role, after: &str, limit: u32) -> (Vec<Value>, String) {
    let mut after = after.to_string();
    let mut items = Vec::new();
    loop {
        let res = app
            .get(&format!("/api/v1/changes?after={after}&limit={limit}"))
            .with_role(role)
            .send()
            .await;
        res.expect(200);
        items.extend(res.body["items"].as_array().unwrap().iter().cloned());
        after = res.body["next_after"].as_str().unwrap().to_string();
        assert_eq!(
            res.header("link").is_some(),
            res.body["has_more"] == true,
            "Link: rel=next exactly when more are waiting"
        );
        if res.body["has_more"] != true {
            return (items, after);
        }
    }
}

#[actix_web::test]
async fn a_reader_following_the_feed_sees_every_change_once_in_commit_order_while_writers_commit() {
    let app = TestApp::spawn().await;
    organisation(&app).await;
    let (_, start) = read_feed(&app, Role::Viewer, "0", 500).await;

    // Four writers, each creating organisations and changing each once,
    // while a reader follows the feed in small pages.
    let writers_done = std::cell::Cell::new(false);
    let writer = |w: usize| {
        let app = &app;
        async move {
            for i in 0..12 {
                let res = app
                    .post("/api/v1/organisations")
                    .with_role(Role::Admin)
                    .json(&json!({"code": format!("W{w}-{i}"), "name": format!("Writer {w} body {i}"), "kind": "voluntary_org"}))
                    .send()
                    .await;
                res.expect(201);
                let id = res.body["id"].as_str().unwrap().to_string();
                app.patch(&format!("/api/v1/organisations/{id}"))
                    .with_role(Role::Admin)
                    .if_match(&res.etag())
                    .json(&json!({"name": format!("Writer {w} body {i}, renamed")}))
                    .send()
                    .await
                    .expect(200);
            }
        }
    };
    let reader = async {
        let mut seen = Vec::new();
        let mut after = start.clone();
        loop {
            let finished = writers_done.get();
            let res = app
                .get(&format!("/api/v1/changes?after={after}&limit=7"))
                .with_role(Role::Viewer)
                .send()
                .await;
            res.expect(200);
            seen.extend(res.body["items"].as_array().unwrap().iter().cloned());
            after = res.body["next_after"].as_str().unwrap().to_string();
            // Only a read begun after the writers finished, with nothing
            // more waiting, ends the follow.
            if finished && res.body["has_more"] != true {
                return seen;
            }
            if res.body["has_more"] != true {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    let writers = async {
        futures_util::future::join_all((0..4).map(writer)).await;
        writers_done.set(true);
    };
    let (seen, ()) = futures_util::future::join(reader, writers).await;

    // Exactly once: 4 writers x 12 bodies x (create + update).
    assert_eq!(seen.len(), 96, "every change, once");
    let keys: BTreeSet<(String, i64)> = seen
        .iter()
        .map(|c| {
            (
                c["entity_id"].as_str().unwrap().to_string(),
                c["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(keys.len(), 96, "no change repeated");
    // Cursors only grow, and each body's creation comes before its change.
    let cursors: Vec<i64> = seen
        .iter()
        .map(|c| c["cursor"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        cursors.windows(2).all(|w| w[0] < w[1]),
        "commit order: {cursors:?}"
    );
    let mut first_action: BTreeMap<String, String> = BTreeMap::new();
    for c in &seen {
        first_action
            .entry(c["entity_id"].as_str().unwrap().to_string())
            .or_insert_with(|| c["action"].as_str().unwrap().to_string());
        assert_eq!(c["entity_type"], "organisation");
        assert_eq!(c["record"]["id"], c["entity_id"], "the record's new state");
        assert_eq!(c["record"]["version"], c["version"]);
    }
    assert!(first_action.values().all(|a| a == "create"));
    // What the reader followed is the feed as read afterwards from the same
    // cursor, and the audit trail holds nothing it missed.
    let (again, _) = read_feed(&app, Role::Viewer, &start, 500).await;
    assert_eq!(again, seen);
    let audit = app
        .get("/api/v1/audit?entity_type=organisation&limit=500")
        .with_role(Role::Admin)
        .send()
        .await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 97);
}

#[actix_web::test]
async fn the_feed_filters_hides_admin_records_from_others_and_refuses_a_bad_cursor() {
    let app = TestApp::spawn().await;
    organisation(&app).await;
    let res = app
        .post("/api/v1/webhooks")
        .with_role(Role::Admin)
        .json(&json!({"url": "https://partner.example/hook", "events": ["record.created"]}))
        .send()
        .await;
    res.expect(201);
    let secret = res.body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    let (as_admin, _) = read_feed(&app, Role::Admin, "0", 500).await;
    let (as_viewer, end) = read_feed(&app, Role::Viewer, "0", 1).await;
    let types = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .map(|c| c["entity_type"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(types(&as_admin), ["organisation", "webhook_subscription"]);
    assert_eq!(types(&as_viewer), ["organisation"]);
    assert!(
        !serde_json::to_string(&as_admin).unwrap().contains(&secret),
        "the secret is never in the feed"
    );
    // Nothing new: the same cursor back, nothing more waiting.
    let res = app
        .get(&format!("/api/v1/changes?after={end}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["items"], json!([]));
    assert_eq!(res.body["next_after"].as_str(), Some(end.as_str()));
    let only = app
        .get("/api/v1/changes?entity_type=webhook_subscription,plan")
        .with_role(Role::Admin)
        .send()
        .await;
    assert_eq!(
        types(only.body["items"].as_array().unwrap()),
        ["webhook_subscription"]
    );
    for bad in [
        "after=x",
        "after=-1",
        "limit=0",
        "limit=501",
        "entity_type=",
        "since=1",
    ] {
        app.get(&format!("/api/v1/changes?{bad}"))
            .with_role(Role::Viewer)
            .send()
            .await
            .expect(400);
    }
    app.get("/api/v1/changes").send().await.expect(401);
}

#[actix_web::test]
async fn signed_deliveries_are_retried_until_received_and_a_rolled_back_write_sends_nothing() {
    let receiver = Receiver::start(2);
    let app = app_with_worker(|_| {}).await;
    let sub = subscribe(
        &app,
        &receiver.url(),
        &["deliverable.status_changed", "indicator.value_submitted"],
    )
    .await;
    let sub_id = sub["id"].as_str().unwrap();
    let milestone = demo_id("milestone", "SS1-0910-2");
    let ni60 = demo_id("indicator", "NI60");

    // A write that rolls back (its batch's second operation is invalid)
    // queues nothing.
    let res = app
        .post("/api/v1/batch")
        .with_role(Role::Admin)
        .json(&json!({"operations": [
            {"method": "PUT", "path": format!("/api/v1/indicators/{ni60}/values/area/FY2008-09-Q3"), "body": {"value": 77.0}},
            {"method": "POST", "path": format!("/api/v1/milestones/{milestone}/updates"), "body": {"period": "FY2009-10-Q2", "status": "sideways"}},
        ]}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["operation_index"], 1);

    // Two that commit.
    app.post(&format!("/api/v1/milestones/{milestone}/updates"))
        .with_role(Role::Admin)
        .json(&json!({"period": "FY2009-10-Q2", "status": "off_track", "commentary": "Placements fell through."}))
        .send()
        .await
        .expect(201);
    app.req(
        actix_web::http::Method::PUT,
        &format!("/api/v1/indicators/{ni60}/values/area/FY2009-10-Q2"),
    )
    .with_role(Role::Admin)
    .json(&json!({"value": 81.5}))
    .send()
    .await;

    receiver
        .wait_for("two events delivered", |r| {
            r.iter().filter(|r| r.answered < 300).count() >= 2
        })
        .await;
    // Give a wrong extra delivery the chance to show.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all = receiver.received();
    let delivered = receiver.delivered();
    assert_eq!(delivered.len(), 2, "each event delivered once: {all:?}");
    assert_eq!(all.len(), 4, "the two failures were retried");
    let ids: BTreeSet<&str> = delivered.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    for r in &all {
        r.check_against_spec();
        assert!(r.id.starts_with("msg_"));
        assert!(
            verify(SECRET, &r.id, &r.timestamp, &r.body, &r.signature),
            "signature of {r:?}"
        );
        assert!(!verify(SECRET, &r.id, &r.timestamp, b"{}", &r.signature));
        let sent: i64 = r.timestamp.parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - sent).abs() < 60);
    }
    // A retry repeats the event's id and body.
    let failed = &all[0];
    assert!(all[2..]
        .iter()
        .any(|r| r.id == failed.id && r.body == failed.body));
    let types: BTreeSet<String> = delivered
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "deliverable.status_changed".to_string(),
            "indicator.value_submitted".to_string()
        ])
    );
    for r in &delivered {
        let event = r.json();
        let change = &event["data"];
        match event["type"].as_str().unwrap() {
            "deliverable.status_changed" => {
                assert_eq!(change["entity_id"], milestone.to_string());
                assert_eq!(change["record"]["status"], "off_track");
            }
            _ => {
                assert_eq!(change["entity_type"], "indicator_value");
                assert_eq!(change["record"]["period"]["code"], "FY2009-10-Q2");
            }
        }
        assert!(event["timestamp"].as_str().unwrap().ends_with('Z'));
    }
    assert!(
        !all.iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains("FY2008-09-Q3")),
        "nothing of the rolled-back write was sent"
    );

    // The delivery log: two deliveries, one after two failed attempts.
    let log = deliveries(&app, sub_id).await;
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|d| d["status"] == "delivered"));
    let attempts: Vec<i64> = log
        .iter()
        .map(|d| d["attempts"].as_i64().unwrap())
        .collect();
    assert_eq!(attempts.iter().sum::<i64>(), 4, "{log:?}");
    let retried = log
        .iter()
        .find(|d| d["attempts"].as_i64().unwrap() > 1)
        .unwrap();
    let codes: Vec<Value> = retried["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(codes.last(), Some(&json!(204)));
    assert!(codes[..codes.len() - 1].iter().all(|c| *c == json!(500)));
    assert_eq!(retried["webhook_id"].as_str().unwrap(), failed.id);

    // Redelivery on request: the same event again, with its id.
    let res = app
        .post(&format!(
            "/api/v1/webhooks/{sub_id}/deliveries/{}/redeliver",
            retried["id"].as_str().unwrap()
        ))
        .with_role(Role::Admin)
        .send()
        .await;
    res.expect(202);
    assert_eq!(res.body["status"], "pending");
    receiver
        .wait_for("the redelivery", |r| {
            r.iter().filter(|r| r.answered < 300).count() >= 3
        })
        .await;
    assert_eq!(receiver.delivered()[2].id, failed.id);
    // Only admins see or drive the log.
    app.get(&format!("/api/v1/webhooks/{sub_id}/deliveries"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(403);
}

#[actix_web::test]
async fn two_instances_deliver_each_event_exactly_once() {
    let receiver = Receiver::start(0);
    let first = app_with_worker(|_| {}).await;
    let mut config = config_for(runtime_url(first.db_name.as_ref().unwrap()));
    config.webhooks.worker = true;
    let second = TestApp::serve(config);
    let sub = subscribe(&first, &receiver.url(), &["record.created"]).await;

    // 40 creations, in one batch to the first instance and one by one to the second.
    let ops: Vec<Value> = (0..20)
        .map(|i| json!({"method": "POST", "path": "/api/v1/organisations", "body": {"code": format!("B{i}"), "name": format!("Batched body {i}"), "kind": "voluntary_org"}}))
        .collect();
    let res = first
        .post("/api/v1/batch")
        .with_role(Role::Admin)
        .json(&json!({ "operations": ops }))
        .send()
        .await;
    res.expect(200);
    for i in 0..20 {
        second
            .post("/api/v1/organisations")
            .with_role(Role::Admin)
            .json(&json!({"code": format!("S{i}"), "name": format!("Single body {i}"), "kind": "voluntary_org"}))
            .send()
            .await
            .expect(201);
    }
    receiver.wait_for("40 deliveries", |r| r.len() >= 40).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.received();
    let ids: BTreeSet<&str> = got.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(got.len(), 40, "no event sent twice");
    assert_eq!(ids.len(), 40);
    let codes: BTreeSet<String> = got
        .iter()
        .map(|r| {
            r.json()["data"]["record"]["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(codes.len(), 40);
    let log = deliveries(&first, sub["id"].as_str().unwrap()).await;
    assert_eq!(log.len(), 40);
    assert!(
        log.iter()
            .all(|d| d["attempts"] == 1 && d["status"] == "delivered"),
        "each delivery attempted once, by one instance"
    );
}

#[actix_web::test]
async fn a_subscription_that_keeps_failing_is_paused_then_resumed_and_urls_are_checked() {
    let receiver = Receiver::start(0);
    receiver
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let app = app_with_worker(|c| c.webhooks.pause_after_failures = 3).await;
    let sub = subscribe(&app, &receiver.url(), &["record.updated"]).await;
    let id = sub["id"].as_str().unwrap();
    let org = demo_id("organisation", "HBC-SS");
    app.patch(&format!("/api/v1/organisations/{org}"))
        .with_role(Role::Admin)
        .if_match("*")
        .json(&json!({"name": "Specialist Services"}))
        .send()
        .await
        .expect(200);
    receiver.wait_for("three failures", |r| r.len() >= 3).await;
    let started = Instant::now();
    let paused = loop {
        let res = app
            .get(&format!("/api/v1/webhooks/{id}"))
            .with_role(Role::Admin)
            .send()
            .await;
        if res.body["status"] == "paused" {
            break res;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{}", res.text);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(paused.body["consecutive_failures"], 3);
    assert!(paused.body["paused_reason"].as_str().unwrap().contains("3"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.received().len(), 3, "nothing is sent while paused");
    let log = deliveries(&app, id).await;
    assert_eq!(log[0]["status"], "pending", "kept, not dropped");

    // Resumed: the queued delivery goes out.
    receiver
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let res = app
        .patch(&format!("/api/v1/webhooks/{id}"))
        .with_role(Role::Admin)
        .if_match(&paused.etag())
        .json(&json!({"status": "active"}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["consecutive_failures"], 0);
    assert_eq!(res.body["paused_reason"], Value::Null);
    receiver
        .wait_for("the delivery after resuming", |r| {
            r.iter().any(|r| r.answered < 300)
        })
        .await;

    // URLs: http(s) only, no credentials, and no private targets unless allowed.
    let strict = TestApp::spawn_with(|c| c.webhooks.allow_private = false).await;
    organisation(&strict).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest",
        "http://10.0.0.5/hook",
        "ftp://partner.example/hook",
        "https://user:pw@partner.example/hook",
        "not a url",
    ] {
        let res = strict
            .post("/api/v1/webhooks")
            .with_role(Role::Admin)
            .json(&json!({"url": url, "events": ["record.created"]}))
            .send()
            .await;
        res.expect(422);
        assert_eq!(pointers(&res), ["/url"], "{url}");
    }
    let res = strict
        .post("/api/v1/webhooks")
        .with_role(Role::Admin)
        .json(
            &json!({"url": "https://partner.example/hook", "events": [], "secret": "not-a-secret"}),
        )
        .send()
        .await;
    res.expect(422);
    assert_eq!(pointers(&res), ["/events", "/secret"]);
}

async fn batch(app: &TestApp, role: Role, ops: Value) -> Res {
    app.post("/api/v1/batch")
        .with_role(role)
        .json(&json!({ "operations": ops }))
        .send()
        .await
}

#[actix_web::test]
async fn a_batch_is_all_or_nothing_and_names_the_failing_operation() {
    let app = TestApp::spawn_with_demo().await;
    let milestone = demo_id("milestone", "SS1-0910-2");
    let org = demo_id("organisation", "HBC-SS");
    let before = app
        .get(&format!("/api/v1/milestones/{milestone}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let (_, end) = read_feed(&app, Role::Admin, "0", 500).await;

    // The second of three is invalid: nothing is written.
    let res = batch(
        &app,
        Role::Admin,
        json!([
            {"method": "PATCH", "path": format!("/api/v1/milestones/{milestone}"), "if_match": before.etag(), "body": {"notes": "first"}},
            {"method": "POST", "path": "/api/v1/organisations", "body": {"code": "", "name": "Nameless", "kind": "school"}},
            {"method": "POST", "path": "/api/v1/organisations", "body": {"code": "NEVER", "name": "Never run", "kind": "school"}},
        ]),
    )
    .await;
    res.expect(422);
    assert_eq!(res.body["operation_index"], 1);
    assert_eq!(pointers(&res), ["/operations/1/body/code"]);
    assert!(res.body["detail"]
        .as_str()
        .unwrap()
        .starts_with("operation 1 (POST /api/v1/organisations)"));
    let after = app
        .get(&format!("/api/v1/milestones/{milestone}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(
        after.etag(),
        before.etag(),
        "the first operation was rolled back"
    );
    let (changes, _) = read_feed(&app, Role::Admin, &end, 500).await;
    assert_eq!(changes, Vec::<Value>::new(), "nothing committed");

    // A stale If-Match anywhere is that operation's 412.
    let res = batch(
        &app,
        Role::Admin,
        json!([
            {"method": "POST", "path": "/api/v1/organisations", "body": {"code": "OK1", "name": "Fine", "kind": "school"}},
            {"method": "DELETE", "path": format!("/api/v1/organisations/{org}"), "if_match": "\"999\""},
        ]),
    )
    .await;
    res.expect(412);
    assert_eq!(res.body["operation_index"], 1);
    app.get("/api/v1/organisations?code=OK1")
        .with_role(Role::Viewer)
        .send()
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .is_empty()
        .then_some(())
        .expect("OK1 was not kept");

    // All good: every operation's answer, committed together.
    let res = app
        .post("/api/v1/batch")
        .with_role(Role::Admin)
        .header("idempotency-key", "batch-1")
        .json(&json!({"operations": [
            {"method": "POST", "path": "/api/v1/organisations", "body": {"code": "NEW1", "name": "New school", "kind": "school"}},
            {"method": "PATCH", "path": format!("/api/v1/milestones/{milestone}"), "if_match": before.etag(), "body": {"notes": "batched"}},
            {"method": "POST", "path": format!("/api/v1/milestones/{milestone}/updates"), "body": {"period": "FY2009-10-Q2", "status": "at_risk"}},
        ]}))
        .send()
        .await;
    res.expect(200);
    let results = res.body["results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .map(|r| r["status"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [201, 200, 201]
    );
    assert!(results[0]["location"]
        .as_str()
        .unwrap()
        .starts_with("/api/v1/organisations/"));
    assert_eq!(results[1]["etag"], "\"2\"");
    assert_eq!(results[1]["body"]["notes"], "batched");
    let (changes, _) = read_feed(&app, Role::Admin, &end, 500).await;
    let actions: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["entity_type"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("organisation", "create"),
            ("milestone", "update"),
            ("milestone", "status"),
            ("progress_update", "create")
        ]
    );
    // Each audit entry carries the batch's request id.
    let audit = app
        .get("/api/v1/audit?entity_type=organisation&action=create&sort=-at&limit=1")
        .with_role(Role::Admin)
        .send()
        .await;
    assert_eq!(
        audit.body["items"][0]["request_id"].as_str(),
        res.header("x-request-id").as_deref()
    );

    // The Idempotency-Key covers the batch: a repeat replays it, writing nothing.
    let again = app
        .post("/api/v1/batch")
        .with_role(Role::Admin)
        .header("idempotency-key", "batch-1")
        .json(&json!({"operations": [
            {"method": "POST", "path": "/api/v1/organisations", "body": {"code": "NEW1", "name": "New school", "kind": "school"}},
            {"method": "PATCH", "path": format!("/api/v1/milestones/{milestone}"), "if_match": before.etag(), "body": {"notes": "batched"}},
            {"method": "POST", "path": format!("/api/v1/milestones/{milestone}/updates"), "body": {"period": "FY2009-10-Q2", "status": "at_risk"}},
        ]}))
        .send()
        .await;
    again.expect(200);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, res.body);
    let (changes_after, _) = read_feed(&app, Role::Admin, &end, 500).await;
    assert_eq!(changes_after.len(), 4);
}

#[actix_web::test]
async fn a_batch_checks_its_operations_and_each_operations_role() {
    let app = TestApp::spawn_with_demo().await;
    let milestone = demo_id("milestone", "SS1-0910-2");
    let too_many: Vec<Value> = (0..101)
        .map(|i| json!({"method": "POST", "path": "/api/v1/organisations", "body": {"code": format!("X{i}"), "name": "x", "kind": "school"}}))
        .collect();
    let res = batch(&app, Role::Admin, json!(too_many)).await;
    res.expect(422);
    assert_eq!(pointers(&res), ["/operations"]);
    batch(&app, Role::Admin, json!([])).await.expect(422);
    let res = batch(
        &app,
        Role::Admin,
        json!([
            {"method": "POST", "path": "/api/v1/batch", "body": {"operations": []}},
            {"method": "POST", "path": "/api/v1/auth/token", "body": {}},
            {"method": "POST", "path": "https://elsewhere.example/api/v1/plans", "body": {}},
            {"method": "PUT", "path": "/api/v1/nowhere", "body": {}},
            {"method": "PUT", "path": format!("/api/v1/milestones/{milestone}"), "body": {}},
            {"method": "DELETE", "path": format!("/api/v1/milestones/{milestone}"), "body": {}},
        ]),
    )
    .await;
    res.expect(422);
    assert_eq!(
        pointers(&res),
        [
            "/operations/0/path",
            "/operations/1/path",
            "/operations/2/path",
            "/operations/3/path",
            "/operations/4/method",
            "/operations/5/body"
        ]
    );
    let res = batch(
        &app,
        Role::Admin,
        json!([{"method": "GET", "path": "/api/v1/plans"}]),
    )
    .await;
    res.expect(422);
    // An undocumented query parameter is the operation's 400.
    let res = batch(
        &app,
        Role::Admin,
        json!([{"method": "POST", "path": "/api/v1/organisations?dry=1", "body": {"code": "Q1", "name": "q", "kind": "school"}}]),
    )
    .await;
    res.expect(400);
    assert_eq!(res.body["operation_index"], 0);

    // A contributor may batch its own organisation's reports, not another's.
    let update = json!([{"method": "POST", "path": format!("/api/v1/milestones/{milestone}/updates"), "body": {"period": "FY2009-10-Q2", "status": "on_track"}}]);
    let res = app
        .post("/api/v1/batch")
        .with_role_at(Role::Contributor, "PCT")
        .json(&json!({ "operations": update }))
        .send()
        .await;
    res.expect(403);
    assert_eq!(res.body["operation_index"], 0);
    let lead = app
        .get(&format!("/api/v1/milestones/{milestone}"))
        .with_role(Role::Viewer)
        .send()
        .await
        .body["lead_organisation"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post("/api/v1/batch")
        .with_role_at(Role::Contributor, &lead)
        .json(&json!({ "operations": update }))
        .send()
        .await;
    res.expect(200);
    batch(&app, Role::Viewer, update.clone()).await.expect(403);
    app.post("/api/v1/batch")
        .json(&json!({ "operations": update }))
        .send()
        .await
        .expect(401);
}

#[actix_web::test]
async fn a_deliverable_that_becomes_overdue_is_announced_once() {
    let receiver = Receiver::start(0);
    let app = app_with_worker(|_| {}).await;
    subscribe(&app, &receiver.url(), &["deliverable.overdue"]).await;
    let yesterday = trustplan::domain::deliverable::today() - chrono::Duration::days(1);
    let res = app
        .post("/api/v1/milestones")
        .with_role(Role::Admin)
        .json(&json!({
            "objective_id": demo_id("objective", "SS1"),
            "code": "SS1-LATE-1",
            "title": "A milestone due yesterday",
            "financial_year": "FY2011-12",
            "sequence": 9,
            "due_on": yesterday.to_string(),
            "lead_organisation_id": demo_id("organisation", "HBC-SS"),
        }))
        .send()
        .await;
    res.expect(201);
    let is_late = |r: &Received| r.json()["data"]["code"] == "SS1-LATE-1";
    receiver
        .wait_for("the overdue event", |got| got.iter().any(is_late))
        .await;
    // Several sweeps later, still once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let late: Vec<Received> = receiver.received().into_iter().filter(is_late).collect();
    assert_eq!(late.len(), 1);
    late[0].check_against_spec();
    let data = &late[0].json()["data"];
    assert_eq!(data["entity_type"], "milestone");
    assert_eq!(data["entity_id"], res.body["id"]);
    assert_eq!(data["due_on"], yesterday.to_string());
    assert_eq!(data["status"], "not_started");
}

#[actix_web::test]
async fn a_value_or_target_that_turns_an_indicator_red_is_announced() {
    let receiver = Receiver::start(0);
    let app = app_with_worker(|_| {}).await;
    subscribe(&app, &receiver.url(), &["indicator.turned_red"]).await;
    let res = app
        .post("/api/v1/indicators")
        .with_role(Role::Admin)
        .json(&json!({
            "ref": "TEST1", "kind": "local", "title": "Reviews held on time",
            "unit": "percent", "decimals": 1, "polarity": "higher_is_better",
            "aggregation": "point_in_time", "tolerance": {"kind": "percent", "value": 5},
            "frequency": "annual", "key": false, "laa": false,
            "lead_organisation_id": demo_id("organisation", "HBC-SS"),
        }))
        .send()
        .await;
    res.expect(201);
    let id = res.body["id"].as_str().unwrap().to_string();
    let put = |what: &str, value: f64| {
        app.req(
            actix_web::http::Method::PUT,
            &format!("/api/v1/indicators/{id}/{what}/FY2009-10"),
        )
        .with_role(Role::Admin)
        .json(&json!({ "value": value }))
    };
    put("targets", 80.0).send().await;
    put("values/area", 85.0).send().await; // green
    put("values/area", 50.0).send().await; // red: announced
    put("values/area", 40.0).send().await; // still red: not again
    put("values/area", 90.0).send().await; // green
    put("targets", 95.0).send().await; // red through the target: announced
    receiver
        .wait_for("two turns to red", |got| got.len() >= 2)
        .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let got = receiver.received();
    assert_eq!(
        got.len(),
        2,
        "{:?}",
        got.iter().map(Received::json).collect::<Vec<_>>()
    );
    for r in &got {
        r.check_against_spec();
    }
    let first = got[0].json();
    assert_eq!(first["data"]["indicator_id"], id);
    assert_eq!(first["data"]["previous_rag"], "green");
    assert_eq!(first["data"]["performance"]["rag"], "red");
    assert_eq!(first["data"]["performance"]["actual"], 50.0);
    let second = got[1].json();
    assert_eq!(second["data"]["performance"]["actual"], 90.0);
    assert_eq!(second["data"]["performance"]["target_used"], 95.0);
}
