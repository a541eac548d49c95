//! Progress updates of objectives, promises and equality actions
//! (`/objectives/{id}/updates`): the same records and rules as a
//! milestone's, setting the objective's own `status`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::Objective;
use crate::resources::organisations::OrganisationRef;
use crate::resources::progress::{self, ProgressUpdate, ProgressUpdatePage};
use crate::store::progress::Deliverable;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiResult, ErrorBody};
use crate::web::http::{ApiJson, Ctx};
use crate::AppState;

impl progress::Reportable for Objective {
    const COLLECTION: &'static str = "/api/v1/objectives";

    fn deliverable(id: Uuid) -> Deliverable {
        Deliverable::Objective(id)
    }

    fn leads(&self) -> Vec<&OrganisationRef> {
        self.lead_organisation.iter().collect()
    }

    fn lock_scope(id: Uuid) -> crate::store::reporting::Scope {
        crate::store::reporting::Scope::Objective(id)
    }
}

/// Progress updates of an objective, promise or equality action
///
/// Every role may read. Newest first by default (`sort=created_at` for oldest first).
#[utoipa::path(
    tag = "objectives",
    params(("id" = Uuid, Path, description = "Objective id"), progress::UpdateQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of updates", body = ProgressUpdatePage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such objective", body = ErrorBody),
    )
)]
#[get("/{id}/updates")]
pub async fn list_objective_updates(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    progress::list_for::<Objective>(&req, &state, *id).await
}

/// Get one progress update of an objective
#[utoipa::path(
    tag = "objectives",
    params(
        ("id" = Uuid, Path, description = "Objective id"),
        ("update_id" = Uuid, Path, description = "Update id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The update", body = ProgressUpdate),
        (status = 404, description = "No such update of this objective", body = ErrorBody),
    )
)]
#[get("/{id}/updates/{update_id}")]
pub async fn get_objective_update(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let (id, update_id) = *path;
    progress::get_for::<Objective>(&state, id, update_id).await
}

/// Report progress on an objective, promise or equality action
///
/// Editors and admins for any objective; a contributor only for those its
/// organisation leads. The update for the latest quarter becomes the
/// objective's `status` (and `completed_on` for `complete`), as a
/// milestone's does; a CYPP annual review reads a promise's updates of the
/// year. `If-Match` is checked when given.
#[utoipa::path(
    tag = "objectives",
    request_body = progress::NewProgressUpdate,
    params(
        ("id" = Uuid, Path, description = "Objective id"),
        crate::resources::reporting::LockOverride,
        crate::resources::OptionalIfMatchHeader,
        crate::resources::IdempotencyHeader
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = ProgressUpdate, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an editor, and not a contributor of the lead organisation", body = ErrorBody),
        (status = 404, description = "No such objective", body = ErrorBody),
        (status = 409, description = "The period is locked by a closed reporting cycle (`period_locked`)", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("/{id}/updates")]
pub async fn create_objective_update(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: crate::web::http::OptionalIfMatch,
    body: ApiJson<progress::NewProgressUpdate>,
) -> ApiResult<HttpResponse> {
    progress::create_for::<Objective>(&req, &ctx, &state, *id, if_match, body.0).await
}

crate::progress_correction_handlers! {
    record: Objective, tag: "objectives", id: "Objective id",
    patch: update_objective_update, delete: withdraw_objective_update,
}
