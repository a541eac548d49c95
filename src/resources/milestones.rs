//! `/api/v1/milestones`: key milestones of objectives, by financial year,
//! with computed `overdue` and progress updates (`/milestones/{id}/updates`).

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::deliverable::{is_overdue, today, DeliverableStatus};
use crate::domain::period::{Period, PeriodType};
use crate::resources::objectives::{objective_refs, ObjectiveRef};
use crate::resources::organisations::{check_org_ids, OrganisationRef};
use crate::resources::progress::{self, ProgressUpdate};
use crate::resources::write::{self, Record};
use crate::store::listing::{Filter, FilterKind, ListSpec, ManualType, SortField, SortType};
use crate::store::milestones::{self as db, MilestoneChanges, MilestoneRow, NewMilestoneRow};
use crate::store::progress::Deliverable;
use crate::store::sql::DynSql;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::not_found;
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{
    created_record, new_id, ok_record, ApiJson, Ctx, IfMatch, Patch, Versioned,
};
use crate::web::validate::{sensible_date, Errors, DATE_RANGE_MESSAGE};
use crate::{page_schema, AppState};

/// A key milestone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Milestone {
    pub id: Uuid,
    pub objective_id: Uuid,
    pub objective: ObjectiveRef,
    /// The objective's plan.
    pub plan_id: Uuid,
    /// Unique within its objective, e.g. `SS1-0910-2`.
    pub code: String,
    pub title: String,
    /// The financial year it is planned in (written as a code, e.g. `FY2009-10`).
    pub financial_year: Period,
    /// Its order within the year.
    pub sequence: Option<i32>,
    /// When it is due; null when the plan gives no date (never overdue then).
    pub due_on: Option<NaiveDate>,
    /// The date as the plan wrote it, e.g. "March 2010".
    pub due_original: Option<String>,
    /// True when `due_on` falls outside `financial_year` (the plans have a few).
    pub due_outside_financial_year: bool,
    /// The lead organisation (by default the objective's).
    pub lead_organisation_id: Option<Uuid>,
    pub lead_organisation: Option<OrganisationRef>,
    /// Set by its progress update for the latest period (the latest entered
    /// breaking ties); with `as_of`, the status on that day.
    pub status: DeliverableStatus,
    /// When it was completed (status `complete` only).
    pub completed_on: Option<NaiveDate>,
    /// Due before the day asked about (`as_of`, default today) and not
    /// complete, deferred or cancelled.
    pub overdue: bool,
    /// The update that sets its status (for the latest period), if any;
    /// with `as_of`, the one that set it on that day.
    pub latest_update: Option<ProgressUpdate>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(MilestonePage, Milestone);

impl Versioned for Milestone {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Milestone {
    const TABLE: &'static str = "milestones";
    const ENTITY: &'static str = "milestone";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find_embedded(conn, id)
            .await
            .map_err(|e| not_found(e, "milestone", id))?;
        with_refs(row, today())
    }

    async fn load_locked(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find_embedded_for_update(conn, id)
            .await
            .map_err(|e| not_found(e, "milestone", id))?;
        with_refs(row, today())
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// Turns rows into the API shape: one query for what they refer to,
/// whatever the number of rows (for rows that did not come with it).
pub(crate) async fn to_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<MilestoneRow>,
    as_of: NaiveDate,
) -> ApiResult<Vec<Milestone>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut refs: std::collections::HashMap<Uuid, crate::store::sql::RawJson> =
        db::find_many_embedded(conn, &ids)
            .await?
            .into_iter()
            .map(|(r, refs)| (r.id, refs))
            .collect();
    rows.into_iter()
        .map(|r| {
            let embedded = refs.remove(&r.id).unwrap_or_default();
            with_refs((r, embedded), as_of)
        })
        .collect()
}

/// Turns milestones into what they were on `day`: each one's status,
/// completion, governing update and overdue flag then. One query.
pub(crate) async fn at_day(
    conn: &mut AsyncPgConnection,
    items: &mut [Milestone],
    day: NaiveDate,
) -> ApiResult<()> {
    let ids: Vec<Uuid> = items.iter().map(|m| m.id).collect();
    let updates =
        crate::store::progress::started_by(conn, Deliverable::Milestone(Uuid::nil()), &ids, day)
            .await?;
    for m in items {
        let mine: Vec<&crate::store::progress::ProgressRow> = updates
            .iter()
            .filter(|u| u.milestone_id == Some(m.id))
            .collect();
        let (status, completed_on, update) = progress::state_as_of(
            (m.status, m.completed_on),
            &mine,
            m.latest_update.is_some(),
            day,
        )?;
        m.status = status;
        m.completed_on = completed_on;
        m.latest_update = update;
        m.overdue = is_overdue(m.due_on, status, day);
    }
    Ok(())
}

/// The objective a milestone belongs to, as the database embeds it.
#[derive(Deserialize)]
struct EmbeddedObjective {
    #[serde(flatten)]
    objective: ObjectiveRef,
    plan_id: Uuid,
}

/// What the database embeds beside a milestone's row (`db::EMBED`).
#[derive(Deserialize)]
struct Embedded {
    objective: EmbeddedObjective,
    lead_organisation: Option<OrganisationRef>,
    latest_update: Option<crate::store::progress::ProgressRow>,
}

/// A milestone in the API's shape, from its row and what the database
/// embedded beside it.
fn with_refs(
    (r, refs): (MilestoneRow, crate::store::sql::RawJson),
    as_of: NaiveDate,
) -> ApiResult<Milestone> {
    let refs: Embedded = refs.parse()?;
    let status = DeliverableStatus::from_db(&r.status)?;
    let financial_year = crate::resources::stored_period(&r.financial_year)?;
    let latest_update = refs
        .latest_update
        .map(ProgressUpdate::try_from)
        .transpose()?;
    Ok(Milestone {
        overdue: is_overdue(r.due_on, status, as_of),
        due_outside_financial_year: r.due_on.is_some_and(|d| !financial_year.contains(d)),
        lead_organisation: refs.lead_organisation,
        plan_id: refs.objective.plan_id,
        objective: refs.objective.objective,
        financial_year,
        status,
        latest_update,
        id: r.id,
        objective_id: r.objective_id,
        code: r.code,
        title: r.title,
        sequence: r.sequence,
        due_on: r.due_on,
        due_original: r.due_original,
        lead_organisation_id: r.lead_organisation_id,
        completed_on: r.completed_on,
        notes: r.notes,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        archived_at: r.archived_at,
    })
}

/// Checks a financial-year code.
fn check_financial_year(errors: &mut Errors, code: &str) {
    match Period::parse(code) {
        Ok(p) if p.r#type == PeriodType::FinancialYear => {}
        Ok(_) => errors.add(
            "/financial_year",
            "must be a financial year, e.g. FY2009-10",
        ),
        Err(e) if e.is_rule() => errors.rule("/financial_year", e.to_string()),
        Err(e) => errors.add("/financial_year", e.to_string()),
    }
}

/// A new milestone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMilestone {
    pub objective_id: Uuid,
    /// Unique within the objective, 1–40 characters.
    #[schema(example = "SS1-0910-1")]
    pub code: String,
    /// At most 500 characters.
    pub title: String,
    /// A financial year code, e.g. `FY2009-10`.
    #[schema(example = "FY2009-10")]
    pub financial_year: String,
    #[serde(default)]
    pub sequence: Option<i32>,
    /// 1990-01-01 to 2100-12-31; null when the plan gives no date.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    pub due_original: Option<String>,
    /// Default: the objective's lead organisation.
    #[serde(default)]
    pub lead_organisation_id: Option<Uuid>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A JSON merge patch of a milestone. Its status changes only through
/// progress updates, so that every change of status has its commentary.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestonePatch {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub financial_year: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub sequence: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Patch<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub due_original: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub lead_organisation_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

/// Filters of the milestone lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct MilestoneFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// Of objectives in any of these plans (comma-separated ids).
    plan_id: Option<String>,
    /// Of any of these objectives (comma-separated ids).
    objective_id: Option<String>,
    /// In any of these financial years (comma-separated codes, e.g. `FY2009-10`).
    financial_year: Option<String>,
    /// Any of these statuses (comma-separated).
    status: Option<String>,
    /// Led by any of these organisations (comma-separated ids).
    lead_organisation_id: Option<String>,
    /// Due on or after this date.
    due_from: Option<String>,
    /// Due on or before this date.
    due_to: Option<String>,
    /// `true`: only overdue ones; `false`: only those not overdue (as of `as_of`).
    overdue: Option<bool>,
    /// Answer as on this day (`YYYY-MM-DD`; default today, Europe/London):
    /// each milestone's status is that of its latest update whose period had
    /// started by then (complete only from its `completed_on`), and
    /// `overdue` and the `status` filter are judged on it.
    as_of: Option<String>,
    /// Free text in code, title or notes.
    q: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "milestones",
    filters: &[
        Filter::new("code", FilterKind::Text("milestones.code")),
        Filter::new(
            "plan_id",
            FilterKind::UuidSql(
                "EXISTS (SELECT 1 FROM objectives o WHERE o.id = milestones.objective_id \
                 AND o.plan_id = ANY($1))",
            ),
        ),
        Filter::new("objective_id", FilterKind::Uuid("milestones.objective_id")),
        Filter::new(
            "financial_year",
            FilterKind::Text("milestones.financial_year"),
        ),
        Filter::new(
            "status",
            FilterKind::Manual(ManualType::Words(DeliverableStatus::WORDS)),
        ),
        Filter::new(
            "lead_organisation_id",
            FilterKind::Uuid("milestones.lead_organisation_id"),
        ),
        Filter::new("due_from", FilterKind::DateFrom("milestones.due_on")),
        Filter::new("due_to", FilterKind::DateTo("milestones.due_on")),
        Filter::new("overdue", FilterKind::Manual(ManualType::Bool)),
        Filter::new("as_of", FilterKind::Manual(ManualType::Date)),
        Filter::new(
            "q",
            FilterKind::Search(&["milestones.code", "milestones.title", "milestones.notes"]),
        ),
    ],
    sorts: &[
        SortField::nullable("due_on", "milestones.due_on", SortType::Date),
        SortField::new("code", "milestones.code", SortType::Text),
        SortField::new("status", "milestones.status", SortType::Text),
        SortField::new(
            "financial_year",
            "milestones.financial_year",
            SortType::Text,
        ),
        SortField::new("created_at", "milestones.created_at", SortType::Timestamp),
    ],
    default_sort: "due_on,code",
    archivable: true,
};

async fn list_response(
    req: &HttpRequest,
    state: &AppState,
    objective: Option<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut p = crate::web::page::list_params(req, LIST)?;
    let as_of = progress::AsOf::of(&p)?;
    for c in as_of.conditions(&p, Deliverable::Milestone(Uuid::nil()), "milestones.due_on")? {
        p.add_condition(c);
    }
    let mut conn = state.conn().await?;
    if let Some(id) = objective {
        crate::store::objectives::find(&mut conn, id)
            .await
            .map_err(|e| not_found(e, "objective", id))?;
        p.add_condition(
            DynSql::raw("milestones.objective_id = ")
                .bind(id.to_string())
                .sql("::uuid"),
        );
    }
    let (rows, total) = db::list_embedded(&mut conn, &p).await?;
    let mut items = rows
        .into_iter()
        .map(|row| with_refs(row, as_of.day))
        .collect::<ApiResult<Vec<_>>>()?;
    if as_of.asked {
        at_day(&mut conn, &mut items, as_of.day).await?;
    }
    Ok(p.page(items, total)?.respond(req))
}

/// List milestones
///
/// Every role may read. Across all objectives; "what is overdue" is
/// `overdue=true` (with `as_of` for another day than today). Sort on
/// `due_on` (default `due_on,code`; no date sorts last), `code`, `status`,
/// `financial_year`, `created_at`.
#[utoipa::path(
    tag = "milestones",
    params(crate::resources::ListQuery, MilestoneFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of milestones", body = MilestonePage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_milestones(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    list_response(&req, &state, None).await
}

/// List an objective's milestones
///
/// Every role may read. The same filters and sorts as `GET /milestones`.
#[utoipa::path(
    tag = "objectives",
    params(("id" = Uuid, Path, description = "Objective id"), crate::resources::ListQuery, MilestoneFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of milestones", body = MilestonePage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such objective", body = ErrorBody),
    )
)]
#[get("/{id}/milestones")]
pub async fn list_objective_milestones(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    list_response(&req, &state, Some(*id)).await
}

/// Get a milestone
///
/// `overdue` is as of today.
#[utoipa::path(
    tag = "milestones",
    params(("id" = Uuid, Path, description = "Milestone id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The milestone", body = Milestone, headers(("ETag" = String))),
        (status = 404, description = "No such milestone", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_milestone(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&Milestone::load(&mut conn, *id).await?))
}

fn duplicate(e: diesel::result::Error, code: &str) -> ApiError {
    crate::web::error::or_duplicate(e, || {
        format!("the objective already has a milestone with code {code:?}")
    })
}

fn check_due(errors: &mut Errors, due_on: Option<NaiveDate>) {
    if due_on.is_some_and(|d| !sensible_date(d)) {
        errors.rule("/due_on", DATE_RANGE_MESSAGE);
    }
}

/// Create a milestone
///
/// Editors and admins. It starts `not_started`.
#[utoipa::path(
    tag = "milestones",
    request_body = NewMilestone,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Milestone, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The code is taken in this objective", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_milestone(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewMilestone>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let milestone = write::create::<Milestone, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/title", &body.title, 500);
            check_financial_year(&mut errors, &body.financial_year);
            check_due(&mut errors, body.due_on);
            errors.opt_text("/due_original", body.due_original.as_deref(), 100);
            errors.opt_text("/notes", body.notes.as_deref(), 4000);
            let objective = objective_refs(conn, [body.objective_id]).await?;
            let objective_lead = match objective.get(&body.objective_id) {
                Some((_, row)) => row.lead_organisation_id,
                None => {
                    errors.unknown("/objective_id", "no objective has this id");
                    None
                }
            };
            if let Some(o) = body.lead_organisation_id {
                check_org_ids(conn, &mut errors, &[("/lead_organisation_id", o)]).await?;
            }
            errors.finish()?;
            let row = db::insert(
                conn,
                &NewMilestoneRow {
                    id: new_id(),
                    objective_id: body.objective_id,
                    code: body.code.clone(),
                    title: body.title.trim().into(),
                    financial_year: body.financial_year.clone(),
                    sequence: body.sequence,
                    due_on: body.due_on,
                    due_original: body.due_original.clone(),
                    lead_organisation_id: body.lead_organisation_id.or(objective_lead),
                    notes: body.notes.clone(),
                },
            )
            .await
            .map_err(|e| duplicate(e, &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/milestones/{}", milestone.id),
        &milestone,
    ))
}

/// Change a milestone
///
/// Editors and admins. A JSON merge patch; needs `If-Match`. The status
/// changes only through progress updates.
#[utoipa::path(
    tag = "milestones",
    request_body(content = MilestonePatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Milestone id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Milestone, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such milestone", body = ErrorBody),
        (status = 409, description = "The code is taken in this objective", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_milestone(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<MilestonePatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let milestone = write::change::<Milestone, _>(
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
                let financial_year = patch
                    .financial_year
                    .required("/financial_year", &mut errors.0);
                let sequence = patch.sequence.nullable();
                let due_on = patch.due_on.nullable();
                let due_original = patch.due_original.nullable();
                let lead = patch.lead_organisation_id.nullable();
                let notes = patch.notes.nullable();
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 500);
                }
                if let Some(fy) = &financial_year {
                    check_financial_year(&mut errors, fy);
                }
                check_due(&mut errors, due_on.flatten());
                errors.opt_text(
                    "/due_original",
                    due_original.clone().flatten().as_deref(),
                    100,
                );
                errors.opt_text("/notes", notes.clone().flatten().as_deref(), 4000);
                if let Some(Some(o)) = lead {
                    check_org_ids(conn, &mut errors, &[("/lead_organisation_id", o)]).await?;
                }
                errors.finish()?;
                let changes = MilestoneChanges {
                    code: code.clone(),
                    title: title.map(|t| t.trim().into()),
                    financial_year,
                    sequence,
                    due_on,
                    due_original,
                    lead_organisation_id: lead,
                    notes,
                    ..MilestoneChanges::default()
                };
                db::update(conn, id, &changes)
                    .await
                    .map_err(|e| duplicate(e, code.as_deref().unwrap_or(&before.code)))?;
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&milestone))
}

crate::archive_handlers! {
    module: archive,
    record: Milestone, tag: "milestones", id: "Milestone id", write: Editor, read: Viewer,
    archive: delete_milestone, "Archive a milestone",
    restore: restore_milestone, "Restore a milestone",
    history: milestone_history, "History of a milestone",
    writers: "Editors and admins.", readers: "Every role may read.",
}

mod updates {
    use super::*;
    use actix_web::{delete, patch};

    crate::progress_handlers! {
        record: Milestone, tag: "milestones", id: "Milestone id",
        list: list_milestone_updates, "Progress updates of a milestone",
        get: get_milestone_update, "Get one progress update of a milestone",
        create: create_milestone_update, "Report progress on a milestone"
            + "Editors and admins for any milestone; a contributor only for milestones its organisation leads. The update becomes the milestone's status (and `completed_on` for `complete`). `If-Match` is checked when given.",
        missing: "No such milestone", missing_update: "No such update of this milestone",
        forbidden: "Not an editor, and not a contributor of the lead organisation",
        patch: update_milestone_update, delete: withdraw_milestone_update,
    }
}
pub use updates::*;

impl progress::Reportable for Milestone {
    const COLLECTION: &'static str = "/api/v1/milestones";

    fn deliverable(id: Uuid) -> Deliverable {
        Deliverable::Milestone(id)
    }

    fn leads(&self) -> Vec<&OrganisationRef> {
        self.lead_organisation.iter().collect()
    }

    fn lock_scope(id: Uuid) -> crate::store::reporting::Scope {
        crate::store::reporting::Scope::Milestone(id)
    }
}
