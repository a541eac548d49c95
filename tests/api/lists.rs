//! Lists: keyset pagination that neither skips nor repeats under inserts,
//! sorting, filters, and 400 for anything the list does not know.

use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::{codes, TestApp};

/// A new organisation; the first a test creates is the one it acts for.
async fn create(app: &TestApp, code: &str, kind: &str) -> serde_json::Value {
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": code, "name": format!("Name of {code}"), "kind": kind}))
        .send()
        .await;
    res.expect(201);
    if app.acting_org() == "HBC" {
        app.act_for(code);
    }
    res.body.clone()
}

#[actix_web::test]
async fn pages_neither_skip_nor_repeat_while_rows_are_inserted() {
    let app = TestApp::spawn().await;
    for code in ["B", "D", "F", "H", "J", "L", "N"] {
        create(&app, code, "other").await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/organisations?limit=3&sort=code".to_string();
    let mut page = 0;
    loop {
        let res = app.get(&path).with_role(Role::Viewer).send().await;
        res.expect(200);
        seen.extend(codes(&res));
        page += 1;
        if page == 1 {
            // One row lands before the cursor (not to be seen), one after (to be seen).
            create(&app, "A", "other").await;
            create(&app, "M", "other").await;
        }
        match res.body["next_cursor"].as_str() {
            Some(cursor) => {
                let link = res.header("link").expect("a Link header with a next page");
                assert!(link.contains("rel=\"next\""));
                let host = app.server.addr().to_string();
                assert!(
                    link.starts_with("<http://")
                        && link.contains(&format!(
                            ":{}/api/v1/organisations?",
                            host.rsplit(':').next().unwrap()
                        )),
                    "the next page's URL is absolute: {link}"
                );
                assert!(link.contains(cursor));
                path = format!("/api/v1/organisations?limit=3&sort=code&cursor={cursor}");
            }
            None => {
                assert!(res.header("link").is_none());
                break;
            }
        }
    }
    assert_eq!(seen, ["B", "D", "F", "H", "J", "L", "M", "N"]);
}

#[actix_web::test]
async fn descending_and_multi_field_sorts_page_consistently() {
    let app = TestApp::spawn().await;
    for (code, kind) in [
        ("A1", "council"),
        ("A2", "other"),
        ("B1", "council"),
        ("B2", "other"),
        ("C1", "council"),
    ] {
        create(&app, code, kind).await;
    }
    let res = app
        .get("/api/v1/organisations?sort=-code")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(codes(&res), ["C1", "B2", "B1", "A2", "A1"]);

    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/organisations?sort=kind,-code&limit=2&cursor={c}"),
            None => "/api/v1/organisations?sort=kind,-code&limit=2".into(),
        };
        let res = app
            .get(&path)
            .with_role(Role::Viewer)
            .counted()
            .send()
            .await;
        res.expect(200);
        assert_eq!(res.body["total"], 5);
        all.extend(codes(&res));
        cursor = res.body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(all, ["C1", "B1", "A1", "B2", "A2"]);
}

#[actix_web::test]
async fn filters_narrow_the_list_and_the_total() {
    let app = TestApp::spawn().await;
    let hbc = create(&app, "HBC", "council").await;
    create(&app, "PCT", "health_body").await;
    create(&app, "NCH", "health_body").await;
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(
            &json!({"code": "CYPD", "name": "Children and Young People Directorate",
                      "kind": "council_department", "parent_id": hbc["id"]}),
        )
        .send()
        .await;
    res.expect(201);

    let get = |q: &str| {
        app.get(&format!("/api/v1/organisations?{q}"))
            .with_role(Role::Viewer)
            .counted()
            .send()
    };
    let res = get("kind=health_body").await;
    assert_eq!(codes(&res), ["NCH", "PCT"]);
    assert_eq!(res.body["total"], 2);
    let res = get("kind=council,council_department").await;
    assert_eq!(codes(&res), ["CYPD", "HBC"]);
    let res = get("code=PCT,HBC").await;
    assert_eq!(codes(&res), ["HBC", "PCT"]);
    let res = get(&format!("parent_id={}", hbc["id"].as_str().unwrap())).await;
    assert_eq!(codes(&res), ["CYPD"]);
    let res = get("q=young%20people").await;
    assert_eq!(codes(&res), ["CYPD"]);
    let res = get("q=100%25").await;
    assert_eq!(res.body["total"], 0, "% is matched literally");
}

#[actix_web::test]
async fn anything_the_list_does_not_know_is_a_400() {
    let app = TestApp::spawn().await;
    create(&app, "A", "other").await;
    create(&app, "B", "other").await;
    for q in [
        "colour=red",
        "sort=colour",
        "sort=-",
        "limit=0",
        "limit=501",
        "limit=ten",
        "kind=spaceship",
        "parent_id=not-a-uuid",
        "include_archived=maybe",
        "cursor=not-a-cursor",
    ] {
        let res = app
            .get(&format!("/api/v1/organisations?{q}"))
            .with_role(Role::Viewer)
            .send()
            .await;
        res.expect(400);
        assert_eq!(res.problem(), "invalid_query", "{q}");
    }
    // A cursor belongs to its sort.
    let res = app
        .get("/api/v1/organisations?limit=1")
        .with_role(Role::Viewer)
        .send()
        .await;
    let cursor = res.body["next_cursor"].as_str().unwrap();
    app.get(&format!(
        "/api/v1/organisations?limit=1&sort=-code&cursor={cursor}"
    ))
    .with_role(Role::Viewer)
    .send()
    .await
    .expect(400);
}

#[actix_web::test]
async fn a_list_is_a_fixed_number_of_queries_whatever_its_length() {
    let app = TestApp::spawn().await;
    // The parent sorts last, so that the one-row page also embeds a parent.
    let parent = create(&app, "Z", "council").await;
    app.post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": "A", "name": "x", "kind": "other", "parent_id": parent["id"]}))
        .send()
        .await
        .expect(201);
    let count_for = |limit: usize| {
        let app = &app;
        async move {
            let before = app.queries();
            app.get(&format!("/api/v1/organisations?limit={limit}"))
                .with_role(Role::Viewer)
                .send()
                .await
                .expect(200);
            app.queries() - before
        }
    };
    let small = count_for(1).await;
    for i in 0..30 {
        app.post("/api/v1/organisations")
            .with_role(Role::Admin)
            .json(&json!({"code": format!("C{i:02}"), "name": "x", "kind": "other", "parent_id": parent["id"]}))
            .send()
            .await
            .expect(201);
    }
    let large = count_for(500).await;
    assert_eq!(small, large, "the same statements for 1 row as for 32");
    assert!(large <= 4, "pool check, count, page and parents: {large}");
}

/// Counting is on request, as PostgREST does it: without `Prefer` a list
/// runs no count and answers `total: null`; `count=exact` counts,
/// `count=planned` asks the planner; `Preference-Applied` says which.
#[actix_web::test]
async fn a_list_counts_only_when_asked_exactly_or_by_the_planner() {
    let app = TestApp::spawn_with_demo().await;
    app.warm_up().await;
    let statements = |prefer: Option<&'static str>| {
        let app = &app;
        async move {
            let before = app.queries();
            let mut req = app
                .get("/api/v1/milestones?limit=5")
                .with_role(Role::Viewer);
            if let Some(p) = prefer {
                req = req.header("prefer", p);
            }
            let res = req.send().await;
            res.expect(200);
            (res, app.queries() - before)
        }
    };
    let (plain, uncounted) = statements(None).await;
    assert!(plain.body["total"].is_null());
    assert!(plain.header("preference-applied").is_none());

    let (exact, counted) = statements(Some("count=exact")).await;
    assert_eq!(exact.body["total"], 45);
    assert_eq!(
        exact.header("preference-applied").as_deref(),
        Some("count=exact")
    );
    assert_eq!(counted, uncounted + 1, "one statement more: the count");

    let (planned, estimated) = statements(Some("return=minimal, count=planned")).await;
    assert!(
        planned.body["total"].as_i64().is_some_and(|n| n > 0),
        "{}",
        planned.text
    );
    assert_eq!(
        planned.header("preference-applied").as_deref(),
        Some("count=planned")
    );
    assert_eq!(estimated, uncounted + 1);
    assert_eq!(planned.body["items"], plain.body["items"]);

    // A preference the service does not know is ignored (RFC 7240).
    let (other, _) = statements(Some("count=none")).await;
    assert!(other.body["total"].is_null());
}
