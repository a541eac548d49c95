//! The OpenAPI document: generated from the handlers' `#[utoipa::path]`
//! attributes, then completed here, once for every operation, with what the
//! shared machinery does whatever the handler: the error statuses it can
//! answer (as `application/problem+json`), the headers it sends (`ETag`,
//! `Location`, `Link`, `Retry-After`, ...), the typed query parameters of
//! each list (from the same `ListSpec` that parses them), `security: []` on
//! public operations, and `required` on every field a response always sends.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as Spec;
use utoipa::{Modify, OpenApi};

use crate::store::listing::{FilterKind, ListSpec, ManualType, MAX_LIMIT};
use crate::web::error::{ProblemType, PROBLEM_JSON};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "trustplan",
        description = "Plans and performance of a Children's Trust partnership: plans, priorities, \
service objectives and milestones, performance indicators, inspections and the improvement plan.\n\n\
Every error is `application/problem+json` (RFC 9457). Lists page with `limit` and `cursor`. \
Changes need `If-Match`; `POST` accepts `Idempotency-Key`.",
        license(name = "MIT")
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "organisations", description = "The Trust's partner bodies"),
        (name = "plans", description = "Plans and strategies: the CYPP, service plans, the improvement plan"),
        (name = "priorities", description = "Ambitions, corporate priorities, areas of focus, ECM outcomes"),
        (name = "objectives", description = "Service objectives and CYPP promises, with risk and milestone roll-ups"),
        (name = "milestones", description = "Key milestones, overdue status and progress updates"),
        (name = "inspections", description = "The Joint Area Review and other inspections, with their judgements"),
        (name = "recommendations", description = "Inspection recommendations, traced to actions and objectives"),
        (name = "improvement", description = "The improvement plan: areas and actions, with progress updates"),
        (name = "indicators", description = "Performance indicators and outcome measures: targets, values (our own and comparators), commentary, CSV import and export"),
        (name = "performance", description = "Computed indicator performance: status against target, direction of travel, quartile band"),
        (name = "service-accounts", description = "Credentials of partner systems"),
        (name = "auth", description = "Tokens for service accounts"),
        (name = "audit", description = "The audit trail of every change"),
        (name = "reporting", description = "Reporting cycles of a plan and period, and the period locks they set"),
        (name = "changes", description = "The change feed: every change in commit order, resumable from a cursor"),
        (name = "webhooks", description = "Signed push of events to partner systems, with a delivery log"),
        (name = "batch", description = "Up to 100 writes in one transaction, all or nothing"),
        (name = "health", description = "Liveness, readiness and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Spec) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT with claims sub, role (viewer, contributor, editor, admin), org \
                         (organisation code), exp, iat, iss and aud",
                    ))
                    .build(),
            ),
        );
    }
}

const PROBLEM_REF: &str = "#/components/schemas/ErrorBody";

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { PROBLEM_JSON: { "schema": { "$ref": PROBLEM_REF } } }
    })
}

fn header(description: &str, required: bool) -> Value {
    json!({ "description": description, "required": required, "schema": { "type": "string" } })
}

/// Completes the generated document (see the module documentation).
pub fn complete(doc: &mut Value) {
    doc["servers"] = json!([{
        "url": "/",
        "description": "The server this document is served from (`trustplan serve`, by default http://127.0.0.1:8080)"
    }]);
    let problem_uris: Vec<String> = ProblemType::WORDS
        .iter()
        .map(|w| format!("urn:trustplan:problem:{w}"))
        .collect();
    if let Some(t) = doc.pointer_mut("/components/schemas/ErrorBody/properties/type") {
        t["enum"] = json!(problem_uris);
    }
    doc["components"]["schemas"]["ValuesCsv"] = json!({
        "type": "string",
        "contentMediaType": "text/csv",
        "description": "Indicator values as CSV (UTF-8): a header line `indicator_ref,period,series,breakdown,value,note`, then one value per line, as the import takes them."
    });
    doc["components"]["schemas"]["ReportCsv"] = json!({
        "type": "string",
        "contentMediaType": "text/csv",
        "description": "A report's section as CSV (UTF-8): a header line naming its columns, then one row per item; without `section=`, the list of sections (`section,heading,rows`)."
    });
    // utoipa has no `uniqueItems`: a subscription names each event once.
    for schema in ["NewWebhookSubscription", "WebhookSubscriptionPatch"] {
        if let Some(events) =
            doc.pointer_mut(&format!("/components/schemas/{schema}/properties/events"))
        {
            events["uniqueItems"] = json!(true);
        }
    }
    let (webhooks, event_schemas) = crate::resources::webhooks::openapi_webhooks();
    doc["webhooks"] = webhooks;
    for (name, schema) in event_schemas {
        doc["components"]["schemas"][name] = schema;
    }
    let schemas = doc["components"]["schemas"].clone();
    let paths = doc["paths"].as_object_mut().expect("paths");
    for (path, item) in paths.iter_mut() {
        for (method, op) in item.as_object_mut().expect("path item").iter_mut() {
            complete_operation(path, method, op, &schemas);
        }
    }
    let request = request_schemas(doc);
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .expect("schemas");
    require_response_fields(schemas, &request);
    constrain_request_fields(schemas, &request);
    crate::examples::attach(doc);
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

fn complete_operation(path: &str, method: &str, op: &mut Value, schemas: &Value) {
    let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
    if !secured {
        op["security"] = json!([]);
    }
    let params: Vec<(String, String)> = op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let name = p["name"].as_str().unwrap_or("").to_string();
                    let place = p["in"].as_str().unwrap_or("").to_string();
                    (name, place)
                })
                .collect()
        })
        .unwrap_or_default();
    let has = |name: &str, place: &str| params.iter().any(|(n, p)| n == name && p == place);
    let has_query = params.iter().any(|(_, p)| p == "query");
    let has_body = op.get("requestBody").is_some();
    let if_match_required = op["parameters"].as_array().is_some_and(|ps| {
        ps.iter()
            .any(|p| p["name"] == "If-Match" && p["required"] == json!(true))
    });
    let operation_id = op["operationId"].as_str().unwrap_or("").to_string();
    type_query_parameters(&operation_id, op);
    // A `Prefer: count` is for pages: collections (`*Page`) and the reports
    // paged like them (they take `limit`).
    // The change feed takes `limit` but answers a feed, not a page: it has
    // no count.
    let paged = (has("limit", "query") && operation_id != "list_changes")
        || op
            .pointer("/responses/200/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            .is_some_and(|r| r.ends_with("Page"));
    if paged {
        let params = op
            .as_object_mut()
            .expect("operation")
            .entry("parameters")
            .or_insert_with(|| json!([]));
        if let Some(params) = params.as_array_mut() {
            params.push(json!({
                "name": "Prefer",
                "in": "header",
                "required": false,
                "description": "`count=exact` (or `count=planned`) asks for `total`, the number of matching records on all pages; `Preference-Applied` says which count was made.",
                "schema": { "type": "string", "example": "count=exact" }
            }));
        }
    }
    csv_bodies(op);
    // A snapshot holds whichever report its cycle signed off; utoipa names
    // one schema per body, so the document says "one of the three" here.
    if operation_id == "get_report_snapshot_content" {
        if let Some(schema) = op.pointer_mut("/responses/200/content/application~1json/schema") {
            *schema = json!({ "oneOf": [
                { "$ref": "#/components/schemas/QuarterlyReport" },
                { "$ref": "#/components/schemas/AnnualReview" },
                { "$ref": "#/components/schemas/ImprovementReport" },
            ]});
        }
    }

    let responses = op["responses"].as_object_mut().expect("responses");
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            if let Some(content) = response["content"].as_object_mut() {
                if let Some(json) = content.remove("application/json") {
                    content.insert(PROBLEM_JSON.to_string(), json);
                }
            }
        }
    }
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem(description));
    };
    if secured {
        add("401", "No token, or an invalid or expired one");
        add("403", "The token's role or organisation may not do this");
    }
    if path.contains('{') {
        add("400", "A malformed id in the path");
    }
    if has_query {
        add("400", "An unknown query parameter or a malformed value");
        add(
            "422",
            "A query value of the right form that breaks a rule (`rule_violated`), e.g. a period code the calendar refuses",
        );
    }
    if has_body {
        add("400", "The body is not JSON");
        add("413", "The body is over the size limit");
        add("415", "The body's media type is not accepted");
        add("422", "Invalid fields: `errors` points at each");
    }
    if if_match_required {
        add("412", "`If-Match` is stale: read the record again");
        add("428", "`If-Match` is missing");
    } else if has("If-Match", "header") {
        add("412", "`If-Match` is stale: read the record again");
    }
    if method == "post" {
        add(
            "409",
            "A request with this Idempotency-Key is still being processed",
        );
        add("422", "The Idempotency-Key was used with another body");
    }
    let uses_db = !matches!(path, "/health/live" | "/metrics" | "/api/v1/openapi.json");
    if uses_db {
        add(
            "503",
            "The database is unavailable; retry after `Retry-After` seconds",
        );
    }
    add("414", "The request URI is over 8 KiB");
    add("500", "An unexpected error; quote the request_id");

    let mut not_modified = None;
    for (status, response) in responses.iter_mut() {
        let headers = response
            .as_object_mut()
            .expect("response")
            .entry("headers")
            .or_insert_with(|| json!({}));
        let headers = headers.as_object_mut().expect("headers");
        let mut declare = |name: &str, description: &str, required: bool| {
            headers.insert(name.to_string(), header(description, required));
        };
        match status.as_str() {
            "401" => declare("WWW-Authenticate", "`Bearer`", true),
            "429" | "503" => declare("Retry-After", "Seconds to wait before retrying", true),
            _ => {}
        }
        if status.starts_with('2') {
            let schema = response
                .pointer("/content/application~1json/schema")
                .cloned()
                .unwrap_or(Value::Null);
            let record =
                ref_name(&schema).is_some_and(|n| schemas[n]["properties"]["version"].is_object());
            let page = paged && status == "200";
            let headers = response["headers"].as_object_mut().expect("headers");
            if record {
                headers.insert(
                    "ETag".into(),
                    header(
                        "The record's version, for `If-Match` and `If-None-Match`",
                        true,
                    ),
                );
                if method == "get" && status == "200" {
                    not_modified = Some(json!({
                        "description": "Not modified: `If-None-Match` matches the record's `ETag`",
                        "headers": { "ETag": header("The record's version", true) }
                    }));
                }
            }
            if page {
                headers.insert(
                    "Link".into(),
                    header("`<...>; rel=\"next\"` when there is a next page", false),
                );
                headers.insert(
                    "Preference-Applied".into(),
                    header(
                        "The count made, `count=exact` or `count=planned`, when `Prefer` asked for one",
                        false,
                    ),
                );
            }
            if status == "201" {
                headers.insert("Location".into(), header("The new record's URL", true));
            }
            if method == "post" {
                headers.insert(
                    "Idempotent-Replayed".into(),
                    header(
                        "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`",
                        false,
                    ),
                );
            }
        }
        if headers_empty(response) {
            response
                .as_object_mut()
                .expect("response")
                .remove("headers");
        }
    }
    if let Some(r) = not_modified {
        responses.insert("304".into(), r);
    }
    sort_responses(responses);
}

/// CSV bodies are files to generated clients: a request's as binary (so it
/// is sent as it is), a response's as named text: `ValuesCsv` for values,
/// `ReportCsv` for a report's sections.
fn csv_bodies(op: &mut Value) {
    if let Some(schema) = op.pointer_mut("/requestBody/content/text~1csv/schema") {
        *schema = json!({ "type": "string", "format": "binary" });
    }
    let named = if op["tags"]
        .as_array()
        .is_some_and(|t| t.contains(&json!("reporting")))
    {
        "ReportCsv"
    } else {
        "ValuesCsv"
    };
    if let Some(responses) = op["responses"].as_object_mut() {
        for response in responses.values_mut() {
            if let Some(schema) = response.pointer_mut("/content/text~1csv/schema") {
                *schema = json!({ "$ref": format!("#/components/schemas/{named}") });
            }
        }
    }
}

fn headers_empty(response: &Value) -> bool {
    response["headers"].as_object().is_some_and(Map::is_empty)
}

fn sort_responses(responses: &mut Map<String, Value>) {
    let mut entries: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    responses.extend(entries);
}

/// A comma-separated list parameter: `name=a,b` means any of a and b.
fn list_of(items: Value) -> Value {
    json!({ "type": "array", "items": items, "minItems": 1 })
}

fn filter_schema(kind: &FilterKind) -> Option<Value> {
    Some(match kind {
        FilterKind::Text(_) => list_of(json!({ "type": "string", "minLength": 1 })),
        FilterKind::Uuid(_) | FilterKind::UuidSql(_) => {
            list_of(json!({ "type": "string", "format": "uuid" }))
        }
        FilterKind::Vocab(_, words) => list_of(json!({ "type": "string", "enum": words })),
        FilterKind::Bool(_) => json!({ "type": "boolean" }),
        FilterKind::DateFrom(_) | FilterKind::DateTo(_) => {
            json!({ "type": "string", "format": "date" })
        }
        FilterKind::TimeFrom(_) | FilterKind::TimeTo(_) => json!({
            "anyOf": [
                { "type": "string", "format": "date" },
                { "type": "string", "format": "date-time" }
            ]
        }),
        FilterKind::Search(_) => json!({ "type": "string" }),
        FilterKind::Manual(ManualType::Text) => json!({ "type": "string" }),
        FilterKind::Manual(ManualType::Bool) => json!({ "type": "boolean" }),
        FilterKind::Manual(ManualType::Date) => json!({ "type": "string", "format": "date" }),
        FilterKind::Manual(ManualType::Period) => {
            json!({ "type": "string", "pattern": PERIOD_PATTERN })
        }
        FilterKind::Manual(ManualType::Words(words)) => {
            list_of(json!({ "type": "string", "enum": words }))
        }
    })
}

/// The pattern of a period code (`FY2009-10`, `FY2009-10-Q1`, `AY2007-08`,
/// `CY2008`, `CY2001-2003`).
pub const PERIOD_PATTERN: &str =
    r"^(FY[0-9]{4}-[0-9]{2}(-Q[1-4])?|AY[0-9]{4}-[0-9]{2}|CY[0-9]{4}(-[0-9]{4})?)$";

/// The schema of a query parameter that no `ListSpec` types, by its name.
fn conventional_schema(name: &str) -> Option<Value> {
    Some(match name {
        "as_of" | "active_on" => json!({ "type": "string", "format": "date" }),
        "breakdown" => json!({ "type": "string", "minLength": 1, "maxLength": 200 }),
        "period" | "from" | "to" => json!({ "type": "string", "pattern": PERIOD_PATTERN }),
        n if n.ends_with("_id") => list_of(json!({ "type": "string", "format": "uuid" })),
        _ => return None,
    })
}

fn sort_schema(spec: &ListSpec) -> Value {
    let fields: Vec<&str> = spec.sorts.iter().map(|f| f.name).collect();
    let one = format!("-?({})", fields.join("|"));
    json!({
        "type": "string",
        "pattern": format!("^{one}(,{one})*$"),
        "description": format!(
            "Comma-separated fields, `-` for descending, from: {}",
            fields.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        )
    })
}

/// Types the query parameters of one operation: a list's from its
/// `ListSpec` (the parser of the same parameters), the rest by name; and the
/// headers every operation shares, as the middleware reads them.
fn type_query_parameters(operation_id: &str, op: &mut Value) {
    let spec = crate::resources::list_spec(operation_id);
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for p in params
        .iter_mut()
        .filter(|p| p["in"] == "path" && p["name"] == "period")
    {
        p["schema"] = json!({ "type": "string", "pattern": PERIOD_PATTERN });
    }
    for p in params.iter_mut().filter(|p| p["in"] == "header") {
        match p["name"].as_str() {
            Some("Idempotency-Key") => {
                p["schema"] = json!({
                    "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"
                });
            }
            // An empty If-Match counts as none: 428 where it is required,
            // nothing checked where it is optional.
            Some("If-Match") if p["required"] == json!(true) => {
                p["schema"] = json!({ "type": "string", "minLength": 1 });
            }
            Some("If-Match") => p["schema"] = json!({ "type": "string" }),
            _ => {}
        }
    }
    if let Some(spec) = &spec {
        // A parameter the list refuses is not documented.
        params.retain(|p| p["in"] != "query" || p["name"] != "include_archived" || spec.archivable);
    }
    for p in params.iter_mut().filter(|p| p["in"] == "query") {
        let name = p["name"].as_str().unwrap_or("").to_string();
        // A single id typed as one in Rust (a report's `plan_id`) stays one;
        // the filters' `_id`s are comma-separated lists.
        if p["schema"]["format"] == "uuid" {
            continue;
        }
        let typed = match (name.as_str(), &spec) {
            ("limit", _) => Some(json!({
                "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": crate::store::listing::DEFAULT_LIMIT
            })),
            ("cursor", _) => Some(json!({ "type": "string", "minLength": 1 })),
            ("include_archived", _) | ("dry_run", _) => Some(json!({ "type": "boolean" })),
            ("sort", Some(spec)) => Some(sort_schema(spec)),
            (name, Some(spec)) => spec
                .filters
                .iter()
                .find(|f| f.name == name)
                .and_then(|f| filter_schema(&f.kind))
                .or_else(|| conventional_schema(name)),
            (name, None) => conventional_schema(name),
        };
        if let Some(schema) = typed {
            if schema["type"] == "array" {
                p["style"] = json!("form");
                p["explode"] = json!(false);
            }
            p["schema"] = schema;
        }
    }
}

/// A human code: 1–40 characters, letters, digits, space and `._&/-`,
/// starting with a letter or digit and not ending in a space
/// (`validate::Errors::code`).
const CODE_PATTERN: &str = r"^[A-Za-z0-9]([A-Za-z0-9 ._&/-]{0,38}[A-Za-z0-9._&/-])?$";
/// Text that is not blank (`validate::Errors::text`).
// Not blank as the service judges it (`validate::is_blank`): some character
// that is neither ECMAScript whitespace (`\s`, U+FEFF included) nor U+0085,
// which Rust counts as whitespace and ECMAScript does not.
const NOT_BLANK: &str = r"[^\s\u0085]";

/// The schema a property is written in, when it is a string or an integer
/// (nullable or not); `None` for anything else.
fn scalar_of<'a>(prop: &'a mut Value, ty: &str) -> Option<&'a mut Value> {
    let t = &prop["type"];
    let fits = t == ty || t.as_array().is_some_and(|a| a.iter().any(|x| x == ty));
    fits.then_some(prop)
}

/// States in the request schemas the checks `validate.rs` and the resources
/// make of fields by their name: code and text forms, score ranges, period
/// codes. What a schema cannot state (rules across fields, ids that name
/// nothing) answers `rule_violated` or `unknown_reference` instead.
fn constrain_request_fields(schemas: &mut Map<String, Value>, request: &BTreeSet<String>) {
    for (name, schema) in schemas.iter_mut() {
        if !request.contains(name) {
            continue;
        }
        let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (field, prop) in props.iter_mut() {
            // The longest text each field takes (`Errors::text`); a title of
            // a milestone or an action may be longer than other titles.
            // An indicator keeps a blank description or notes as none.
            let indicator = name.contains("Indicator");
            let max_chars = match field.as_str() {
                "description" | "notes" if indicator => None,
                "title" if name.contains("Milestone") || name.contains("Action") => Some(500),
                "title" | "addressee" | "area" | "overarching_strategy" => Some(300),
                "name" | "responsible_officer" => Some(200),
                "category" | "due_original" | "reference" => Some(100),
                "text" if name == "NarrativeBody" => Some(20_000),
                "reason" => Some(500),
                "text" | "strategy_method" => Some(2000),
                "commentary" | "description" | "notes" | "summary" => Some(4000),
                _ => None,
            };
            if let Some(max) = max_chars {
                if let Some(s) = scalar_of(prop, "string") {
                    s["maxLength"] = json!(max);
                }
            }
            let pattern = match field.as_str() {
                "code" | "ref" => Some(CODE_PATTERN.to_string()),
                _ if max_chars.is_some() => Some(NOT_BLANK.to_string()),
                "period" if name == "NewProgressUpdate" => {
                    Some(r"^FY[0-9]{4}-[0-9]{2}-Q[1-4]$".to_string())
                }
                "period" | "baseline_period" => Some(PERIOD_PATTERN.to_string()),
                "financial_year" => Some(r"^FY[0-9]{4}-[0-9]{2}$".to_string()),
                _ => None,
            };
            if let Some(pattern) = pattern {
                if let Some(s) = scalar_of(prop, "string") {
                    s["pattern"] = json!(pattern);
                }
            }
            let items = match field.as_str() {
                "inspectorates" => Some((NOT_BLANK, Some(200))),
                "lead_roles" | "linked_strategies" | "process_enablers" => {
                    Some((NOT_BLANK, Some(300)))
                }
                "treatment_measures" => Some((NOT_BLANK, Some(1000))),
                "cypp_priority_refs" | "cross_referenced_plan_codes" => Some((CODE_PATTERN, None)),
                _ => None,
            };
            if let Some((pattern, max)) = items {
                if let Some(item) = prop
                    .pointer_mut("/items")
                    .and_then(|i| scalar_of(i, "string"))
                {
                    item["pattern"] = json!(pattern);
                    if let Some(max) = max {
                        item["maxLength"] = json!(max);
                    }
                }
            }
            // Figures: what `check_figure` takes.
            if matches!(field.as_str(), "value" | "numerator" | "denominator")
                && name != "Tolerance"
            {
                let max = crate::resources::indicators::data::MAX_FIGURE;
                if let Some(n) = scalar_of(prop, "number") {
                    n["minimum"] = json!(-max);
                    n["maximum"] = json!(max);
                }
            }
            if field == "breakdown" {
                if let Some(s) = scalar_of(prop, "string") {
                    s["maxLength"] = json!(200);
                    s["pattern"] = json!(NOT_BLANK);
                }
            }
            let range = match field.as_str() {
                "value" if name == "Tolerance" => Some((0, i64::MAX)),
                "risk_initial" | "risk_residual" => Some((1, 16)),
                "grade" => Some((1, 4)),
                "decimals" => Some((0, 6)),
                _ => None,
            };
            if let Some((lo, hi)) = range {
                if let Some(i) = scalar_of(prop, "integer") {
                    i["minimum"] = json!(lo);
                    i["maximum"] = json!(hi);
                } else if let Some(n) = scalar_of(prop, "number") {
                    n["minimum"] = json!(lo);
                }
            }
        }
    }
}

/// The schemas a request body reaches, directly or through others.
fn request_schemas(doc: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut roots = Vec::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            collect_refs(&op["requestBody"], &mut roots);
        }
    }
    let schemas = &doc["components"]["schemas"];
    while let Some(name) = roots.pop() {
        if found.insert(name.clone()) {
            collect_refs(&schemas[&name], &mut roots);
        }
    }
    found
}

/// Marks every property of the schemas that only responses use as
/// `required`: the service always sends them (`null` where there is no
/// value), and a generated client should not have to guess.
fn require_response_fields(schemas: &mut Map<String, Value>, request: &BTreeSet<String>) {
    for (name, schema) in schemas.iter_mut() {
        if request.contains(name) {
            continue;
        }
        if let Some(props) = schema["properties"].as_object() {
            let all: Vec<String> = props.keys().cloned().collect();
            schema["required"] = json!(all);
        }
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(name) = ref_name(v) {
                out.push(name.to_string());
            }
            for child in map.values() {
                collect_refs(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}
