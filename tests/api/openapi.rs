//! The committed OpenAPI document is what the code generates.

use std::path::Path;

#[test]
fn openapi_document_is_current() {
    let generated = trustplan::openapi_json_text();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
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
            let security = op["security"]
                .as_array()
                .expect("every operation says its security");
            if !security.is_empty() {
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

/// Every word an enum schema lists is a word its Rust type reads and writes:
/// deserialising the word and serialising the value gives the word back.
#[test]
fn every_enum_word_is_a_wire_word() {
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use serde_json::Value;
    use std::collections::BTreeMap;

    type Check = fn(&str) -> Result<String, String>;
    fn check<T: Serialize + DeserializeOwned>(word: &str) -> Result<String, String> {
        let value: T = serde_json::from_value(Value::String(word.to_string()))
            .map_err(|e| format!("{word:?} is refused: {e}"))?;
        match serde_json::to_value(value) {
            Ok(Value::String(s)) => Ok(s),
            other => Err(format!("{word:?} is written as {other:?}")),
        }
    }
    use trustplan::domain::{deliverable, performance, period, risk};
    use trustplan::resources::{
        indicators, inspections, objectives, organisations, plans, priorities, webhooks,
    };
    let types: BTreeMap<&str, Check> = BTreeMap::from([
        ("Aggregation", check::<performance::Aggregation> as Check),
        (
            "Comparison",
            check::<trustplan::domain::significance::Comparison>,
        ),
        (
            "CycleStatus",
            check::<trustplan::resources::reporting::CycleStatus>,
        ),
        ("DeliverableStatus", check::<deliverable::DeliverableStatus>),
        ("DeliveryStatus", check::<webhooks::DeliveryStatus>),
        ("DerivationKind", check::<indicators::DerivationKind>),
        ("Direction", check::<performance::Direction>),
        ("Frequency", check::<indicators::Frequency>),
        ("GradeLabel", check::<inspections::GradeLabel>),
        ("IndicatorKind", check::<indicators::IndicatorKind>),
        ("InspectionKind", check::<inspections::InspectionKind>),
        ("JudgementKind", check::<inspections::JudgementKind>),
        ("Method", check::<trustplan::domain::significance::Method>),
        (
            "NarrativeSection",
            check::<trustplan::resources::narrative::NarrativeSection>,
        ),
        (
            "ReportKind",
            check::<trustplan::resources::reports::ReportKind>,
        ),
        (
            "ObligationKind",
            check::<trustplan::resources::reports::obligations::ObligationKind>,
        ),
        ("RiskTrend", check::<objectives::RiskTrend>),
        ("ObaCategory", check::<indicators::ObaCategory>),
        ("ObjectiveKind", check::<objectives::ObjectiveKind>),
        ("OrganisationKind", check::<organisations::OrganisationKind>),
        ("PeriodType", check::<period::PeriodType>),
        ("PlanKind", check::<plans::PlanKind>),
        ("PlanStatus", check::<plans::PlanStatus>),
        ("Polarity", check::<performance::Polarity>),
        ("PrioritySet", check::<priorities::PrioritySet>),
        ("QuartileBand", check::<performance::QuartileBand>),
        ("Rag", check::<performance::Rag>),
        ("RiskBand", check::<risk::RiskBand>),
        ("Role", check::<trustplan::web::auth::Role>),
        ("RollupStatus", check::<deliverable::RollupStatus>),
        ("RowOutcome", check::<indicators::data::RowOutcome>),
        ("Series", check::<indicators::data::Series>),
        ("SubscriptionStatus", check::<webhooks::SubscriptionStatus>),
        (
            "SummaryGrouping",
            check::<indicators::summary::SummaryGrouping>,
        ),
        ("TargetBasis", check::<performance::TargetBasis>),
        ("Timeframe", check::<inspections::Timeframe>),
        ("Trend", check::<trustplan::domain::significance::Trend>),
        ("ToleranceKind", check::<performance::ToleranceKind>),
        ("Unit", check::<indicators::Unit>),
        ("WebhookEvent", check::<webhooks::WebhookEvent>),
        ("ValueStatus", check::<indicators::data::ValueStatus>),
        ("YearBasis", check::<indicators::YearBasis>),
    ]);
    let spec = trustplan::openapi();
    let mut seen = Vec::new();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        let Some(words) = schema["enum"].as_array() else {
            continue;
        };
        let check = types.get(name.as_str()).unwrap_or_else(|| {
            panic!("enum schema {name} has no round-trip check: add its type to this test")
        });
        for word in words {
            let word = word.as_str().unwrap();
            assert_eq!(check(word).as_deref(), Ok(word), "{name}");
        }
        seen.push(name.as_str());
    }
    seen.sort();
    let listed: Vec<&str> = types.keys().copied().collect();
    assert_eq!(
        seen, listed,
        "every listed type is an enum schema of the spec"
    );
}

/// The README's error catalogue has a row for every problem type the spec names.
#[test]
fn the_error_catalogue_lists_every_problem_type() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for word in trustplan::web::error::ProblemType::WORDS {
        assert!(
            readme.contains(&format!("| `{word}` |")),
            "README.md's error catalogue has no row for {word}"
        );
    }
    let spec = trustplan::openapi();
    let types = spec["components"]["schemas"]["ErrorBody"]["properties"]["type"]["enum"]
        .as_array()
        .unwrap();
    assert_eq!(types.len(), trustplan::web::error::ProblemType::WORDS.len());
}

/// What generated clients trip on, checked statically: a `servers` entry,
/// `security: []` on public operations, typed query parameters (`limit`
/// bounded, ids as UUIDs, dates as dates), a schema on every body, and no
/// null allowed for a patch field the server refuses to clear.
#[test]
fn the_document_gives_generated_clients_what_they_need() {
    use serde_json::Value;
    let spec = trustplan::openapi();
    assert!(spec["servers"].as_array().is_some_and(|s| !s.is_empty()));
    let public = [
        "/health/live",
        "/health/ready",
        "/metrics",
        "/api/v1/openapi.json",
        "/api/v1/auth/token",
    ];
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let security = op["security"].as_array().unwrap();
            assert_eq!(security.is_empty(), public.contains(&path.as_str()), "{at}");
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let schema = &p["schema"];
                let item = if schema["type"] == "array" {
                    &schema["items"]
                } else {
                    schema
                };
                if p["in"] == "query" {
                    if name == "limit" {
                        assert_eq!(schema["minimum"], 1, "{at} limit");
                        assert_eq!(schema["maximum"], 500, "{at} limit");
                    }
                    if name.ends_with("_id") && name != "client_id" {
                        assert_eq!(item["format"], "uuid", "{at} {name}");
                    }
                    if matches!(name, "as_of" | "active_on" | "due_from" | "due_to") {
                        assert_eq!(item["format"], "date", "{at} {name}");
                    }
                }
                assert!(
                    schema.as_object().is_some_and(|s| !s.is_empty()),
                    "{at} {name} has a schema"
                );
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    assert!(
                        content["schema"].as_object().is_some_and(|s| !s.is_empty()),
                        "{at} {status} {media} has a schema"
                    );
                }
            }
        }
    }
    // Milestones refuse `code: null`; the patch schema must not allow it.
    let code = &spec["components"]["schemas"]["MilestonePatch"]["properties"]["code"];
    assert_eq!(code["type"], Value::from("string"), "{code}");
}

/// What a list documents is what its parser accepts: the query parameters of
/// every list operation in the document are exactly its `ListSpec`'s filters
/// plus paging, sorting and (where records can be archived)
/// `include_archived`. A filter added to one and not the other fails here.
#[test]
fn every_list_documents_exactly_the_parameters_it_accepts() {
    use std::collections::BTreeSet;
    let doc = trustplan::openapi();
    let mut drift = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let id = op["operationId"].as_str().unwrap();
        let Some(spec) = trustplan::resources::list_spec(id) else {
            continue;
        };
        let documented: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let mut accepted: BTreeSet<&str> = spec.filters.iter().map(|f| f.name).collect();
        accepted.extend(["limit", "cursor", "sort"]);
        if spec.archivable {
            accepted.insert("include_archived");
        }
        // The performance report is not paged.
        if id == "get_performance" {
            for p in ["limit", "cursor", "sort"] {
                if !documented.contains(p) {
                    accepted.remove(p);
                }
            }
        }
        if documented != accepted {
            drift.push(format!(
                "{id} ({path}): documented but not accepted {:?}; accepted but not documented {:?}",
                documented.difference(&accepted).collect::<Vec<_>>(),
                accepted.difference(&documented).collect::<Vec<_>>()
            ));
        }
    }
    assert!(drift.is_empty(), "{}", drift.join("\n"));
}
