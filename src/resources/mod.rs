//! The resources: one module per resource with its DTOs and handlers, the
//! one route table (`routes`), and the one write path (`write`).

pub mod batch;
pub mod changes;
pub mod health;
pub mod history;
pub mod improvement;
pub mod indicators;
pub mod inspections;
pub mod milestones;
pub mod narrative;
pub mod objectives;
pub mod organisations;
pub mod plans;
pub mod priorities;
pub mod progress;
pub mod reporting;
pub mod reports;
pub mod routes;
pub mod service_accounts;
pub mod webhooks;
pub mod write;

use serde::Deserialize;
use utoipa::IntoParams;

/// The `ListSpec` behind a list operation, by `operationId`: what parses its
/// query also types its parameters in the OpenAPI document.
pub fn list_spec(operation_id: &str) -> Option<crate::store::listing::ListSpec> {
    Some(match operation_id {
        "list_audit" => history::AUDIT,
        id if id.ends_with("_history") => history::HISTORY,
        "list_organisations" => organisations::LIST,
        "list_plans" => plans::LIST,
        "list_priorities" => priorities::LIST,
        "list_objectives" => objectives::LIST,
        "list_objective_risks" => objectives::RISKS,
        "list_risks" => objectives::REGISTER,
        "list_objective_indicators" | "list_indicators" => indicators::LIST,
        "list_objective_milestones" | "list_milestones" => milestones::LIST,
        "list_milestone_updates" | "list_improvement_action_updates" | "list_objective_updates" => {
            progress::LIST
        }
        "list_risk_reviews" => objectives::REVIEWS,
        "list_report_snapshots" => reports::snapshots::LIST,
        "list_inspections" => inspections::INSPECTIONS,
        "list_judgements" => inspections::JUDGEMENTS,
        "list_recommendations" => inspections::RECOMMENDATIONS,
        "list_improvement_areas" => improvement::AREAS,
        "list_improvement_actions" => improvement::ACTIONS,
        "list_values" | "list_indicator_values" => indicators::data::VALUES,
        "list_indicator_targets" => indicators::data::TARGETS,
        "list_indicator_commentary" => indicators::data::COMMENTARY,
        "get_performance" => indicators::performance::REPORT,
        "list_service_accounts" => service_accounts::LIST,
        "list_webhooks" => webhooks::LIST,
        "list_reporting_cycles" => reporting::LIST,
        "list_narrative" => narrative::LIST,
        "list_narratives" => narrative::ALL,
        "list_webhook_deliveries" => webhooks::DELIVERIES,
        _ => return None,
    })
}

/// A period code read back from the database: it was checked when written,
/// so one that does not parse is an internal error.
pub(crate) fn stored_period(
    code: &str,
) -> crate::web::error::ApiResult<crate::domain::period::Period> {
    crate::domain::period::Period::parse(code)
        .map_err(|e| crate::web::error::ApiError::Internal(format!("stored period {code:?}: {e}")))
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

/// Declares the three handlers every archivable record has: `DELETE /{id}`
/// (archive, If-Match required), `POST /{id}/restore` (If-Match checked when
/// given) and `GET /{id}/history`, for a type implementing
/// [`crate::resources::write::Record`].
#[macro_export]
macro_rules! archive_handlers {
    (
        module: $module:ident, record: $ty:ident, tag: $tag:tt, id: $id_doc:tt, write: $write:ident, read: $read:ident,
        archive: $archive:ident, $archive_doc:tt $(+ $archive_more:tt)?,
        restore: $restore:ident, $restore_doc:tt,
        history: $history:ident, $history_doc:tt $(+ $history_more:tt)?,
        writers: $writers:tt, readers: $readers:tt $(,)?
    ) => {
        /// Archive, restore and history handlers.
        pub mod $module {
        #[allow(unused_imports)]
        use super::*;
        use actix_web::{delete, post};

        #[doc = $archive_doc]
        #[doc = ""]
        #[doc = $writers]
        #[doc = "Soft: the record stays readable by id and in lists with `include_archived=true`;"]
        #[doc = "`POST .../restore` brings it back."]
        $(#[doc = ""] #[doc = $archive_more])?
        #[utoipa::path(
            tag = $tag,
            params(("id" = uuid::Uuid, Path, description = $id_doc), $crate::resources::IfMatchHeader),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Archived", body = $ty, headers(("ETag" = String))),
                (status = 404, description = "No such record", body = $crate::web::error::ErrorBody),
                (status = 409, description = "Already archived", body = $crate::web::error::ErrorBody),
                (status = 412, description = "If-Match is stale", body = $crate::web::error::ErrorBody),
                (status = 428, description = "If-Match missing", body = $crate::web::error::ErrorBody),
            )
        )]
        #[delete("/{id}")]
        pub async fn $archive(
            ctx: $crate::web::http::Ctx,
            state: actix_web::web::Data<$crate::AppState>,
            id: actix_web::web::Path<uuid::Uuid>,
            if_match: $crate::web::http::IfMatch,
        ) -> $crate::web::error::ApiResult<actix_web::HttpResponse> {
            ctx.require($crate::web::auth::Role::$write)?;
            let mut conn = state.conn().await?;
            let record: $ty = $crate::resources::write::set_archived(
                &mut conn, &ctx.actor(), *id, Some(&if_match), true,
            )
            .await?;
            Ok($crate::web::http::ok_record(&record))
        }

        #[doc = $restore_doc]
        #[doc = ""]
        #[doc = $writers]
        #[doc = "`If-Match` is checked when given."]
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = uuid::Uuid, Path, description = $id_doc),
                $crate::resources::OptionalIfMatchHeader,
                $crate::resources::IdempotencyHeader
            ),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Restored", body = $ty, headers(("ETag" = String))),
                (status = 404, description = "No such record", body = $crate::web::error::ErrorBody),
                (status = 409, description = "Not archived", body = $crate::web::error::ErrorBody),
                (status = 412, description = "If-Match is stale", body = $crate::web::error::ErrorBody),
            )
        )]
        #[post("/{id}/restore")]
        pub async fn $restore(
            ctx: $crate::web::http::Ctx,
            state: actix_web::web::Data<$crate::AppState>,
            id: actix_web::web::Path<uuid::Uuid>,
            if_match: $crate::web::http::OptionalIfMatch,
        ) -> $crate::web::error::ApiResult<actix_web::HttpResponse> {
            ctx.require($crate::web::auth::Role::$write)?;
            let mut conn = state.conn().await?;
            let record: $ty = $crate::resources::write::set_archived(
                &mut conn, &ctx.actor(), *id, if_match.0.as_ref(), false,
            )
            .await?;
            Ok($crate::web::http::ok_record(&record))
        }

        $crate::history_handler! {
            record: $ty, tag: $tag, id: $id_doc, read: $read,
            history: $history, $history_doc $(+ $history_more)?,
            readers: $readers,
        }
        }
    };
}

/// Declares `GET /{id}/history` of a record (see [`archive_handlers!`],
/// which declares it with archive and restore).
#[macro_export]
macro_rules! history_handler {
    (
        record: $ty:ident, tag: $tag:tt, id: $id_doc:tt, read: $read:ident,
        history: $history:ident, $history_doc:tt $(+ $history_more:tt)?,
        readers: $readers:tt $(,)?
    ) => {
        use actix_web::get;

        #[doc = $history_doc]
        #[doc = ""]
        #[doc = $readers]
        #[doc = "The record's audit entries, oldest first (`sort=-at` for newest first)."]
        $(#[doc = ""] #[doc = $history_more])?
        #[utoipa::path(
            tag = $tag,
            params(("id" = uuid::Uuid, Path, description = $id_doc), $crate::resources::history::HistoryQuery),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "One page of audit entries", body = $crate::resources::history::AuditPage),
                (status = 400, description = "Malformed query", body = $crate::web::error::ErrorBody),
                (status = 404, description = "No such record", body = $crate::web::error::ErrorBody),
            )
        )]
        #[get("/{id}/history")]
        pub async fn $history(
            req: actix_web::HttpRequest,
            user: $crate::web::auth::AuthUser,
            state: actix_web::web::Data<$crate::AppState>,
            id: actix_web::web::Path<uuid::Uuid>,
        ) -> $crate::web::error::ApiResult<actix_web::HttpResponse> {
            user.require($crate::web::auth::Role::$read)?;
            $crate::resources::history::history_page::<$ty>(&req, &state, *id).await
        }
    };
}
