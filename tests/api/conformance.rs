//! Every response the integration tests receive is checked against the
//! OpenAPI document the code generates (`trustplan::openapi()`, which the
//! drift test keeps equal to `openapi/openapi.json`): the status must be one
//! the operation documents, the media type one it declares, the body valid
//! against the declared schema, and the contract headers (`ETag`,
//! `Location`, `Link`, `Retry-After`, ...) declared where they are sent and
//! sent where they are required. A violation fails the test that caused it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::http::header::HeaderMap;
use serde_json::{json, Value};

/// Headers whose presence is part of the contract: a response that sends
/// one must declare it.
const CONTRACT_HEADERS: &[&str] = &[
    "etag",
    "location",
    "link",
    "retry-after",
    "www-authenticate",
    "idempotent-replayed",
    "allow",
    "preference-applied",
];

static CHECKED: AtomicU64 = AtomicU64::new(0);

/// How many responses this test process has validated so far.
pub fn checked() -> u64 {
    CHECKED.load(Ordering::Relaxed)
}

struct Operation {
    method: String,
    segments: Vec<String>,
    /// JSON Pointer of the operation in the spec.
    pointer: String,
}

struct Contract {
    spec: Value,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let spec = serde_json::to_value(trustplan::openapi()).expect("spec as JSON");
        let mut operations = Vec::new();
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                operations.push(Operation {
                    method: method.to_uppercase(),
                    segments: split(path),
                    pointer: format!("/paths/{}/{method}", escape(path)),
                });
            }
        }
        Contract {
            spec,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

fn split(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_string)
        .collect()
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// How well a template matches a concrete path: `None` when it does not,
/// otherwise the number of literal segments (more is more specific).
fn specificity(template: &[String], path: &[String]) -> Option<usize> {
    if template.len() != path.len() {
        return None;
    }
    let mut literal = 0;
    for (t, p) in template.iter().zip(path) {
        if t.starts_with('{') && t.ends_with('}') {
            if p.is_empty() {
                return None;
            }
        } else if t == p {
            literal += 1;
        } else {
            return None;
        }
    }
    Some(literal)
}

impl Contract {
    /// The operations whose path template best matches `path`.
    fn matching(&self, path: &str) -> Vec<&Operation> {
        let segments = split(path);
        let scored: Vec<(usize, &Operation)> = self
            .operations
            .iter()
            .filter_map(|op| specificity(&op.segments, &segments).map(|s| (s, op)))
            .collect();
        let best = scored.iter().map(|(s, _)| *s).max();
        scored
            .into_iter()
            .filter(|(s, _)| Some(*s) == best)
            .map(|(_, op)| op)
            .collect()
    }

    fn validator(&self, pointer: &str) -> Arc<jsonschema::Validator> {
        // A validator is built outside the lock, so that a schema that does
        // not compile fails its own test and not every other one.
        let cached = self
            .validators
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(pointer)
            .cloned();
        if let Some(v) = cached {
            return v;
        }
        let schema = self.spec.pointer(pointer).cloned().expect("schema");
        let mut root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.spec["components"].clone(),
        });
        match schema {
            Value::Object(map) => {
                for (k, v) in map {
                    root[k] = v;
                }
            }
            Value::Bool(true) => {}
            other => panic!("schema at {pointer} is not an object: {other}"),
        }
        let validator = Arc::new(
            jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("schema at {pointer} does not compile: {e}")),
        );
        self.validators
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(pointer.to_string(), validator.clone());
        validator
    }
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// Checks one response; panics with what is wrong.
#[track_caller]
pub fn check(method: &str, path: &str, status: u16, headers: &HeaderMap, body: &[u8]) {
    let method = method.to_uppercase();
    // CORS preflights are answered by the CORS layer, outside the API.
    if method == "OPTIONS" {
        return;
    }
    let path = path.split('?').next().unwrap_or("");
    let contract = contract();
    let candidates = contract.matching(path);
    let where_ = format!("{method} {path} -> {status}");
    let lookup = if method == "HEAD" { "GET" } else { &method };
    let Some(op) = candidates.iter().find(|op| op.method == lookup) else {
        if candidates.is_empty() {
            // Outside the documented API (the docs page, unknown paths): any
            // error must still be a problem.
            if status >= 400 {
                check_problem(contract, &where_, headers, body, method == "HEAD");
            }
            return;
        }
        assert_eq!(
            status, 405,
            "{where_}: a documented path with an undocumented method must answer 405"
        );
        let allow = headers
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{where_}: 405 without Allow"));
        for op in &candidates {
            assert!(
                allow.split(',').any(|m| m.trim() == op.method),
                "{where_}: Allow {allow:?} does not list {}",
                op.method
            );
        }
        check_problem(contract, &where_, headers, body, method == "HEAD");
        return;
    };
    let responses = format!("{}/responses", op.pointer);
    let documented = contract
        .spec
        .pointer(&responses)
        .and_then(Value::as_object)
        .expect("responses");
    let key = status.to_string();
    let range = format!("{}XX", status / 100);
    let status_key = [key.as_str(), range.as_str(), "default"]
        .into_iter()
        .find(|k| documented.contains_key(*k))
        .unwrap_or_else(|| {
            panic!(
                "{where_}: status {status} is not documented (documented: {:?}); body: {}",
                documented.keys().collect::<Vec<_>>(),
                String::from_utf8_lossy(body)
            )
        });
    let response_ptr = format!("{responses}/{status_key}");
    let response = &documented[status_key];
    check_headers(&where_, response, headers);
    CHECKED.fetch_add(1, Ordering::Relaxed);
    if method == "HEAD" || status == 304 {
        assert!(
            body.is_empty(),
            "{where_}: a body on a HEAD or 304 response"
        );
        return;
    }
    let content = response.get("content").and_then(Value::as_object);
    let Some(content) = content.filter(|c| !c.is_empty()) else {
        assert!(
            body.is_empty(),
            "{where_}: the spec declares no body, but one came: {}",
            String::from_utf8_lossy(body)
        );
        return;
    };
    let media =
        media_type(headers).unwrap_or_else(|| panic!("{where_}: a body without Content-Type"));
    assert!(
        content.contains_key(&media),
        "{where_}: Content-Type {media} is not declared (declared: {:?})",
        content.keys().collect::<Vec<_>>()
    );
    if !(media.ends_with("json")) {
        return;
    }
    let instance: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{where_}: {media} body is not JSON ({e})"));
    let schema_ptr = format!("{response_ptr}/content/{}/schema", escape(&media));
    if contract.spec.pointer(&schema_ptr).is_none() {
        panic!("{where_}: {media} has no schema in the spec");
    }
    validate(contract, &schema_ptr, &where_, &instance);
}

fn validate(contract: &Contract, schema_ptr: &str, where_: &str, instance: &Value) {
    let validator = contract.validator(schema_ptr);
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(5)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{where_}: the body does not match the spec ({schema_ptr}):\n  {}\nbody: {}",
        errors.join("\n  "),
        truncate(&instance.to_string())
    );
}

fn truncate(s: &str) -> String {
    if s.len() > 2000 {
        let mut end = 2000;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_string()
    }
}

fn check_problem(contract: &Contract, where_: &str, headers: &HeaderMap, body: &[u8], head: bool) {
    CHECKED.fetch_add(1, Ordering::Relaxed);
    assert_eq!(
        media_type(headers).as_deref(),
        Some("application/problem+json"),
        "{where_}: errors are problem+json"
    );
    if head {
        return;
    }
    let instance: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{where_}: the problem body is not JSON ({e})"));
    validate(contract, "/components/schemas/ErrorBody", where_, &instance);
}

fn check_headers(where_: &str, response: &Value, headers: &HeaderMap) {
    let declared: HashMap<String, &Value> = response
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| h.iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect())
        .unwrap_or_default();
    for name in CONTRACT_HEADERS {
        if headers.contains_key(*name) {
            assert!(
                declared.contains_key(*name),
                "{where_}: sends {name}, which the spec does not declare for this response"
            );
        }
    }
    for (name, header) in &declared {
        if header["required"] == json!(true) {
            assert!(
                headers.contains_key(name.as_str()),
                "{where_}: the spec requires header {name}, which was not sent"
            );
        }
    }
}
