//! Contract tests drawn from the OpenAPI document (`trustplan::openapi()`)
//! rather than written endpoint by endpoint: every operation the document
//! lists is checked, so an endpoint is covered the day it is added, and a
//! table that does not know it fails the test until someone says what it
//! should do.
//!
//! - [`auth_matrix`]: 401 without a token and 403 for every role below each
//!   secured operation's minimum.
//! - [`preconditions`]: `If-Match` on real records (428 missing, 412 stale),
//!   and concurrent writes with one `ETag` of which exactly one wins.
//! - [`query_bounds`]: every collection runs a bounded number of SQL
//!   statements, the same for one item as for five hundred.
//!
//! Only HTTP and the document are used: nothing here reaches into the
//! server's modules.

mod auth_matrix;
mod preconditions;
mod query_bounds;

use std::future::Future;
use std::sync::OnceLock;

use actix_web::http::Method;
use futures_util::future::{join_all, FutureExt, LocalBoxFuture};
use serde_json::Value;
use trustplan::web::auth::Role;

use crate::helpers::{Req, Res, TestApp};

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Op {
    pub id: String,
    pub method: Method,
    pub template: String,
    pub op: Value,
}

/// The document, generated once.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(trustplan::openapi)
}

/// Every operation of the document, in its order.
pub fn operations() -> &'static [Op] {
    static OPS: OnceLock<Vec<Op>> = OnceLock::new();
    OPS.get_or_init(read_operations)
}

fn read_operations() -> Vec<Op> {
    let spec = spec();
    let mut ops = Vec::new();
    for (template, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            ops.push(Op {
                id: op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {template} has no operationId"))
                    .to_string(),
                method: Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method"),
                template: template.clone(),
                op: op.clone(),
            });
        }
    }
    ops
}

impl Op {
    /// How a failure names it.
    pub fn at(&self) -> String {
        format!("{} ({} {})", self.id, self.method, self.template)
    }

    /// `security: []`: no token needed.
    pub fn is_public(&self) -> bool {
        self.op["security"].as_array().is_some_and(|s| s.is_empty())
    }

    /// Its parameters in `location` (`path`, `query`, `header`).
    pub fn params<'a>(&'a self, location: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(move |p| p["in"] == location)
    }

    /// Whether it documents an `If-Match` header: `Some(required)`.
    pub fn if_match(&self) -> Option<bool> {
        self.params("header")
            .find(|p| {
                p["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case("if-match"))
            })
            .map(|p| p["required"] == true)
    }

    /// Whether it takes the query parameter `name`.
    pub fn takes_query(&self, name: &str) -> bool {
        self.params("query").any(|p| p["name"] == name)
    }

    /// The request body to send: the document's example, JSON preferred
    /// (`(media type, bytes)`). A `text/csv` body without an example gets a
    /// one-row CSV in the import's columns.
    pub fn example_body(&self) -> Option<(String, Vec<u8>)> {
        let content = self.op["requestBody"]["content"].as_object()?;
        let (media, body) = content
            .iter()
            .find(|(m, _)| m.ends_with("json"))
            .or_else(|| content.iter().next())?;
        let bytes = match &body["example"] {
            Value::String(text) if !media.ends_with("json") => text.clone().into_bytes(),
            Value::Null if media == "text/csv" => {
                b"indicator_ref,period,series,breakdown,value,note\nNI59,FY2009-10-Q1,area,,90.2,\n"
                    .to_vec()
            }
            Value::Null => panic!("{}: the {media} body has no example", self.at()),
            example => serde_json::to_vec(example).expect("json"),
        };
        Some((media.clone(), bytes))
    }

    /// The `$ref` name of the schema of its 200 JSON answer (`OrganisationPage`).
    pub fn ok_schema(&self) -> Option<&str> {
        self.op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .and_then(|r| r.rsplit('/').next())
    }

    /// Whether its 200 answer may be `media`.
    pub fn answers(&self, media: &str) -> bool {
        self.op["responses"]["200"]["content"]
            .as_object()
            .is_some_and(|c| c.contains_key(media))
    }

    /// The path with every parameter filled with a plausible value that
    /// names no record (random UUIDs), and the required query parameters.
    pub fn placeholder_path(&self) -> String {
        let mut path = self.template.clone();
        for p in self.params("path") {
            let name = p["name"].as_str().expect("a name");
            path = path.replace(&format!("{{{name}}}"), &placeholder(self, p));
        }
        path + &self.required_query()
    }

    /// `?name=value&...` for the required query parameters (empty if none).
    pub fn required_query(&self) -> String {
        let pairs: Vec<String> = self
            .params("query")
            .filter(|p| p["required"] == true)
            .map(|p| {
                format!(
                    "{}={}",
                    p["name"].as_str().expect("a name"),
                    placeholder(self, p)
                )
            })
            .collect();
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }

    /// A request for this operation at `path`: its example body, `If-Match: *`
    /// where it documents `If-Match`, and a token for `role` at the council
    /// (none for `None`).
    pub fn request<'a>(&self, app: &'a TestApp, path: &str, role: Option<Role>) -> Req<'a> {
        let mut req = app.req(self.method.clone(), path);
        if self.if_match().is_some() {
            req = req.if_match("*");
        }
        if let Some((media, body)) = self.example_body() {
            req = req.raw(&media, body);
        }
        if let Some(role) = role {
            req = req.with_role(role);
        }
        req
    }
}

/// Follows a `$ref` to `#/components/schemas/...`.
fn deref(schema: &Value) -> Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().expect("a schema name");
            spec()["components"]["schemas"][name].clone()
        }
        None => schema.clone(),
    }
}

/// A plausible value for a parameter, from its schema: a random UUID for an
/// id, `FY2009-10` for a period code, the first word of an enum, a date.
fn placeholder(op: &Op, param: &Value) -> String {
    let schema = deref(&param["schema"]);
    let name = param["name"].as_str().unwrap_or("?");
    if schema["format"] == "uuid" {
        return uuid::Uuid::new_v4().to_string();
    }
    if let Some(word) = schema["enum"].as_array().and_then(|e| e.first()) {
        return word.as_str().expect("a word").to_string();
    }
    if schema["pattern"].as_str().is_some_and(|p| p.contains("FY")) {
        return "FY2009-10".into();
    }
    if schema["format"] == "date" {
        return "2009-06-30".into();
    }
    panic!(
        "{}: no placeholder for the parameter {name} ({schema}); teach contract::placeholder one",
        op.at()
    )
}

/// Runs the futures `size` at a time, answers in order.
pub async fn in_batches<F: Future>(futures: Vec<F>, size: usize) -> Vec<F::Output> {
    let mut out = Vec::with_capacity(futures.len());
    let mut rest = futures.into_iter();
    loop {
        let batch: Vec<F> = rest.by_ref().take(size).collect();
        if batch.is_empty() {
            return out;
        }
        out.extend(join_all(batch).await);
    }
}

/// The items of a list answer (empty unless a 200 with items).
pub fn items(res: &Res) -> Vec<Value> {
    if res.status != 200 {
        return Vec::new();
    }
    res.body["items"].as_array().cloned().unwrap_or_default()
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// What names an item in a path: `{period}` its period's code, `{series}`
/// its series, any other parameter (`{id}`, `{indicator_id}`, ...) its id.
fn key_of(item: &Value, param: &str) -> Option<String> {
    let value = match param.trim_matches(|c| c == '{' || c == '}') {
        "period" => item["period"]["code"]
            .as_str()
            .or_else(|| item["period"].as_str()),
        "series" => item["series"].as_str(),
        "section" => item["section"].as_str(),
        _ => item["id"].as_str(),
    };
    value.map(str::to_string)
}

/// Up to `max` concrete paths of `template` that name real records, found
/// by listing their collections as an admin: `/api/v1/objectives/{id}/
/// indicators/{indicator_id}` lists objectives, then each one's indicators,
/// until enough links are found. A value with a `breakdown` is skipped (its
/// path would need `?breakdown=`).
pub async fn real_paths(app: &TestApp, template: &str, max: usize) -> Vec<String> {
    let segments: Vec<String> = template
        .trim_start_matches('/')
        .split('/')
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    expand(
        app,
        &segments,
        0,
        String::new(),
        String::new(),
        max,
        &mut out,
    )
    .await;
    out
}

fn expand<'a>(
    app: &'a TestApp,
    segments: &'a [String],
    at: usize,
    template: String,
    concrete: String,
    max: usize,
    out: &'a mut Vec<String>,
) -> LocalBoxFuture<'a, ()> {
    async move {
        if out.len() >= max {
            return;
        }
        let Some(segment) = segments.get(at) else {
            out.push(concrete);
            return;
        };
        assert!(
            !is_param(segment),
            "{template}/{segment}: a parameter after a parameter"
        );
        let params = segments[at + 1..]
            .iter()
            .take_while(|s| is_param(s))
            .count();
        let template = format!("{template}/{segment}");
        let concrete = format!("{concrete}/{segment}");
        if params == 0 {
            return expand(app, segments, at + 1, template, concrete, max, out).await;
        }
        let names = &segments[at + 1..at + 1 + params];
        for item in collection_items(app, &template, &concrete).await {
            if out.len() >= max {
                return;
            }
            if !item["breakdown"].is_null() {
                continue;
            }
            let keys: Option<Vec<String>> = names.iter().map(|n| key_of(&item, n)).collect();
            let Some(keys) = keys else { continue };
            let next_template = format!("{template}/{}", names.join("/"));
            let next_concrete = format!("{concrete}/{}", keys.join("/"));
            expand(
                app,
                segments,
                at + 1 + params,
                next_template,
                next_concrete,
                max,
                out,
            )
            .await;
        }
    }
    .boxed_local()
}

/// The items of the collection at `concrete` (whose template is
/// `template`). A collection the document cannot list at its own path (no
/// `GET /api/v1/judgements`) is gathered from the lists that end in its
/// name (`GET /api/v1/inspections/{id}/judgements`).
fn collection_items<'a>(
    app: &'a TestApp,
    template: &'a str,
    concrete: &'a str,
) -> LocalBoxFuture<'a, Vec<Value>> {
    async move {
        let ops = operations();
        if let Some(op) = ops
            .iter()
            .find(|o| o.method == Method::GET && o.template == template)
        {
            let sep = if op.takes_query("limit") {
                "?limit=50"
            } else {
                ""
            };
            let res = app
                .get(&format!("{concrete}{sep}"))
                .with_role(Role::Admin)
                .send()
                .await;
            return items(&res);
        }
        if template.contains('{') {
            return Vec::new();
        }
        let name = template.rsplit('/').next().expect("a name");
        let mut found = Vec::new();
        for op in ops.iter().filter(|o| {
            o.method == Method::GET
                && o.template != template
                && o.template.ends_with(&format!("/{name}"))
                && o.ok_schema().is_some_and(|s| s.ends_with("Page"))
        }) {
            for path in real_paths(app, &op.template, 10).await {
                let res = app
                    .get(&format!("{path}?limit=50"))
                    .with_role(Role::Admin)
                    .send()
                    .await;
                found.extend(items(&res));
            }
        }
        found
    }
    .boxed_local()
}

/// The demo data has no indicator commentary, no progress updates and no
/// service account: make some (from the document's examples) so that every
/// record type has a real record to test on, and the lists of updates more
/// than one item.
pub async fn seed_missing_records(app: &TestApp) {
    let ops = operations();
    let find = |id: &str| {
        ops.iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("the document has no {id}"))
    };
    if real_paths(app, "/api/v1/service-accounts/{id}", 1)
        .await
        .is_empty()
    {
        let op = find("create_service_account");
        let path = op.template.clone();
        op.request(app, &path, Some(Role::Admin))
            .send()
            .await
            .expect(201);
    }
    if real_paths(app, "/api/v1/reporting-cycles/{id}", 1)
        .await
        .is_empty()
    {
        let op = find("create_reporting_cycle");
        let path = op.template.clone();
        op.request(app, &path, Some(Role::Admin))
            .send()
            .await
            .expect(201);
    }
    if real_paths(app, "/api/v1/plans/{id}/narrative/{period}/{section}", 1)
        .await
        .is_empty()
    {
        let op = find("put_narrative");
        let plan = real_paths(app, "/api/v1/plans/{id}", 1)
            .await
            .pop()
            .expect("a demo plan");
        // Not `op.request`: a PUT that creates has nothing `If-Match: *` could match.
        let (media, body) = op.example_body().expect("an example");
        app.req(
            Method::PUT,
            &format!("{plan}/narrative/FY2009-10-Q2/key_developments"),
        )
        .with_role(Role::Admin)
        .raw(&media, body)
        .send()
        .await
        .expect(201);
    }
    if real_paths(app, "/api/v1/webhooks/{id}", 1).await.is_empty() {
        let op = find("create_webhook");
        let path = op.template.clone();
        op.request(app, &path, Some(Role::Admin))
            .send()
            .await
            .expect(201);
    }
    if real_paths(app, "/api/v1/indicators/{id}/commentary/{period}", 1)
        .await
        .is_empty()
    {
        let op = find("put_indicator_commentary");
        let indicator = real_paths(app, "/api/v1/indicators/{id}", 1)
            .await
            .pop()
            .expect("a demo indicator");
        // Not `op.request`: a PUT that creates has nothing `If-Match: *` could match.
        let (media, body) = op.example_body().expect("an example");
        app.req(Method::PUT, &format!("{indicator}/commentary/FY2009-10-Q1"))
            .with_role(Role::Admin)
            .raw(&media, body)
            .send()
            .await
            .expect(201);
    }
    for (deliverable, create) in [
        ("/api/v1/milestones/{id}", "create_milestone_update"),
        (
            "/api/v1/improvement-actions/{id}",
            "create_improvement_action_update",
        ),
        ("/api/v1/objectives/{id}", "create_objective_update"),
    ] {
        let op = find(create);
        if !real_paths(app, &format!("{}/{{update_id}}", op.template), 1)
            .await
            .is_empty()
        {
            continue;
        }
        let record = real_paths(app, deliverable, 1)
            .await
            .pop()
            .unwrap_or_else(|| panic!("a demo record for {deliverable}"));
        let (media, body) = op.example_body().expect("an example");
        for _ in 0..2 {
            app.post(&format!("{record}/updates"))
                .with_role(Role::Admin)
                .raw(&media, body.clone())
                .send()
                .await
                .expect(201);
        }
    }
    if real_paths(app, "/api/v1/risks/{id}/reviews/{period}", 1)
        .await
        .is_empty()
    {
        let op = find("put_risk_review");
        let risk = real_paths(app, "/api/v1/risks/{id}", 1)
            .await
            .pop()
            .expect("a demo risk");
        // Not `op.request`: a PUT that creates has nothing `If-Match: *` could match.
        let (media, body) = op.example_body().expect("an example");
        app.req(Method::PUT, &format!("{risk}/reviews/FY2009-10-Q2"))
            .with_role(Role::Admin)
            .raw(&media, body)
            .send()
            .await
            .expect(201);
    }
    // A signed-off snapshot, of a quarter and plan no other seed or example
    // writes to (its cycle stays locked).
    if real_paths(app, "/api/v1/reports/snapshots/{id}", 1)
        .await
        .is_empty()
    {
        let cycle = app
            .post("/api/v1/reporting-cycles")
            .with_role(Role::Admin)
            .json(&serde_json::json!({
                "plan_id": trustplan::demo::demo_id("plan", "JAR-IP-2008-09"),
                "period": "FY2007-08-Q1",
                "due_on": "2007-07-15",
            }))
            .send()
            .await;
        cycle.expect(201);
        let id = cycle.body["id"].as_str().expect("an id").to_string();
        for step in ["close", "sign-off"] {
            let res = app
                .post(&format!("/api/v1/reporting-cycles/{id}/{step}"))
                .with_role(Role::Admin)
                .send()
                .await;
            assert!(res.status < 300, "{step}: {} {}", res.status, res.text);
        }
    }
}
