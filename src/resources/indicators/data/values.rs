//! Values (observations) per series, period and sub-group: list, export as CSV, record (PUT), history.

use super::*;

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
    /// When it was withdrawn (`DELETE /indicators/values/{value_id}`): a
    /// withdrawn value is in no list, series, export or status, and keeps
    /// its history; recording a value for its key again brings it back.
    /// Null while it stands.
    #[schema(required = true)]
    pub withdrawn_at: Option<DateTime<Utc>>,
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
            withdrawn_at: r.withdrawn_at,
        })
    }
}

/// A correction of a value (JSON merge patch): the fields given change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValuePatch {
    /// The figure, in the indicator's unit (0–100 for `percent`).
    #[serde(default)]
    #[schema(value_type = f64, example = 90.4)]
    pub value: Patch<f64>,
    /// Null clears it.
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub numerator: Patch<f64>,
    /// Null clears it.
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub denominator: Patch<f64>,
    /// Only editors and admins may set `validated` or change a validated value.
    #[serde(default)]
    #[schema(value_type = ValueStatus)]
    pub status: Patch<ValueStatus>,
    /// At most 2000 characters; null clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub note: Patch<String>,
}

/// An actual is for a period that has started (on today's date in Europe/
/// London); forecasts and national targets may be recorded ahead. The
/// message for a value that breaks the rule.
pub(crate) fn ahead_of_time(
    period: &Period,
    series: Series,
    status: ValueStatus,
) -> Option<String> {
    let today = crate::domain::deliverable::today();
    (period.starts_on > today
        && status != ValueStatus::Forecast
        && series != Series::NationalTarget)
        .then(|| {
            format!(
                "{} has not started (it starts on {}): only forecasts (status forecast) and \
                 national targets may be recorded for a period ahead",
                period.code, period.starts_on
            )
        })
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

pub(crate) fn breakdown_of(req: &HttpRequest) -> ApiResult<Option<String>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?;
    let mut breakdown = None;
    for (k, v) in pairs {
        // A lock override is the lock check's to read; which operations
        // take one is enforced from the OpenAPI document before any handler.
        if k == "reason" {
            continue;
        }
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

pub(crate) fn parse_series(pointer: &str, s: &str) -> ApiResult<Series> {
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
        crate::resources::reporting::LockOverride,
        crate::resources::OptionalIfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = IndicatorValue, headers(("ETag" = String))),
        (status = 201, description = "Created", body = IndicatorValue, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON or query", body = ErrorBody),
        (status = 403, description = "Not allowed: a viewer, a contributor of another organisation, or a contributor validating", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 409, description = "The indicator is archived, or the period is locked by a closed reporting cycle (`period_locked`)", body = ErrorBody),
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
    let lock = crate::resources::reporting::LockPass::of(&req, &ctx.user)?;
    let series = parse_series("/series", &series)?;
    let period = parse_period("/period", &code)?;
    let body = body.0;
    let mut conn = state.conn().await?;
    let mut actor = ctx.actor();
    let user = ctx.user.clone();
    let (value, created) = conn
        .transaction::<(IndicatorValue, bool), ApiError, _>(async move |conn| {
            let indicator = authorize_report(conn, &user, id).await?;
            lock.check(
                conn,
                crate::store::reporting::Scope::Indicator(id),
                &period,
                &mut actor,
            )
            .await?;
            let mut errors = Errors::new();
            check_number(&mut errors, "/value", &indicator.unit, body.value);
            for (p, v) in [
                ("/numerator", body.numerator),
                ("/denominator", body.denominator),
            ] {
                if let Some(v) = v {
                    check_figure(&mut errors, p, v);
                }
            }
            let note = opt_note(&mut errors, "/note", &body.note);
            let status = body.status.unwrap_or(ValueStatus::Provisional);
            if let Some(why) = ahead_of_time(&period, series, status) {
                errors.rule("/period", why);
            }
            errors.finish()?;
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
            // Only the area's own figure for the whole population sets the status.
            let watch = if series == Series::Area && breakdown.is_none() {
                crate::resources::indicators::red::RedWatch::start(conn, &indicator, &period)
                    .await?
            } else {
                None
            };
            let written = upsert
                .run(
                    conn,
                    &actor,
                    if_match.0.as_ref(),
                    move |conn| {
                        Box::pin(async move {
                            write::Existing::found(
                                db::find_values(conn, &lookup).await?.pop(),
                                |r| r.version,
                                |r| IndicatorValue::from_row(r, &code),
                            )
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
                .await?;
            if let Some(watch) = watch {
                watch.finish(conn).await?;
            }
            Ok(written)
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

pub(crate) fn value_params(q: &str) -> ApiResult<ListParams> {
    let mut p = ListParams::parse(q, VALUES)?;
    let mut extra = vec![DynSql::raw("indicator_values.withdrawn_at IS NULL")];
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

pub(crate) async fn value_page(
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

pub(crate) async fn indicator_refs(
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
    p.count = crate::web::page::count_preference(&req);
    let mut conn = state.conn().await?;
    let row = find_row(&mut conn, *id).await?;
    p.add_condition(
        DynSql::raw("indicator_values.indicator_id = ")
            .bind(row.id.to_string())
            .sql("::uuid"),
    );
    value_page(&req, &mut conn, &p).await
}

pub(crate) fn wants_csv(req: &HttpRequest) -> bool {
    crate::web::http::accepts(req, "text/csv")
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
/// `POST /indicators/values/import` reads. A text cell a spreadsheet would
/// take for a formula (beginning with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) is written with a leading apostrophe, as OWASP recommends against
/// CSV injection; the import drops that apostrophe again. Sort on `indicator_ref`, `period`
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
    let mut p = value_params(req.query_string())?;
    p.count = crate::web::page::count_preference(&req);
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
        let text = crate::web::csv::neutralise;
        out.write_record([
            &*text(code),
            &*text(&r.period),
            &*text(&r.series),
            &*text(r.breakdown.as_deref().unwrap_or("")),
            &r.value.to_string(),
            &*text(r.note.as_deref().unwrap_or("")),
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

/// Get a value
///
/// Every role may read. One value by its id (in every value answer), with
/// its `ETag` for `PATCH` and `DELETE`; a withdrawn value too, with
/// `withdrawn_at` set.
#[utoipa::path(
    tag = "indicators",
    params(("value_id" = Uuid, Path, description = "Value id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The value", body = IndicatorValue, headers(("ETag" = String))),
        (status = 404, description = "No such value", body = ErrorBody),
    )
)]
#[get("/values/{value_id}")]
pub async fn get_value(
    user: AuthUser,
    state: web::Data<AppState>,
    value_id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    let value = IndicatorValue::load(&mut conn, *value_id).await?;
    Ok(crate::web::http::ok_record(&value))
}

/// Locks a standing value, checks `If-Match` and who may change it.
async fn lock_value(
    conn: &mut AsyncPgConnection,
    user: &AuthUser,
    id: Uuid,
    if_match: &crate::web::http::IfMatch,
) -> ApiResult<(IndicatorRow, ValueRow)> {
    records::lock_row(conn, "indicator_values", id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no value with id {id}")))?;
    let existing = db::find_value(conn, id).await?;
    if existing.withdrawn_at.is_some() {
        return Err(ApiError::Conflict(
            "the value is withdrawn; record a value for its series and period again to bring it \
             back"
                .into(),
        ));
    }
    if_match.check(existing.version)?;
    let indicator = authorize_report(conn, user, existing.indicator_id).await?;
    Ok((indicator, existing))
}

/// Correct a value
///
/// Contributors of the indicator's lead organisation, editors and admins
/// (only editors and admins change a validated value or validate one). A
/// JSON merge patch; `If-Match` (the value's `ETag`) is required. The
/// figure it replaces stays in the value's history (action `update`).
#[utoipa::path(
    tag = "indicators",
    request_body(content = ValuePatch, content_type = "application/merge-patch+json"),
    params(("value_id" = Uuid, Path, description = "Value id"), crate::resources::reporting::LockOverride, crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Corrected", body = IndicatorValue, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not allowed: a viewer, a contributor of another organisation, or a contributor and a validated value", body = ErrorBody),
        (status = 404, description = "No such value", body = ErrorBody),
        (status = 409, description = "The value is withdrawn, its indicator archived, or its period locked (`period_locked`)", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields (e.g. a percentage outside 0–100, or an actual for a period that has not started)", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/values/{value_id}")]
pub async fn update_value(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    value_id: web::Path<Uuid>,
    if_match: crate::web::http::IfMatch,
    body: ApiJson<ValuePatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Contributor)?;
    let (id, patch) = (*value_id, body.0);
    let lock = crate::resources::reporting::LockPass::of(&req, &ctx.user)?;
    let user = ctx.user.clone();
    let mut actor = ctx.actor();
    let mut conn = state.conn().await?;
    let value = conn
        .transaction::<IndicatorValue, ApiError, _>(async move |conn| {
            let (indicator, existing) = lock_value(conn, &user, id, &if_match).await?;
            let stored = stored_period(&existing.period)?;
            lock.check(
                conn,
                crate::store::reporting::Scope::Indicator(existing.indicator_id),
                &stored,
                &mut actor,
            )
            .await?;
            let mut errors = Errors::new();
            let value = patch.value.required("/value", &mut errors.0);
            let status = patch.status.required("/status", &mut errors.0);
            if let Some(v) = value {
                check_number(&mut errors, "/value", &indicator.unit, v);
            }
            let number =
                |p: Patch<f64>, old: Option<f64>, pointer: &str, errors: &mut Errors| match p {
                    Patch::Absent => old,
                    Patch::Null => None,
                    Patch::Value(v) => {
                        check_figure(errors, pointer, v);
                        Some(v)
                    }
                };
            let numerator = number(
                patch.numerator,
                existing.numerator,
                "/numerator",
                &mut errors,
            );
            let denominator = number(
                patch.denominator,
                existing.denominator,
                "/denominator",
                &mut errors,
            );
            let note = match patch.note {
                Patch::Absent => existing.note.clone(),
                Patch::Null => None,
                Patch::Value(n) => opt_note(&mut errors, "/note", &Some(n)),
            };
            let period = stored_period(&existing.period)?;
            let series = Series::from_db(&existing.series)?;
            let status = status.unwrap_or(ValueStatus::from_db(&existing.status)?);
            if let Some(why) = ahead_of_time(&period, series, status) {
                errors.rule("/status", why);
            }
            errors.finish()?;
            ReportScope::of(&user)?
                .check_value_status(status.as_str(), Some(existing.status.as_str()))?;
            let before = IndicatorValue::from_row(existing.clone(), &indicator.code)?;
            let w = ValueWrite {
                indicator_id: existing.indicator_id,
                period: &period,
                series: &existing.series,
                breakdown: existing.breakdown.as_deref(),
                value: value.unwrap_or(existing.value),
                numerator,
                denominator,
                status: status.as_str(),
                note: note.as_deref(),
            };
            let row = db::upsert_value(conn, Some(&existing), &w)
                .await
                .map_err(write::changed_meanwhile)?;
            let after = IndicatorValue::from_row(row, &indicator.code)?;
            audit::record(
                conn,
                &actor,
                "update",
                "indicator_value",
                id,
                Some(&before),
                Some(&after),
            )
            .await?;
            Ok(after)
        })
        .await?;
    Ok(crate::web::http::ok_record(&value))
}

/// Withdraw a value
///
/// Who may correct the value may withdraw it (`If-Match` required). The
/// value leaves every list, series, export and status, and stays with its
/// history (action `withdraw`); `GET /indicators/values/{value_id}` still
/// shows it, with `withdrawn_at`. Recording a value for the same series,
/// sub-group and period brings it back.
#[utoipa::path(
    tag = "indicators",
    params(("value_id" = Uuid, Path, description = "Value id"), crate::resources::reporting::LockOverride, crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = IndicatorValue, headers(("ETag" = String))),
        (status = 403, description = "Not allowed: a viewer, a contributor of another organisation, or a contributor and a validated value", body = ErrorBody),
        (status = 404, description = "No such value", body = ErrorBody),
        (status = 409, description = "Already withdrawn, its indicator archived, or its period locked (`period_locked`)", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[delete("/values/{value_id}")]
pub async fn withdraw_value(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    value_id: web::Path<Uuid>,
    if_match: crate::web::http::IfMatch,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Contributor)?;
    let id = *value_id;
    let lock = crate::resources::reporting::LockPass::of(&req, &ctx.user)?;
    let user = ctx.user.clone();
    let mut actor = ctx.actor();
    let mut conn = state.conn().await?;
    let value = conn
        .transaction::<IndicatorValue, ApiError, _>(async move |conn| {
            let (indicator, existing) = lock_value(conn, &user, id, &if_match).await?;
            let stored = stored_period(&existing.period)?;
            lock.check(
                conn,
                crate::store::reporting::Scope::Indicator(existing.indicator_id),
                &stored,
                &mut actor,
            )
            .await?;
            ReportScope::of(&user)?
                .check_value_status(existing.status.as_str(), Some(existing.status.as_str()))?;
            let before = IndicatorValue::from_row(existing.clone(), &indicator.code)?;
            let row = db::withdraw_value(conn, &existing)
                .await
                .map_err(write::changed_meanwhile)?;
            let after = IndicatorValue::from_row(row, &indicator.code)?;
            audit::record(
                conn,
                &actor,
                "withdraw",
                "indicator_value",
                id,
                Some(&before),
                Some(&after),
            )
            .await?;
            Ok(after)
        })
        .await?;
    Ok(crate::web::http::ok_record(&value))
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
