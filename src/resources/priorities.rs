//! `/api/v1/priorities`: one tagged set for the CYPP ambitions and
//! priorities, corporate priorities and their areas of focus, Every Child
//! Matters outcomes and the Trust's priorities.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::resources::plans::{plan_refs, PlanRef};
use crate::resources::write::{self, Record};
use crate::store::listing::{Filter, FilterKind, ListSpec, SortField, SortType};
use crate::store::priorities::{self as db, NewPriorityRow, PriorityChanges, PriorityRow};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::not_found;
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{
    created_record, new_id, ok_record, ApiJson, Ctx, IfMatch, Patch, Versioned,
};
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};

vocab! {
    /// Which set of priorities.
    PrioritySet {
        /// The four ambitions of the CYPP 2009-11 (`CYPP09-A1`..).
        Cypp2009_11Ambition = "cypp_2009_11_ambition",
        /// The three priorities of the CYPP 2011-14 (`CYPP11-P1`..).
        Cypp2011_14Priority = "cypp_2011_14_priority",
        /// Children's Trust priorities agreed with GONW in December 2008 (`GONW-P1`..).
        Gonw2008ChildrenTrustPriority = "gonw_2008_children_trust_priority",
        /// The council's corporate priorities (`CP1`..`CP6`).
        CorporatePriority = "corporate_priority",
        /// Areas of focus under a corporate priority (`AOF1`..`AOF39`).
        CorporateAreaOfFocus = "corporate_area_of_focus",
        /// Every Child Matters outcomes (`BH`, `SS`, `EA`, `MPC`, `AEW`).
        EcmOutcome = "ecm_outcome",
        /// Any other priority the Trust adopts.
        TrustPriority = "trust_priority",
    }
}

/// A short reference to a priority.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PriorityRef {
    pub id: Uuid,
    pub set: PrioritySet,
    pub code: String,
    pub title: String,
}

/// A priority, ambition, area of focus or outcome.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Priority {
    pub id: Uuid,
    pub set: PrioritySet,
    /// Unique within its set, e.g. `CP3`, `AOF14`, `CYPP09-A2`.
    pub code: String,
    /// Its number in the source list, where it has one.
    pub number: Option<i32>,
    pub title: String,
    pub description: Option<String>,
    /// The priority this one sits under (an area of focus's corporate priority).
    pub parent_id: Option<Uuid>,
    pub parent: Option<PriorityRef>,
    /// The plan that sets it, where one does.
    pub plan_id: Option<Uuid>,
    pub plan: Option<PlanRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(PriorityPage, Priority);

impl Versioned for Priority {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Priority {
    const TABLE: &'static str = "priorities";
    const ENTITY: &'static str = "priority";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find(conn, id)
            .await
            .map_err(|e| not_found(e, "priority", id))?;
        Ok(to_dtos(conn, vec![row]).await?.remove(0))
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

fn to_ref(r: &PriorityRow) -> ApiResult<PriorityRef> {
    Ok(PriorityRef {
        id: r.id,
        set: PrioritySet::from_db(&r.set)?,
        code: r.code.clone(),
        title: r.title.clone(),
    })
}

pub(crate) async fn to_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<PriorityRow>,
) -> ApiResult<Vec<Priority>> {
    let parent_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.parent_id).collect();
    let parents = db::find_many(conn, &parent_ids).await?;
    let plans = plan_refs(conn, rows.iter().filter_map(|r| r.plan_id)).await?;
    rows.into_iter()
        .map(|r| {
            let parent = match r.parent_id.and_then(|p| parents.iter().find(|x| x.id == p)) {
                Some(p) => Some(to_ref(p)?),
                None => None,
            };
            Ok(Priority {
                set: PrioritySet::from_db(&r.set)?,
                plan: r.plan_id.and_then(|p| plans.get(&p).cloned()),
                parent,
                id: r.id,
                code: r.code,
                number: r.number,
                title: r.title,
                description: r.description,
                parent_id: r.parent_id,
                plan_id: r.plan_id,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                archived_at: r.archived_at,
            })
        })
        .collect()
}

/// A new priority.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPriority {
    pub set: PrioritySet,
    /// Unique within the set, 1–40 characters.
    #[schema(example = "AOF14")]
    pub code: String,
    #[serde(default)]
    pub number: Option<i32>,
    /// At most 300 characters.
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    #[serde(default)]
    pub plan_id: Option<Uuid>,
}

/// A JSON merge patch of a priority.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityPatch {
    #[serde(default)]
    #[schema(value_type = PrioritySet)]
    pub set: Patch<PrioritySet>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub number: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub plan_id: Patch<Uuid>,
}

/// Filters of `GET /priorities`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PriorityFilters {
    /// Any of these sets (comma-separated).
    set: Option<String>,
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// Under any of these priorities (comma-separated ids).
    parent_id: Option<String>,
    /// Set by any of these plans (comma-separated ids).
    plan_id: Option<String>,
    /// Free text in code, title or description.
    q: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "priorities",
    filters: &[
        Filter::new(
            "set",
            FilterKind::Vocab("priorities.set", PrioritySet::WORDS),
        ),
        Filter::new("code", FilterKind::Text("priorities.code")),
        Filter::new("parent_id", FilterKind::Uuid("priorities.parent_id")),
        Filter::new("plan_id", FilterKind::Uuid("priorities.plan_id")),
        Filter::new(
            "q",
            FilterKind::Search(&[
                "priorities.code",
                "priorities.title",
                "priorities.description",
            ]),
        ),
    ],
    sorts: &[
        SortField::new("set", "priorities.set", SortType::Text),
        SortField::new("code", "priorities.code", SortType::Text),
        SortField::nullable("number", "priorities.number", SortType::Int),
        SortField::new("title", "priorities.title", SortType::Text),
    ],
    default_sort: "set,number,code",
    archivable: true,
};

/// List priorities
///
/// Every role may read. Sort on `set`, `number`, `code` (default
/// `set,number,code`) or `title`.
#[utoipa::path(
    tag = "priorities",
    params(crate::resources::ListQuery, PriorityFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of priorities", body = PriorityPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_priorities(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = crate::web::page::list_params(&req, LIST)?;
    let mut conn = state.conn().await?;
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = to_dtos(&mut conn, rows).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get a priority
#[utoipa::path(
    tag = "priorities",
    params(("id" = Uuid, Path, description = "Priority id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The priority", body = Priority, headers(("ETag" = String))),
        (status = 404, description = "No such priority", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_priority(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&Priority::load(&mut conn, *id).await?))
}

async fn check_refs(
    conn: &mut AsyncPgConnection,
    errors: &mut Errors,
    parent_id: Option<Uuid>,
    plan_id: Option<Uuid>,
    own: Option<Uuid>,
) -> ApiResult<()> {
    if let Some(p) = parent_id {
        if Some(p) == own {
            errors.rule("/parent_id", "a priority cannot sit under itself");
        } else if db::find_many(conn, &[p]).await?.is_empty() {
            errors.unknown("/parent_id", "no priority has this id");
        }
    }
    if let Some(p) = plan_id {
        if plan_refs(conn, [p]).await?.is_empty() {
            errors.unknown("/plan_id", "no plan has this id");
        }
    }
    Ok(())
}

fn duplicate(e: diesel::result::Error, code: &str) -> ApiError {
    crate::web::error::or_duplicate(e, || {
        format!("the set already has a priority with code {code:?}")
    })
}

/// Create a priority
///
/// Editors and admins.
#[utoipa::path(
    tag = "priorities",
    request_body = NewPriority,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Priority, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The code is taken in this set", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_priority(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewPriority>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let priority = write::create::<Priority, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/title", &body.title, 300);
            errors.opt_text("/description", body.description.as_deref(), 4000);
            check_refs(conn, &mut errors, body.parent_id, body.plan_id, None).await?;
            errors.finish()?;
            let row = db::insert(
                conn,
                &NewPriorityRow {
                    id: new_id(),
                    set: body.set.as_str().into(),
                    code: body.code.clone(),
                    number: body.number,
                    title: body.title.trim().into(),
                    description: body.description.clone(),
                    parent_id: body.parent_id,
                    plan_id: body.plan_id,
                },
            )
            .await
            .map_err(|e| duplicate(e, &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/priorities/{}", priority.id),
        &priority,
    ))
}

/// Change a priority
///
/// Editors and admins. A JSON merge patch; needs `If-Match`.
#[utoipa::path(
    tag = "priorities",
    request_body(content = PriorityPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Priority id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Priority, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such priority", body = ErrorBody),
        (status = 409, description = "The code is taken in this set", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_priority(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<PriorityPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let priority = write::change::<Priority, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let set = patch.set.required("/set", &mut errors.0);
                let code = patch.code.required("/code", &mut errors.0);
                let title = patch.title.required("/title", &mut errors.0);
                let (number, description) = (patch.number.nullable(), patch.description.nullable());
                let (parent_id, plan_id) = (patch.parent_id.nullable(), patch.plan_id.nullable());
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 300);
                }
                if let Some(Some(d)) = &description {
                    errors.text("/description", d, 4000);
                }
                check_refs(
                    conn,
                    &mut errors,
                    parent_id.flatten(),
                    plan_id.flatten(),
                    Some(id),
                )
                .await?;
                errors.finish()?;
                let changes = PriorityChanges {
                    set: set.map(|s| s.as_str().into()),
                    code: code.clone(),
                    number,
                    title: title.map(|t| t.trim().into()),
                    description,
                    parent_id,
                    plan_id,
                };
                db::update(conn, id, &changes)
                    .await
                    .map_err(|e| duplicate(e, code.as_deref().unwrap_or(&before.code)))?;
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&priority))
}

crate::archive_handlers! {
    module: archive,
    record: Priority, tag: "priorities", id: "Priority id", write: Editor, read: Viewer,
    archive: delete_priority, "Archive a priority",
    restore: restore_priority, "Restore a priority",
    history: priority_history, "History of a priority",
    writers: "Editors and admins.", readers: "Every role may read.",
}

/// Short references to priorities by id, in one query.
pub async fn priority_refs(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> ApiResult<Vec<PriorityRef>> {
    db::find_many(conn, ids).await?.iter().map(to_ref).collect()
}
