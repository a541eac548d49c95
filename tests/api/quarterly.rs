//! The quarterly cycle end to end (issue 13) on the demo data: what each
//! organisation owes, cleared by contributors of two organisations; the
//! Q2 2009/10 monitoring report in JSON, CSV and HTML; sign-off freezing a
//! snapshot; the lock refusing a later edit and letting an admin's through
//! with a reason; the snapshot unchanged and the next one's diff showing
//! the edit; the board's summary; and the CYPP annual review.

use actix_web::http::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use trustplan::demo::demo_id;
use trustplan::web::auth::Role;

use crate::helpers::{Res, TestApp};

const Q2: &str = "FY2009-10-Q2";

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Clears one obligation the way its `clear_with` says, as a contributor
/// of `org`.
async fn clear(app: &TestApp, org: &str, item: &Value) -> Res {
    let how = item["clear_with"].as_str().unwrap();
    let (method, path) = how.split_once(' ').unwrap();
    let body = match item["kind"].as_str().unwrap() {
        "progress_update" => json!({"period": Q2, "status": "on_track",
                                    "commentary": format!("{} moving as planned.", item["code"].as_str().unwrap())}),
        "indicator_actual" => json!({"value": 3.0}),
        "risk_review" => json!({"current_score": 12, "mitigation_progress": "on_track",
                                "commentary": "Recruitment campaign under way."}),
        other => panic!("an obligation of kind {other}"),
    };
    let method = if method == "POST" {
        Method::POST
    } else {
        Method::PUT
    };
    app.req(method, path)
        .with_role_at(Role::Contributor, org)
        .json(&body)
        .send()
        .await
}

async fn mine(app: &TestApp, org: &str) -> Value {
    let res = app
        .get("/api/v1/me/obligations")
        .with_role_at(Role::Contributor, org)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["organisation"], org);
    res.body.clone()
}

/// Moves a demo record's lead to another organisation, as an editor.
async fn lead(app: &TestApp, collection: &str, id: String, org: &str) {
    let org_id = app.org_id(org).await;
    app.patch(&format!("/api/v1/{collection}/{id}"))
        .with_role(Role::Editor)
        .if_match("*")
        .raw(
            "application/merge-patch+json",
            json!({"lead_organisation_id": org_id}).to_string(),
        )
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_full_q2_cycle_from_obligations_to_a_signed_off_snapshot_and_its_diff() {
    let app = TestApp::spawn_with_demo().await;
    let plan = demo_id("plan", "SS-2009-12").to_string();
    // The partnership at work: Connexions leads a care leavers' milestone
    // and a quarterly indicator of the service plan.
    let milestone = demo_id("milestone", "SS1-0910-1").to_string();
    let indicator = demo_id("indicator", "NI59").to_string();
    lead(&app, "milestones", milestone.clone(), "CONNEXIONS").await;
    lead(&app, "indicators", indicator.clone(), "CONNEXIONS").await;
    let hook = app
        .post("/api/v1/webhooks")
        .with_role(Role::Admin)
        .json(&json!({"url": "https://partner.example/board", "events": ["report.signed_off"]}))
        .send()
        .await;
    hook.expect(201);
    let hook = hook.body["id"].as_str().unwrap().to_string();

    let cycle = app
        .post("/api/v1/reporting-cycles")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": plan, "period": Q2, "due_on": "2009-10-15"}))
        .send()
        .await;
    cycle.expect(201);
    let cycle = cycle.body["id"].as_str().unwrap().to_string();

    // What is owed, by organisation.
    let owed = app
        .get(&format!("/api/v1/reporting-cycles/{cycle}/obligations"))
        .with_role(Role::Viewer)
        .send()
        .await;
    owed.expect(200);
    let orgs: Vec<&str> = owed.body["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["organisation"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, ["CONNEXIONS", "HBC-SS"]);
    assert_eq!(owed.body["provided"], 0);
    assert_eq!(owed.body["completeness"], 0.0);
    let kinds: Vec<&str> = owed.body["organisations"][1]["outstanding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    for kind in ["progress_update", "indicator_actual", "risk_review"] {
        assert!(kinds.contains(&kind), "HBC-SS owes a {kind}: {kinds:?}");
    }

    // Connexions owes the milestone's update and the indicator's actual,
    // and clears both.
    let connexions = mine(&app, "CONNEXIONS").await;
    let cycles = connexions["cycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 1);
    let outstanding = cycles[0]["organisations"][0]["outstanding"]
        .as_array()
        .unwrap()
        .clone();
    let ids: Vec<&str> = outstanding
        .iter()
        .map(|o| o["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [milestone.as_str(), indicator.as_str()]);
    // Another organisation's contributor may not clear them.
    assert_eq!(clear(&app, "PCT", &outstanding[0]).await.status, 403);
    for item in &outstanding {
        let res = clear(&app, "CONNEXIONS", item).await;
        assert!(
            res.status == 201 || res.status == 200,
            "{item}: {} {}",
            res.status,
            res.text
        );
    }
    let connexions = mine(&app, "CONNEXIONS").await;
    let part = &connexions["cycles"][0]["organisations"][0];
    assert_eq!(part["completeness"], 100.0);
    assert_eq!(part["outstanding"], json!([]));

    // The service clears the rest: updates, actuals and risk reviews.
    let specialist = mine(&app, "HBC-SS").await;
    let items = specialist["cycles"][0]["organisations"][0]["outstanding"]
        .as_array()
        .unwrap()
        .clone();
    assert!(items.len() > 20, "{}", items.len());
    for item in &items {
        let res = clear(&app, "HBC-SS", item).await;
        assert!(
            res.status == 201 || res.status == 200,
            "{item}: {} {}",
            res.status,
            res.text
        );
    }
    assert_eq!(
        mine(&app, "HBC-SS").await["cycles"][0]["organisations"][0]["completeness"],
        100.0
    );
    let owed = app
        .get(&format!("/api/v1/reporting-cycles/{cycle}/obligations"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(owed.body["completeness"], 100.0);
    assert_eq!(owed.body["provided"], owed.body["expected"]);

    // The narrative, then the cycle closes.
    for (section, text) in [
        (
            "key_developments",
            "Six care leavers started apprenticeships.",
        ),
        (
            "emerging_issues",
            "Foster care demand is rising faster than recruitment.",
        ),
    ] {
        app.req(
            Method::PUT,
            &format!("/api/v1/plans/{plan}/narrative/{Q2}/{section}"),
        )
        .with_role(Role::Editor)
        .json(&json!({"text": text}))
        .send()
        .await
        .expect(201);
    }
    app.post(&format!("/api/v1/reporting-cycles/{cycle}/close"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(200);

    // The report, in three formats.
    let url = format!("/api/v1/reports/quarterly?plan_id={plan}&period={Q2}");
    let report = app.get(&url).with_role(Role::Viewer).send().await;
    report.expect(200);
    let r = &report.body;
    assert_eq!(r["report"], "quarterly");
    assert_eq!(r["as_of"], "2009-09-30");
    assert_eq!(
        r["key_developments"]["text"],
        "Six care leavers started apprenticeships."
    );
    let ss1 = &r["objectives"][0];
    assert_eq!(ss1["code"], "SS1");
    assert_eq!(ss1["update"]["status"], "on_track");
    let m = ss1["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == milestone.as_str())
        .unwrap();
    assert_eq!(m["lead"], "CONNEXIONS");
    assert_eq!(m["update"]["commentary"], "SS1-0910-1 moving as planned.");
    let ni59 = r["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ref"] == "NI59")
        .unwrap();
    assert_eq!(ni59["actual"], 3.0, "{ni59}");
    assert_eq!(ni59["period"], Q2);
    assert_eq!(ni59["lead"], "CONNEXIONS");
    assert_eq!(ni59["rag"], "red");
    assert!(r["exceptions"]["red"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["code"] == "NI59"));
    assert_eq!(r["high_risks"].as_array().unwrap().len(), 3);
    let risk = &r["high_risks"][0];
    assert_eq!(risk["review"]["current_score"], 12);
    // Reviewed at 12 against the register's residual 8: worse.
    assert_eq!(risk["review"]["trend"], "worsening");
    let equality: Vec<&str> = r["equality_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["update"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(equality, ["on_track"; 3]);
    assert_eq!(r["exceptions"]["not_submitted"], json!([]));
    assert_eq!(
        r["exceptions"]["missing"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["code"] == "NI59")
            .count(),
        0
    );

    let sections = app
        .get(&url)
        .with_role(Role::Viewer)
        .header("accept", "text/csv")
        .send()
        .await;
    sections.expect(200);
    assert!(sections
        .header("content-type")
        .unwrap()
        .starts_with("text/csv"));
    let ids: Vec<&str> = sections
        .text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let expected = [
        "key-developments",
        "emerging-issues",
        "objectives",
        "indicators",
        "high-risks",
        "equality-actions",
        "exceptions",
    ];
    assert_eq!(ids, expected);
    let csv = app
        .get(&format!("{url}&section=indicators"))
        .with_role(Role::Viewer)
        .header("accept", "text/csv")
        .send()
        .await;
    csv.expect(200);
    assert!(csv.text.starts_with("ref,title,lead,period,target,actual,"));
    assert!(
        csv.text
            .lines()
            .any(|l| l.starts_with("NI59,") && l.contains(",3,")),
        "{}",
        csv.text
    );
    app.get(&format!("{url}&section=nope"))
        .with_role(Role::Viewer)
        .header("accept", "text/csv")
        .send()
        .await
        .expect(400);
    let html = app
        .get(&url)
        .with_role(Role::Viewer)
        .header("accept", "text/html")
        .send()
        .await;
    html.expect(200);
    assert!(html
        .text
        .contains(&format!("data-sections=\"{}\"", expected.join(" "))));
    for id in expected {
        assert!(html
            .text
            .contains(&format!("<section data-section=\"{id}\"><h2>")));
    }
    assert!(html.text.contains("<svg"));
    assert!(html.text.contains("\u{2714}"));

    // Sign-off: admins only, of a closed cycle.
    let sign_off = format!("/api/v1/reporting-cycles/{cycle}/sign-off");
    app.post(&sign_off)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(403);
    let first = app.post(&sign_off).with_role(Role::Admin).send().await;
    first.expect(201);
    let first = first.body.clone();
    assert_eq!(first["report"], "quarterly");
    assert_eq!(first["period"]["code"], Q2);
    app.post(&sign_off)
        .with_role(Role::Admin)
        .send()
        .await
        .expect(409);
    let status = app
        .get(&format!("/api/v1/reporting-cycles/{cycle}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(status.body["status"], "signed_off");
    let content_url = first["content_url"].as_str().unwrap().to_string();
    let frozen = app.get(&content_url).with_role(Role::Viewer).send().await;
    frozen.expect(200);
    assert_eq!(
        hex(frozen.text.as_bytes()),
        first["sha256"].as_str().unwrap()
    );
    assert_eq!(
        frozen.header("etag").unwrap(),
        format!("\"{}\"", first["sha256"].as_str().unwrap())
    );
    let frozen_html = app
        .get(&content_url)
        .with_role(Role::Viewer)
        .header("accept", "text/html")
        .send()
        .await;
    frozen_html.expect(200);
    assert!(frozen_html.text.contains(first["sha256"].as_str().unwrap()));

    // After sign-off: the contributor's correction is refused, an admin's
    // goes through with its reason in the audit trail.
    let updates = app
        .get(&format!("/api/v1/milestones/{milestone}/updates"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let update = updates.body["items"][0]["id"].as_str().unwrap().to_string();
    let correct = |role: Role, org: &'static str, query: &'static str| {
        let path = format!("/api/v1/milestones/{milestone}/updates/{update}{query}");
        let app = &app;
        async move {
            app.patch(&path)
                .with_role_at(role, org)
                .if_match("*")
                .raw(
                    "application/merge-patch+json",
                    json!({"status": "at_risk", "commentary": "The officer left in September."})
                        .to_string(),
                )
                .send()
                .await
        }
    };
    let refused = correct(Role::Contributor, "CONNEXIONS", "").await;
    refused.expect(409);
    assert_eq!(refused.problem(), "period_locked");
    correct(
        Role::Admin,
        "HBC",
        "?reason=Connexions%20corrected%20its%20return",
    )
    .await
    .expect(200);
    let audit = app
        .get(&format!("/api/v1/audit?entity_id={update}"))
        .with_role(Role::Editor)
        .send()
        .await;
    audit.expect(200);
    assert!(
        audit.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["reason"] == "Connexions corrected its return"),
        "{}",
        audit.text
    );

    // The snapshot is as signed off, byte for byte; the live report moved.
    let again = app.get(&content_url).with_role(Role::Viewer).send().await;
    assert_eq!(again.text, frozen.text);
    let again_html = app
        .get(&content_url)
        .with_role(Role::Viewer)
        .header("accept", "text/html")
        .send()
        .await;
    assert_eq!(again_html.text, frozen_html.text);
    let live = app.get(&url).with_role(Role::Viewer).send().await;
    assert_ne!(
        live.body["objectives"][0]["milestones"],
        frozen.body["objectives"][0]["milestones"]
    );

    // Reopened, closed and signed off again: the diff shows the edit.
    app.post(&format!("/api/v1/reporting-cycles/{cycle}/reopen"))
        .with_role(Role::Admin)
        .json(&json!({"reason": "Connexions' correction goes to the board"}))
        .send()
        .await
        .expect(200);
    app.post(&format!("/api/v1/reporting-cycles/{cycle}/close"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(200);
    let second = app.post(&sign_off).with_role(Role::Admin).send().await;
    second.expect(201);
    let second_id = second.body["id"].as_str().unwrap();
    let first_id = first["id"].as_str().unwrap();
    assert_ne!(second.body["sha256"], first["sha256"]);
    let diff = app
        .get(&format!(
            "/api/v1/reports/snapshots/{second_id}/diff?against={first_id}"
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    diff.expect(200);
    let changes = diff.body["changes"].as_array().unwrap();
    let at = |path: &str| changes.iter().find(|c| c["path"] == path);
    let status = at("/objectives/SS1/milestones/SS1-0910-1/update/status")
        .unwrap_or_else(|| panic!("{}", diff.text));
    assert_eq!(status["before"], "on_track");
    assert_eq!(status["after"], "at_risk");
    assert!(at("/objectives/SS1/milestones/SS1-0910-1/update/commentary").is_some());
    assert!(
        changes
            .iter()
            .all(|c| !c["path"].as_str().unwrap().starts_with("/indicators")),
        "{}",
        diff.text
    );
    let listed = app
        .get(&format!("/api/v1/reports/snapshots?cycle_id={cycle}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let listed: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [second_id, first_id]);

    // Each sign-off is queued for the board's subscriber.
    let deliveries = app
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"))
        .with_role(Role::Admin)
        .send()
        .await;
    deliveries.expect(200);
    let events: Vec<&str> = deliveries.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["report.signed_off"; 2]);

    // The board's summary: Connexions' indicator counts toward it, the
    // service's toward the council.
    let summary = app
        .get(&format!(
            "/api/v1/performance/summary?period={Q2}&group_by=lead_organisation"
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    summary.expect(200);
    let group = |code: &str| {
        summary.body["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["code"] == code)
            .unwrap_or_else(|| panic!("a {code} group: {}", summary.text))
            .clone()
    };
    assert_eq!(group("CONNEXIONS")["direct_total"], 1);
    let (council, service) = (group("HBC"), group("HBC-SS"));
    assert!(council["total"].as_i64() >= service["total"].as_i64());
    assert_eq!(council["direct_total"], 0);
}

#[actix_web::test]
async fn the_annual_review_lists_every_promise_with_the_years_progress() {
    let app = TestApp::spawn_with_demo().await;
    let plan = demo_id("plan", "CYPP-2009-11").to_string();
    let p1 = demo_id("objective", "P1").to_string();
    // The Trust Board reports on its promise in two quarters.
    for (period, status) in [("FY2009-10-Q1", "on_track"), ("FY2009-10-Q3", "complete")] {
        let mut body =
            json!({"period": period, "status": status, "commentary": "Business plan agreed."});
        if status == "complete" {
            body["completed_on"] = json!("2009-11-30");
        }
        app.post(&format!("/api/v1/objectives/{p1}/updates"))
            .with_role_at(Role::Contributor, "CTB")
            .json(&body)
            .send()
            .await
            .expect(201);
    }
    // Another body's contributor may not report on it.
    app.post(&format!("/api/v1/objectives/{p1}/updates"))
        .with_role_at(Role::Contributor, "HSCB")
        .json(&json!({"period": "FY2009-10-Q1", "status": "on_track"}))
        .send()
        .await
        .expect(403);
    let objective = app
        .get(&format!("/api/v1/objectives/{p1}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(objective.body["status"], "complete");
    assert_eq!(objective.body["completed_on"], "2009-11-30");

    let url = format!("/api/v1/reports/annual?plan_id={plan}&year=FY2009-10");
    let review = app.get(&url).with_role(Role::Viewer).send().await;
    review.expect(200);
    let promises = review.body["promises"].as_array().unwrap();
    let codes: Vec<&str> = promises
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, (1..=14).map(|n| format!("P{n}")).collect::<Vec<_>>());
    assert_eq!(promises[0]["status"], "complete");
    let quarters: Vec<&str> = promises[0]["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["period"].as_str().unwrap())
        .collect();
    assert_eq!(quarters, ["FY2009-10-Q1", "FY2009-10-Q3"]);
    assert_eq!(review.body["year"]["code"], "FY2009-10");
    assert!(review.body["outcomes"].is_array());
    // The year before saw neither update.
    let before = app
        .get(&format!(
            "/api/v1/reports/annual?plan_id={plan}&year=FY2008-09"
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(before.body["promises"][0]["quarters"], json!([]));
    assert_eq!(before.body["promises"][0]["status"], "not_started");
    let html = app
        .get(&url)
        .with_role(Role::Viewer)
        .header("accept", "text/html")
        .send()
        .await;
    html.expect(200);
    assert!(html
        .text
        .contains("data-sections=\"achievements promises outcomes\""));
    // A year's cycle signs off the annual review; its snapshot answers it
    // (checked against the document like every answer).
    let cycle = app
        .post("/api/v1/reporting-cycles")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": plan, "period": "FY2009-10", "due_on": "2010-05-31"}))
        .send()
        .await;
    cycle.expect(201);
    let cycle = cycle.body["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/reporting-cycles/{cycle}/close"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(200);
    let snapshot = app
        .post(&format!("/api/v1/reporting-cycles/{cycle}/sign-off"))
        .with_role(Role::Admin)
        .send()
        .await;
    snapshot.expect(201);
    assert_eq!(snapshot.body["report"], "annual");
    let content = app
        .get(snapshot.body["content_url"].as_str().unwrap())
        .with_role(Role::Viewer)
        .send()
        .await;
    content.expect(200);
    assert_eq!(content.body["promises"].as_array().unwrap().len(), 14);
    assert_eq!(content.body["year"]["code"], "FY2009-10");
    // A quarter is not a year, nor a year a quarter.
    app.get(&format!(
        "/api/v1/reports/annual?plan_id={plan}&year=FY2009-10-Q1"
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(422);
    app.get(&format!(
        "/api/v1/reports/quarterly?plan_id={plan}&period=FY2009-10"
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(422);
    app.get(&format!(
        "/api/v1/reports/quarterly?plan_id={}&period=FY2009-10-Q1",
        uuid::Uuid::nil()
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(404);
}

#[actix_web::test]
async fn a_risk_review_tracks_its_score_quarter_on_quarter_and_is_locked_with_its_period() {
    let app = TestApp::spawn_with_demo().await;
    let risk = demo_id("risk", "RISK-1").to_string();
    let review = |period: &'static str, score: i64, org: &'static str| {
        let app = &app;
        let risk = risk.clone();
        async move {
            app.req(
                Method::PUT,
                &format!("/api/v1/risks/{risk}/reviews/{period}"),
            )
            .with_role_at(Role::Contributor, org)
            .json(&json!({"current_score": score, "mitigation_progress": "at_risk"}))
            .send()
            .await
        }
    };
    let q1 = review("FY2009-10-Q1", 9, "HBC-SS").await;
    q1.expect(201);
    // Against the register's residual score 8.
    assert_eq!(q1.body["trend"], "worsening");
    assert_eq!(q1.body["compared_with"], 8);
    let q2 = review("FY2009-10-Q2", 6, "HBC-SS").await;
    q2.expect(201);
    assert_eq!(q2.body["trend"], "improving");
    assert_eq!(q2.body["compared_with"], 9);
    assert_eq!(q2.body["current_band"], "medium");
    let again = review("FY2009-10-Q2", 6, "HBC-SS").await;
    again.expect(200);
    assert_eq!(again.body["version"], 2);
    assert_eq!(again.body["trend"], "improving");
    assert_eq!(review("FY2009-10-Q2", 6, "PCT").await.status, 403);
    assert_eq!(review("FY2009-10-Q2", 17, "HBC-SS").await.status, 422);
    assert_eq!(review("FY2009-10", 6, "HBC-SS").await.status, 422);
    let list = app
        .get(&format!("/api/v1/risks/{risk}/reviews"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let periods: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["FY2009-10-Q2", "FY2009-10-Q1"]);

    // A closed cycle of the objective's plan locks the quarter's review.
    let cycle = app
        .post("/api/v1/reporting-cycles")
        .with_role(Role::Editor)
        .json(&json!({"plan_id": demo_id("plan", "SS-2009-12"), "period": "FY2009-10-Q2", "due_on": "2009-10-15"}))
        .send()
        .await;
    let cycle = cycle.body["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/reporting-cycles/{cycle}/close"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(200);
    let locked = review("FY2009-10-Q2", 5, "HBC-SS").await;
    locked.expect(409);
    assert_eq!(locked.problem(), "period_locked");
    review("FY2009-10-Q1", 8, "HBC-SS").await.expect(200);
}
