//! Sign-off and its snapshots: an admin signs off a closed cycle's report,
//! which freezes its exact JSON and SHA-256; a snapshot renders the same in
//! every format forever, and two snapshots can be compared.

use std::collections::BTreeMap;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{respond, Report, ReportKind};
use crate::domain::period::{Period, PeriodType};
use crate::resources::reporting::{move_to, CycleStatus, ReportingCycle};
use crate::store::listing::{Filter, FilterKind, ListSpec, SortField, SortType};
use crate::store::schema::{plans, report_snapshots, reporting_cycles};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::web::http::{new_id, Ctx, OptionalIfMatch};
use crate::AppState;

/// A signed-off report, frozen.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportSnapshot {
    pub id: Uuid,
    /// The reporting cycle signed off.
    pub cycle_id: Uuid,
    pub plan_id: Uuid,
    /// The cycle's period.
    pub period: Period,
    pub report: ReportKind,
    /// The SHA-256 of the report's JSON as stored (`content_url` answers
    /// exactly those bytes), in lower-case hex.
    pub sha256: String,
    /// Who signed it off: the token's `sub`, name and organisation.
    pub signed_off_by_sub: String,
    pub signed_off_by_name: Option<String>,
    pub signed_off_by_org: Option<String>,
    pub signed_off_at: DateTime<Utc>,
    /// Where the report is: its exact JSON, or as CSV or HTML.
    pub content_url: String,
}

#[derive(Debug, Clone, Queryable)]
struct SnapshotRow {
    id: Uuid,
    cycle_id: Uuid,
    report: String,
    body: String,
    sha256: String,
    signed_off_by_sub: String,
    signed_off_by_name: Option<String>,
    signed_off_by_org: Option<String>,
    signed_off_at: DateTime<Utc>,
    plan_id: Uuid,
    period: String,
}

impl SnapshotRow {
    fn kind(&self) -> ApiResult<ReportKind> {
        ReportKind::from_db(&self.report)
    }

    fn dto(&self) -> ApiResult<ReportSnapshot> {
        Ok(ReportSnapshot {
            id: self.id,
            cycle_id: self.cycle_id,
            plan_id: self.plan_id,
            period: crate::resources::stored_period(&self.period)?,
            report: self.kind()?,
            sha256: self.sha256.clone(),
            signed_off_by_sub: self.signed_off_by_sub.clone(),
            signed_off_by_name: self.signed_off_by_name.clone(),
            signed_off_by_org: self.signed_off_by_org.clone(),
            signed_off_at: self.signed_off_at,
            content_url: format!("/api/v1/reports/snapshots/{}/content", self.id),
        })
    }
}

/// The columns of a [`SnapshotRow`].
macro_rules! snapshot_columns {
    () => {
        (
            report_snapshots::id,
            report_snapshots::cycle_id,
            report_snapshots::report,
            report_snapshots::body,
            report_snapshots::sha256,
            report_snapshots::signed_off_by_sub,
            report_snapshots::signed_off_by_name,
            report_snapshots::signed_off_by_org,
            report_snapshots::signed_off_at,
            reporting_cycles::plan_id,
            reporting_cycles::period,
        )
    };
}

async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<SnapshotRow> {
    report_snapshots::table
        .inner_join(reporting_cycles::table)
        .filter(report_snapshots::id.eq(id))
        .select(snapshot_columns!())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("no report snapshot with id {id}")))
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "report_snapshots",
    filters: &[
        Filter::new("cycle_id", FilterKind::Uuid("report_snapshots.cycle_id")),
        Filter::new("plan_id", FilterKind::Uuid("reporting_cycles.plan_id")),
        Filter::new(
            "report",
            FilterKind::Vocab("report_snapshots.report", ReportKind::WORDS),
        ),
    ],
    sorts: &[SortField::new(
        "signed_off_at",
        "report_snapshots.signed_off_at",
        SortType::Timestamp,
    )],
    default_sort: "-signed_off_at",
    archivable: false,
};

/// Filters of `GET /reports/snapshots`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SnapshotFilters {
    /// Of any of these cycles (comma-separated ids).
    cycle_id: Option<String>,
    /// Of any of these plans (comma-separated ids).
    plan_id: Option<String>,
    /// Any of these reports (comma-separated).
    report: Option<String>,
}

crate::page_schema!(ReportSnapshotPage, ReportSnapshot);

/// Report snapshots
///
/// Every role may read. Every sign-off's snapshot, newest first by default
/// (`sort=signed_off_at` for oldest first); filter by `cycle_id`, `plan_id`
/// and `report`.
#[utoipa::path(
    tag = "reporting",
    params(crate::resources::ListQuery, SnapshotFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of snapshots", body = ReportSnapshotPage,
         headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("/snapshots")]
pub async fn list_report_snapshots(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = crate::web::page::list_params(&req, LIST)?;
    let mut conn = state.conn().await?;
    let source = report_snapshots::table.inner_join(reporting_cycles::table);
    let rows: Vec<SnapshotRow> = crate::paged!(@page source, p)
        .select(snapshot_columns!())
        .load(&mut conn)
        .await?;
    let total = crate::paged!(@count &mut conn, source, p);
    let items = rows
        .iter()
        .map(SnapshotRow::dto)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

/// The SHA-256 of a text, in lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// Sign off a reporting cycle
///
/// Admin only. The cycle must be closed. Computes the cycle's report as at
/// its period's end (the improvement plan's progress report for an
/// improvement plan, else the annual review for a year and the quarterly
/// report for a quarter), stores its exact JSON with its SHA-256 as an
/// immutable snapshot, and moves the cycle to `signed_off` (its period
/// stays locked). Sends the `report.signed_off` webhook event. A cycle
/// reopened and closed again can be signed off again: each sign-off keeps
/// its own snapshot. `If-Match` (the cycle's `ETag`) is checked when given.
#[utoipa::path(
    tag = "reporting",
    params(("id" = Uuid, Path, description = "Cycle id"), crate::resources::OptionalIfMatchHeader, crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Signed off: the snapshot", body = ReportSnapshot, headers(("Location" = String))),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such cycle", body = ErrorBody),
        (status = 409, description = "The cycle is not closed, or is archived", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
    )
)]
#[post("/{id}/sign-off")]
pub async fn sign_off_reporting_cycle(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Admin)?;
    let id = *id;
    let actor = ctx.actor();
    let user = ctx.user.clone();
    let mut conn = state.conn().await?;
    let snapshot = conn
        .transaction::<ReportSnapshot, ApiError, _>(async move |conn| {
            let cycle: ReportingCycle = move_to(
                conn,
                &actor,
                id,
                if_match.0.as_ref(),
                &[CycleStatus::Closed],
                CycleStatus::SignedOff,
            )
            .await?;
            let plan_kind: String = plans::table
                .find(cycle.plan_id)
                .select(plans::kind)
                .first(conn)
                .await?;
            let kind = if plan_kind == "improvement_plan" {
                ReportKind::Improvement
            } else if cycle.period.r#type == PeriodType::FinancialYear {
                ReportKind::Annual
            } else {
                ReportKind::Quarterly
            };
            let report = Report::build(conn, kind, cycle.plan_id, &cycle.period).await?;
            let body = serde_json::to_string(&report)
                .map_err(|e| ApiError::Internal(format!("a report as JSON: {e}")))?;
            let snapshot_id = new_id();
            diesel::insert_into(report_snapshots::table)
                .values((
                    report_snapshots::id.eq(snapshot_id),
                    report_snapshots::cycle_id.eq(cycle.id),
                    report_snapshots::report.eq(kind.as_str()),
                    report_snapshots::sha256.eq(sha256_hex(&body)),
                    report_snapshots::body.eq(&body),
                    report_snapshots::signed_off_by_sub.eq(&user.sub),
                    report_snapshots::signed_off_by_name.eq(user.name.as_deref()),
                    report_snapshots::signed_off_by_org.eq(Some(&user.org)),
                ))
                .execute(conn)
                .await?;
            let snapshot = find(conn, snapshot_id).await?.dto()?;
            crate::store::audit::record::<(), _>(
                conn,
                &actor,
                "create",
                "report_snapshot",
                snapshot_id,
                None,
                Some(&snapshot),
            )
            .await?;
            let data = serde_json::to_value(&snapshot)
                .map_err(|e| ApiError::Internal(format!("a snapshot as JSON: {e}")))?;
            diesel::sql_query("SELECT enqueue_webhook('report.signed_off', $1)")
                .bind::<diesel::sql_types::Jsonb, _>(data)
                .execute(conn)
                .await?;
            Ok(snapshot)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/reports/snapshots/{}", snapshot.id),
        ))
        .json(snapshot))
}

/// Get a report snapshot
///
/// Every role may read. Who signed off which report when, and its SHA-256;
/// `content_url` answers the report itself.
#[utoipa::path(
    tag = "reporting",
    params(("id" = Uuid, Path, description = "Snapshot id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The snapshot", body = ReportSnapshot),
        (status = 404, description = "No such snapshot", body = ErrorBody),
    )
)]
#[get("/snapshots/{id}")]
pub async fn get_report_snapshot(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(HttpResponse::Ok().json(find(&mut conn, *id).await?.dto()?))
}

/// `section=` of a snapshot's content.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ContentQuery {
    /// CSV only: the section to export; without it, the list of sections.
    pub section: Option<String>,
}

/// A snapshot's report
///
/// Every role may read. As JSON, exactly the bytes signed off (their
/// SHA-256 is the snapshot's `sha256`, and the `ETag`); as CSV or a
/// printable HTML page rendered from them, the same whatever has changed
/// since. Formats as the quarterly report's.
#[utoipa::path(
    tag = "reporting",
    params(("id" = Uuid, Path, description = "Snapshot id"), ContentQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report as signed off",
         content((super::QuarterlyReport = "application/json"), (String = "text/csv"), (String = "text/html")),
         headers(("ETag" = String, description = "The SHA-256 of the JSON, quoted"))),
        (status = 400, description = "Unknown query parameter, or an unknown section", body = ErrorBody),
        (status = 404, description = "No such snapshot", body = ErrorBody),
    )
)]
#[get("/snapshots/{id}/content")]
pub async fn get_report_snapshot_content(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let q = serde_urlencoded::from_str::<ContentQuery>(req.query_string())
        .map_err(|e| ApiError::InvalidQuery(format!("{e}; this accepts: section")))?;
    let mut conn = state.conn().await?;
    let row = find(&mut conn, *id).await?;
    let report = Report::parse(row.kind()?, &row.body)?;
    let footer = format!(
        "Signed off by {} ({}) at {}. SHA-256 {}.",
        row.signed_off_by_name
            .as_deref()
            .unwrap_or(&row.signed_off_by_sub),
        row.signed_off_by_org
            .as_deref()
            .unwrap_or("no organisation"),
        row.signed_off_at.format("%Y-%m-%d %H:%M UTC"),
        row.sha256
    );
    let filename = format!("{}-{}-signed-off", row.report, row.period);
    let mut res = respond(
        &req,
        &report,
        row.body.clone(),
        q.section.as_deref(),
        &footer,
        &filename,
    )?;
    res.headers_mut().insert(
        actix_web::http::header::ETAG,
        actix_web::http::header::HeaderValue::from_str(&format!("\"{}\"", row.sha256))
            .map_err(|e| ApiError::Internal(format!("an ETag: {e}")))?,
    );
    Ok(res)
}

/// `against=` of a diff.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// The snapshot to compare with (the earlier one, usually).
    pub against: Uuid,
}

/// One difference between two snapshots.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SnapshotChange {
    /// Where in the report, as a JSON pointer whose array steps are the
    /// items' codes (`/indicators/NI59/actual`,
    /// `/objectives/SS1/milestones/SS1-0910-1/status`, `/key_developments/text`).
    pub path: String,
    /// In `against` (any JSON value); null when absent there.
    #[schema(required = true)]
    pub before: Option<serde_json::Value>,
    /// In this snapshot (any JSON value); null when absent here.
    #[schema(required = true)]
    pub after: Option<serde_json::Value>,
}

/// What changed between two snapshots.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SnapshotDiff {
    pub snapshot_id: Uuid,
    pub against: Uuid,
    /// Every value that differs (statuses, figures, narrative, updates),
    /// in path order; empty when the two say the same.
    pub changes: Vec<SnapshotChange>,
}

/// An RFC 6901 pointer step.
fn step(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The key of an array item: its code, reference, period or id.
fn item_key(v: &serde_json::Value, i: usize) -> String {
    ["code", "ref", "period", "id", "series"]
        .iter()
        .find_map(|k| v.get(*k).and_then(|x| x.as_str()).map(str::to_string))
        .unwrap_or_else(|| i.to_string())
}

fn flatten(v: &serde_json::Value, path: &str, out: &mut BTreeMap<String, serde_json::Value>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                // When it was computed is not what it says.
                if path.is_empty() && k == "generated_at" {
                    continue;
                }
                flatten(v, &format!("{path}/{}", step(k)), out);
            }
        }
        serde_json::Value::Array(items) => {
            if items.iter().all(|i| !i.is_object()) {
                out.insert(path.to_string(), v.clone());
                return;
            }
            for (i, item) in items.iter().enumerate() {
                flatten(item, &format!("{path}/{}", step(&item_key(item, i))), out);
            }
        }
        scalar => {
            out.insert(path.to_string(), scalar.clone());
        }
    }
}

/// The differences between two reports' JSON.
pub fn diff(before: &serde_json::Value, after: &serde_json::Value) -> Vec<SnapshotChange> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten(before, "", &mut a);
    flatten(after, "", &mut b);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| SnapshotChange {
            path: p.clone(),
            before: a.get(p).cloned(),
            after: b.get(p).cloned(),
        })
        .collect()
}

/// Compare two snapshots
///
/// Every role may read. What differs between the report in `against` and
/// this one: each status, figure, narrative text and update that changed,
/// appeared or went, by its path. The two must be the same kind of report.
#[utoipa::path(
    tag = "reporting",
    params(("id" = Uuid, Path, description = "Snapshot id"), DiffQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The differences", body = SnapshotDiff),
        (status = 400, description = "`against` missing or not a UUID, or an unknown query parameter", body = ErrorBody),
        (status = 404, description = "No such snapshot", body = ErrorBody),
        (status = 422, description = "The two are different kinds of report", body = ErrorBody),
    )
)]
#[get("/snapshots/{id}/diff")]
pub async fn diff_report_snapshots(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let q = serde_urlencoded::from_str::<DiffQuery>(req.query_string()).map_err(|e| {
        ApiError::InvalidQuery(format!("{e}; this accepts: against (a snapshot id)"))
    })?;
    let mut conn = state.conn().await?;
    let this = find(&mut conn, *id).await?;
    let other = find(&mut conn, q.against).await?;
    if this.report != other.report {
        return Err(ApiError::RuleViolated(vec![FieldError::new(
            "?against",
            format!(
                "is a {} report; this snapshot is a {} report",
                other.report, this.report
            ),
        )]));
    }
    let parse = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s)
            .map_err(|e| ApiError::Internal(format!("a stored report: {e}")))
    };
    Ok(HttpResponse::Ok().json(SnapshotDiff {
        snapshot_id: this.id,
        against: other.id,
        changes: diff(&parse(&other.body)?, &parse(&this.body)?),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_changed_items_by_their_codes() {
        let a = json!({"generated_at": "x", "indicators": [{"ref": "NI59", "actual": 80.0}],
                       "key_developments": null, "tags": ["a"]});
        let b = json!({"generated_at": "y", "indicators": [{"ref": "NI59", "actual": 82.5}],
                       "key_developments": {"text": "New"}, "tags": ["a"]});
        let changes = diff(&a, &b);
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/indicators/NI59/actual",
                "/key_developments",
                "/key_developments/text"
            ]
        );
        assert_eq!(changes[0].before, Some(json!(80.0)));
        assert_eq!(changes[0].after, Some(json!(82.5)));
        assert!(diff(&a, &a).is_empty());
    }

    #[test]
    fn sha256_is_lower_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
