//! "No update is ever lost" (API.md, Writes): `PATCH` and `DELETE` require
//! `If-Match` (428 without it, 412 when stale), every other write that
//! documents `If-Match` refuses a stale one, and writes racing with the same
//! `ETag` let exactly one through.
//!
//! Every check runs on a real record of the demo data, found by listing its
//! collection (nested paths are built from real parents), so that a 404 can
//! never pass for a precondition.

use actix_web::http::Method;
use futures_util::future::join_all;
use serde_json::{json, Value};
use trustplan::web::auth::Role;

use super::{items, operations, real_paths, seed_missing_records, Op};
use crate::helpers::{Res, TestApp};

/// An `ETag` no demo record has.
const STALE: &str = "\"999999\"";

/// The operation sent as an admin at `path`, with its example body and the
/// given `If-Match` (none for `None`).
async fn send(app: &TestApp, op: &Op, path: &str, if_match: Option<&str>) -> Res {
    let mut req = app.req(op.method.clone(), path).with_role(Role::Admin);
    if let Some((media, body)) = op.example_body() {
        req = req.raw(&media, body);
    }
    if let Some(tag) = if_match {
        req = req.if_match(tag);
    }
    req.send().await
}

fn short(text: &str) -> String {
    text.chars().take(300).collect()
}

fn is_patch_or_delete(op: &Op) -> bool {
    op.method == Method::PATCH || op.method == Method::DELETE
}

/// The document says what the server must do: every `PATCH` and `DELETE`
/// takes a required `If-Match` and documents 412 and 428.
#[test]
fn every_patch_and_delete_documents_a_required_if_match() {
    let mut failures = Vec::new();
    for op in operations().iter().filter(|o| is_patch_or_delete(o)) {
        if op.if_match() != Some(true) {
            failures.push(format!(
                "{}: If-Match is {}",
                op.at(),
                match op.if_match() {
                    Some(_) => "optional",
                    None => "not documented",
                }
            ));
        }
        for status in ["412", "428"] {
            if op.op["responses"].get(status).is_none() {
                failures.push(format!("{}: {status} is not documented", op.at()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every `PATCH` and `DELETE` of the document, on real records: a stale
/// `If-Match` is a 412 and a missing one a 428. The stale check comes first
/// and, where there are two records, the missing check uses the other one,
/// so that a server that wrongly accepts one does not spoil the other.
#[actix_web::test]
async fn patch_and_delete_refuse_a_missing_or_stale_if_match_on_real_records() {
    let app = TestApp::spawn_with_demo().await;
    seed_missing_records(&app).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for op in operations().iter().filter(|o| is_patch_or_delete(o)) {
        let paths = real_paths(&app, &op.template, 2).await;
        let (Some(first), Some(last)) = (paths.first(), paths.last()) else {
            failures.push(format!(
                "{}: no real record found to test on (teach contract::real_paths or seed one)",
                op.at()
            ));
            continue;
        };
        for (path, if_match, want) in [(first, Some(STALE), 412), (last, None, 428)] {
            let res = send(&app, op, path, if_match).await;
            checked += 1;
            if res.status != want {
                failures.push(format!(
                    "{} at {path} with If-Match {}: got {}, want {want}; {}",
                    op.at(),
                    if_match.unwrap_or("missing"),
                    res.status,
                    short(&res.text)
                ));
            }
        }
    }
    assert!(checked >= 40, "only {checked} checks ran");
    assert!(
        failures.is_empty(),
        "{} of {checked} If-Match checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every other operation that documents `If-Match` (`PUT` of values,
/// targets and commentary, `POST .../restore`, `POST .../updates`) answers a
/// stale one with 412 on a real record. A record to restore is archived
/// first (`DELETE` with `If-Match: *`), so the 412 is not a 409 in disguise.
#[actix_web::test]
async fn every_other_if_match_refuses_a_stale_one_on_real_records() {
    let app = TestApp::spawn_with_demo().await;
    seed_missing_records(&app).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    // Restores last, as each archives a record for a while.
    let mut ops: Vec<&Op> = operations()
        .iter()
        .filter(|o| !is_patch_or_delete(o) && o.if_match().is_some())
        .collect();
    ops.sort_by_key(|o| o.template.ends_with("/restore"));
    for op in ops {
        let Some(path) = real_paths(&app, &op.template, 1).await.pop() else {
            failures.push(format!(
                "{}: no real record found to test on (teach contract::real_paths or seed one)",
                op.at()
            ));
            continue;
        };
        if let Some(record) = path.strip_suffix("/restore") {
            let archived = app
                .delete(record)
                .with_role(Role::Admin)
                .if_match("*")
                .send()
                .await;
            if archived.status != 200 {
                failures.push(format!(
                    "{}: archiving {record} to restore it answered {}; {}",
                    op.at(),
                    archived.status,
                    short(&archived.text)
                ));
                continue;
            }
        }
        let res = send(&app, op, &path, Some(STALE)).await;
        checked += 1;
        if res.status != 412 {
            failures.push(format!(
                "{} at {path} with a stale If-Match: got {}, want 412; {}",
                op.at(),
                res.status,
                short(&res.text)
            ));
        }
        if path.ends_with("/restore") && res.status != 200 {
            // Leave the record live for the operations after this one.
            let restored = send(&app, op, &path, Some("*")).await;
            assert_eq!(restored.status, 200, "restoring {path}: {}", restored.text);
        }
    }
    assert!(checked >= 15, "only {checked} checks ran");
    assert!(
        failures.is_empty(),
        "{} of {checked} stale If-Match checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ------------------------------------------------------------- races

/// How many writers race with the same `ETag`.
const RACERS: usize = 40;

/// How many races are run one after the other: a lost update needs two
/// writers inside each other's read-then-write window, which one race may
/// not hit.
const ROUNDS: usize = 5;

/// The listed item at `list` for which `pick` holds, as an admin.
async fn listed(app: &TestApp, list: &str, pick: impl Fn(&Value) -> bool) -> Option<Value> {
    let res = app.get(list).with_role(Role::Admin).send().await;
    res.expect(200);
    items(&res).into_iter().find(|i| pick(i))
}

/// The first real record of `template`, among the first `candidates`,
/// whose path `accept`s.
async fn real_path(
    app: &TestApp,
    template: &str,
    candidates: usize,
    accept: impl Fn(&str) -> bool,
) -> String {
    real_paths(app, template, candidates)
        .await
        .into_iter()
        .find(|p| accept(p))
        .unwrap_or_else(|| panic!("no real record of {template}"))
}

/// Runs [`ROUNDS`] races at `path`, each of [`RACERS`] concurrent `PUT`s
/// with `If-Match` the record's current `ETag` and each with its own body:
/// in every round exactly one may succeed, the rest must be 412, and the
/// record must move on by exactly one version.
async fn races<F: std::future::Future<Output = i64>>(
    app: &TestApp,
    path: &str,
    body: impl Fn(usize) -> Value,
    version_now: impl Fn() -> F,
) {
    let mut rounds = Vec::new();
    let mut lost = false;
    for round in 0..ROUNDS {
        let version = version_now().await;
        let etag = format!("\"{version}\"");
        let answers = join_all((0..RACERS).map(|i| {
            app.req(Method::PUT, path)
                .with_role(Role::Editor)
                .if_match(&etag)
                .json(&body(round * RACERS + i))
                .send()
        }))
        .await;
        let ok = answers
            .iter()
            .filter(|r| (200..300).contains(&r.status))
            .count();
        let stale = answers.iter().filter(|r| r.status == 412).count();
        let others: Vec<u16> = answers
            .iter()
            .map(|r| r.status)
            .filter(|s| !(200..300).contains(s) && *s != 412)
            .collect();
        let after = version_now().await;
        lost |= ok != 1 || stale != RACERS - 1 || after != version + 1;
        rounds.push(format!(
            "round {round}: If-Match {etag}: {ok} succeeded, {stale} were 412, others {others:?}; \
             version {version} -> {after}"
        ));
    }
    assert!(
        !lost,
        "{RACERS} concurrent PUT {path} with one ETag must let exactly one through (the rest \
         412, the version +1):\n{}",
        rounds.join("\n")
    );
}

/// The current `version` of the item `pick` finds at `list`.
async fn version_in(app: &TestApp, list: String, pick: impl Fn(&Value) -> bool) -> i64 {
    listed(app, &list, pick)
        .await
        .and_then(|i| i["version"].as_i64())
        .unwrap_or_else(|| panic!("no version at {list}"))
}

fn has_period(item: &Value, period: &str) -> bool {
    item["period"]["code"] == period
}

#[actix_web::test]
async fn concurrent_value_puts_with_one_etag_let_exactly_one_through() {
    let app = TestApp::spawn_with_demo().await;
    let path = real_path(
        &app,
        "/api/v1/indicators/{id}/values/{series}/{period}",
        200,
        |p| p.contains("/values/area/"),
    )
    .await;
    // The values list has no single-value GET: the version comes from the
    // indicator's list of values.
    let (list, period) = path.rsplit_once("/area/").expect("an area value");
    let list = format!("{list}?limit=500");
    let now = || {
        version_in(&app, list.clone(), |i| {
            i["series"] == "area" && i["breakdown"].is_null() && has_period(i, period)
        })
    };
    races(&app, &path, |i| json!({"value": 10 + i % 80}), now).await;
}

#[actix_web::test]
async fn concurrent_target_puts_with_one_etag_let_exactly_one_through() {
    let app = TestApp::spawn_with_demo().await;
    let path = real_path(&app, "/api/v1/indicators/{id}/targets/{period}", 1, |_| {
        true
    })
    .await;
    let (list, period) = path.rsplit_once('/').expect("a period");
    let list = format!("{list}?limit=500");
    let now = || version_in(&app, list.clone(), |i| has_period(i, period));
    races(&app, &path, |i| json!({"value": 10 + i % 80}), now).await;
}

#[actix_web::test]
async fn concurrent_commentary_puts_with_one_etag_let_exactly_one_through() {
    let app = TestApp::spawn_with_demo().await;
    seed_missing_records(&app).await;
    let path = real_path(
        &app,
        "/api/v1/indicators/{id}/commentary/{period}",
        1,
        |_| true,
    )
    .await;
    let (list, period) = path.rsplit_once('/').expect("a period");
    let list = format!("{list}?limit=500");
    let now = || version_in(&app, list.clone(), |i| has_period(i, period));
    races(
        &app,
        &path,
        |i| json!({"overview": format!("Written by racer {i}.")}),
        now,
    )
    .await;
}
