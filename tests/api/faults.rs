//! The fault suite: what the service guarantees when things go wrong, each
//! provoked for real. Requests racing on one Idempotency-Key; an instance
//! killed in the middle of a request and the retry on another; SIGTERM
//! while an import and reads are in flight; the pool exhausted; a lock held
//! past the lock timeout; the database terminating the service's
//! connections under load. (A PostgreSQL restart under load needs the
//! server itself, so it is `scripts/fault-restart.sh`, not a test.)
//!
//! The binary under test is the one cargo built for this run
//! (`CARGO_BIN_EXE_trustplan`), served on a port of its own.

use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures_util::future::join_all;
use serde_json::json;
use trustplan::web::auth::Role;

use crate::binary::{client, send, Served};
use crate::helpers::{config_for, runtime_url, server_url, TestApp};

async fn owner(app: &TestApp) -> AsyncPgConnection {
    app.db().await
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<N>(conn)
        .await
        .unwrap()
        .n
}

/// Waits until `n` of the runtime role's statements wait on a lock. `conn`
/// must not be in a transaction: statistics are a snapshot per transaction.
async fn until_waiting_on_locks(conn: &mut AsyncPgConnection, n: i64) {
    let started = Instant::now();
    loop {
        let waiting = count(
            conn,
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND usename = 'trustplan_app' \
               AND wait_event_type = 'Lock'",
        )
        .await;
        if waiting >= n {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{waiting} of {n} requests reached the lock"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn concurrent_posts_with_one_idempotency_key_create_once_and_answer_alike() {
    let app = TestApp::spawn_with_demo().await;
    let body = json!({"code": "RACE", "name": "Raced", "kind": "other"});
    let answers = join_all((0..20).map(|_| {
        app.post("/api/v1/organisations")
            .with_role(Role::Admin)
            .header("idempotency-key", "one-key")
            .json(&body)
            .send()
    }))
    .await;
    let created: Vec<_> = answers.iter().filter(|r| r.status == 201).collect();
    for r in &answers {
        assert!(
            r.status == 201 || (r.status == 409 && r.problem() == "conflict"),
            "{} {}",
            r.status,
            r.text
        );
    }
    assert!(!created.is_empty());
    // Every 201 is the one creation, first or replayed.
    assert!(created.iter().all(|r| r.body == created[0].body));
    assert_eq!(
        created
            .iter()
            .filter(|r| r.header("idempotent-replayed").as_deref() == Some("false"))
            .count(),
        1
    );
    let mut conn = owner(&app).await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM organisations WHERE code = 'RACE'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM audit_log a JOIN organisations o ON o.id = a.entity_id \
             WHERE o.code = 'RACE'"
        )
        .await,
        1
    );
}

/// An instance dies while it holds an Idempotency-Key's claim (its request
/// is waiting on a lock): nothing of it is kept, and the retry on another
/// instance runs, once.
#[actix_web::test]
async fn a_retry_after_an_instance_died_mid_request_runs_on_another() {
    let app = TestApp::spawn_with_demo().await;
    let db = app.db_name.clone().unwrap();
    let mut a = Served::start(
        &db,
        &[
            ("DB_LOCK_TIMEOUT_MS", "60000"),
            ("DB_STATEMENT_TIMEOUT_MS", "120000"),
        ],
    )
    .await;
    let token = app.token(Role::Admin, "HBC");
    let body = json!({"code": "AFTER-CRASH", "name": "Survives", "kind": "other"});

    // Hold the organisations table so that A's create waits with its claim.
    let mut blocker = owner(&app).await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE organisations IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let request = client()
        .post(a.url("/api/v1/organisations"))
        .bearer_auth(&token)
        .insert_header(("idempotency-key", "crash-key"))
        .insert_header(("content-type", "application/json"))
        .send_body(serde_json::to_vec(&body).unwrap());
    let in_flight = actix_web::rt::spawn(request);
    until_waiting_on_locks(&mut owner(&app).await, 1).await;
    a.signal("-KILL");
    a.exit(Duration::from_secs(10)).await;
    assert!(in_flight.await.unwrap().is_err(), "A died before answering");
    blocker.batch_execute("COMMIT").await.unwrap();

    // Nothing of A's request is left: neither the record nor the claim.
    let mut conn = owner(&app).await;
    // The killed backend may take a moment to be noticed and rolled back.
    let started = Instant::now();
    while count(
        &mut conn,
        "SELECT count(*) AS n FROM idempotency_keys WHERE key = 'crash-key'",
    )
    .await
        > 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the claim outlived its instance"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM organisations WHERE code = 'AFTER-CRASH'"
        )
        .await,
        0
    );

    // The retry, on another instance, runs and is kept.
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "crash-key")
        .json(&body)
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.header("idempotent-replayed").as_deref(), Some("false"));
    let again = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "crash-key")
        .json(&body)
        .send()
        .await;
    again.expect(201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM organisations WHERE code = 'AFTER-CRASH'"
        )
        .await,
        1
    );
}

/// SIGTERM with a 20,000-row import and eight reads in flight (each held
/// on a lock, so that they are surely in flight): the service stops
/// accepting at once, finishes every one of them, then exits cleanly.
#[actix_web::test]
async fn sigterm_lets_an_import_and_reads_in_flight_finish_then_exits() {
    let app = TestApp::spawn_with_demo().await;
    let db = app.db_name.clone().unwrap();
    let mut served = Served::start(
        &db,
        &[
            ("DB_LOCK_TIMEOUT_MS", "60000"),
            ("DB_STATEMENT_TIMEOUT_MS", "120000"),
            ("SHUTDOWN_GRACE_SECONDS", "300"),
        ],
    )
    .await;
    let token = app.token(Role::Admin, "HBC");
    // One client for the test: a request needs its client alive until it
    // has connected.
    let http = client();

    // Connections opened on both workers first, so that a worker with
    // nothing in flight at SIGTERM has lent some to the one that has.
    join_all((0..8).map(|_| {
        send(
            http.get(served.url("/api/v1/plans?limit=1"))
                .bearer_auth(&token),
            None,
        )
    }))
    .await;

    let mut csv = String::from("indicator_ref,period,series,breakdown,value\n");
    for i in 0..20_000 {
        csv.push_str(&format!("NI59,FY2008-09-Q1,area,group {i},{}.5\n", i % 100));
    }
    let mut blocker = owner(&app).await;
    blocker
        .batch_execute(
            "BEGIN; LOCK TABLE indicator_values IN EXCLUSIVE MODE; \
             LOCK TABLE plans IN ACCESS EXCLUSIVE MODE",
        )
        .await
        .unwrap();
    let import = actix_web::rt::spawn(send(
        http.post(served.url("/api/v1/indicators/values/import"))
            .bearer_auth(&token),
        Some(("text/csv", csv.into_bytes())),
    ));
    let reads: Vec<_> = (0..8)
        .map(|_| {
            actix_web::rt::spawn(send(
                http.get(served.url("/api/v1/plans")).bearer_auth(&token),
                None,
            ))
        })
        .collect();
    until_waiting_on_locks(&mut owner(&app).await, 9).await;

    served.signal("-TERM");
    // It stops accepting at once...
    let started = Instant::now();
    loop {
        let refused = client()
            .get(served.url("/health/live"))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .is_err();
        if refused {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still accepting after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ...and what was in flight finishes once the locks are gone.
    tokio::time::sleep(Duration::from_secs(1)).await;
    blocker.batch_execute("COMMIT").await.unwrap();
    let (status, report) = import.await.unwrap();
    assert_eq!(status, 200, "the import in flight finished: {report}");
    for read in reads {
        let (status, body) = read.await.unwrap();
        assert_eq!(status, 200, "a read in flight finished: {body}");
    }
    assert!(served.exit(Duration::from_secs(60)).await.success());
    let mut conn = owner(&app).await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM indicator_values WHERE breakdown LIKE 'group %'"
        )
        .await,
        20_000
    );
}

#[actix_web::test]
async fn with_the_pool_exhausted_a_request_answers_503_with_retry_after_and_then_recovers() {
    let db = TestApp::spawn_with_demo().await;
    let mut config = config_for(runtime_url(db.db_name.as_ref().unwrap()));
    config.pool_size = 1;
    config.db_timeout = Duration::from_millis(300);
    let app = TestApp::serve(config);
    app.warm_up().await;
    let mut blocker = db.db().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE plans IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    // The one connection waits on the lock for this request...
    let held = app.get("/api/v1/plans").with_role(Role::Viewer).send();
    let other = async {
        until_waiting_on_locks(&mut db.db().await, 1).await;
        // ...so another has none.
        let res = app
            .get("/api/v1/organisations")
            .with_role(Role::Viewer)
            .send()
            .await;
        blocker.batch_execute("COMMIT").await.unwrap();
        res
    };
    let (held, other) = tokio::join!(held, other);
    other.expect(503);
    assert_eq!(other.problem(), "service_unavailable");
    assert!(other.header("retry-after").is_some());
    held.expect(200);
    app.get("/api/v1/organisations")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_lock_or_statement_held_past_its_timeout_answers_503_with_retry_after() {
    let db = TestApp::spawn_with_demo().await;
    let org = db.org_id("PCT").await;
    for (lock_ms, statement_ms) in [(300, 30_000), (30_000, 300)] {
        let mut config = config_for(runtime_url(db.db_name.as_ref().unwrap()));
        config.lock_timeout = Duration::from_millis(lock_ms);
        config.statement_timeout = Duration::from_millis(statement_ms);
        let app = TestApp::serve(config);
        let mut blocker = db.db().await;
        blocker
            .batch_execute(&format!(
                "BEGIN; SELECT 1 FROM organisations WHERE id = '{org}' FOR UPDATE"
            ))
            .await
            .unwrap();
        let started = Instant::now();
        let res = app
            .patch(&format!("/api/v1/organisations/{org}"))
            .with_role(Role::Admin)
            .if_match("*")
            .json(&json!({"name": "Renamed"}))
            .send()
            .await;
        res.expect(503);
        assert!(res.header("retry-after").is_some());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "it did not wait for the lock's holder"
        );
        blocker.batch_execute("ROLLBACK").await.unwrap();
        // With the lock gone the same request succeeds.
        app.patch(&format!("/api/v1/organisations/{org}"))
            .with_role(Role::Admin)
            .if_match("*")
            .json(&json!({"name": "Renamed"}))
            .send()
            .await
            .expect(200);
    }
}

/// The database terminates the service's connections (as an administrator,
/// or a restart, does) while requests run: every answer is a success or a
/// 503 with Retry-After, never a 500, and the service recovers by itself.
#[actix_web::test]
async fn connections_terminated_under_load_give_503s_never_500s_and_recover() {
    let app = TestApp::spawn_with_demo().await;
    let db = app.db_name.clone().unwrap();
    let mut killer = AsyncPgConnection::establish(&format!("{}/{db}", server_url()))
        .await
        .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = |i: usize| {
        let app = &app;
        let stop = stop.clone();
        async move {
            let mut statuses = Vec::new();
            let mut n = 0;
            while !std::sync::atomic::AtomicBool::load(&stop, std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let res = if i % 2 == 0 {
                    app.get("/api/v1/milestones?limit=20")
                        .with_role(Role::Viewer)
                        .send()
                        .await
                } else {
                    app.post("/api/v1/organisations")
                        .with_role(Role::Admin)
                        .json(
                            &json!({"code": format!("LOAD-{i}-{n}"), "name": "x", "kind": "other"}),
                        )
                        .send()
                        .await
                };
                if res.status == 503 {
                    assert!(res.header("retry-after").is_some(), "{}", res.text);
                }
                statuses.push((res.status, res.text));
            }
            statuses
        }
    };
    let terminate = async {
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            killer
                .batch_execute(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{db}' AND usename = 'trustplan_app'"
                ))
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let (results, ()) = tokio::join!(join_all((0..4).map(load)), terminate);
    let all: Vec<_> = results.into_iter().flatten().collect();
    let unexpected: Vec<_> = all
        .iter()
        .filter(|(s, _)| ![200, 201, 503].contains(s))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert!(all.len() > 20, "only {} requests ran", all.len());
    // Afterwards every request succeeds, with no restart of the service.
    for _ in 0..20 {
        app.get("/api/v1/milestones?limit=20")
            .with_role(Role::Viewer)
            .send()
            .await
            .expect(200);
    }
}

/// What SIGTERM did to a long import before: a connection's driver lived
/// on the actix worker that opened it, and a worker with nothing in flight
/// stops first, closing the connections it had lent to other workers' requests.
/// Here a connection is opened on a runtime that stops, as that worker did,
/// while another runtime's work holds it.
#[actix_web::test]
async fn a_pooled_connection_in_use_outlives_the_runtime_that_opened_it() {
    let app = TestApp::spawn().await;
    let mut config = config_for(runtime_url(app.db_name.as_ref().unwrap()));
    config.pool_size = 1;
    let state = std::sync::Arc::new(trustplan::AppState::new(config).unwrap());
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let (opened_tx, opened_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let opener = {
        let state = state.clone();
        std::thread::spawn(move || {
            let worker = runtime();
            worker.block_on(async {
                let mut conn = state.conn().await.unwrap();
                conn.batch_execute("SELECT 1").await.unwrap();
            });
            opened_tx.send(()).unwrap();
            stop_rx.recv().unwrap();
            drop(worker);
        })
    };
    let user = std::thread::spawn(move || {
        opened_rx.recv().unwrap();
        runtime().block_on(async {
            // The pool's one connection, opened on the other runtime...
            let mut conn = state.conn().await.unwrap();
            // ...which now stops.
            stop_tx.send(()).unwrap();
            opener.join().unwrap();
            conn.batch_execute("SELECT 1").await
        })
    });
    user.join()
        .unwrap()
        .expect("the connection still works after its opener's runtime stopped");
}
