//! The OpenAPI document: generated from the handlers' `#[utoipa::path]`
//! attributes, then completed here so that every operation lists every
//! error status it can answer, as `application/problem+json`.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Spec, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::PROBLEM_JSON;

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

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorBody",
                )))),
            )
            .build(),
    )
}

/// Completes every operation's error responses.
pub struct ProblemResponses;

fn complete_operation(path: &str, op: &mut Operation) {
    let responses = &mut op.responses.responses;
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            if let RefOr::T(r) = response {
                if let Some(content) = r.content.shift_remove("application/json") {
                    r.content.insert(PROBLEM_JSON.to_string(), content);
                }
            }
        }
    }
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    if secured {
        responses
            .entry("401".into())
            .or_insert_with(|| problem("No token, or an invalid or expired one"));
        responses
            .entry("403".into())
            .or_insert_with(|| problem("The token's role or organisation may not do this"));
    }
    if path.contains('{') {
        responses
            .entry("400".into())
            .or_insert_with(|| problem("A malformed id in the path"));
    }
    let uses_db = !matches!(path, "/health/live" | "/metrics" | "/api/v1/openapi.json");
    if uses_db {
        responses.entry("503".into()).or_insert_with(|| {
            problem("The database is unavailable; retry after `Retry-After` seconds")
        });
    }
    responses
        .entry("500".into())
        .or_insert_with(|| problem("An unexpected error; quote the request_id"));
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut Spec) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                complete_operation(path, op);
            }
        }
    }
}
