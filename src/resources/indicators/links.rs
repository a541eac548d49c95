//! The links between objectives and the indicators that measure them:
//! listed from the objective's side, made and broken as changes of the
//! objective (its version and its history).

use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::resources::objectives::Objective;
use crate::resources::write::{self, Record};
use crate::store::audit;
use crate::store::objectives as db;
use crate::store::records;
use crate::store::sql::DynSql;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{not_found, ApiError, ApiResult, ErrorBody};
use crate::web::http::Ctx;
use crate::AppState;

/// Indicators of an objective
///
/// Every role may read. The indicators linked to the objective, with the
/// filters and sorts of `GET /indicators` (including `period` for their
/// computed status).
#[utoipa::path(
    tag = "objectives",
    params(
        ("id" = Uuid, Path, description = "Objective id"),
        crate::resources::ListQuery,
        crate::resources::indicators::IndicatorFilters
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of indicators", body = crate::resources::indicators::IndicatorPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such objective", body = ErrorBody),
        (status = 422, description = "`period` is not a period code", body = ErrorBody),
    )
)]
#[get("/{id}/indicators")]
pub async fn list_objective_indicators(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    {
        let mut conn = state.conn().await?;
        db::find(&mut conn, *id)
            .await
            .map_err(|e| not_found(e, "objective", *id))?;
    }
    let cond = DynSql::raw(
        "EXISTS (SELECT 1 FROM objective_indicators l WHERE l.indicator_id = indicators.id \
         AND l.unlinked_at IS NULL AND l.objective_id = ",
    )
    .bind(id.to_string())
    .sql("::uuid)");
    crate::resources::indicators::indicators_response(&req, &state, Some(cond)).await
}

async fn change_link(
    ctx: &Ctx,
    state: &AppState,
    objective_id: Uuid,
    indicator_id: Uuid,
    link: bool,
    if_match: Option<&crate::web::http::IfMatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    conn.transaction::<(), ApiError, _>(async move |conn| {
        let before: Objective = write::lock(conn, objective_id, if_match).await?;
        crate::resources::indicators::find_row(conn, indicator_id).await?;
        let changed = if link {
            crate::store::links::link(conn, objective_id, indicator_id).await?
        } else {
            crate::store::links::unlink(conn, objective_id, indicator_id).await?
        };
        if !link && !changed {
            return Err(ApiError::NotFound(
                "this indicator is not linked to this objective".into(),
            ));
        }
        if changed {
            records::bump(conn, Objective::TABLE, objective_id).await?;
            let after = Objective::load(conn, objective_id).await?;
            let action = if link { "link" } else { "unlink" };
            audit::record(
                conn,
                &actor,
                action,
                Objective::ENTITY,
                objective_id,
                Some(&before),
                Some(&after),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Link an indicator to an objective
///
/// Editors and admins. Idempotent: linking a linked indicator changes
/// nothing. A link changes the objective (its version and history), so
/// `If-Match` names the objective's `ETag`; it is checked when given.
#[utoipa::path(
    tag = "objectives",
    params(
        ("id" = Uuid, Path, description = "Objective id"),
        ("indicator_id" = Uuid, Path, description = "Indicator id"),
        crate::resources::OptionalIfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Linked"),
        (status = 404, description = "No such objective or indicator", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
    )
)]
#[put("/{id}/indicators/{indicator_id}")]
pub async fn link_objective_indicator(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: crate::web::http::OptionalIfMatch,
) -> ApiResult<HttpResponse> {
    let (id, indicator_id) = *path;
    change_link(&ctx, &state, id, indicator_id, true, if_match.0.as_ref()).await
}

/// Unlink an indicator from an objective
///
/// Editors and admins. `If-Match` is required and names the objective's
/// `ETag` (an unlink changes the objective). The link is marked unlinked,
/// not deleted, and the objective's history records it; linking again
/// brings it back.
#[utoipa::path(
    tag = "objectives",
    params(
        ("id" = Uuid, Path, description = "Objective id"),
        ("indicator_id" = Uuid, Path, description = "Indicator id"),
        crate::resources::IfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 404, description = "No such objective or indicator, or they are not linked", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[delete("/{id}/indicators/{indicator_id}")]
pub async fn unlink_objective_indicator(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: crate::web::http::IfMatch,
) -> ApiResult<HttpResponse> {
    let (id, indicator_id) = *path;
    change_link(&ctx, &state, id, indicator_id, false, Some(&if_match)).await
}
