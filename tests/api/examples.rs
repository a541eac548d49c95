//! Every request body in the OpenAPI document has an example, and every
//! example succeeds when sent against freshly loaded demo data, as an admin.
//! The demo records the examples name have fixed ids (`demo_id`).

use actix_web::http::Method;
use serde_json::{json, Value};
use trustplan::demo::demo_id;
use trustplan::web::auth::Role;

use crate::helpers::TestApp;

/// The demo record an operation's `{id}` names: its collection, its kind
/// (for `demo_id`) and its code. The examples in `src/examples.rs` say the
/// same beside each one.
fn target(operation_id: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match operation_id {
        "update_organisation" => ("organisations", "organisation", "HBC-SS"),
        "update_plan" => ("plans", "plan", "SS-2009-12"),
        "update_priority" => ("priorities", "priority", "AOF14"),
        "update_objective" => ("objectives", "objective", "SS1"),
        "create_objective_risk" => ("objectives", "objective", "SS2"),
        "update_risk" => ("risks", "risk", "RISK-1"),
        "update_milestone" => ("milestones", "milestone", "SS1-0910-2"),
        "create_milestone_update" => ("milestones", "milestone", "SS1-0910-1"),
        "update_inspection" | "create_judgement" => ("inspections", "inspection", "APA-2007"),
        "update_recommendation" => ("recommendations", "recommendation", "JAR-R3"),
        "update_improvement_area" => ("improvement-areas", "improvement_area", "IA02"),
        "update_improvement_action" => ("improvement-actions", "improvement_action", "IA01-A2"),
        "create_improvement_action_update" => {
            ("improvement-actions", "improvement_action", "IA01-A1")
        }
        "update_indicator" => ("indicators", "indicator", "NI59"),
        "put_narrative" => ("plans", "plan", "SS-2009-12"),
        "put_indicator_target"
        | "put_indicator_value"
        | "put_indicator_commentary"
        | "update_indicator_target"
        | "update_indicator_commentary" => ("indicators", "indicator", "NI60"),
        "update_milestone_update" => ("milestones", "milestone", "SS1-0910-1"),
        "create_objective_update" | "update_objective_update" => ("objectives", "objective", "SS1"),
        "put_risk_review" => ("risks", "risk", "RISK-1"),
        "update_improvement_action_update" => {
            ("improvement-actions", "improvement_action", "IA01-A1")
        }
        _ => return None,
    })
}

/// The other path parameters of an operation.
fn path_param(operation_id: &str, name: &str) -> Option<&'static str> {
    Some(match (operation_id, name) {
        ("put_indicator_target" | "update_indicator_target", "period") => "FY2012-13",
        ("update_indicator_commentary", "period") => "FY2009-10-Q1",
        ("put_indicator_value", "series") => "area",
        ("put_narrative", "period") => "FY2009-10-Q2",
        ("put_narrative", "section") => "key_developments",
        ("put_risk_review", "period") => "FY2009-10-Q2",
        ("put_indicator_value" | "put_indicator_commentary", "period") => "FY2009-10-Q1",
        _ => return None,
    })
}

/// What a correction's example corrects, written first on `path` (the
/// operation's path as far as filled): its id for the path's last segment
/// where it has one.
async fn seed(app: &TestApp, operation_id: &str, path: &str) -> Option<String> {
    let write = |method: Method, url: String, body: Value| async move {
        let res = app
            .req(method, &url)
            .with_role(Role::Admin)
            .json(&body)
            .send()
            .await;
        assert!(res.status < 300, "{url}: {} {}", res.status, res.text);
        res.body["id"].as_str().map(str::to_string)
    };
    match operation_id {
        "update_value" => {
            let ni60 = demo_record(app, "indicators", "indicator", "NI60").await;
            write(
                Method::PUT,
                format!("/api/v1/indicators/{ni60}/values/area/FY2009-10-Q2"),
                json!({"value": 90.0}),
            )
            .await
        }
        "update_milestone_update"
        | "update_improvement_action_update"
        | "update_objective_update" => {
            write(
                Method::POST,
                format!("{path}/updates"),
                json!({"period": "FY2009-10-Q2", "status": "on_track"}),
            )
            .await
        }
        "update_indicator_target" => {
            write(
                Method::PUT,
                format!("{path}/FY2012-13"),
                json!({"value": 93.5}),
            )
            .await;
            None
        }
        "update_indicator_commentary" => {
            write(
                Method::PUT,
                format!("{path}/FY2009-10-Q1"),
                json!({"overview": "Written first, to be corrected"}),
            )
            .await;
            None
        }
        _ => None,
    }
}

/// The demo record's id, looked up by its code, checked to be its `demo_id`.
async fn demo_record(app: &TestApp, collection: &str, kind: &str, code: &str) -> String {
    let res = app
        .get(&format!("/api/v1/{collection}?code={code}"))
        .with_role(Role::Viewer)
        .send()
        .await;
    res.expect(200);
    let items = res.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "one demo {kind} {code}: {}", res.text);
    let id = items[0]["id"].as_str().expect("an id").to_string();
    assert_eq!(
        id,
        demo_id(kind, code).to_string(),
        "the demo {kind} {code} has its fixed id"
    );
    id
}

/// Fills the path template of an operation.
async fn fill_path(app: &TestApp, operation_id: &str, template: &str) -> String {
    let mut path = String::new();
    for segment in template.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            // Subscriptions are not demo data: one is made to change.
            Some("id") if operation_id == "update_webhook" => {
                let res = app
                    .post("/api/v1/webhooks")
                    .with_role(Role::Admin)
                    .json(&json!({"url": "https://partner.example/hook", "events": ["record.created"]}))
                    .send()
                    .await;
                res.expect(201);
                path.push('/');
                path.push_str(res.body["id"].as_str().expect("an id"));
            }
            // A closed cycle to reopen (of another quarter than the
            // creation's example).
            Some("id") if operation_id == "reopen_reporting_cycle" => {
                let res = app
                    .post("/api/v1/reporting-cycles")
                    .with_role(Role::Admin)
                    .json(&json!({"plan_id": demo_id("plan", "SS-2009-12"), "period": "FY2009-10-Q3", "due_on": "2010-01-15"}))
                    .send()
                    .await;
                res.expect(201);
                let id = res.body["id"].as_str().expect("an id").to_string();
                app.post(&format!("/api/v1/reporting-cycles/{id}/close"))
                    .with_role(Role::Admin)
                    .send()
                    .await
                    .expect(200);
                path.push('/');
                path.push_str(&id);
            }
            Some("id") => {
                path.push('/');
                let (collection, kind, code) = target(operation_id)
                    .unwrap_or_else(|| panic!("{operation_id}: which demo record is {{id}}?"));
                path.push_str(&demo_record(app, collection, kind, code).await);
            }
            Some("value_id" | "update_id") => {
                let id = seed(app, operation_id, path.trim_end_matches("/updates"))
                    .await
                    .unwrap_or_else(|| panic!("{operation_id}: nothing seeded"));
                path.push('/');
                path.push_str(&id);
            }
            Some(name) => {
                if name == "period" {
                    seed(app, operation_id, &path).await;
                }
                path.push('/');
                path.push_str(
                    path_param(operation_id, name)
                        .unwrap_or_else(|| panic!("{operation_id}: no value for {{{name}}}")),
                )
            }
            None => {
                path.push('/');
                path.push_str(segment)
            }
        }
    }
    path
}

/// Whether the example validates against the media type's schema, so that
/// clients generated from the document can send it too.
pub fn check_schema(spec: &Value, schema: &Value, example: &Value) -> Result<(), String> {
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": spec["components"].clone(),
    });
    for (k, v) in schema.as_object().expect("a schema object") {
        root[k] = v.clone();
    }
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| format!("the schema does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(example)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[actix_web::test]
async fn every_request_body_has_an_example_that_succeeds_on_the_demo_data() {
    // One app for all examples: none depends on another (each names only
    // demo records, by their fixed ids, and creates its own codes), so each
    // meets the demo data as freshly loaded, apart from other examples'
    // additions it does not touch.
    let app = TestApp::spawn_with_demo().await;
    let spec = trustplan::openapi();
    let mut missing = Vec::new();
    let mut failures = Vec::new();
    let mut sent = 0;
    for (template, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(content) = op["requestBody"]["content"].as_object() else {
                continue;
            };
            let operation_id = op["operationId"].as_str().expect("an operationId");
            let if_match = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == "If-Match" && p["in"] == "header")
                .map(|p| p["required"] == true);
            for (media_type, media) in content {
                let where_ = format!("{operation_id} ({method} {template}, {media_type})");
                let Some(example) = media.get("example") else {
                    missing.push(where_);
                    continue;
                };
                if media_type.ends_with("json") {
                    if let Err(e) = check_schema(&spec, &media["schema"], example) {
                        failures.push(format!("{where_}: the example breaks its schema: {e}"));
                    }
                }
                // A token needs a service account's secret, which is shown
                // once when the account is created: the example's
                // credentials are placeholders and cannot succeed.
                if operation_id == "issue_token" {
                    continue;
                }
                let body = match example {
                    Value::String(text) if !media_type.ends_with("json") => {
                        text.clone().into_bytes()
                    }
                    other => serde_json::to_vec(other).expect("json"),
                };
                let path = fill_path(&app, operation_id, template).await;
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
                let send = |if_match: Option<&str>| {
                    let mut req = app
                        .req(method.clone(), &path)
                        .with_role(Role::Admin)
                        .raw(media_type, body.clone());
                    if let Some(m) = if_match {
                        req = req.if_match(m);
                    }
                    req.send()
                };
                // `If-Match: *` matches any existing record. A PUT with an
                // optional If-Match creates its record first (an `*` would
                // find none and answer 412, as RFC 9110 says); sent again
                // with `*`, it replaces what it created.
                let mut attempts = vec![];
                match if_match {
                    Some(false) if method == Method::PUT => {
                        attempts.push(send(None).await);
                        attempts.push(send(Some("*")).await);
                    }
                    Some(_) => attempts.push(send(Some("*")).await),
                    None => attempts.push(send(None).await),
                }
                sent += 1;
                for res in attempts {
                    if !(200..300).contains(&res.status) {
                        failures.push(format!("{where_}: {} {}", res.status, res.text));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "request bodies without an example (add one in src/examples.rs): {missing:#?}"
    );
    assert!(failures.is_empty(), "examples that fail: {failures:#?}");
    assert!(sent >= 29, "only {sent} examples sent");
}

#[test]
fn demo_ids_are_fixed_uuid_v7() {
    let id = demo_id("plan", "CYPP-2009-11");
    assert_eq!(
        id,
        demo_id("plan", "CYPP-2009-11"),
        "the same on every call"
    );
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
    let (secs, _) = id.get_timestamp().expect("a timestamp").to_unix();
    assert_eq!(secs, 1_795_305_600, "2026-11-22T00:00:00Z");
    assert_ne!(id, demo_id("plan", "SS-2009-12"));
    assert_ne!(id, demo_id("priority", "CYPP-2009-11"));
}

/// Every text a JSON body can carry, at every operation that takes one:
/// with a NUL character (which PostgreSQL text cannot hold) it is a 422
/// pointing at that field, never a 500. Each example is sent once per
/// string in it, with that string spoiled.
#[actix_web::test]
async fn a_nul_in_any_text_of_any_body_is_a_422_that_points_at_it() {
    fn strings(value: &Value, at: &str, out: &mut Vec<String>) {
        match value {
            Value::String(_) => out.push(at.to_string()),
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    strings(v, &format!("{at}/{i}"), out);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    strings(v, &format!("{at}/{k}"), out);
                }
            }
            _ => {}
        }
    }
    let app = TestApp::spawn_with_demo().await;
    let spec = trustplan::openapi();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (template, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(example) = op["requestBody"]["content"]["application/json"].get("example")
            else {
                continue;
            };
            let operation_id = op["operationId"].as_str().expect("an operationId");
            let path = fill_path(&app, operation_id, template).await;
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let mut pointers = Vec::new();
            strings(example, "", &mut pointers);
            for pointer in pointers {
                let mut body = example.clone();
                *body.pointer_mut(&pointer).expect("the string") = json!("a\u{0}b");
                let res = app
                    .req(method.clone(), &path)
                    .with_role(Role::Admin)
                    .if_match("*")
                    .json(&body)
                    .send()
                    .await;
                checked += 1;
                if res.status != 422 || res.body["errors"][0]["pointer"] != pointer.as_str() {
                    failures.push(format!(
                        "{operation_id} {pointer}: {} {}",
                        res.status, res.text
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked >= 60, "only {checked} texts checked");
}
