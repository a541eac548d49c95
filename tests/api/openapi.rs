//! The committed OpenAPI document is what the code generates.

use std::path::Path;

#[test]
fn openapi_document_is_current() {
    let generated = trustplan::openapi().to_pretty_json().unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test openapi` and commit it"
    );
}

#[test]
fn every_operation_is_documented_with_its_errors() {
    let spec = serde_json::to_value(trustplan::openapi()).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/organisations/{id}"));
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let where_ = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{where_} has a summary"
            );
            assert!(op["operationId"].is_string(), "{where_} has an operationId");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{where_} documents 500");
            for (status, r) in responses {
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{where_} {status} described"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        r["content"]["application/problem+json"].is_object(),
                        "{where_} {status} is problem+json"
                    );
                }
            }
            if op.get("security").is_some() {
                assert!(responses.contains_key("401"), "{where_} documents 401");
                assert!(responses.contains_key("403"), "{where_} documents 403");
            }
        }
    }
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
}

#[test]
fn operation_ids_are_unique() {
    let spec = serde_json::to_value(trustplan::openapi()).unwrap();
    let mut seen = std::collections::HashSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap().to_string();
            assert!(seen.insert(id.clone()), "duplicate operationId {id}");
        }
    }
}
