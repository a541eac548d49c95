//! Bad input is a 4xx problem, never a 500: NUL characters anywhere, odd but
//! valid forms the contract allows (integral floats, lists of ETags), and the
//! order of checks (authentication before the Idempotency-Key's form).

use actix_web::http::Method;
use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::{organisation, TestApp};

#[actix_web::test]
async fn a_nul_character_is_refused_wherever_it_comes() {
    let app = TestApp::spawn_with_demo().await;
    for path in [
        "/api/v1/plans?q=a%00b",
        "/api/v1/organisations?code=a%00b",
        "/api/v1/indicators/values?breakdown=x%00",
    ] {
        let res = app.get(path).with_role(Role::Viewer).send().await;
        res.expect(400);
        assert_eq!(res.problem(), "invalid_query", "{path}");
    }
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": "NUL1", "name": "a\u{0}b", "kind": "council"}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/name");
    let res = app
        .post("/api/v1/auth/token")
        .json(&json!({"client_id": "sa_\u{0}", "client_secret": "x"}))
        .send()
        .await;
    res.expect(422);
    let res = app
        .post("/api/v1/indicators/values/import")
        .with_role(Role::Admin)
        .raw(
            "text/csv",
            "indicator_ref,period,series,value\nNI59,FY2009-10-Q1,area,90\u{0}\n",
        )
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/lines/2");
    // A token whose claims hold a NUL names nobody the audit trail can record.
    let keys = trustplan::web::auth::JwtKeys::from_config(&crate::helpers::jwt_config()).unwrap();
    let token = keys.mint("a\u{0}b", Role::Admin, "HBC", None, 600).unwrap();
    let res = app
        .post("/api/v1/organisations")
        .bearer(&token)
        .json(&json!({"code": "NUL2", "name": "x", "kind": "council"}))
        .send()
        .await;
    res.expect(401);
}

#[actix_web::test]
async fn a_whole_float_is_an_integer() {
    let app = TestApp::spawn_with_demo().await;
    let objective = app
        .get("/api/v1/objectives?code=SS1")
        .with_role(Role::Viewer)
        .send()
        .await;
    let id = objective.body["items"][0]["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/objectives/{id}/risks"))
        .with_role(Role::Editor)
        .json(&json!({"code": "RF1", "title": "Staffing", "risk_initial": 4.0, "risk_residual": 2}))
        .send()
        .await;
    res.expect(201);
    assert_eq!(res.body["risk_initial"], 4);
    let res = app
        .post(&format!("/api/v1/objectives/{id}/risks"))
        .with_role(Role::Editor)
        .json(&json!({"code": "RF2", "title": "Staffing", "risk_initial": 4.5}))
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.body["errors"][0]["pointer"], "/risk_initial");
}

#[actix_web::test]
async fn if_match_may_list_several_tags() {
    let app = TestApp::spawn().await;
    let (item, etag) = organisation(&app).await;
    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match(&format!("\"999\", {etag}"))
        .json(&json!({"name": "Renamed"}))
        .send()
        .await;
    res.expect(200);
    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match("\"999\", \"998\"")
        .json(&json!({"name": "Again"}))
        .send()
        .await;
    res.expect(412);
    // An empty If-Match names no tag: as good as none.
    let res = app
        .patch(&item)
        .with_role(Role::Admin)
        .if_match("")
        .json(&json!({"name": "Again"}))
        .send()
        .await;
    res.expect(428);
}

#[actix_web::test]
async fn sort_takes_exactly_the_documented_form() {
    let app = TestApp::spawn_with_demo().await;
    let res = app
        .get("/api/v1/organisations?sort=code,-code&limit=2")
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    let plain = app
        .get("/api/v1/organisations?sort=code&limit=2")
        .with_role(Role::Viewer)
        .send()
        .await;
    assert_eq!(
        res.body["items"], plain.body["items"],
        "the first mention decides"
    );
    app.get("/api/v1/organisations?sort=")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(400);
}

#[actix_web::test]
async fn the_idempotency_key_is_judged_after_authentication() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/api/v1/organisations")
        .header("idempotency-key", "has a space")
        .json(&json!({"code": "K1", "name": "x", "kind": "council"}))
        .send()
        .await;
    res.expect(401);
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .header("idempotency-key", "has a space")
        .json(&json!({"code": "K1", "name": "x", "kind": "council"}))
        .send()
        .await;
    res.expect(400);
}

#[actix_web::test]
async fn a_literal_path_that_also_fits_an_id_answers_405_not_400() {
    let app = TestApp::spawn().await;
    let res = app
        .req(Method::PATCH, "/api/v1/indicators/values")
        .with_role(Role::Admin)
        .json(&json!({}))
        .send()
        .await;
    res.expect(405);
    assert!(res.header("allow").unwrap().contains("GET"));
    // A malformed id on a method the path has is still a 400.
    app.get("/api/v1/indicators/not-a-uuid")
        .with_role(Role::Viewer)
        .send()
        .await
        .expect(400);
}

/// A 422 says what kind of refusal it is: a field of the wrong form
/// (`validation_failed`, which the OpenAPI document could have told the
/// client), an id that names no record (`unknown_reference`), or a rule
/// across fields or over time (`rule_violated`).
#[actix_web::test]
async fn a_422_names_the_kind_of_refusal() {
    let app = TestApp::spawn_with_demo().await;
    let owner = app.org_id("HBC").await;
    let post = |body: serde_json::Value| {
        let app = &app;
        async move {
            let res = app
                .post("/api/v1/plans")
                .with_role(Role::Editor)
                .json(&body)
                .send()
                .await;
            res.expect(422);
            res
        }
    };
    let res = post(json!({"code": "P1", "title": "Plan", "kind": "cypp",
        "owner_organisation_id": owner, "starts_on": "2011-04-01", "ends_on": "2010-03-31"}))
    .await;
    assert_eq!(res.problem(), "rule_violated");
    assert_eq!(res.body["errors"][0]["pointer"], "/ends_on");
    let res = post(json!({"code": "P1", "title": "Plan", "kind": "cypp",
        "owner_organisation_id": uuid::Uuid::now_v7(), "starts_on": "2009-04-01", "ends_on": "2010-03-31"}))
    .await;
    assert_eq!(res.problem(), "unknown_reference");
    assert_eq!(res.body["errors"][0]["pointer"], "/owner_organisation_id");
    // With a field of the wrong form too, the form comes first.
    let res = post(json!({"code": " P1", "title": "Plan", "kind": "cypp",
        "owner_organisation_id": uuid::Uuid::now_v7(), "starts_on": "2011-04-01", "ends_on": "2010-03-31"}))
    .await;
    assert_eq!(res.problem(), "validation_failed");
    assert_eq!(res.body["errors"].as_array().unwrap().len(), 3);
    // A period code of the right form that the calendar refuses is a rule.
    let res = app
        .get("/api/v1/indicators?period=FY2009-11")
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(422);
    assert_eq!(res.problem(), "rule_violated");
}

/// A cursor is the client's text: one that decodes but whose keys its sort
/// field's type cannot hold is a 400, not a cast that fails in SQL.
#[actix_web::test]
async fn a_cursor_whose_keys_do_not_fit_its_sort_is_a_400_on_every_collection() {
    use base64::Engine;
    let app = TestApp::spawn_with_demo().await;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let craft = |sort: &str, keys: Vec<serde_json::Value>| {
        let cursor = json!({"s": sort, "k": keys, "i": uuid::Uuid::now_v7()});
        b64.encode(serde_json::to_vec(&cursor).unwrap())
    };
    for (path, sort) in [
        ("/api/v1/milestones", "due_on"),
        ("/api/v1/plans", "starts_on"),
        ("/api/v1/priorities", "number"),
        ("/api/v1/organisations", "created_at"),
        ("/api/v1/indicators/values", "period"),
    ] {
        for key in ["not-a-value", "2009-13-45", "1e999"] {
            let cursor = craft(sort, vec![json!(key)]);
            let res = app
                .get(&format!("{path}?sort={sort}&cursor={cursor}"))
                .with_role(Role::Viewer)
                .send()
                .await;
            res.expect(400);
            assert_eq!(res.problem(), "invalid_query", "{path} {sort} {key}");
        }
    }
    // Every collection, under its own first page's cursor with every key
    // replaced: a 200 (the key fits, as any text fits a text field) or a
    // 400, never a 500.
    let spec = trustplan::openapi();
    for (template, item) in spec["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let takes_cursor = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["name"] == "cursor");
        if !takes_cursor || template.contains('{') {
            continue;
        }
        let first = app
            .get(&format!("{template}?limit=1"))
            .with_role(Role::Admin)
            .send()
            .await;
        let Some(next) = first.body["next_cursor"].as_str() else {
            continue;
        };
        let mut cursor: serde_json::Value =
            serde_json::from_slice(&b64.decode(next).unwrap()).unwrap();
        for key in cursor["k"].as_array_mut().unwrap() {
            *key = json!("not-a-value");
        }
        let crafted = b64.encode(serde_json::to_vec(&cursor).unwrap());
        let res = app
            .get(&format!("{template}?limit=1&cursor={crafted}"))
            .with_role(Role::Admin)
            .send()
            .await;
        assert!(
            res.status == 200 || res.status == 400,
            "{template}: {} {}",
            res.status,
            res.text
        );
    }
}

/// CSV: a quoted field that is never closed is a per-row 422 (the reader
/// would otherwise swallow every line after it), and an export never hands
/// a spreadsheet a formula.
#[actix_web::test]
async fn csv_refuses_an_unterminated_quote_and_neutralises_formulas_on_export() {
    let app = TestApp::spawn_with_demo().await;
    let res = app
        .post("/api/v1/indicators/values/import")
        .with_role(Role::Admin)
        .raw(
            "text/csv",
            "indicator_ref,period,series,value,note\n\
             NI59,FY2009-10-Q1,area,90,fine\n\
             NI59,FY2009-10-Q2,area,91,\"never closed\n\
             NI59,FY2009-10-Q3,area,92,swallowed\n",
        )
        .send()
        .await;
    res.expect(422);
    assert!(
        crate::helpers::pointers(&res).contains(&"/lines/3/".to_string()),
        "{}",
        res.text
    );

    let formulas = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\tTAB",
        "\rCR",
    ];
    // Stored through the JSON import, which keeps a cell's leading tab.
    let rows: Vec<serde_json::Value> = formulas
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({"indicator_ref": "NI59", "period": format!("FY2008-09-Q{}", 1 + i % 4),
                   "series": "area", "breakdown": f, "value": i as f64 + 0.5, "note": f})
        })
        .collect();
    let res = app
        .post("/api/v1/indicators/values/import")
        .with_role(Role::Admin)
        .json(&json!({"rows": rows}))
        .send()
        .await;
    res.expect(200);
    let filter = "indicator_ref=NI59&from=FY2008-09-Q1&to=FY2008-09-Q4";
    let export = app
        .get(&format!("/api/v1/indicators/values?{filter}"))
        .with_role(Role::Viewer)
        .header("accept", "text/csv")
        .send()
        .await;
    export.expect(200);
    let mut reader = csv::ReaderBuilder::new().from_reader(export.text.as_bytes());
    let mut seen = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let (breakdown, value, note) = (&record[3], &record[4], &record[5]);
        if breakdown.is_empty() {
            continue;
        }
        assert!(
            formulas.iter().any(|f| breakdown == format!("'{f}")),
            "{breakdown:?}"
        );
        assert_eq!(breakdown, note);
        // Numbers are written as numbers, never through the neutraliser.
        assert!(value.parse::<f64>().is_ok(), "{value}");
        seen += 1;
    }
    assert_eq!(seen, formulas.len());
    // The export imports back to the same text, not the apostrophe.
    let res = app
        .post("/api/v1/indicators/values/import?dry_run=true")
        .with_role(Role::Admin)
        .raw("text/csv", export.text.clone())
        .send()
        .await;
    res.expect(200);
    assert_eq!(res.body["errors"].as_array().map_or(0, Vec::len), 0);
    let values = app
        .get(&format!("/api/v1/indicators/values?{filter}&limit=500"))
        .with_role(Role::Viewer)
        .send()
        .await;
    let stored: Vec<&str> = values.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["breakdown"].as_str())
        .collect();
    assert_eq!(stored.len(), formulas.len());
    assert!(stored.iter().all(|b| formulas.contains(b)), "{stored:?}");
}
