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
    /// The status reported. The deliverable's status is that of its update
    /// for the latest period (the latest entered breaking ties), whatever
    /// order they were entered in.
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
    /// When it was last corrected.
    pub updated_at: DateTime<Utc>,
    /// Incremented by every correction; the `ETag`.
    pub version: i32,
    /// When it was withdrawn (`DELETE`): a withdrawn update is in no list
    /// and sets no status, and keeps its history. Null while it stands.
    #[schema(required = true)]
    pub withdrawn_at: Option<DateTime<Utc>>,
}

page_schema!(ProgressUpdatePage, ProgressUpdate);

impl crate::web::http::Versioned for ProgressUpdate {
    fn version(&self) -> i32 {
        self.version
    }
}

impl TryFrom<ProgressRow> for ProgressUpdate {
    type Error = ApiError;

    fn try_from(r: ProgressRow) -> ApiResult<Self> {
        Ok(ProgressUpdate {
            period: crate::resources::stored_period(&r.period)?,
            status: DeliverableStatus::from_db(&r.status)?,
            id: r.id,
            commentary: r.commentary,
            completed_on: r.completed_on,
            author_sub: r.author_sub,
            author_name: r.author_name,
            author_org: r.author_org,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            withdrawn_at: r.withdrawn_at,
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
        Ok(p) if p.r#type == PeriodType::FinancialQuarter => {
            if p.starts_on > today() {
                errors.rule(
                    "/period",
                    format!(
                        "{} has not started (it starts on {}); progress is reported for \
                         periods that have",
                        p.code, p.starts_on
                    ),
                );
            }
        }
        Ok(_) => errors.add("/period", "must be a financial quarter, e.g. FY2009-10-Q2"),
        Err(e) if e.is_rule() => errors.rule("/period", e.to_string()),
        Err(e) => errors.add("/period", e.to_string()),
    }
    check_status(
        &mut errors,
        body.status,
        body.completed_on,
        body.commentary.as_deref(),
    );
    errors.finish()
}

// The fields an update's status and commentary must satisfy.
fn check_status(
    errors: &mut Errors,
    status: DeliverableStatus,
    completed_on: Option<NaiveDate>,
    commentary: Option<&str>,
) {
    errors.opt_text("/commentary", commentary, 4000);
    match (status, completed_on) {
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
}

/// Sets a deliverable's status (and completion date) from its governing
/// update, the one for the latest period: after any update is recorded,
/// corrected or withdrawn. With no update left it is `not_started`.
async fn set_status_from_updates(
    conn: &mut AsyncPgConnection,
    table: &str,
    of: Deliverable,
) -> ApiResult<()> {
    let governing = db::governing(conn, of).await?;
    let (status, completed_on) = governing.map_or(
        (DeliverableStatus::NotStarted.as_str().to_string(), None),
        |g| (g.status, g.completed_on),
    );
    diesel::sql_query(format!(
        "UPDATE {table} SET status = $1, completed_on = $2, version = version + 1, \
         updated_at = now() WHERE id = $3"
    ))
    .bind::<Text, _>(status)
    .bind::<Nullable<Date>, _>(completed_on)
    .bind::<SqlUuid, _>(of.id())
    .execute(conn)
    .await?;
    Ok(())
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
            objective_id: matches!(of, Deliverable::Objective(_)).then_some(id),
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
    set_status_from_updates(conn, R::TABLE, of).await?;
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
/// `status` (an SQL expression) open; or, with `overdue = false`, its
/// negation (no date included).
pub fn overdue_sql(due: &str, status: DynSql, as_of: NaiveDate, overdue: bool) -> DynSql {
    let cond = DynSql::raw(format!("({due}) < "))
        .bind(as_of.to_string())
        .sql("::date AND (")
        .push(status)
        .sql(format!(
            ") NOT IN ({})",
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

/// The day a deliverable list or roll-up answers for: `as_of`, or today.
#[derive(Debug, Clone, Copy)]
pub struct AsOf {
    pub day: NaiveDate,
    /// Whether a day was asked for. Then statuses are the statuses on that
    /// day (point in time); otherwise the stored ones, which are today's.
    pub asked: bool,
}

impl AsOf {
    /// The `as_of` of a list request.
    pub fn of(p: &crate::store::listing::ListParams) -> ApiResult<AsOf> {
        Ok(match p.filter("as_of") {
            Some(d) => AsOf {
                day: crate::store::listing::parse_date("as_of", d)?,
                asked: true,
            },
            None => AsOf {
                day: today(),
                asked: false,
            },
        })
    }

    /// SQL for a deliverable's status on the day: its stored status, or
    /// when a day was asked for, the status of its governing update then.
    pub fn status_sql(&self, of: Deliverable) -> DynSql {
        let (table, column) = (of.table(), of.column());
        if !self.asked {
            return DynSql::raw(format!("{table}.status"));
        }
        let template = db::status_as_of_sql(table, column, "\u{1}");
        let mut parts = template.split('\u{1}');
        let mut sql = DynSql::raw(parts.next().unwrap_or_default());
        for part in parts {
            sql = sql.bind(self.day.to_string()).sql("::date").sql(part);
        }
        sql
    }

    /// The `status` and `overdue` filters of a deliverable list, judged on
    /// the day. `of` names the kind (its id is not read); `due` is the
    /// due-date expression.
    pub fn conditions(
        &self,
        p: &crate::store::listing::ListParams,
        of: Deliverable,
        due: &str,
    ) -> ApiResult<Vec<DynSql>> {
        let mut out = Vec::new();
        if let Some(v) = p.filter("status") {
            let mut words = Vec::new();
            for w in v.split(',').map(str::trim).filter(|w| !w.is_empty()) {
                let status = DeliverableStatus::parse(w).ok_or_else(|| {
                    ApiError::InvalidQuery(format!(
                        "status: {w:?} is not one of {}",
                        DeliverableStatus::WORDS.join(", ")
                    ))
                })?;
                words.push(status.as_str());
            }
            out.push(
                DynSql::raw("(")
                    .push(self.status_sql(of))
                    .sql(") = ANY(string_to_array(")
                    .bind(words.join(","))
                    .sql(", ','))"),
            );
        }
        if let Some(v) = p.filter("overdue") {
            let overdue = crate::store::listing::parse_bool("overdue", v)?;
            out.push(overdue_sql(due, self.status_sql(of), self.day, overdue));
        }
        Ok(out)
    }
}

/// What a deliverable was on a day asked for: its status, completion date
/// and governing update then, from its own stored status and its standing
/// updates whose periods had started by then ([`db::started_by`]).
pub fn state_as_of(
    own: (DeliverableStatus, Option<NaiveDate>),
    updates: &[&ProgressRow],
    has_updates: bool,
    day: NaiveDate,
) -> ApiResult<(DeliverableStatus, Option<NaiveDate>, Option<ProgressUpdate>)> {
    let facts = updates
        .iter()
        .map(|u| {
            Ok(crate::domain::deliverable::UpdateFacts {
                period_starts_on: u.period_starts_on,
                entered: u.created_at,
                status: DeliverableStatus::from_db(&u.status)?,
                completed_on: u.completed_on,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let (status, completed_on, i) =
        crate::domain::deliverable::status_as_of(own, &facts, has_updates, day);
    let update = i
        .map(|i| ProgressUpdate::try_from(updates[i].clone()))
        .transpose()?;
    Ok((status, completed_on, update))
}

/// A deliverable that takes progress updates (milestones, improvement actions).
pub trait Reportable: Record {
    /// Where its updates live, for `Location` headers, e.g. `/api/v1/milestones`.
    const COLLECTION: &'static str;
    /// Its updates' owner in `progress_updates`.
    fn deliverable(id: Uuid) -> Deliverable;
    /// The organisations whose contributors may report on it.
    fn leads(&self) -> Vec<&OrganisationRef>;
    /// What its plan's reporting cycles lock it by.
    fn lock_scope(id: Uuid) -> crate::store::reporting::Scope;
}

/// Refuses an update's write while its period is locked (see
/// [`crate::resources::reporting::LockPass`]).
async fn check_lock<R: Reportable>(
    conn: &mut AsyncPgConnection,
    lock: &crate::resources::reporting::LockPass,
    id: Uuid,
    period: &str,
    actor: &mut Actor,
) -> ApiResult<()> {
    // A malformed period is refused by the validation that follows.
    match Period::parse(period) {
        Ok(period) => lock.check(conn, R::lock_scope(id), &period, actor).await,
        Err(_) => Ok(()),
    }
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
    Ok(crate::web::http::ok_record(&update))
}

/// `POST .../{id}/updates` of any deliverable: locks it (checking `If-Match`
/// when given), checks who may report, records the update and answers 201.
pub async fn create_for<R: Reportable>(
    req: &HttpRequest,
    ctx: &crate::web::http::Ctx,
    state: &crate::AppState,
    id: Uuid,
    if_match: crate::web::http::OptionalIfMatch,
    body: NewProgressUpdate,
) -> ApiResult<HttpResponse> {
    use diesel_async::AsyncConnection;
    let scope = crate::web::policy::ReportScope::of(&ctx.user)?;
    let lock = crate::resources::reporting::LockPass::of(req, &ctx.user)?;
    let user = ctx.user.clone();
    let mut actor = ctx.actor();
    let mut conn = state.conn().await?;
    let update = conn
        .transaction::<ProgressUpdate, ApiError, _>(async move |conn| {
            let before: R = crate::resources::write::lock(conn, id, if_match.0.as_ref()).await?;
            let leads: Vec<&str> = before.leads().iter().map(|o| o.code.as_str()).collect();
            scope.check(&format!("this {}", R::ENTITY), &leads)?;
            check_lock::<R>(conn, &lock, id, &body.period, &mut actor).await?;
            record(conn, &actor, &user, R::deliverable(id), &before, body).await
        })
        .await?;
    Ok(crate::web::http::created_record(
        format!("{}/{id}/updates/{}", R::COLLECTION, update.id),
        &update,
    ))
}

/// A correction of a progress update (JSON merge patch): the fields given
/// change. The period reported on stays; withdraw the update and post
/// another to report on a different one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressUpdatePatch {
    #[serde(default)]
    #[schema(value_type = DeliverableStatus)]
    pub status: crate::web::http::Patch<DeliverableStatus>,
    /// At most 4000 characters; null clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub commentary: crate::web::http::Patch<String>,
    /// Required for `complete` (not in the future), refused otherwise; null
    /// clears it.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub completed_on: crate::web::http::Patch<NaiveDate>,
}

/// Locks a deliverable and one of its standing updates, checks who may
/// report on it and the update's `If-Match`. Returns the deliverable as it
/// was and the update's row.
async fn lock_update<R: Reportable>(
    conn: &mut AsyncPgConnection,
    user: &AuthUser,
    id: Uuid,
    update_id: Uuid,
    if_match: &crate::web::http::IfMatch,
) -> ApiResult<(R, ProgressRow)> {
    let scope = crate::web::policy::ReportScope::of(user)?;
    let before: R = crate::resources::write::lock(conn, id, None).await?;
    let leads: Vec<&str> = before.leads().iter().map(|o| o.code.as_str()).collect();
    scope.check(&format!("this {}", R::ENTITY), &leads)?;
    let of = R::deliverable(id);
    let missing = || ApiError::NotFound(format!("no update {update_id} of this {}", R::ENTITY));
    crate::store::records::lock_row(conn, "progress_updates", update_id)
        .await?
        .ok_or_else(missing)?;
    let row = db::find(conn, update_id).await?;
    if !of.owns(&row) {
        return Err(missing());
    }
    if row.withdrawn_at.is_some() {
        return Err(ApiError::Conflict("the update is withdrawn".into()));
    }
    if_match.check(row.version)?;
    Ok((before, row))
}

/// Audits a correction or withdrawal of an update and what it did to the
/// deliverable's status.
async fn audit_change<R: Reportable>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    action: &str,
    id: Uuid,
    before: (&R, &ProgressUpdate),
    after: &ProgressUpdate,
) -> ApiResult<()> {
    set_status_from_updates(conn, R::TABLE, R::deliverable(id)).await?;
    let deliverable_after = R::load(conn, id).await?;
    audit::record(
        conn,
        actor,
        "status",
        R::ENTITY,
        id,
        Some(before.0),
        Some(&deliverable_after),
    )
    .await?;
    audit::record(
        conn,
        actor,
        action,
        "progress_update",
        after.id,
        Some(before.1),
        Some(after),
    )
    .await?;
    Ok(())
}

/// `PATCH .../{id}/updates/{update_id}` of any deliverable: corrects the
/// update and sets the deliverable's status again from its updates.
pub async fn correct_for<R: Reportable>(
    req: &HttpRequest,
    ctx: &crate::web::http::Ctx,
    state: &crate::AppState,
    id: Uuid,
    update_id: Uuid,
    if_match: crate::web::http::IfMatch,
    patch: ProgressUpdatePatch,
) -> ApiResult<HttpResponse> {
    use crate::web::http::Patch;
    use diesel_async::AsyncConnection;
    let user = ctx.user.clone();
    let lock = crate::resources::reporting::LockPass::of(req, &ctx.user)?;
    let mut actor = ctx.actor();
    let mut conn = state.conn().await?;
    let update = conn
        .transaction::<ProgressUpdate, ApiError, _>(async move |conn| {
            let (before, row) = lock_update::<R>(conn, &user, id, update_id, &if_match).await?;
            check_lock::<R>(conn, &lock, id, &row.period, &mut actor).await?;
            let mut errors = Errors::new();
            let status = patch
                .status
                .required("/status", &mut errors.0)
                .map_or_else(|| DeliverableStatus::from_db(&row.status), Ok)?;
            let commentary = match patch.commentary {
                Patch::Absent => row.commentary.clone(),
                Patch::Null => None,
                Patch::Value(c) => Some(c),
            };
            let completed_on = match patch.completed_on {
                Patch::Absent if status == DeliverableStatus::Complete => row.completed_on,
                Patch::Absent | Patch::Null => None,
                Patch::Value(d) => Some(d),
            };
            check_status(&mut errors, status, completed_on, commentary.as_deref());
            errors.finish()?;
            let was = ProgressUpdate::try_from(row.clone())?;
            let changes = db::ProgressChanges {
                status: status.as_str().to_string(),
                commentary,
                completed_on,
            };
            let row = db::correct(conn, &row, &changes)
                .await
                .map_err(crate::resources::write::changed_meanwhile)?;
            let update = ProgressUpdate::try_from(row)?;
            audit_change::<R>(conn, &actor, "update", id, (&before, &was), &update).await?;
            Ok(update)
        })
        .await?;
    Ok(crate::web::http::ok_record(&update))
}

/// `DELETE .../{id}/updates/{update_id}` of any deliverable: withdraws the
/// update and sets the deliverable's status again from the rest.
pub async fn withdraw_for<R: Reportable>(
    req: &HttpRequest,
    ctx: &crate::web::http::Ctx,
    state: &crate::AppState,
    id: Uuid,
    update_id: Uuid,
    if_match: crate::web::http::IfMatch,
) -> ApiResult<HttpResponse> {
    use diesel_async::AsyncConnection;
    let user = ctx.user.clone();
    let lock = crate::resources::reporting::LockPass::of(req, &ctx.user)?;
    let mut actor = ctx.actor();
    let mut conn = state.conn().await?;
    let update = conn
        .transaction::<ProgressUpdate, ApiError, _>(async move |conn| {
            let (before, row) = lock_update::<R>(conn, &user, id, update_id, &if_match).await?;
            check_lock::<R>(conn, &lock, id, &row.period, &mut actor).await?;
            let was = ProgressUpdate::try_from(row.clone())?;
            let row = db::withdraw(conn, &row)
                .await
                .map_err(crate::resources::write::changed_meanwhile)?;
            let update = ProgressUpdate::try_from(row)?;
            audit_change::<R>(conn, &actor, "withdraw", id, (&before, &was), &update).await?;
            Ok(update)
        })
        .await?;
    Ok(crate::web::http::ok_record(&update))
}

/// The progress-update handlers of a kind of deliverable, written once:
/// `GET`, `POST` on `/{id}/updates` and `GET`, `PATCH`, `DELETE` on
/// `/{id}/updates/{update_id}`. The calling module brings `get`, `post`,
/// `patch` and `delete` from actix-web into scope.
#[macro_export]
macro_rules! progress_handlers {
    (record: $record:ty, tag: $tag:literal, id: $id_doc:literal,
     list: $list:ident, $list_doc:literal,
     get: $get:ident, $get_doc:literal,
     create: $create:ident, $create_doc:literal + $create_more:literal,
     missing: $missing:literal, missing_update: $missing_update:literal,
     forbidden: $forbidden:literal,
     patch: $patch:ident, delete: $delete:ident $(,)?) => {
        #[doc = $list_doc]
        #[doc = ""]
        #[doc = "Every role may read. Newest first by default (`sort=created_at` for oldest first)."]
        #[utoipa::path(
            tag = $tag,
            params(("id" = Uuid, Path, description = $id_doc), $crate::resources::progress::UpdateQuery),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "One page of updates", body = $crate::resources::progress::ProgressUpdatePage),
                (status = 400, description = "Unknown or malformed query parameter", body = $crate::web::error::ErrorBody),
                (status = 404, description = $missing, body = $crate::web::error::ErrorBody),
            )
        )]
        #[get("/{id}/updates")]
        pub async fn $list(
            req: actix_web::HttpRequest,
            user: $crate::web::auth::AuthUser,
            state: actix_web::web::Data<$crate::AppState>,
            id: actix_web::web::Path<Uuid>,
        ) -> $crate::web::error::ApiResult<actix_web::HttpResponse> {
            user.require($crate::web::auth::Role::Viewer)?;
            $crate::resources::progress::list_for::<$record>(&req, &state, *id).await
        }

        #[doc = $get_doc]
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = Uuid, Path, description = $id_doc),
                ("update_id" = Uuid, Path, description = "Update id"),
            ),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "The update", body = $crate::resources::progress::ProgressUpdate),
                (status = 404, description = $missing_update, body = $crate::web::error::ErrorBody),
            )
        )]
        #[get("/{id}/updates/{update_id}")]
        pub async fn $get(
            user: $crate::web::auth::AuthUser,
            state: actix_web::web::Data<$crate::AppState>,
            path: actix_web::web::Path<(Uuid, Uuid)>,
        ) -> $crate::web::error::ApiResult<actix_web::HttpResponse> {
            user.require($crate::web::auth::Role::Viewer)?;
            let (id, update_id) = *path;
            $crate::resources::progress::get_for::<$record>(&state, id, update_id).await
        }

        #[doc = $create_doc]
        #[doc = ""]
        #[doc = $create_more]
        #[utoipa::path(
            tag = $tag,
            request_body = $crate::resources::progress::NewProgressUpdate,
            params(
                ("id" = Uuid, Path, description = $id_doc),
                $crate::resources::reporting::LockOverride,
                $crate::resources::OptionalIfMatchHeader,
                $crate::resources::IdempotencyHeader
            ),
            security(("bearer" = [])),
            responses(
                (status = 201, description = "Recorded", body = $crate::resources::progress::ProgressUpdate, headers(("Location" = String))),
                (status = 400, description = "Malformed JSON", body = $crate::web::error::ErrorBody),
                (status = 403, description = $forbidden, body = $crate::web::error::ErrorBody),
                (status = 404, description = $missing, body = $crate::web::error::ErrorBody),
                (status = 409, description = "The period is locked by a closed reporting cycle (`period_locked`)", body = $crate::web::error::ErrorBody),
                (status = 412, description = "If-Match is stale", body = $crate::web::error::ErrorBody),
                (status = 413, description = "Body over 1 MiB", body = $crate::web::error::ErrorBody),
                (status = 415, description = "Body is not JSON", body = $crate::web::error::ErrorBody),
                (status = 422, description = "Invalid fields", body = $crate::web::error::ErrorBody),
            )
        )]
        #[post("/{id}/updates")]
        pub async fn $create(
            req: actix_web::HttpRequest,
            ctx: $crate::web::http::Ctx,
            state: actix_web::web::Data<$crate::AppState>,
            id: actix_web::web::Path<Uuid>,
            if_match: $crate::web::http::OptionalIfMatch,
            body: $crate::web::http::ApiJson<$crate::resources::progress::NewProgressUpdate>,
        ) -> $crate::web::error::ApiResult<actix_web::HttpResponse> {
            $crate::resources::progress::create_for::<$record>(&req, &ctx, &state, *id, if_match, body.0).await
        }

        /// Correct a progress update
        ///
        /// Who may report on the deliverable may correct its updates: a JSON
        /// merge patch of `status`, `commentary` and `completed_on`, with
        /// `If-Match` (the update's `ETag`) required. The deliverable's
        /// status is then set again from its update for the latest period;
        /// the update's history keeps what it said.
        #[utoipa::path(
            tag = $tag,
            request_body(content = $crate::resources::progress::ProgressUpdatePatch, content_type = "application/merge-patch+json"),
            params(
                ("id" = Uuid, Path, description = $id_doc),
                ("update_id" = Uuid, Path, description = "Update id"),
                $crate::resources::reporting::LockOverride,
                $crate::resources::IfMatchHeader,
            ),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Corrected", body = $crate::resources::progress::ProgressUpdate, headers(("ETag" = String))),
                (status = 400, description = "Malformed JSON", body = $crate::web::error::ErrorBody),
                (status = 403, description = "Not an editor, and not a contributor of the lead organisation", body = $crate::web::error::ErrorBody),
                (status = 404, description = "No such update of this deliverable", body = $crate::web::error::ErrorBody),
                (status = 409, description = "The update is withdrawn, or its period is locked by a closed reporting cycle (`period_locked`)", body = $crate::web::error::ErrorBody),
                (status = 412, description = "If-Match is stale", body = $crate::web::error::ErrorBody),
                (status = 413, description = "Body over 1 MiB", body = $crate::web::error::ErrorBody),
                (status = 415, description = "Body is not JSON", body = $crate::web::error::ErrorBody),
                (status = 422, description = "Invalid fields", body = $crate::web::error::ErrorBody),
                (status = 428, description = "If-Match missing", body = $crate::web::error::ErrorBody),
            )
        )]
        #[patch("/{id}/updates/{update_id}")]
        pub async fn $patch(
            req: actix_web::HttpRequest,
            ctx: $crate::web::http::Ctx,
            state: actix_web::web::Data<$crate::AppState>,
            path: actix_web::web::Path<(Uuid, Uuid)>,
            if_match: $crate::web::http::IfMatch,
            body: $crate::web::http::ApiJson<$crate::resources::progress::ProgressUpdatePatch>,
        ) -> $crate::web::error::ApiResult<actix_web::HttpResponse> {
            ctx.require($crate::web::auth::Role::Contributor)?;
            let (id, update_id) = *path;
            $crate::resources::progress::correct_for::<$record>(&req, &ctx, &state, id, update_id, if_match, body.0).await
        }

        /// Withdraw a progress update
        ///
        /// Who may report on the deliverable may withdraw its updates
        /// (`If-Match` required): the update leaves the lists, stops
        /// counting (the deliverable's status is set again from the rest,
        /// `not_started` when none is left) and keeps its history.
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = Uuid, Path, description = $id_doc),
                ("update_id" = Uuid, Path, description = "Update id"),
                $crate::resources::reporting::LockOverride,
                $crate::resources::IfMatchHeader,
            ),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Withdrawn", body = $crate::resources::progress::ProgressUpdate, headers(("ETag" = String))),
                (status = 403, description = "Not an editor, and not a contributor of the lead organisation", body = $crate::web::error::ErrorBody),
                (status = 404, description = "No such update of this deliverable", body = $crate::web::error::ErrorBody),
                (status = 409, description = "Already withdrawn, or its period is locked by a closed reporting cycle (`period_locked`)", body = $crate::web::error::ErrorBody),
                (status = 412, description = "If-Match is stale", body = $crate::web::error::ErrorBody),
                (status = 428, description = "If-Match missing", body = $crate::web::error::ErrorBody),
            )
        )]
        #[delete("/{id}/updates/{update_id}")]
        pub async fn $delete(
            req: actix_web::HttpRequest,
            ctx: $crate::web::http::Ctx,
            state: actix_web::web::Data<$crate::AppState>,
            path: actix_web::web::Path<(Uuid, Uuid)>,
            if_match: $crate::web::http::IfMatch,
        ) -> $crate::web::error::ApiResult<actix_web::HttpResponse> {
            ctx.require($crate::web::auth::Role::Contributor)?;
            let (id, update_id) = *path;
            $crate::resources::progress::withdraw_for::<$record>(&req, &ctx, &state, id, update_id, if_match).await
        }
    };
}
