//! What is recorded against an indicator: targets per period, values
//! (observations of our own area and of comparators) and commentary, plus
//! the collection-wide value list with its CSV export and import.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::period::Period;
use crate::resources::history::{history_page, AuditPage};
use crate::resources::indicators::{
    authorize_report, find_live_row, find_row, lead_codes, leads_of, parse_period, Unit,
};
use crate::resources::write::{self, Record};
use crate::store::audit;
use crate::store::indicators::{
    self as db, CommentaryRow, CommentaryWrite, IndicatorRow, TargetRow, ValueRow, ValueWrite,
};
use crate::store::listing::{
    Filter, FilterKind, ListParams, ListSpec, ManualType, SortField, SortType,
};
use crate::store::records;
use crate::store::sql::DynSql;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::web::http::{ApiJson, Ctx, OptionalIfMatch, Versioned};
use crate::web::policy::ReportScope;
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};

vocab! {
    /// Whose figure a value is.
    Series {
        /// Our own area's figure: what targets and statuses are about.
        Area = "area",
        /// England as a whole.
        National = "national",
        /// The average of the area's statistical neighbours (similar authorities).
        StatisticalNeighbours = "statistical_neighbours",
        /// The region (North West).
        Region = "region",
        /// The boundary of the best-performing quarter of English authorities.
        EnglandTopQuartile = "england_top_quartile",
        /// The median of English authorities.
        EnglandMedian = "england_median",
        /// The boundary of the worst-performing quarter of English authorities.
        EnglandBottomQuartile = "england_bottom_quartile",
    }
}

vocab! {
    /// How far a value can be trusted.
    ValueStatus {
        /// As reported; may still change.
        Provisional = "provisional",
        /// Checked by an editor or admin.
        Validated = "validated",
    }
}

fn stored_period(code: &str) -> ApiResult<Period> {
    Period::parse(code).map_err(|e| ApiError::Internal(format!("stored period {code:?}: {e}")))
}

fn opt_note(errors: &mut Errors, pointer: &str, note: &Option<String>) -> Option<String> {
    let note = note
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        errors.add(pointer, "may be at most 2000 characters");
    }
    note
}

fn check_number(errors: &mut Errors, pointer: &str, unit: &str, value: f64) {
    if !value.is_finite() {
        errors.add(pointer, "must be a finite number");
    } else if unit == Unit::Percent.as_str() && !(0.0..=100.0).contains(&value) {
        // The indicator's unit decides, which the value's schema cannot know.
        errors.rule(
            pointer,
            format!("{value} is not a percentage: values of this indicator (unit percent) lie between 0 and 100"),
        );
    }
}

// ---------------------------------------------------------------- targets

/// The target of an indicator for one period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Target {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub period: Period,
    /// The target value, in the indicator's unit. For a cumulative
    /// indicator's quarter it is a year-to-date target.
    pub value: f64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the `ETag`.
    pub version: i32,
    /// When it was removed (`DELETE`); null while it applies.
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(TargetPage, Target);

impl Versioned for Target {
    fn version(&self) -> i32 {
        self.version
    }
}

impl write::Identified for Target {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Target {
    pub(crate) fn from_row(r: TargetRow) -> ApiResult<Target> {
        Ok(Target {
            period: stored_period(&r.period)?,
            id: r.id,
            indicator_id: r.indicator_id,
            value: r.value,
            note: r.note,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            archived_at: r.archived_at,
        })
    }
}

/// A target to set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// The target, in the indicator's unit (0–100 for `percent`).
    #[schema(example = 91.0)]
    pub value: f64,
    /// Where it comes from, caveats; at most 2000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

pub(crate) const TARGETS: ListSpec = ListSpec {
    table: "indicator_targets",
    filters: &[Filter::new(
        "period",
        FilterKind::Text("indicator_targets.period"),
    )],
    sorts: &[
        SortField::at(
            "period",
            "indicator_targets.period_starts_on",
            SortType::Date,
            "/period/starts_on",
        ),
        SortField::at(
            "period_end",
            "indicator_targets.period_ends_on",
            SortType::Date,
            "/period/ends_on",
        ),
        SortField::new(
            "updated_at",
            "indicator_targets.updated_at",
            SortType::Timestamp,
        ),
    ],
    default_sort: "period,period_end",
    archivable: true,
};

/// Query of `GET /indicators/{id}/targets`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TargetFilters {
    /// Any of these period codes (comma-separated).
    period: Option<String>,
}

/// List an indicator's targets
///
/// Every role may read. One target per period, in time order (default
/// `sort=period,period_end`: by start, then end, so a quarter comes before the
/// year it opens), or by `updated_at`. Removed targets appear with `include_archived=true`.
#[utoipa::path(
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), crate::resources::ListQuery, TargetFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of targets", body = TargetPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
    )
)]
#[get("/{id}/targets")]
pub async fn list_indicator_targets(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = ListParams::parse(req.query_string(), TARGETS)?;
    let mut conn = state.conn().await?;
    let row = find_row(&mut conn, *id).await?;
    p.add_condition(
        DynSql::raw("indicator_targets.indicator_id = ")
            .bind(row.id.to_string())
            .sql("::uuid"),
    );
    let (rows, total) = db::list_targets(&mut conn, &p).await?;
    let items = rows
        .into_iter()
        .map(Target::from_row)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Set an indicator's target for a period
///
/// Editors and admins. Creates the period's target (201) or replaces it
/// (200); a removed target comes back. `If-Match` is checked when given.
/// Audited as action `target` on entity type `indicator_target`.
#[utoipa::path(
    tag = "indicators",
    request_body = TargetBody,
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10`"),
        crate::resources::OptionalIfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Target, headers(("ETag" = String))),
        (status = 201, description = "Created", body = Target, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an editor or admin", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 409, description = "The indicator is archived", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid period or fields", body = ErrorBody),
    )
)]
#[put("/{id}/targets/{period}")]
pub async fn put_indicator_target(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: OptionalIfMatch,
    body: ApiJson<TargetBody>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, code) = path.into_inner();
    let period = parse_period("/period", &code)?;
    let body = body.0;
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let key = [id.to_string(), period.code.clone()];
    let (target, created) = conn
        .transaction::<(Target, bool), ApiError, _>(async move |conn| {
            let indicator = find_live_row(conn, id).await?;
            let mut errors = Errors::new();
            check_number(&mut errors, "/value", &indicator.unit, body.value);
            let note = opt_note(&mut errors, "/note", &body.note);
            errors.finish()?;
            let upsert = write::Upsert {
                table: "indicator_targets",
                key: &[&key[0], &key[1]],
                entity: "indicator_target",
                action: "target",
            };
            let code = period.code.clone();
            upsert
                .run(
                    conn,
                    &actor,
                    if_match.0.as_ref(),
                    move |conn| {
                        Box::pin(async move {
                            let row = db::find_target(conn, id, &code).await?;
                            row.map(|row| {
                                Ok(write::Existing {
                                    version: row.version,
                                    view: Target::from_row(row.clone())?,
                                    row,
                                })
                            })
                            .transpose()
                        })
                    },
                    move |conn, existing| {
                        Box::pin(async move {
                            let row = db::upsert_target(
                                conn,
                                existing,
                                id,
                                &period,
                                body.value,
                                note.as_deref(),
                            )
                            .await
                            .map_err(write::changed_meanwhile)?;
                            Target::from_row(row)
                        })
                    },
                )
                .await
        })
        .await?;
    Ok(upserted(
        created,
        format!("/api/v1/indicators/{id}/targets/{}", target.period.code),
        &target,
    ))
}

fn upserted<T: Serialize + Versioned>(created: bool, location: String, record: &T) -> HttpResponse {
    if created {
        crate::web::http::created_record(location, record)
    } else {
        crate::web::http::ok_record(record)
    }
}

/// Remove an indicator's target for a period
///
/// Editors and admins. Archives the target: the period then has no target
/// of its own (a quarter falls back on its financial year's), the record
/// stays for the audit trail and `PUT` sets it again. `If-Match` (the
/// target's `ETag`) is required.
#[utoipa::path(
    tag = "indicators",
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10`"),
        crate::resources::IfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed", body = Target, headers(("ETag" = String))),
        (status = 403, description = "Not an editor or admin", body = ErrorBody),
        (status = 404, description = "No such indicator, or no target for the period", body = ErrorBody),
        (status = 409, description = "The indicator is archived", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 422, description = "Invalid period", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[delete("/{id}/targets/{period}")]
pub async fn delete_indicator_target(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: crate::web::http::IfMatch,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, code) = path.into_inner();
    let period = parse_period("/period", &code)?;
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let target = conn
        .transaction::<Target, ApiError, _>(async move |conn| {
            let indicator = find_live_row(conn, id).await?;
            records::lock_key(conn, "indicator_targets", &[&id.to_string(), &period.code]).await?;
            let existing = db::find_target(conn, id, &period.code)
                .await?
                .filter(|t| t.archived_at.is_none())
                .ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "{} has no target for {}",
                        indicator.code, period.code
                    ))
                })?;
            if_match.check(existing.version)?;
            let before = Target::from_row(existing.clone())?;
            let after = Target::from_row(
                db::archive_target(conn, &existing)
                    .await
                    .map_err(write::changed_meanwhile)?,
            )?;
            audit::record(
                conn,
                &actor,
                "archive",
                "indicator_target",
                after.id,
                Some(&before),
                Some(&after),
            )
            .await?;
            Ok(after)
        })
        .await?;
    Ok(crate::web::http::ok_record(&target))
}

// ----------------------------------------------------------------- values

/// One observation of an indicator: a series' figure for a period,
/// optionally for a sub-group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndicatorValue {
    pub id: Uuid,
    pub indicator_id: Uuid,
    /// The indicator's ref, e.g. `NI59`.
    pub indicator_ref: String,
    pub period: Period,
    pub series: Series,
    /// The sub-group (e.g. `Care leavers`), or null for the whole population.
    pub breakdown: Option<String>,
    /// The figure, in the indicator's unit. For a quarter of a cumulative
    /// indicator: that quarter's own figure (the status adds them up).
    pub value: f64,
    /// What the figure was computed from, when known.
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub status: ValueStatus,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the `ETag`.
    pub version: i32,
}

page_schema!(ValuePage, IndicatorValue);

impl Versioned for IndicatorValue {
    fn version(&self) -> i32 {
        self.version
    }
}

impl write::Identified for IndicatorValue {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Record for IndicatorValue {
    const TABLE: &'static str = "indicator_values";
    const ENTITY: &'static str = "indicator_value";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find_value(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "value", id))?;
        let indicator = find_row(conn, row.indicator_id).await?;
        IndicatorValue::from_row(row, &indicator.code)
    }

    fn is_archived(&self) -> bool {
        false
    }
}

impl IndicatorValue {
    pub(crate) fn from_row(r: ValueRow, indicator_ref: &str) -> ApiResult<IndicatorValue> {
        Ok(IndicatorValue {
            period: stored_period(&r.period)?,
            series: Series::from_db(&r.series)?,
            status: ValueStatus::from_db(&r.status)?,
            id: r.id,
            indicator_id: r.indicator_id,
            indicator_ref: indicator_ref.to_string(),
            breakdown: r.breakdown,
            value: r.value,
            numerator: r.numerator,
            denominator: r.denominator,
            note: r.note,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

/// A value to record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueBody {
    /// The figure, in the indicator's unit (0–100 for `percent`).
    #[schema(example = 90.2)]
    pub value: f64,
    #[serde(default)]
    pub numerator: Option<f64>,
    #[serde(default)]
    pub denominator: Option<f64>,
    /// Default `provisional`; only editors and admins may set `validated`.
    #[serde(default)]
    pub status: Option<ValueStatus>,
    /// At most 2000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

/// Query of `PUT .../values/{series}/{period}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct BreakdownQuery {
    /// The sub-group the value is for (e.g. `Care leavers`); leave out for
    /// the whole population.
    breakdown: Option<String>,
}

fn breakdown_of(req: &HttpRequest) -> ApiResult<Option<String>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?;
    let mut breakdown = None;
    for (k, v) in pairs {
        if k != "breakdown" {
            return Err(ApiError::InvalidQuery(format!(
                "unknown query parameter {k:?}; this accepts: breakdown"
            )));
        }
        let v = v.trim().to_string();
        if v.is_empty() || v.chars().count() > 200 {
            return Err(ApiError::field(
                "?breakdown",
                "must be 1 to 200 characters; leave it out for the whole population",
            ));
        }
        breakdown = Some(v);
    }
    Ok(breakdown)
}

fn parse_series(pointer: &str, s: &str) -> ApiResult<Series> {
    Series::parse(s).ok_or_else(|| {
        ApiError::field(
            pointer,
            format!(
                "{s:?} is not a series; expected one of {}",
                Series::WORDS.join(", ")
            ),
        )
    })
}

/// Record a value
///
/// Contributors of the indicator's lead organisation, editors and admins.
/// Creates the value of `series` for `period` (and `?breakdown=`, a
/// sub-group) with 201, or replaces it with 200; the replaced figure stays in
/// the audit trail (action `value`, entity type `indicator_value`). Only
/// editors and admins set `status` `validated` or change a validated value.
/// `If-Match` is checked when given.
#[utoipa::path(
    tag = "indicators",
    request_body = ValueBody,
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("series" = Series, Path, description = "Whose figure: `area`, `national`, ..."),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10-Q1`"),
        BreakdownQuery,
        crate::resources::OptionalIfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = IndicatorValue, headers(("ETag" = String))),
        (status = 201, description = "Created", body = IndicatorValue, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON or query", body = ErrorBody),
        (status = 403, description = "Not allowed: a viewer, a contributor of another organisation, or a contributor validating", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 409, description = "The indicator is archived", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid period, series or fields (e.g. a percentage outside 0–100)", body = ErrorBody),
    )
)]
#[put("/{id}/values/{series}/{period}")]
pub async fn put_indicator_value(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String, String)>,
    if_match: OptionalIfMatch,
    body: ApiJson<ValueBody>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Contributor)?;
    let (id, series, code) = path.into_inner();
    let breakdown = breakdown_of(&req)?;
    let series = parse_series("/series", &series)?;
    let period = parse_period("/period", &code)?;
    let body = body.0;
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let user = ctx.user.clone();
    let (value, created) = conn
        .transaction::<(IndicatorValue, bool), ApiError, _>(async move |conn| {
            let indicator = authorize_report(conn, &user, id).await?;
            let mut errors = Errors::new();
            check_number(&mut errors, "/value", &indicator.unit, body.value);
            for (p, v) in [
                ("/numerator", body.numerator),
                ("/denominator", body.denominator),
            ] {
                if v.is_some_and(|v| !v.is_finite()) {
                    errors.add(p, "must be a finite number");
                }
            }
            let note = opt_note(&mut errors, "/note", &body.note);
            errors.finish()?;
            let status = body.status.unwrap_or(ValueStatus::Provisional);
            let whole = if breakdown.is_some() {
                "sub-group"
            } else {
                "whole"
            };
            let key = [
                id.to_string(),
                series.as_str().to_string(),
                breakdown.clone().unwrap_or_default(),
                period.code.clone(),
                whole.to_string(),
            ];
            let upsert = write::Upsert {
                table: "indicator_values",
                key: &[&key[0], &key[1], &key[2], &key[3], &key[4]],
                entity: "indicator_value",
                action: "value",
            };
            let lookup = [(
                id,
                series.as_str().to_string(),
                breakdown.clone(),
                period.code.clone(),
            )];
            let code = indicator.code.clone();
            upsert
                .run(
                    conn,
                    &actor,
                    if_match.0.as_ref(),
                    move |conn| {
                        Box::pin(async move {
                            let row = db::find_values(conn, &lookup).await?.pop();
                            row.map(|row| {
                                Ok(write::Existing {
                                    version: row.version,
                                    view: IndicatorValue::from_row(row.clone(), &code)?,
                                    row,
                                })
                            })
                            .transpose()
                        })
                    },
                    move |conn, existing| {
                        Box::pin(async move {
                            ReportScope::of(&user)?.check_value_status(
                                status.as_str(),
                                existing.map(|v| v.status.as_str()),
                            )?;
                            let w = ValueWrite {
                                indicator_id: id,
                                period: &period,
                                series: series.as_str(),
                                breakdown: breakdown.as_deref(),
                                value: body.value,
                                numerator: body.numerator,
                                denominator: body.denominator,
                                status: status.as_str(),
                                note: note.as_deref(),
                            };
                            let row = db::upsert_value(conn, existing, &w)
                                .await
                                .map_err(write::changed_meanwhile)?;
                            IndicatorValue::from_row(row, &indicator.code)
                        })
                    },
                )
                .await
        })
        .await?;
    let mut location = format!(
        "/api/v1/indicators/{id}/values/{}/{}",
        value.series, value.period.code
    );
    if let Some(b) = &value.breakdown {
        location.push_str("?breakdown=");
        location.push_str(&serde_urlencoded::to_string([("", b)]).unwrap_or_default()[1..]);
    }
    Ok(upserted(created, location, &value))
}

async fn write_value(
    conn: &mut AsyncPgConnection,
    actor: &crate::web::http::Actor,
    indicator: &IndicatorRow,
    existing: Option<&ValueRow>,
    w: &ValueWrite<'_>,
) -> ApiResult<(IndicatorValue, bool)> {
    let before = existing
        .cloned()
        .map(|r| IndicatorValue::from_row(r, &indicator.code))
        .transpose()?;
    let row = db::upsert_value(conn, existing, w)
        .await
        .map_err(write::changed_meanwhile)?;
    let after = IndicatorValue::from_row(row, &indicator.code)?;
    audit::record(
        conn,
        actor,
        "value",
        "indicator_value",
        after.id,
        before.as_ref(),
        Some(&after),
    )
    .await?;
    Ok((after, existing.is_none()))
}

pub(crate) const VALUES: ListSpec = ListSpec {
    table: "indicator_values",
    filters: &[
        Filter::new(
            "indicator_id",
            FilterKind::Uuid("indicator_values.indicator_id"),
        ),
        Filter::new("indicator_ref", FilterKind::Text("indicators.code")),
        Filter::new(
            "series",
            FilterKind::Vocab("indicator_values.series", Series::WORDS),
        ),
        Filter::new("period", FilterKind::Text("indicator_values.period")),
        Filter::new(
            "status",
            FilterKind::Vocab("indicator_values.status", ValueStatus::WORDS),
        ),
        Filter::new("breakdown", FilterKind::Manual(ManualType::Text)),
        Filter::new("from", FilterKind::Manual(ManualType::Period)),
        Filter::new("to", FilterKind::Manual(ManualType::Period)),
    ],
    sorts: &[
        SortField::new("indicator_ref", "indicators.code", SortType::Text),
        SortField::at(
            "period",
            "indicator_values.period_starts_on",
            SortType::Date,
            "/period/starts_on",
        ),
        SortField::at(
            "period_end",
            "indicator_values.period_ends_on",
            SortType::Date,
            "/period/ends_on",
        ),
        SortField::new("series", "indicator_values.series", SortType::Text),
        SortField::nullable("breakdown", "indicator_values.breakdown", SortType::Text),
        SortField::new(
            "updated_at",
            "indicator_values.updated_at",
            SortType::Timestamp,
        ),
    ],
    default_sort: "indicator_ref,period,period_end,series,breakdown",
    archivable: false,
};

/// Filters of the value lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ValueFilters {
    /// Any of these indicators (comma-separated ids).
    indicator_id: Option<String>,
    /// Any of these indicator refs (comma-separated), e.g. `NI59,NI60`.
    indicator_ref: Option<String>,
    /// Any of these series (comma-separated).
    series: Option<String>,
    /// Any of these period codes (comma-separated).
    period: Option<String>,
    /// Any of these statuses (comma-separated).
    status: Option<String>,
    /// Any of these sub-groups (comma-separated); `none` for the
    /// whole-population figures.
    breakdown: Option<String>,
    /// Only periods starting on or after the start of this period (a code).
    from: Option<String>,
    /// Only periods ending on or before the end of this period (a code).
    to: Option<String>,
}

fn value_params(q: &str) -> ApiResult<ListParams> {
    let mut p = ListParams::parse(q, VALUES)?;
    let mut extra = Vec::new();
    if let Some(b) = p.filter("breakdown") {
        let items: Vec<&str> = b
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let named: Vec<&str> = items.iter().copied().filter(|s| *s != "none").collect();
        let mut any = Vec::new();
        if items.contains(&"none") {
            any.push(DynSql::raw("indicator_values.breakdown IS NULL"));
        }
        if !named.is_empty() {
            any.push(
                DynSql::raw("indicator_values.breakdown = ANY(string_to_array(")
                    .bind(named.join(","))
                    .sql(", ','))"),
            );
        }
        extra.push(DynSql::any(any));
    }
    let from = p
        .filter("from")
        .map(|v| parse_period("?from", v))
        .transpose()?;
    let to = p.filter("to").map(|v| parse_period("?to", v)).transpose()?;
    if let (Some(f), Some(t)) = (&from, &to) {
        if t.ends_on < f.starts_on {
            return Err(ApiError::RuleViolated(vec![FieldError::new(
                "?to",
                "ends before `from` starts",
            )]));
        }
    }
    if let Some(f) = from {
        extra.push(
            DynSql::raw("indicator_values.period_starts_on >= ")
                .bind(f.starts_on.to_string())
                .sql("::date"),
        );
    }
    if let Some(t) = to {
        extra.push(
            DynSql::raw("indicator_values.period_ends_on <= ")
                .bind(t.ends_on.to_string())
                .sql("::date"),
        );
    }
    for c in extra {
        p.add_condition(c);
    }
    Ok(p)
}

async fn value_page(
    req: &HttpRequest,
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> ApiResult<HttpResponse> {
    let (rows, total) = db::list_values(conn, p).await?;
    let refs = indicator_refs(conn, &rows).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let code = refs.get(&r.indicator_id).cloned().unwrap_or_default();
            IndicatorValue::from_row(r, &code)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(req))
}

async fn indicator_refs(
    conn: &mut AsyncPgConnection,
    rows: &[ValueRow],
) -> ApiResult<HashMap<Uuid, String>> {
    let mut ids: Vec<Uuid> = rows.iter().map(|r| r.indicator_id).collect();
    ids.sort();
    ids.dedup();
    Ok(db::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|i| (i.id, i.code))
        .collect())
}

/// List an indicator's values
///
/// Every role may read. Sort on `indicator_ref`, `period` (start),
/// `period_end`, `series`, `breakdown`, `updated_at` (default in that order).
#[utoipa::path(
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), crate::resources::ListQuery, ValueFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of values", body = ValuePage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 422, description = "`from` or `to` is not a period code", body = ErrorBody),
    )
)]
#[get("/{id}/values")]
pub async fn list_indicator_values(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = value_params(req.query_string())?;
    let mut conn = state.conn().await?;
    let row = find_row(&mut conn, *id).await?;
    p.add_condition(
        DynSql::raw("indicator_values.indicator_id = ")
            .bind(row.id.to_string())
            .sql("::uuid"),
    );
    value_page(&req, &mut conn, &p).await
}

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("text/csv"))
}

/// The columns of the CSV import and export, in order.
pub const CSV_COLUMNS: [&str; 6] = [
    "indicator_ref",
    "period",
    "series",
    "breakdown",
    "value",
    "note",
];

/// List or export values of every indicator
///
/// Every role may read. As JSON (one page, like every list), or, with
/// `Accept: text/csv`, every matching value (no paging) as CSV with the
/// columns `indicator_ref,period,series,breakdown,value,note`: the format
/// `POST /indicators/values/import` reads. Sort on `indicator_ref`, `period`
/// (start), `period_end`, `series`, `breakdown`, `updated_at` (default in that order).
#[utoipa::path(
    tag = "indicators",
    params(crate::resources::ListQuery, ValueFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of values, or every matching value as CSV",
         content((ValuePage = "application/json"), (String = "text/csv")),
         headers(("Link" = String, description = "JSON only: `<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 422, description = "`from` or `to` is not a period code", body = ErrorBody),
    )
)]
#[get("/values")]
pub async fn list_values(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = value_params(req.query_string())?;
    let mut conn = state.conn().await?;
    if !wants_csv(&req) {
        return value_page(&req, &mut conn, &p).await;
    }
    let rows = db::all_values(&mut conn, &p).await?;
    let refs = indicator_refs(&mut conn, &rows).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| ApiError::Internal(format!("writing CSV: {e}"));
    out.write_record(CSV_COLUMNS).map_err(csv_error)?;
    for r in rows {
        let code = refs.get(&r.indicator_id).map(String::as_str).unwrap_or("");
        out.write_record([
            code,
            &r.period,
            &r.series,
            r.breakdown.as_deref().unwrap_or(""),
            &r.value.to_string(),
            r.note.as_deref().unwrap_or(""),
        ])
        .map_err(csv_error)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("writing CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"indicator-values.csv\"",
        ))
        .body(body))
}

/// History of a value
///
/// Every role may read. Every figure the value has had, oldest first
/// (`sort=-at` for newest first): its audit entries (action `value`), each
/// with the value before and after the change. The value's `id` is in every
/// value answer.
#[utoipa::path(
    tag = "indicators",
    params(("value_id" = Uuid, Path, description = "Value id"), crate::resources::history::HistoryQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of audit entries", body = AuditPage),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 404, description = "No such value", body = ErrorBody),
    )
)]
#[get("/values/{value_id}/history")]
pub async fn value_history(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    value_id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    history_page::<IndicatorValue>(&req, &state, *value_id).await
}

// ----------------------------------------------------------------- import

/// Query of the import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ImportQuery {
    /// `true`: check every row and report what would happen, write nothing.
    dry_run: Option<bool>,
}

/// What happened (or would happen) to one row.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// A new value.
    Created,
    /// An existing value replaced (the old one stays in the audit trail).
    Replaced,
}

/// One imported row.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportRow {
    /// Where the row was: its line in a CSV file (the header is line 1), or
    /// its index in a JSON array (from 0).
    pub line: u64,
    pub indicator_ref: String,
    pub period: String,
    pub series: Series,
    pub breakdown: Option<String>,
    pub value: f64,
    pub outcome: RowOutcome,
}

/// The result of an import.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    /// Whether this was only a check (nothing written).
    pub dry_run: bool,
    /// Rows read (the header not counted).
    pub rows: usize,
    pub created: usize,
    pub replaced: usize,
    /// One entry per row, in file order.
    pub results: Vec<ImportRow>,
}

struct ParsedRow {
    line: u64,
    indicator_ref: String,
    period: Period,
    series: Series,
    breakdown: Option<String>,
    value: f64,
    note: Option<String>,
}

fn row_error(errors: &mut Vec<FieldError>, line: u64, column: &str, message: impl Into<String>) {
    errors.push(FieldError::new(
        format!("/lines/{line}/{column}"),
        format!("line {line}: {}", message.into()),
    ));
}

fn is_csv_media_type(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"))
}

// Reads the rows; every problem of form (bad period, series or number) is
// collected with its line. What needs the database is checked afterwards.
fn parse_csv(body: &[u8], errors: &mut Vec<FieldError>) -> ApiResult<Vec<ParsedRow>> {
    if let Some(at) = body.iter().position(|b| *b == 0) {
        let line = 1 + body[..at].iter().filter(|b| **b == b'\n').count() as u64;
        return Err(ApiError::field(
            format!("/lines/{line}"),
            format!("line {line}: contains a NUL byte, which no value may hold"),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| {
            ApiError::field(
                "/lines/1",
                format!("line 1: the header cannot be read: {e}"),
            )
        })?
        .clone();
    let names: Vec<&str> = headers.iter().collect();
    let position = |name: &str| names.iter().position(|h| *h == name);
    let unknown: Vec<&str> = names
        .iter()
        .copied()
        .filter(|h| !CSV_COLUMNS.contains(h))
        .collect();
    let missing: Vec<&str> = ["indicator_ref", "period", "series", "value"]
        .into_iter()
        .filter(|c| position(c).is_none())
        .collect();
    if !unknown.is_empty() || !missing.is_empty() {
        return Err(ApiError::field(
            "/lines/1",
            format!(
                "line 1: the header must name the columns {} (breakdown and note may be left out){}{}",
                CSV_COLUMNS.join(","),
                if missing.is_empty() { String::new() } else { format!("; missing: {}", missing.join(", ")) },
                if unknown.is_empty() { String::new() } else { format!("; unknown: {}", unknown.join(", ")) },
            ),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                row_error(errors, line, "", format!("cannot be read: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != names.len() {
            row_error(
                errors,
                line,
                "",
                format!(
                    "has {} fields; the header has {}",
                    record.len(),
                    names.len()
                ),
            );
            continue;
        }
        let get = |name: &str| position(name).and_then(|i| record.get(i)).unwrap_or("");
        let value = get("value");
        let raw = RawRow {
            indicator_ref: get("indicator_ref"),
            period: get("period"),
            series: get("series"),
            breakdown: get("breakdown"),
            value: value.parse::<f64>().map_err(|_| value.to_string()),
            note: get("note"),
        };
        if let Some(row) = check_row(errors, line, raw) {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// One row as read, before it is checked: the CSV's fields or a JSON row's.
struct RawRow<'a> {
    indicator_ref: &'a str,
    period: &'a str,
    series: &'a str,
    breakdown: &'a str,
    /// The number, or the text that is not one.
    value: Result<f64, String>,
    note: &'a str,
}

/// Checks one row's form, the same for CSV and JSON; every problem is
/// collected with its line (or index).
fn check_row(errors: &mut Vec<FieldError>, line: u64, raw: RawRow) -> Option<ParsedRow> {
    let before = errors.len();
    let indicator_ref = raw.indicator_ref.to_string();
    if indicator_ref.is_empty() {
        row_error(errors, line, "indicator_ref", "indicator_ref is empty");
    }
    let period = Period::parse(raw.period)
        .map_err(|e| row_error(errors, line, "period", e.to_string()))
        .ok();
    let series = Series::parse(raw.series);
    if series.is_none() {
        row_error(
            errors,
            line,
            "series",
            format!(
                "{:?} is not a series; expected one of {}",
                raw.series,
                Series::WORDS.join(", ")
            ),
        );
    }
    let value = match raw.value {
        Ok(v) if v.is_finite() => Some(v),
        Ok(v) => {
            row_error(errors, line, "value", format!("{v} is not a number"));
            None
        }
        Err(text) => {
            row_error(errors, line, "value", format!("{text:?} is not a number"));
            None
        }
    };
    let breakdown = Some(raw.breakdown.to_string()).filter(|b| !b.is_empty());
    if breakdown.as_ref().is_some_and(|b| b.chars().count() > 200) {
        row_error(errors, line, "breakdown", "may be at most 200 characters");
    }
    let note = Some(raw.note.to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        row_error(errors, line, "note", "may be at most 2000 characters");
    }
    if errors.len() > before {
        return None;
    }
    Some(ParsedRow {
        line,
        indicator_ref,
        period: period?,
        series: series?,
        breakdown,
        value: value?,
        note,
    })
}

/// One row of an import sent as JSON: the CSV's columns as fields.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRowInput {
    /// The indicator's `ref`, e.g. `NI59`.
    pub indicator_ref: String,
    /// The period code, e.g. `FY2009-10-Q1`.
    pub period: String,
    /// Whose figure: `area`, `national`, `statistical_neighbours`, ...
    #[schema(value_type = Series)]
    pub series: String,
    /// The sub-group (e.g. `care_leavers`); absent or null for the whole population.
    #[serde(default)]
    pub breakdown: Option<String>,
    /// The figure.
    pub value: f64,
    /// A note on the figure.
    #[serde(default)]
    pub note: Option<String>,
}

/// An import sent as JSON. The rows sit in an object rather than a bare
/// array: generated clients (openapi-python-client) cannot send a bare
/// array where the same operation also takes a file.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The rows, as the CSV's lines would give them.
    pub rows: Vec<ImportRowInput>,
}

// The rows of a JSON import, numbered by their index in the array.
fn parse_json_rows(body: &[u8], errors: &mut Vec<FieldError>) -> ApiResult<Vec<ParsedRow>> {
    let input: ImportRequest = crate::web::http::parse_json(body)?;
    let mut rows = Vec::with_capacity(input.rows.len());
    for (i, r) in input.rows.iter().enumerate() {
        let raw = RawRow {
            indicator_ref: &r.indicator_ref,
            period: &r.period,
            series: &r.series,
            breakdown: r.breakdown.as_deref().unwrap_or(""),
            value: Ok(r.value),
            note: r.note.as_deref().unwrap_or(""),
        };
        if let Some(row) = check_row(errors, i as u64, raw) {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// A row error's pointer and message as a JSON import names them: the
/// row's index (`/rows/3/value`, "row 3: ...") instead of its CSV line.
fn as_json_row_error(e: FieldError) -> FieldError {
    let pointer = match e.pointer.strip_prefix("/lines") {
        Some(rest) => format!("/rows{rest}"),
        None => e.pointer.clone(),
    };
    let message = match e.message.strip_prefix("line ") {
        Some(rest) => format!("row {rest}"),
        None => e.message,
    };
    FieldError::new(pointer, message)
}

/// Import values from CSV or JSON
///
/// Contributors (for indicators their organisation leads), editors and
/// admins. The body is `text/csv` with a header line naming the columns
/// `indicator_ref,period,series,breakdown,value,note` (`breakdown` and `note`
/// may be left out or empty), or `application/json`: `{"rows": [...]}`, the
/// same rows as objects. Each row creates or replaces one value, as
/// `PUT .../values/{series}/{period}` would, with status `provisional`.
///
/// All rows are applied in one transaction or none: any invalid row (unknown
/// ref, bad period, series or number, a percentage outside 0–100, an
/// indicator the caller may not report on, a validated value a contributor
/// may not replace, a row repeating an earlier one) makes the answer a 422
/// whose `errors` name every rejected row (CSV: `/lines/{line}/{column}`,
/// lines counted from the header as line 1; JSON: `/rows/{index}/{field}`), and
/// nothing is written. With
/// `dry_run=true` the rows are checked and the report says what would
/// happen, but nothing is written.
#[utoipa::path(
    tag = "indicators",
    params(ImportQuery),
    request_body(
        description = "The rows: CSV with a header line, or the same rows in JSON",
        content(
            (String = "text/csv", example = "indicator_ref,period,series,breakdown,value,note\nNI59,FY2009-10-Q1,area,,90.2,\n"),
            (ImportRequest = "application/json", example = json!({"rows": [{"indicator_ref": "NI59", "period": "FY2009-10-Q1", "series": "area", "breakdown": null, "value": 90.2, "note": null}]})),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every row applied (or, on a dry run, valid)", body = ImportReport),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 403, description = "Not a contributor, editor or admin", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is neither text/csv nor application/json", body = ErrorBody),
        (status = 422, description = "Invalid rows, one error per problem with its line; nothing written", body = ErrorBody),
    )
)]
#[post("/values/import")]
pub async fn import_values(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Contributor)?;
    let mut dry_run = false;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?;
    for (k, v) in pairs {
        match k.as_str() {
            "dry_run" => dry_run = crate::store::listing::parse_bool("dry_run", &v)?,
            other => {
                return Err(ApiError::InvalidQuery(format!(
                    "unknown query parameter {other:?}; this accepts: dry_run"
                )))
            }
        }
    }
    let json = crate::web::http::is_json_media_type(&req);
    if !json && !is_csv_media_type(&req) {
        return Err(ApiError::UnsupportedMediaType(
            "the body must be text/csv or application/json".into(),
        ));
    }
    let mut errors = Vec::new();
    let rows = if json {
        parse_json_rows(&body, &mut errors)?
    } else {
        parse_csv(&body, &mut errors)?
    };
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let user = ctx.user.clone();
    let report = conn
        .transaction::<ImportReport, ApiError, _>(async move |conn| {
            let mut refs: Vec<String> = rows.iter().map(|r| r.indicator_ref.clone()).collect();
            refs.sort();
            refs.dedup();
            let indicators: HashMap<String, IndicatorRow> = db::find_by_codes(conn, &refs)
                .await?
                .into_iter()
                .filter(|i| i.archived_at.is_none())
                .map(|i| (i.code.clone(), i))
                .collect();
            let keys: Vec<(Uuid, String, Option<String>, String)> = rows
                .iter()
                .filter_map(|r| {
                    indicators.get(&r.indicator_ref).map(|i| {
                        (
                            i.id,
                            r.series.as_str().to_string(),
                            r.breakdown.clone(),
                            r.period.code.clone(),
                        )
                    })
                })
                .collect();
            let existing = db::find_values(conn, &keys).await?;
            let scope = ReportScope::of(&user)?;
            let leads = {
                let rows: Vec<IndicatorRow> = indicators.values().cloned().collect();
                lead_codes(conn, &scope, &rows).await?
            };
            let mut seen: HashMap<(Uuid, &str, Option<&str>, &str), u64> = HashMap::new();
            let mut plan: Vec<(&ParsedRow, &IndicatorRow, Option<&ValueRow>)> = Vec::new();
            for r in &rows {
                let Some(ind) = indicators.get(&r.indicator_ref) else {
                    row_error(
                        &mut errors,
                        r.line,
                        "indicator_ref",
                        format!("no live indicator has the ref {:?}", r.indicator_ref),
                    );
                    continue;
                };
                if let Err(why) = scope.check(&ind.code, &leads_of(&leads, ind)) {
                    row_error(&mut errors, r.line, "indicator_ref", why.to_string());
                    continue;
                }
                let mut bad = Errors::new();
                check_number(&mut bad, "", &ind.unit, r.value);
                for e in bad.0 {
                    row_error(&mut errors, r.line, "value", e.message);
                }
                let key = (
                    ind.id,
                    r.series.as_str(),
                    r.breakdown.as_deref(),
                    r.period.code.as_str(),
                );
                if let Some(first) = seen.get(&key) {
                    row_error(
                        &mut errors,
                        r.line,
                        "",
                        format!("repeats the value of line {first}"),
                    );
                    continue;
                }
                seen.insert(key, r.line);
                let current = existing.iter().find(|v| {
                    v.indicator_id == ind.id
                        && v.series == r.series.as_str()
                        && v.breakdown == r.breakdown
                        && v.period == r.period.code
                });
                if let Err(why) = scope.check_value_status(
                    ValueStatus::Provisional.as_str(),
                    current.map(|v| v.status.as_str()),
                ) {
                    row_error(&mut errors, r.line, "", why.to_string());
                    continue;
                }
                plan.push((r, ind, current));
            }
            if !errors.is_empty() {
                errors.sort_by_key(|e| {
                    e.pointer
                        .split('/')
                        .nth(2)
                        .and_then(|l| l.parse::<u64>().ok())
                        .unwrap_or(0)
                });
                if json {
                    errors = errors.into_iter().map(as_json_row_error).collect();
                }
                return Err(ApiError::Validation(errors));
            }
            let mut report = ImportReport {
                dry_run,
                rows: rows.len(),
                created: 0,
                replaced: 0,
                results: Vec::with_capacity(plan.len()),
            };
            for (r, ind, current) in plan {
                if !dry_run {
                    write_value(
                        conn,
                        &actor,
                        ind,
                        current,
                        &ValueWrite {
                            indicator_id: ind.id,
                            period: &r.period,
                            series: r.series.as_str(),
                            breakdown: r.breakdown.as_deref(),
                            value: r.value,
                            numerator: None,
                            denominator: None,
                            status: ValueStatus::Provisional.as_str(),
                            note: r.note.as_deref(),
                        },
                    )
                    .await?;
                }
                let outcome = if current.is_some() {
                    report.replaced += 1;
                    RowOutcome::Replaced
                } else {
                    report.created += 1;
                    RowOutcome::Created
                };
                report.results.push(ImportRow {
                    line: r.line,
                    indicator_ref: r.indicator_ref.clone(),
                    period: r.period.code.clone(),
                    series: r.series,
                    breakdown: r.breakdown.clone(),
                    value: r.value,
                    outcome,
                });
            }
            Ok(report)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

// ------------------------------------------------------------- commentary

/// The story behind the curve of an indicator for one period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Commentary {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub period: Period,
    /// The context.
    pub overview: Option<String>,
    /// What has made the difference (the causes).
    pub what_made_the_difference: Option<String>,
    /// What happens next (the plan to improve).
    pub what_happens_next: Option<String>,
    /// The `sub` of the token that last wrote it.
    pub author_sub: String,
    /// The `name` of that token, when it had one.
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the `ETag`.
    pub version: i32,
}

page_schema!(CommentaryPage, Commentary);

impl Versioned for Commentary {
    fn version(&self) -> i32 {
        self.version
    }
}

impl write::Identified for Commentary {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Commentary {
    pub fn from_row(r: CommentaryRow) -> ApiResult<Commentary> {
        Ok(Commentary {
            period: stored_period(&r.period)?,
            id: r.id,
            indicator_id: r.indicator_id,
            overview: r.overview,
            what_made_the_difference: r.what_made_the_difference,
            what_happens_next: r.what_happens_next,
            author_sub: r.author_sub,
            author_name: r.author_name,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

/// Commentary to write. At least one part must be given; each at most
/// 10000 characters. The author is taken from the token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentaryBody {
    #[serde(default)]
    pub overview: Option<String>,
    #[serde(default)]
    pub what_made_the_difference: Option<String>,
    #[serde(default)]
    pub what_happens_next: Option<String>,
}

pub(crate) const COMMENTARY: ListSpec = ListSpec {
    table: "indicator_commentary",
    filters: &[Filter::new(
        "period",
        FilterKind::Text("indicator_commentary.period"),
    )],
    sorts: &[
        SortField::at(
            "period",
            "indicator_commentary.period_starts_on",
            SortType::Date,
            "/period/starts_on",
        ),
        SortField::at(
            "period_end",
            "indicator_commentary.period_ends_on",
            SortType::Date,
            "/period/ends_on",
        ),
        SortField::new(
            "updated_at",
            "indicator_commentary.updated_at",
            SortType::Timestamp,
        ),
    ],
    default_sort: "period,period_end",
    archivable: false,
};

/// List an indicator's commentary
///
/// Every role may read. One entry per period, in time order (default
/// `sort=period,period_end`), or by `updated_at`.
#[utoipa::path(
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), crate::resources::ListQuery, TargetFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of commentary", body = CommentaryPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
    )
)]
#[get("/{id}/commentary")]
pub async fn list_indicator_commentary(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = ListParams::parse(req.query_string(), COMMENTARY)?;
    let mut conn = state.conn().await?;
    let row = find_row(&mut conn, *id).await?;
    p.add_condition(
        DynSql::raw("indicator_commentary.indicator_id = ")
            .bind(row.id.to_string())
            .sql("::uuid"),
    );
    let (rows, total) = db::list_commentary(&mut conn, &p).await?;
    let items = rows
        .into_iter()
        .map(Commentary::from_row)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

fn commentary_part(errors: &mut Errors, pointer: &str, v: &Option<String>) -> Option<String> {
    let v = v
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if v.as_ref().is_some_and(|s| s.chars().count() > 10_000) {
        errors.add(pointer, "may be at most 10000 characters");
    }
    v
}

/// Write an indicator's commentary for a period
///
/// Contributors of the indicator's lead organisation, editors and admins.
/// Creates (201) or replaces (200) the period's commentary; the author is
/// the caller. Audited as action `commentary` on entity type
/// `indicator_commentary`. `If-Match` is checked when given.
#[utoipa::path(
    tag = "indicators",
    request_body = CommentaryBody,
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10-Q2`"),
        crate::resources::OptionalIfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Commentary, headers(("ETag" = String))),
        (status = 201, description = "Created", body = Commentary, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "A viewer, or a contributor of another organisation", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 409, description = "The indicator is archived", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid period or fields", body = ErrorBody),
    )
)]
#[put("/{id}/commentary/{period}")]
pub async fn put_indicator_commentary(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: OptionalIfMatch,
    body: ApiJson<CommentaryBody>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Contributor)?;
    let (id, code) = path.into_inner();
    let period = parse_period("/period", &code)?;
    let body = body.0;
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let user = ctx.user.clone();
    let (commentary, created) = conn
        .transaction::<(Commentary, bool), ApiError, _>(async move |conn| {
            authorize_report(conn, &user, id).await?;
            let mut errors = Errors::new();
            let overview = commentary_part(&mut errors, "/overview", &body.overview);
            let made = commentary_part(
                &mut errors,
                "/what_made_the_difference",
                &body.what_made_the_difference,
            );
            let next = commentary_part(&mut errors, "/what_happens_next", &body.what_happens_next);
            if overview.is_none() && made.is_none() && next.is_none() {
                errors.rule(
                    "",
                    "give at least one of overview, what_made_the_difference, what_happens_next",
                );
            }
            errors.finish()?;
            let key = [id.to_string(), period.code.clone()];
            let upsert = write::Upsert {
                table: "indicator_commentary",
                key: &[&key[0], &key[1]],
                entity: "indicator_commentary",
                action: "commentary",
            };
            let code = period.code.clone();
            upsert
                .run(
                    conn,
                    &actor,
                    if_match.0.as_ref(),
                    move |conn| {
                        Box::pin(async move {
                            let row = db::find_commentary(conn, id, &code).await?;
                            row.map(|row| {
                                Ok(write::Existing {
                                    version: row.version,
                                    view: Commentary::from_row(row.clone())?,
                                    row,
                                })
                            })
                            .transpose()
                        })
                    },
                    move |conn, existing| {
                        Box::pin(async move {
                            let w = CommentaryWrite {
                                indicator_id: id,
                                period: &period,
                                overview: overview.as_deref(),
                                what_made_the_difference: made.as_deref(),
                                what_happens_next: next.as_deref(),
                                author_sub: &user.sub,
                                author_name: user.name.as_deref(),
                            };
                            let row = db::upsert_commentary(conn, existing, &w)
                                .await
                                .map_err(write::changed_meanwhile)?;
                            Commentary::from_row(row)
                        })
                    },
                )
                .await
        })
        .await?;
    Ok(upserted(
        created,
        format!(
            "/api/v1/indicators/{id}/commentary/{}",
            commentary.period.code
        ),
        &commentary,
    ))
}
