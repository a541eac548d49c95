//! Indicators linked to objectives and priorities, on both sides, and their
//! computed status in a recommendation's trace.

use actix_web::http::Method;
use serde_json::{json, Value};
use trustplan::web::auth::Role;

use crate::helpers::{assert_refused_below, TestApp, ROLES};

async fn first(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).with_role(Role::Viewer).send().await;
    res.expect(200);
    res.body["items"][0].clone()
}

fn refs(res: &Value) -> Vec<String> {
    res["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ref"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn the_demo_links_indicators_to_their_objectives_and_priorities() {
    let app = TestApp::spawn_with_demo().await;
    let ss4 = first(&app, "/api/v1/objectives?code=SS4").await;
    let id = ss4["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/objectives/{id}/indicators?limit=100"))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    res.expect(200);
    assert!(refs(&res.body).contains(&"NI59".to_string()));
    assert_eq!(
        res.body["total"].as_u64().unwrap() as usize,
        ss4["indicator_ids"].as_array().unwrap().len()
    );

    let ni59 = first(&app, "/api/v1/indicators?ref=NI59").await;
    assert_eq!(ni59["objectives"][0]["code"], "SS4");
    let codes: Vec<&str> = ni59["priorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["AOF19", "CP3"]);

    let by_objective = app
        .get(&format!("/api/v1/indicators?objective_id={id}&limit=100"))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(refs(&by_objective.body), refs(&res.body));
    let aof19 = first(&app, "/api/v1/priorities?code=AOF19").await;
    let by_priority = app
        .get(&format!(
            "/api/v1/indicators?priority_id={}&limit=100",
            aof19["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert!(refs(&by_priority.body).contains(&"NI59".to_string()));
    assert!(
        !refs(&by_priority.body).contains(&"NI147".to_string()),
        "NI147 serves AOF14"
    );
    let report = app
        .get(&format!(
            "/api/v1/performance?period=FY2009-10&objective_id={id}"
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    report.expect(200);
    let ambition = first(&app, "/api/v1/priorities?code=CYPP09-A1").await;
    let outcomes = app
        .get(&format!(
            "/api/v1/indicators?priority_id={}&limit=100",
            ambition["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .counted()
        .send()
        .await;
    assert!(
        outcomes.body["total"].as_i64().unwrap() > 0,
        "outcome measures serve their ambition"
    );
}

#[actix_web::test]
async fn linking_and_unlinking_indicators() {
    let app = TestApp::spawn_with_demo().await;
    let ss1 = first(&app, "/api/v1/objectives?code=SS1").await;
    let ni59 = first(&app, "/api/v1/indicators?ref=NI59").await;
    let path = format!(
        "/api/v1/objectives/{}/indicators/{}",
        ss1["id"].as_str().unwrap(),
        ni59["id"].as_str().unwrap()
    );
    assert_refused_below(&app, Method::PUT, &path, None, Role::Editor).await;
    app.req(Method::PUT, &path)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(204);
    app.req(Method::PUT, &path)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(204);
    let ni59 = first(&app, "/api/v1/indicators?ref=NI59").await;
    let codes: Vec<&str> = ni59["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["SS1", "SS4"]);
    for role in ROLES {
        app.get(&format!(
            "/api/v1/objectives/{}/indicators",
            ss1["id"].as_str().unwrap()
        ))
        .with_role(role)
        .send()
        .await
        .expect(200);
    }
    assert_refused_below(&app, Method::DELETE, &path, None, Role::Editor).await;
    // Unlinking changes the objective: its If-Match is required and checked.
    app.delete(&path)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(428);
    app.delete(&path)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .send()
        .await
        .expect(412);
    let objective = app
        .get(&format!(
            "/api/v1/objectives/{}",
            ss1["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    app.delete(&path)
        .with_role(Role::Editor)
        .if_match(&objective.etag())
        .send()
        .await
        .expect(204);
    app.delete(&path)
        .with_role(Role::Editor)
        .if_match("*")
        .send()
        .await
        .expect(404);
    // The link is kept, not deleted: linking again brings it back.
    let res = app
        .get(&format!(
            "/api/v1/objectives/{}/indicators",
            ss1["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    assert!(res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["ref"] != "NI59"));
    let mut conn = app.db().await;
    let kept = diesel_async::RunQueryDsl::execute(
        diesel::sql_query("SELECT 1 FROM objective_indicators WHERE unlinked_at IS NOT NULL"),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(kept, 1, "the unlinked row stays for the record");
    let history = app
        .get(&format!(
            "/api/v1/objectives/{}/history",
            ss1["id"].as_str().unwrap()
        ))
        .with_role(Role::Viewer)
        .send()
        .await;
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["create", "link", "unlink"],
        "the repeated link changed nothing"
    );
    let bad = format!(
        "/api/v1/objectives/{}/indicators/{}",
        ss1["id"].as_str().unwrap(),
        uuid::Uuid::now_v7()
    );
    app.req(Method::PUT, &bad)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(404);
    app.get(&format!(
        "/api/v1/objectives/{}/indicators",
        uuid::Uuid::now_v7()
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(404);
}

#[actix_web::test]
async fn indicator_priority_links_are_written_and_validated() {
    let app = TestApp::spawn_with_demo().await;
    let cp3 = first(&app, "/api/v1/priorities?code=CP3").await;
    let res = app
        .post("/api/v1/indicators")
        .with_role(Role::Editor)
        .json(&json!({"ref": "SS LI99", "kind": "local", "title": "Test", "unit": "count", "polarity": "higher_is_better",
                      "priority_ids": [cp3["id"], uuid::Uuid::now_v7()]}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/priority_ids/1");
    let res = app
        .post("/api/v1/indicators")
        .with_role(Role::Editor)
        .json(&json!({"ref": "SS LI99", "kind": "local", "title": "Test", "unit": "count", "polarity": "higher_is_better",
                      "priority_ids": [cp3["id"]]}))
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.body["priorities"][0]["code"], "CP3");
    let item = res.header("location").unwrap();
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&json!({"priority_ids": []}))
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["priority_ids"], json!([]));
}

#[actix_web::test]
async fn a_red_indicator_turns_the_trace_red() {
    let app = TestApp::spawn_with_demo().await;
    let r2 = first(&app, "/api/v1/recommendations?code=JAR-R2").await;
    let trace_path = format!(
        "/api/v1/recommendations/{}/trace?as_of=2008-12-01",
        r2["id"].as_str().unwrap()
    );
    let trace = app.get(&trace_path).with_role(Role::Viewer).send().await;
    trace.expect(200);
    assert_eq!(trace.body["status"], "green", "{}", trace.body);
    let traced: Vec<&str> = trace.body["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["indicator"]["ref"].as_str().unwrap())
        .collect();
    assert!(
        traced.contains(&"NI147"),
        "SS1's indicators are traced: {traced:?}"
    );

    // NI147 (annual, target 80 for 2008/09) reports 10 for the year, which
    // had ended by the day the trace is asked for: red.
    let ni147 = first(&app, "/api/v1/indicators?ref=NI147").await;
    app.req(
        Method::PUT,
        &format!(
            "/api/v1/indicators/{}/values/area/FY2008-09",
            ni147["id"].as_str().unwrap()
        ),
    )
    .with_role(Role::Editor)
    .json(&json!({"value": 10}))
    .send()
    .await
    .expect(201);
    // As of December 2008 the year had not ended: its figure does not count.
    let trace = app.get(&trace_path).with_role(Role::Viewer).send().await;
    assert_eq!(trace.body["status"], "green", "{}", trace.body);
    let after_the_year = trace_path.replace("2008-12-01", "2009-04-01");
    let trace = app
        .get(&after_the_year)
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(trace.body["status"], "red");
    let ni = trace.body["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"]["ref"] == "NI147")
        .unwrap();
    assert_eq!(ni["performance"]["rag"], "red", "{ni}");
    assert_eq!(ni["performance"]["period"]["code"], "FY2008-09");
}
