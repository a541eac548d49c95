//! `/api/v1/plans`: the Children and Young People's Plan, departmental
//! service plans, the inspection improvement plan and other strategies.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::resources::organisations::{check_org_ids, OrganisationRef};
use crate::resources::write::{self, Record};
use crate::store::listing::{
    parse_date, Filter, FilterKind, ListSpec, ManualType, SortField, SortType,
};
use crate::store::plans::{self as db, NewPlanRow, PlanChanges, PlanRow};
use crate::store::sql::DynSql;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{not_found, ApiError, ApiResult, ErrorBody};
use crate::web::http::{
    created_record, new_id, ok_record, ApiJson, Ctx, IfMatch, Patch, Versioned,
};
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};

vocab! {
    /// What kind of plan.
    PlanKind {
        CommunityStrategy = "community_strategy",
        CorporatePlan = "corporate_plan",
        /// A Children and Young People's Plan.
        Cypp = "cypp",
        ServicePlan = "service_plan",
        ImprovementPlan = "improvement_plan",
        /// A Local Area Agreement.
        Laa = "laa",
        Strategy = "strategy",
        BusinessPlan = "business_plan",
        ActionPlan = "action_plan",
    }
}

vocab! {
    /// Where a plan stands.
    PlanStatus {
        Draft = "draft",
        Approved = "approved",
        Superseded = "superseded",
    }
}

/// A short reference to a plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PlanRef {
    pub id: Uuid,
    pub code: String,
    pub title: String,
}

/// A plan or strategy document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    pub id: Uuid,
    /// Unique code, e.g. `CYPP-2009-11`.
    pub code: String,
    /// Title as the partnership writes it.
    pub title: String,
    pub kind: PlanKind,
    /// The body that owns the plan.
    pub owner_organisation_id: Uuid,
    pub owner_organisation: OrganisationRef,
    /// First day the plan covers (plans usually run April to March).
    pub starts_on: NaiveDate,
    /// Last day the plan covers.
    pub ends_on: NaiveDate,
    pub status: PlanStatus,
    /// The plan this one follows (CYPP 2006-09 → 2009-11 → 2011-14).
    pub predecessor_id: Option<Uuid>,
    pub predecessor: Option<PlanRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(PlanPage, Plan);

impl Versioned for Plan {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Plan {
    const TABLE: &'static str = "plans";
    const ENTITY: &'static str = "plan";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let (row, refs) = db::find_embedded(conn, id)
            .await
            .map_err(|e| not_found(e, "plan", id))?;
        with_refs(row, refs)
    }

    async fn load_locked(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let (row, refs) = db::find_embedded_for_update(conn, id)
            .await
            .map_err(|e| not_found(e, "plan", id))?;
        with_refs(row, refs)
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// Short references to plans by id, in one query.
pub async fn plan_refs(
    conn: &mut AsyncPgConnection,
    ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<std::collections::HashMap<Uuid, PlanRef>> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(db::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                PlanRef {
                    id: p.id,
                    code: p.code,
                    title: p.title,
                },
            )
        })
        .collect())
}

/// Plans in the API's shape from their rows (in the rows' order), with
/// their references in one statement.
pub(crate) async fn to_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<PlanRow>,
) -> ApiResult<Vec<Plan>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut found: std::collections::HashMap<Uuid, (PlanRow, crate::store::sql::RawJson)> =
        db::find_many_embedded(conn, &ids)
            .await?
            .into_iter()
            .map(|(row, refs)| (row.id, (row, refs)))
            .collect();
    ids.iter()
        .map(|id| {
            let (row, refs) = found
                .remove(id)
                .ok_or_else(|| ApiError::Internal(format!("plan {id} vanished")))?;
            with_refs(row, refs)
        })
        .collect()
}

/// What the database embeds beside a plan's row (`db::EMBED`).
#[derive(serde::Deserialize)]
struct Embedded {
    owner_organisation: Option<OrganisationRef>,
    predecessor: Option<PlanRef>,
}

/// A plan in the API's shape, from its row and what the database embedded
/// beside it.
pub(crate) fn with_refs(r: PlanRow, refs: crate::store::sql::RawJson) -> ApiResult<Plan> {
    let refs: Embedded = refs.parse()?;
    Ok(Plan {
        kind: PlanKind::from_db(&r.kind)?,
        status: PlanStatus::from_db(&r.status)?,
        owner_organisation: refs
            .owner_organisation
            .ok_or_else(|| ApiError::Internal("plan owner missing".into()))?,
        predecessor: refs.predecessor,
        id: r.id,
        code: r.code,
        title: r.title,
        owner_organisation_id: r.owner_organisation_id,
        starts_on: r.starts_on,
        ends_on: r.ends_on,
        predecessor_id: r.predecessor_id,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        archived_at: r.archived_at,
    })
}

/// A new plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    /// Unique code, 1–40 characters.
    #[schema(example = "CYPP-2009-11")]
    pub code: String,
    /// At most 300 characters.
    pub title: String,
    pub kind: PlanKind,
    pub owner_organisation_id: Uuid,
    pub starts_on: NaiveDate,
    /// On or after `starts_on`.
    pub ends_on: NaiveDate,
    /// Default `draft`.
    #[serde(default)]
    pub status: Option<PlanStatus>,
    #[serde(default)]
    pub predecessor_id: Option<Uuid>,
}

/// A JSON merge patch of a plan.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = PlanKind)]
    pub kind: Patch<PlanKind>,
    #[serde(default)]
    #[schema(value_type = Uuid)]
    pub owner_organisation_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = NaiveDate)]
    pub starts_on: Patch<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = NaiveDate)]
    pub ends_on: Patch<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = PlanStatus)]
    pub status: Patch<PlanStatus>,
    /// `null` clears it.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub predecessor_id: Patch<Uuid>,
}

/// Filters of `GET /plans`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PlanFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// Any of these kinds (comma-separated).
    kind: Option<String>,
    /// Any of these statuses (comma-separated).
    status: Option<String>,
    /// Plans owned by any of these organisations (comma-separated ids).
    owner_organisation_id: Option<String>,
    /// Plans in force on this date (`YYYY-MM-DD`).
    active_on: Option<String>,
    /// Free text in code or title.
    q: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "plans",
    filters: &[
        Filter::new("code", FilterKind::Text("plans.code")),
        Filter::new("kind", FilterKind::Vocab("plans.kind", PlanKind::WORDS)),
        Filter::new(
            "status",
            FilterKind::Vocab("plans.status", PlanStatus::WORDS),
        ),
        Filter::new(
            "owner_organisation_id",
            FilterKind::Uuid("plans.owner_organisation_id"),
        ),
        Filter::new("active_on", FilterKind::Manual(ManualType::Date)),
        Filter::new("q", FilterKind::Search(&["plans.code", "plans.title"])),
    ],
    sorts: &[
        SortField::new("code", "plans.code", SortType::Text),
        SortField::new("title", "plans.title", SortType::Text),
        SortField::new("starts_on", "plans.starts_on", SortType::Date),
        SortField::new("ends_on", "plans.ends_on", SortType::Date),
        SortField::new("created_at", "plans.created_at", SortType::Timestamp),
    ],
    default_sort: "code",
    archivable: true,
};

/// List plans
///
/// Every role may read. Sort on `code` (default), `title`, `starts_on`,
/// `ends_on`, `created_at`.
#[utoipa::path(
    tag = "plans",
    params(crate::resources::ListQuery, PlanFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of plans", body = PlanPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_plans(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, LIST)?;
    if let Some(d) = p.filter("active_on") {
        let d = parse_date("active_on", d)?.to_string();
        p.add_condition(
            DynSql::raw("plans.starts_on <= ")
                .bind(d.clone())
                .sql("::date AND plans.ends_on >= ")
                .bind(d)
                .sql("::date"),
        );
    }
    let mut conn = state.conn().await?;
    let (rows, total) = db::list_embedded(&mut conn, &p).await?;
    let items = rows
        .into_iter()
        .map(|(row, refs)| with_refs(row, refs))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get a plan
#[utoipa::path(
    tag = "plans",
    params(("id" = Uuid, Path, description = "Plan id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan", body = Plan, headers(("ETag" = String))),
        (status = 404, description = "No such plan", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_plan(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&Plan::load(&mut conn, *id).await?))
}

async fn check_predecessor(
    conn: &mut AsyncPgConnection,
    errors: &mut Errors,
    predecessor: Uuid,
    own: Option<Uuid>,
) -> ApiResult<()> {
    if Some(predecessor) == own {
        errors.rule("/predecessor_id", "a plan cannot follow itself");
    } else if db::find_many(conn, &[predecessor]).await?.is_empty() {
        errors.unknown("/predecessor_id", "no plan has this id");
    }
    Ok(())
}

fn check_dates(errors: &mut Errors, starts_on: NaiveDate, ends_on: NaiveDate) {
    for (pointer, d) in [("/starts_on", starts_on), ("/ends_on", ends_on)] {
        if !crate::web::validate::sensible_date(d) {
            errors.rule(pointer, crate::web::validate::DATE_RANGE_MESSAGE);
        }
    }
    if ends_on < starts_on {
        errors.rule("/ends_on", "may not be before starts_on");
    }
}

fn duplicate(e: diesel::result::Error, code: &str) -> ApiError {
    crate::web::error::or_duplicate(e, || format!("a plan with code {code:?} already exists"))
}

/// Create a plan
///
/// Editors and admins.
#[utoipa::path(
    tag = "plans",
    request_body = NewPlan,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Plan, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_plan(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewPlan>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let plan = write::create::<Plan, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/title", &body.title, 300);
            check_dates(&mut errors, body.starts_on, body.ends_on);
            check_org_ids(
                conn,
                &mut errors,
                &[("/owner_organisation_id", body.owner_organisation_id)],
            )
            .await?;
            if let Some(p) = body.predecessor_id {
                check_predecessor(conn, &mut errors, p, None).await?;
            }
            errors.finish()?;
            let row = db::insert(
                conn,
                &NewPlanRow {
                    id: new_id(),
                    code: body.code.clone(),
                    title: body.title.trim().to_string(),
                    kind: body.kind.as_str().into(),
                    owner_organisation_id: body.owner_organisation_id,
                    starts_on: body.starts_on,
                    ends_on: body.ends_on,
                    status: body.status.unwrap_or(PlanStatus::Draft).as_str().into(),
                    predecessor_id: body.predecessor_id,
                },
            )
            .await
            .map_err(|e| duplicate(e, &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(format!("/api/v1/plans/{}", plan.id), &plan))
}

/// Change a plan
///
/// Editors and admins. A JSON merge patch; needs `If-Match`.
#[utoipa::path(
    tag = "plans",
    request_body(content = PlanPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Plan id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Plan, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such plan", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_plan(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<PlanPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let plan = write::change::<Plan, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let code = patch.code.required("/code", &mut errors.0);
                let title = patch.title.required("/title", &mut errors.0);
                let kind = patch.kind.required("/kind", &mut errors.0);
                let owner = patch
                    .owner_organisation_id
                    .required("/owner_organisation_id", &mut errors.0);
                let starts_on = patch.starts_on.required("/starts_on", &mut errors.0);
                let ends_on = patch.ends_on.required("/ends_on", &mut errors.0);
                let status = patch.status.required("/status", &mut errors.0);
                let predecessor = patch.predecessor_id.nullable();
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 300);
                }
                check_dates(
                    &mut errors,
                    starts_on.unwrap_or(before.starts_on),
                    ends_on.unwrap_or(before.ends_on),
                );
                if let Some(o) = owner {
                    check_org_ids(conn, &mut errors, &[("/owner_organisation_id", o)]).await?;
                }
                if let Some(Some(p)) = predecessor {
                    check_predecessor(conn, &mut errors, p, Some(id)).await?;
                }
                errors.finish()?;
                let changes = PlanChanges {
                    code: code.clone(),
                    title: title.map(|t| t.trim().to_string()),
                    kind: kind.map(|k| k.as_str().into()),
                    owner_organisation_id: owner,
                    starts_on,
                    ends_on,
                    status: status.map(|s| s.as_str().into()),
                    predecessor_id: predecessor,
                };
                db::update(conn, id, &changes)
                    .await
                    .map_err(|e| duplicate(e, code.as_deref().unwrap_or("")))?;
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&plan))
}

crate::archive_handlers! {
    module: archive,
    record: Plan, tag: "plans", id: "Plan id", write: Editor, read: Viewer,
    archive: delete_plan, "Archive a plan",
    restore: restore_plan, "Restore a plan",
    history: plan_history, "History of a plan",
    writers: "Editors and admins.", readers: "Every role may read.",
}
