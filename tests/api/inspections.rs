//! Inspections, their judgements and their recommendations: the demo's Joint
//! Area Review and APAs, filters, the role matrix, validation and history.

use actix_web::http::Method;
use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::{assert_refused_below, codes, id_of, pointers, Res, TestApp, ROLES};

fn actions_of(history: &Res) -> Vec<String> {
    history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn inspection_id(app: &TestApp, code: &str) -> String {
    id_of(app, &format!("/api/v1/inspections?code={code}")).await
}

async fn get(app: &TestApp, path: &str) -> Res {
    let res = app.get(path).with_role(Role::Viewer).counted().send().await;
    res.expect(200);
    res
}

#[actix_web::test]
async fn the_demo_has_the_joint_area_review_and_three_annual_assessments() {
    let app = &TestApp::spawn_with_demo().await;
    let res = get(app, "/api/v1/inspections").await;
    assert_eq!(
        codes(&res),
        ["APA-2006", "APA-2007", "APA-2008", "JAR-2008"]
    );
    let jar = &res.body["items"][3];
    assert_eq!(jar["kind"], "joint_area_review");
    assert_eq!(jar["published_on"], "2008-07-22");
    assert_eq!(jar["reference"], "876");
    assert_eq!(jar["inspectorates"].as_array().unwrap().len(), 7);
    assert_eq!(jar["inspectorates"][0], "Ofsted");
    assert_eq!(
        res.body["items"][0]["kind"],
        "annual_performance_assessment"
    );
    let res = get(
        app,
        "/api/v1/inspections?kind=annual_performance_assessment",
    )
    .await;
    assert_eq!(res.body["total"], 3);
    let res = get(app, "/api/v1/inspections?sort=-published_on&limit=2").await;
    assert_eq!(codes(&res), ["APA-2008", "JAR-2008"], "undated sort last");
    let res = get(app, "/api/v1/inspections?q=joint%20area").await;
    assert_eq!(codes(&res), ["JAR-2008"]);
}

#[actix_web::test]
async fn the_joint_area_review_has_its_grades_and_words() {
    let app = &TestApp::spawn_with_demo().await;
    let jar = inspection_id(app, "JAR-2008").await;
    let res = get(
        app,
        &format!("/api/v1/inspections/{jar}/judgements?limit=100"),
    )
    .await;
    assert_eq!(res.body["total"], 22);
    let items = res.body["items"].as_array().unwrap();
    let g1 = items.iter().find(|j| j["code"] == "JAR-G1").unwrap();
    assert_eq!(g1["area"], "Safeguarding");
    assert_eq!(g1["kind"], "graded_area");
    assert_eq!(g1["grade"], 4);
    assert_eq!(g1["label"], "outstanding");
    assert_eq!(g1["inspection_id"].as_str(), Some(jar.as_str()));
    let g2 = items.iter().find(|j| j["code"] == "JAR-G2").unwrap();
    assert_eq!(
        (g2["grade"].as_i64(), g2["label"].as_str()),
        (Some(3), Some("good"))
    );
    // An additional investigation is judged in words, without a number.
    let g6 = items.iter().find(|j| j["code"] == "JAR-G6").unwrap();
    assert_eq!(g6["kind"], "additional_investigation");
    assert!(g6["grade"].is_null());
    assert_eq!(g6["label"], "adequate");

    let graded = get(
        app,
        &format!("/api/v1/inspections/{jar}/judgements?kind=graded_area"),
    )
    .await;
    assert_eq!(
        codes(&graded),
        ["JAR-G1", "JAR-G2", "JAR-G3", "JAR-G4", "JAR-G5"]
    );
    let res = get(
        app,
        &format!("/api/v1/inspections/{jar}/judgements?kind=additional_investigation"),
    )
    .await;
    assert_eq!(codes(&res), ["JAR-G6", "JAR-G7"]);
    let res = get(
        app,
        &format!("/api/v1/inspections/{jar}/judgements?kind=graded_area&sort=-grade&limit=2"),
    )
    .await;
    assert!(res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|j| j["grade"] == 4));
    let res = get(
        app,
        &format!("/api/v1/inspections/{jar}/judgements?code=JAR-G5"),
    )
    .await;
    assert_eq!(res.body["items"][0]["area"], "Capacity to improve");
    app.get(&format!("/api/v1/inspections/{jar}/judgements?grade=4"))
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(400);
    app.get(&format!(
        "/api/v1/inspections/{jar}/judgements?kind=excellent"
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(400);

    // The APAs: 7 grades in 2008, 4 in 2007, 1 in 2006; 34 judgements in all.
    let mut total = 22;
    for (code, count) in [("APA-2008", 7), ("APA-2007", 4), ("APA-2006", 1)] {
        let id = inspection_id(app, code).await;
        let res = get(app, &format!("/api/v1/inspections/{id}/judgements")).await;
        assert_eq!(res.body["total"], count, "{code}");
        total += count;
    }
    assert_eq!(total, 34);
    let apa = inspection_id(app, "APA-2008").await;
    let res = get(
        app,
        &format!("/api/v1/inspections/{apa}/judgements?code=APA2008-6"),
    )
    .await;
    let j = &res.body["items"][0];
    assert_eq!(j["area"], "Achieving Economic Well-Being");
    assert_eq!(
        (j["grade"].as_i64(), j["label"].as_str()),
        (Some(2), Some("adequate"))
    );

    app.get(&format!(
        "/api/v1/inspections/{}/judgements",
        uuid::Uuid::now_v7()
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(404);
}

#[actix_web::test]
async fn the_demo_has_the_seven_recommendations_of_the_review() {
    let app = &TestApp::spawn_with_demo().await;
    let res = get(app, "/api/v1/recommendations").await;
    assert_eq!(res.body["total"], 7);
    assert_eq!(
        codes(&res),
        ["JAR-R1", "JAR-R2", "JAR-R3", "JAR-R4", "JAR-R5", "JAR-R6", "JAR-R7"]
    );
    let items = res.body["items"].as_array().unwrap();
    for r in items {
        let expected = if r["code"] == "JAR-R1" || r["code"] == "JAR-R2" {
            "immediate"
        } else {
            "within_six_months"
        };
        assert_eq!(r["timeframe"], expected, "{}", r["code"]);
        assert_eq!(r["inspection"]["code"], "JAR-2008");
        assert!(r["due_on"].is_null(), "the report sets no dates");
    }
    assert_eq!(items[0]["addressee"], "The local partnership");
    assert_eq!(items[6]["addressee"], "The PCT, the council and partners");
    assert!(items[1]["text"].as_str().unwrap().contains("care leavers"));
}

#[actix_web::test]
async fn recommendation_filters() {
    let app = &TestApp::spawn_with_demo().await;
    let list = |q: String| async move {
        app.get(&format!("/api/v1/recommendations?{q}"))
            .with_role(Role::Viewer)
            .counted()
            .send()
            .await
    };
    let jar = inspection_id(app, "JAR-2008").await;
    let apa = inspection_id(app, "APA-2008").await;
    assert_eq!(list(format!("inspection_id={jar}")).await.body["total"], 7);
    assert_eq!(list(format!("inspection_id={apa}")).await.body["total"], 0);
    assert_eq!(
        list(format!("inspection_id={apa},{jar}")).await.body["total"],
        7
    );
    list("inspection_id=JAR-2008".into()).await.expect(400);
    assert_eq!(
        codes(&list("timeframe=immediate".into()).await),
        ["JAR-R1", "JAR-R2"]
    );
    assert_eq!(
        list("timeframe=within_six_months".into()).await.body["total"],
        5
    );
    assert_eq!(
        list("timeframe=immediate,other".into()).await.body["total"],
        2
    );
    assert_eq!(list("timeframe=other".into()).await.body["total"], 0);
    list("timeframe=soon".into()).await.expect(400);
    assert_eq!(codes(&list("q=care%20leavers".into()).await), ["JAR-R2"]);
    assert_eq!(codes(&list("q=PCT".into()).await), ["JAR-R7"]);
    assert_eq!(
        codes(&list("timeframe=within_six_months&q=financial".into()).await),
        ["JAR-R6"]
    );
    assert_eq!(codes(&list("code=JAR-R4".into()).await), ["JAR-R4"]);
    assert_eq!(
        codes(&list("sort=-code&limit=2".into()).await),
        ["JAR-R7", "JAR-R6"]
    );
    let res = list("grade=4".into()).await;
    res.expect(400);
    list("sort=text".into()).await.expect(400);
}

#[actix_web::test]
async fn inspection_role_matrix_lifecycle_and_history() {
    let app = TestApp::spawn_with_demo().await;
    let body = json!({"code": "CA-2009", "kind": "corporate_assessment", "title": "Comprehensive Area Assessment 2009",
                      "inspectorates": ["Audit Commission", "Ofsted"], "published_on": "2009-12-09", "reference": "CAA/09"});
    assert_refused_below(
        &app,
        Method::POST,
        "/api/v1/inspections",
        Some(&body),
        Role::Editor,
    )
    .await;
    let res = app
        .post("/api/v1/inspections")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.etag(), "\"1\"");
    assert_eq!(
        res.body["inspectorates"],
        json!(["Audit Commission", "Ofsted"])
    );
    assert_eq!(res.body["version"], 1);
    let item = res.header("location").unwrap();
    assert_eq!(
        item,
        format!("/api/v1/inspections/{}", res.body["id"].as_str().unwrap())
    );
    app.post("/api/v1/inspections")
        .with_role(Role::Admin)
        .json(&body)
        .send()
        .await
        .expect(409);

    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
        app.get("/api/v1/inspections")
            .with_role(role)
            .send()
            .await
            .expect(200);
        app.get(&format!("{item}/history"))
            .with_role(role)
            .send()
            .await
            .expect(200);
    }
    app.get("/api/v1/inspections").send().await.expect(401);
    app.get(&item).send().await.expect(401);
    app.get(&format!("{item}/history")).send().await.expect(401);

    let patch = json!({"title": "Comprehensive Area Assessment", "reference": null});
    assert_refused_below(&app, Method::PATCH, &item, Some(&patch), Role::Editor).await;
    app.patch(&item)
        .with_role(Role::Editor)
        .json(&patch)
        .send()
        .await
        .expect(428);
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["title"], "Comprehensive Area Assessment");
    assert!(res.body["reference"].is_null());
    assert_eq!(res.etag(), "\"2\"");
    app.patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await
        .expect(412);
    // Another's code is a conflict.
    app.patch(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .json(&json!({"code": "JAR-2008"}))
        .send()
        .await
        .expect(409);

    assert_refused_below(&app, Method::DELETE, &item, None, Role::Editor).await;
    app.delete(&item)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(428);
    app.delete(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .send()
        .await
        .expect(412);
    let res = app
        .delete(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .send()
        .await;
    res.expect(200);
    assert!(!res.body["archived_at"].is_null());
    assert_eq!(
        get(&app, "/api/v1/inspections?code=CA-2009").await.body["total"],
        0
    );
    assert_eq!(
        get(
            &app,
            "/api/v1/inspections?code=CA-2009&include_archived=true"
        )
        .await
        .body["total"],
        1
    );
    app.get(&item)
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(200);
    let restore = format!("{item}/restore");
    assert_refused_below(&app, Method::POST, &restore, None, Role::Editor).await;
    let res = app.post(&restore).with_role(Role::Admin).send().await;
    res.expect(200);
    assert!(res.body["archived_at"].is_null());
    app.post(&restore)
        .with_role(Role::Admin)
        .send()
        .await
        .expect(409);

    let history = get(&app, &format!("{item}/history")).await;
    assert_eq!(
        actions_of(&history),
        ["create", "update", "archive", "restore"]
    );
    assert_eq!(history.body["items"][1]["before"]["reference"], "CAA/09");
    assert!(history.body["items"][1]["after"]["reference"].is_null());
    assert_eq!(history.body["items"][0]["actor_sub"], "test-editor-HBC");
}

#[actix_web::test]
async fn inspections_are_validated() {
    let app = TestApp::spawn_with_demo().await;
    let res = app
        .post("/api/v1/inspections")
        .with_role(Role::Editor)
        .json(&json!({"code": "bad code!", "kind": "regulatory", "title": " ", "inspectorates": ["Ofsted", ""],
                      "published_on": "1850-01-01"}))
        .send()
        .await;
    res.expect(422);
    let p = pointers(&res);
    for want in ["/code", "/title", "/inspectorates/1", "/published_on"] {
        assert!(p.iter().any(|x| x == want), "{want} in {p:?}");
    }
    let res = app
        .post("/api/v1/inspections")
        .with_role(Role::Editor)
        .json(&json!({"code": "X1", "kind": "ofsted_visit", "title": "x"}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(pointers(&res), ["/kind"]);
    let res = app
        .post("/api/v1/inspections")
        .with_role(Role::Editor)
        .json(&json!({"code": "X1", "kind": "regulatory", "title": "x", "grade": 4}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(pointers(&res), ["/grade"], "unknown fields are refused");
    let jar = inspection_id(&app, "JAR-2008").await;
    let item = format!("/api/v1/inspections/{jar}");
    for (patch, pointer) in [
        (json!({"title": null}), "/title"),
        (json!({"code": "a b "}), "/code"),
        (json!({"published_on": "2101-01-01"}), "/published_on"),
        (json!({"kind": null}), "/kind"),
    ] {
        let res = app
            .patch(&item)
            .with_role(Role::Editor)
            .if_match("\"1\"")
            .json(&patch)
            .send()
            .await;
        res.expect(422);
        assert_eq!(pointers(&res), [pointer], "{patch}");
    }
    assert_eq!(get(&app, &item).await.body["version"], 1, "nothing changed");
    app.patch(&format!("/api/v1/inspections/{}", uuid::Uuid::now_v7()))
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect(404);
}

#[actix_web::test]
async fn judgement_role_matrix_validation_and_history() {
    let app = TestApp::spawn_with_demo().await;
    let apa = inspection_id(&app, "APA-2008").await;
    let list = format!("/api/v1/inspections/{apa}/judgements");
    for role in ROLES {
        app.get(&list).with_role(role).send().await.expect(200);
    }
    app.get(&list).send().await.expect(401);

    let body = json!({"code": "APA2008-8", "area": "Services for care leavers", "kind": "sub_judgement", "grade": 3,
                      "summary": "Good support into work"});
    assert_refused_below(&app, Method::POST, &list, Some(&body), Role::Editor).await;
    let res = app
        .post(&list)
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.body["label"], "good", "the grade's word");
    assert_eq!(res.body["inspection_id"].as_str(), Some(apa.as_str()));
    let item = res.header("location").unwrap();
    assert!(item.starts_with("/api/v1/judgements/"));
    app.post(&list)
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await
        .expect(409);
    // A code is unique within its inspection only.
    let jar = inspection_id(&app, "JAR-2008").await;
    app.post(&format!("/api/v1/inspections/{jar}/judgements"))
        .with_role(Role::Admin)
        .json(&body)
        .send()
        .await
        .expect(201);
    // A word without a number, and a number with its own word.
    let res = app
        .post(&list)
        .with_role(Role::Editor)
        .json(&json!({"code": "APA2008-9", "area": "Partnership", "kind": "additional_investigation", "label": "outstanding"}))
        .send()
        .await;
    res.expect(201);
    assert!(res.body["grade"].is_null());
    assert_eq!(res.body["label"], "outstanding");
    app.post(&list)
        .with_role(Role::Editor)
        .json(&json!({"code": "APA2008-10", "area": "Partnership", "kind": "graded_area", "grade": 1, "label": "inadequate"}))
        .send()
        .await
        .expect(201);
    assert_eq!(get(&app, &list).await.body["total"], 10);

    for (bad, pointer) in [
        (
            json!({"code": "Z1", "area": "x", "kind": "graded_area", "grade": 5}),
            "/grade",
        ),
        (
            json!({"code": "Z1", "area": "x", "kind": "graded_area", "grade": 0}),
            "/grade",
        ),
        (
            json!({"code": "Z1", "area": "x", "kind": "graded_area"}),
            "/grade",
        ),
        (
            json!({"code": "Z1", "area": "x", "kind": "graded_area", "grade": 2, "label": "outstanding"}),
            "/label",
        ),
        (
            json!({"code": "Z1", "area": "x", "kind": "graded_area", "label": "excellent"}),
            "/label",
        ),
        (
            json!({"code": "Z1", "area": "x", "kind": "verdict", "grade": 2}),
            "/kind",
        ),
        (
            json!({"code": "-Z1", "area": "x", "kind": "graded_area", "grade": 2}),
            "/code",
        ),
        (
            json!({"code": "Z1", "area": "", "kind": "graded_area", "grade": 2}),
            "/area",
        ),
    ] {
        let res = app
            .post(&list)
            .with_role(Role::Editor)
            .json(&bad)
            .send()
            .await;
        res.expect(422);
        assert_eq!(pointers(&res), [pointer], "{bad}");
    }
    app.post(&format!(
        "/api/v1/inspections/{}/judgements",
        uuid::Uuid::now_v7()
    ))
    .with_role(Role::Editor)
    .json(&body)
    .send()
    .await
    .expect(404);

    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
    }
    app.get(&item).send().await.expect(401);
    app.get(&format!("/api/v1/judgements/{}", uuid::Uuid::now_v7()))
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(404);
    assert_refused_below(&app, Method::DELETE, &item, None, Role::Editor).await;
    app.delete(&item)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(428);
    app.delete(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .send()
        .await
        .expect(200);
    assert_eq!(get(&app, &list).await.body["total"], 9);
    assert_eq!(
        get(&app, &format!("{list}?include_archived=true"))
            .await
            .body["total"],
        10
    );
    assert_refused_below(
        &app,
        Method::POST,
        &format!("{item}/restore"),
        None,
        Role::Editor,
    )
    .await;
    app.post(&format!("{item}/restore"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(200);
    let history = get(&app, &format!("{item}/history")).await;
    assert_eq!(actions_of(&history), ["create", "archive", "restore"]);
    assert_eq!(history.body["items"][0]["after"]["grade"], 3);
}

#[actix_web::test]
async fn recommendation_role_matrix_validation_and_history() {
    let app = TestApp::spawn_with_demo().await;
    let jar = inspection_id(&app, "JAR-2008").await;
    let body = json!({"inspection_id": jar, "code": "JAR-R8", "text": "Review short breaks for disabled children",
                      "timeframe": "other", "addressee": "The council", "due_on": "2009-06-30"});
    assert_refused_below(
        &app,
        Method::POST,
        "/api/v1/recommendations",
        Some(&body),
        Role::Editor,
    )
    .await;
    let res = app
        .post("/api/v1/recommendations")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.body["inspection"]["code"], "JAR-2008");
    assert_eq!(res.body["timeframe"], "other");
    assert_eq!(res.body["due_on"], "2009-06-30");
    let item = res.header("location").unwrap();
    app.post("/api/v1/recommendations")
        .with_role(Role::Editor)
        .json(&body)
        .send()
        .await
        .expect(409);
    // The same code under another inspection is another recommendation.
    let apa = inspection_id(&app, "APA-2008").await;
    let mut other = body.clone();
    other["inspection_id"] = json!(apa);
    app.post("/api/v1/recommendations")
        .with_role(Role::Editor)
        .json(&other)
        .send()
        .await
        .expect(201);

    let res = app
        .post("/api/v1/recommendations")
        .with_role(Role::Editor)
        .json(
            &json!({"inspection_id": uuid::Uuid::now_v7(), "code": "R 9 ", "text": "  ",
                      "timeframe": "immediate", "due_on": "1989-12-31"}),
        )
        .send()
        .await;
    res.expect(422);
    assert_eq!(
        pointers(&res),
        ["/code", "/text", "/due_on", "/inspection_id"]
    );
    let res = app
        .post("/api/v1/recommendations")
        .with_role(Role::Editor)
        .json(&json!({"inspection_id": jar, "code": "JAR-R9", "text": "x", "timeframe": "within_a_year"}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(pointers(&res), ["/timeframe"]);

    for role in ROLES {
        app.get(&item).with_role(role).send().await.expect(200);
        app.get("/api/v1/recommendations")
            .with_role(role)
            .send()
            .await
            .expect(200);
    }
    app.get("/api/v1/recommendations").send().await.expect(401);
    app.get(&item).send().await.expect(401);

    let patch = json!({"timeframe": "within_six_months", "due_on": null});
    assert_refused_below(&app, Method::PATCH, &item, Some(&patch), Role::Editor).await;
    app.patch(&item)
        .with_role(Role::Editor)
        .json(&patch)
        .send()
        .await
        .expect(428);
    let res = app
        .patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["timeframe"], "within_six_months");
    assert!(res.body["due_on"].is_null());
    app.patch(&item)
        .with_role(Role::Editor)
        .if_match("\"1\"")
        .json(&patch)
        .send()
        .await
        .expect(412);
    for (bad, pointer) in [
        (json!({"timeframe": null}), "/timeframe"),
        (json!({"timeframe": "later"}), "/timeframe"),
        (json!({"due_on": "2100-12-31", "text": ""}), "/text"),
        (json!({"due_on": "2101-01-01"}), "/due_on"),
    ] {
        let res = app
            .patch(&item)
            .with_role(Role::Editor)
            .if_match("\"2\"")
            .json(&bad)
            .send()
            .await;
        res.expect(422);
        assert_eq!(pointers(&res), [pointer], "{bad}");
    }
    app.patch(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .json(&json!({"code": "JAR-R1"}))
        .send()
        .await
        .expect(409);

    assert_refused_below(&app, Method::DELETE, &item, None, Role::Editor).await;
    app.delete(&item)
        .with_role(Role::Editor)
        .send()
        .await
        .expect(428);
    app.delete(&item)
        .with_role(Role::Editor)
        .if_match("\"2\"")
        .send()
        .await
        .expect(200);
    assert_eq!(
        get(
            &app,
            &format!("/api/v1/recommendations?inspection_id={jar}")
        )
        .await
        .body["total"],
        7
    );
    assert_refused_below(
        &app,
        Method::POST,
        &format!("{item}/restore"),
        None,
        Role::Editor,
    )
    .await;
    app.post(&format!("{item}/restore"))
        .with_role(Role::Editor)
        .send()
        .await
        .expect(200);
    assert_eq!(
        get(
            &app,
            &format!("/api/v1/recommendations?inspection_id={jar}")
        )
        .await
        .body["total"],
        8
    );
    let history = get(&app, &format!("{item}/history")).await;
    assert_eq!(
        actions_of(&history),
        ["create", "update", "archive", "restore"]
    );
    assert_eq!(history.body["items"][1]["before"]["timeframe"], "other");
    assert_eq!(
        history.body["items"][1]["after"]["timeframe"],
        "within_six_months"
    );
}
