//! Progress updates, shared by every kind of deliverable (milestones now,
//! improvement actions): the record, its validation, who may post it,
//! and how it sets the deliverable's status.

use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Date, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::deliverable::{today, DeliverableStatus};
use crate::domain::period::{Period, PeriodType};
use crate::page_schema;
use crate::resources::organisations::OrganisationRef;
use crate::resources::write::Record;
use crate::store::audit;
use crate::store::listing::{ListSpec, SortField, SortType};
use crate::store::progress::{self as db, Deliverable, NewProgressRow, ProgressRow};
use crate::store::sql::DynSql;
use crate::web::auth::AuthUser;
use crate::web::error::{ApiError, ApiResult};
use crate::web::http::{new_id, Actor};
use crate::web::validate::{sensible_date, Errors, DATE_RANGE_MESSAGE};

/// A progress report on a deliverable.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProgressUpdate {
    pub id: Uuid,
    /// The quarter reported on (written as a code, e.g. `FY2009-10-Q2`).
    pub period: Period,
    /// The status reported; the newest update's is the deliverable's.
    pub status: DeliverableStatus,
    /// What happened, what is next.
    pub commentary: Option<String>,
    /// When it was completed (status `complete` only).
    pub completed_on: Option<NaiveDate>,
    /// The token `sub` of the author.
    pub author_sub: String,
    /// The token `name` of the author, where it had one.
    pub author_name: Option<String>,
    /// The author's organisation code.
    pub author_org: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

page_schema!(ProgressUpdatePage, ProgressUpdate);

impl TryFrom<ProgressRow> for ProgressUpdate {
    type Error = ApiError;

    fn try_from(r: ProgressRow) -> ApiResult<Self> {
        Ok(ProgressUpdate {
            period: Period::parse(&r.period)
                .map_err(|e| ApiError::Internal(format!("stored period: {e}")))?,
            status: DeliverableStatus::from_db(&r.status)?,
            id: r.id,
            commentary: r.commentary,
            completed_on: r.completed_on,
            author_sub: r.author_sub,
            author_name: r.author_name,
            author_org: r.author_org,
            created_at: r.created_at,
        })
    }
}

/// A new progress report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProgressUpdate {
    /// The quarter reported on, e.g. `FY2009-10-Q2`.
    #[schema(example = "FY2009-10-Q2")]
    pub period: String,
    pub status: DeliverableStatus,
    /// At most 4000 characters.
    #[serde(default)]
    pub commentary: Option<String>,
    /// Required for `complete` (not in the future), refused otherwise.
    #[serde(default)]
    pub completed_on: Option<NaiveDate>,
}

/// Query of a deliverable's updates.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UpdateQuery {
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// `-created_at` (default, newest first) or `created_at`.
    sort: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "progress_updates",
    filters: &[],
    sorts: &[SortField::new(
        "created_at",
        "progress_updates.created_at",
        SortType::Timestamp,
    )],
    default_sort: "-created_at",
    archivable: false,
};

/// One page of a deliverable's updates.
pub async fn list(
    req: &HttpRequest,
    conn: &mut AsyncPgConnection,
    of: Deliverable,
) -> ApiResult<HttpResponse> {
    let p = crate::web::page::list_params(req, LIST)?;
    let (rows, total) = db::list(conn, of, &p).await?;
    let items = rows
        .into_iter()
        .map(ProgressUpdate::try_from)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(req))
}

/// One update of a deliverable; 404 when it belongs to another.
pub async fn get(
    conn: &mut AsyncPgConnection,
    of: Deliverable,
    update_id: Uuid,
) -> ApiResult<ProgressUpdate> {
    let missing = || ApiError::NotFound(format!("no update {update_id} of this deliverable"));
    let row = db::find(conn, update_id).await.map_err(|e| match e {
        diesel::result::Error::NotFound => missing(),
        e => e.into(),
    })?;
    if !of.owns(&row) {
        return Err(missing());
    }
    ProgressUpdate::try_from(row)
}

fn validate(body: &NewProgressUpdate) -> ApiResult<()> {
    let mut errors = Errors::new();
    match Period::parse(&body.period) {
        Ok(p) if p.r#type == PeriodType::FinancialQuarter => {}
        Ok(_) => errors.add("/period", "must be a financial quarter, e.g. FY2009-10-Q2"),
        Err(e) if e.is_rule() => errors.rule("/period", e.to_string()),
        Err(e) => errors.add("/period", e.to_string()),
    }
    errors.opt_text("/commentary", body.commentary.as_deref(), 4000);
    match (body.status, body.completed_on) {
        (DeliverableStatus::Complete, None) => {
            errors.rule("/completed_on", "is required when the status is complete")
        }
        (DeliverableStatus::Complete, Some(d)) if !sensible_date(d) => {
            errors.rule("/completed_on", DATE_RANGE_MESSAGE)
        }
        (DeliverableStatus::Complete, Some(d)) if d > today() => {
            errors.rule("/completed_on", "may not be in the future")
        }
        (DeliverableStatus::Complete, Some(_)) | (_, None) => {}
        (_, Some(_)) => errors.rule("/completed_on", "is only for the status complete"),
    }
    errors.finish()
}

/// Records an update of the deliverable `before` (already locked and
/// authorized by the caller, inside its transaction), sets its status and
/// writes the audit entries.
pub async fn record<R: Record>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    user: &AuthUser,
    of: Deliverable,
    before: &R,
    body: NewProgressUpdate,
) -> ApiResult<ProgressUpdate> {
    validate(&body)?;
    let period = Period::parse(&body.period)
        .map_err(|e| ApiError::Internal(format!("validated period: {e}")))?;
    let id = of.id();
    let row = db::insert(
        conn,
        &NewProgressRow {
            id: new_id(),
            milestone_id: matches!(of, Deliverable::Milestone(_)).then_some(id),
            improvement_action_id: matches!(of, Deliverable::ImprovementAction(_)).then_some(id),
            period: body.period,
            period_starts_on: period.starts_on,
            period_ends_on: period.ends_on,
            status: body.status.as_str().into(),
            commentary: body.commentary,
            completed_on: body.completed_on,
            author_sub: user.sub.clone(),
            author_name: user.name.clone(),
            author_org: Some(user.org.clone()),
        },
    )
    .await?;
    diesel::sql_query(format!(
        "UPDATE {} SET status = $1, completed_on = $2, version = version + 1, updated_at = now() \
         WHERE id = $3",
        R::TABLE
    ))
    .bind::<Text, _>(body.status.as_str())
    .bind::<Nullable<Date>, _>(body.completed_on)
    .bind::<SqlUuid, _>(id)
    .execute(conn)
    .await?;
    let after = R::load(conn, id).await?;
    let update = ProgressUpdate::try_from(row)?;
    audit::record(
        conn,
        actor,
        "status",
        R::ENTITY,
        id,
        Some(before),
        Some(&after),
    )
    .await?;
    audit::record::<(), _>(
        conn,
        actor,
        "create",
        "progress_update",
        update.id,
        None,
        Some(&update),
    )
    .await?;
    Ok(update)
}

/// The overdue rule as SQL: `due` (a date expression) before `as_of` and
/// `status` open; or, with `overdue = false`, its negation (no date included).
pub fn overdue_sql(due: &str, status: &str, as_of: NaiveDate, overdue: bool) -> DynSql {
    let cond = DynSql::raw(format!("({due}) < "))
        .bind(as_of.to_string())
        .sql(format!(
            "::date AND {status} NOT IN ({})",
            crate::domain::deliverable::closed_sql_list()
        ));
    if overdue {
        cond
    } else {
        DynSql::raw("NOT (")
            .push(cond)
            .sql(format!(") OR ({due}) IS NULL"))
    }
}

/// A deliverable that takes progress updates (milestones, improvement actions).
pub trait Reportable: Record {
    /// Where its updates live, for `Location` headers, e.g. `/api/v1/milestones`.
    const COLLECTION: &'static str;
    /// Its updates' owner in `progress_updates`.
    fn deliverable(id: Uuid) -> Deliverable;
    /// The organisations whose contributors may report on it.
    fn leads(&self) -> Vec<&OrganisationRef>;
}

/// `GET .../{id}/updates` of any deliverable.
pub async fn list_for<R: Reportable>(
    req: &HttpRequest,
    state: &crate::AppState,
    id: Uuid,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    R::load(&mut conn, id).await?;
    list(req, &mut conn, R::deliverable(id)).await
}

/// `GET .../{id}/updates/{update_id}` of any deliverable.
pub async fn get_for<R: Reportable>(
    state: &crate::AppState,
    id: Uuid,
    update_id: Uuid,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let update = get(&mut conn, R::deliverable(id), update_id).await?;
    Ok(HttpResponse::Ok().json(update))
}

/// `POST .../{id}/updates` of any deliverable: locks it (checking `If-Match`
/// when given), checks who may report, records the update and answers 201.
pub async fn create_for<R: Reportable>(
    ctx: &crate::web::http::Ctx,
    state: &crate::AppState,
    id: Uuid,
    if_match: crate::web::http::OptionalIfMatch,
    body: NewProgressUpdate,
) -> ApiResult<HttpResponse> {
    use diesel_async::AsyncConnection;
    let scope = crate::web::policy::ReportScope::of(&ctx.user)?;
    let user = ctx.user.clone();
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let update = conn
        .transaction::<ProgressUpdate, ApiError, _>(async move |conn| {
            let before: R = crate::resources::write::lock(conn, id, if_match.0.as_ref()).await?;
            let leads: Vec<&str> = before.leads().iter().map(|o| o.code.as_str()).collect();
            scope.check(&format!("this {}", R::ENTITY), &leads)?;
            record(conn, &actor, &user, R::deliverable(id), &before, body).await
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{}/{id}/updates/{}", R::COLLECTION, update.id),
        ))
        .json(update))
}
