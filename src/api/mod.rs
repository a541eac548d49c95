//! The HTTP layer: one module per resource, each with a `configure` that
//! registers its attribute-routed handlers (so utoipa-actix-web sees them).

pub mod health;
pub mod history;
pub mod indicator_data;
pub mod indicators;
pub mod organisations;
pub mod performance;
pub mod service_accounts;

use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers everything under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/api/v1")
            .service(crate::openapi_json)
            .configure(service_accounts_token)
            .configure(history::configure)
            .service(scope::scope("/organisations").configure(organisations::configure))
            .service(scope::scope("/indicators").configure(indicators::configure))
            .service(scope::scope("/performance").configure(performance::configure))
            .service(scope::scope("/service-accounts").configure(service_accounts::configure)),
    );
}

fn service_accounts_token(cfg: &mut ServiceConfig) {
    cfg.service(service_accounts::issue_token);
}

/// The paging and sorting parameters every collection accepts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListQuery {
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// The `next_cursor` of the previous page. A cursor belongs to the sort
    /// it was made with; rows inserted meanwhile neither repeat nor shift pages.
    cursor: Option<String>,
    /// Comma-separated fields, `-` for descending, e.g. `sort=-updated_at,code`.
    /// An unknown field is a 400.
    sort: Option<String>,
    /// Include archived records (default false).
    include_archived: Option<bool>,
}

/// The `If-Match` header of a change.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatchHeader {
    /// The `ETag` of the record as you last read it, e.g. `"3"`. Missing: 428;
    /// stale: 412.
    #[serde(rename = "If-Match")]
    #[param(rename = "If-Match")]
    if_match: String,
}

/// An optional `If-Match` header.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct OptionalIfMatchHeader {
    /// When given, the `ETag` of the record as you last read it; stale: 412.
    #[serde(rename = "If-Match")]
    #[param(rename = "If-Match")]
    if_match: Option<String>,
}

/// The `Idempotency-Key` header of a `POST`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyHeader {
    /// A key of your choosing (at most 200 characters). Repeating the request
    /// with the same key and body within 24 hours answers the first response
    /// again and changes nothing; the same key with another body is a 422.
    #[serde(rename = "Idempotency-Key")]
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
}
