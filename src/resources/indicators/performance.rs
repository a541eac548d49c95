//! Computed indicator performance: `GET /indicators/{id}/performance`,
//! `GET /indicators/{id}/series` and `GET /performance` (every indicator in
//! one period).
//!
//! The rules live in [`crate::domain::performance::assess`]; this module
//! loads what they need for a whole set of indicators at once ([`compute`]:
//! three queries whatever the number of indicators) and shapes the answers.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::performance::{
    assess, Aggregation, Assessment, PerformanceInput, Polarity, Rag, Recorded,
};
use crate::domain::period::Period;
use crate::resources::indicators::data::{Commentary, Series, ValueStatus};
use crate::resources::indicators::{
    aggregation_from_db, find_row, parse_period, parse_rags, polarity_from_db, query_period, today,
    tolerance_of, IndicatorRef, Unit,
};
use crate::store::indicators::{self as db, IndicatorRow, ValuePoint};
use crate::store::listing::{Filter, FilterKind, ListSpec, ManualType, SortField, SortType};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::AppState;

/// A comparator figure held for the same period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Comparator {
    pub series: Series,
    pub value: f64,
    pub status: ValueStatus,
}

/// The computed performance of one indicator in one period, for its own
/// (`area`, whole population) series.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorPerformance {
    /// The indicator assessed.
    pub indicator: IndicatorRef,
    /// Its lead organisation.
    pub lead_organisation_id: Option<Uuid>,
    /// The period assessed.
    pub period: Period,
    /// Target used, actual, variance, `rag`, direction of travel, quartile
    /// band and the sentences explaining them.
    #[serde(flatten)]
    pub assessment: Assessment,
    /// The comparator series held for the period (`national`,
    /// `statistical_neighbours`, `region`, the England quartile boundaries).
    pub comparators: Vec<Comparator>,
    /// The period's commentary, if any has been written.
    pub commentary: Option<Commentary>,
}

/// Computes the performance of each indicator in `rows` for `period`, in
/// the order given: three queries (targets, values, commentary) whatever
/// the number of indicators.
pub async fn compute(
    conn: &mut AsyncPgConnection,
    rows: &[IndicatorRow],
    period: &Period,
) -> ApiResult<Vec<IndicatorPerformance>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let previous = period.previous_year();
    let fy = period.fy_of();
    let mut codes: Vec<String> = vec![period.code.clone()];
    codes.extend(fy.iter().map(|p| p.code.clone()));
    codes.extend(period.quarters_to_date().into_iter().map(|p| p.code));
    if let Some(prev) = &previous {
        codes.push(prev.code.clone());
        codes.extend(prev.quarters_to_date().into_iter().map(|p| p.code));
    }
    codes.sort();
    codes.dedup();
    let target_codes: Vec<String> = std::iter::once(period.code.clone())
        .chain(fy.iter().map(|p| p.code.clone()))
        .collect();
    let targets = db::targets_for(conn, &ids, &target_codes).await?;
    let values = db::values_for(conn, &ids, &codes).await?;
    let commentary = db::commentary_for(conn, &ids, &period.code).await?;

    // Looked up by key, so that the work grows with the rows, not with
    // their square.
    let targets: HashMap<(Uuid, &str), f64> = targets
        .iter()
        .map(|t| ((t.indicator_id, t.period.as_str()), t.value))
        .collect();
    let mut commentary: HashMap<Uuid, _> = commentary
        .into_iter()
        .map(|c| (c.indicator_id, c))
        .collect();
    let mut by_indicator: HashMap<Uuid, Vec<&ValuePoint>> = HashMap::new();
    for v in &values {
        by_indicator.entry(v.indicator_id).or_default().push(v);
    }
    let today = today();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let vals = by_indicator.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
        let lookup = |series: &str, code: &str| {
            vals.iter()
                .find(|v| v.series == series && v.period == code)
                .map(|v| v.value)
        };
        let target_of = |code: &str| targets.get(&(row.id, code)).copied();
        let aggregation = aggregation_from_db(&row.aggregation)?;
        let recorded = |p: &Period| recorded(p, aggregation, |code| lookup("area", code));
        let input = PerformanceInput {
            polarity: polarity_from_db(&row.polarity)?,
            aggregation,
            tolerance: tolerance_of(row),
            decimals: u8::try_from(row.decimals).unwrap_or(1),
            period: period.clone(),
            today,
            target: target_of(&period.code),
            fy_target: fy.as_ref().and_then(|f| target_of(&f.code)),
            actual: recorded(period),
            previous_actual: previous.as_ref().map(recorded).unwrap_or_default(),
            top: lookup("england_top_quartile", &period.code),
            median: lookup("england_median", &period.code),
            bottom: lookup("england_bottom_quartile", &period.code),
        };
        let comparators = vals
            .iter()
            .filter(|v| v.period == period.code && v.series != "area")
            .map(|v| {
                Ok(Comparator {
                    series: Series::from_db(&v.series)?,
                    value: v.value,
                    status: ValueStatus::from_db(&v.status)?,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let commentary = commentary
            .remove(&row.id)
            .map(Commentary::from_row)
            .transpose()?;
        out.push(IndicatorPerformance {
            indicator: IndicatorRef::from(row),
            lead_organisation_id: row.lead_organisation_id,
            period: period.clone(),
            assessment: assess(&input),
            comparators,
            commentary,
        });
    }
    Ok(out)
}

// What is recorded for `period` in the form `assess` expects. Stored quarter
// values are each quarter's own figure, so a cumulative quarter is always
// judged on the quarters to date; a year with no figure of its own falls
// back on its quarters.
fn recorded(
    period: &Period,
    aggregation: Aggregation,
    lookup: impl Fn(&str) -> Option<f64>,
) -> Recorded {
    let own = lookup(&period.code);
    let quarters = || {
        period
            .quarters_to_date()
            .iter()
            .map(|q| lookup(&q.code))
            .collect::<Vec<_>>()
    };
    if period.quarter().is_some() {
        if aggregation == Aggregation::Cumulative {
            Recorded::QuarterValues(quarters())
        } else {
            Recorded::Value(own)
        }
    } else if own.is_none() && period.fy_of().is_some() {
        let qs = quarters();
        if qs.iter().any(Option::is_some) {
            Recorded::QuarterValues(qs)
        } else {
            Recorded::Value(None)
        }
    } else {
        Recorded::Value(own)
    }
}

/// Query of `GET /indicators/{id}/performance`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PerformanceQuery {
    /// The period to assess, e.g. `FY2009-10-Q2` (required).
    period: String,
}

fn required_period(req: &HttpRequest, allowed: &[&str]) -> ApiResult<Period> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?;
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        return Err(ApiError::InvalidQuery(format!(
            "unknown query parameter {k:?}; this accepts: {}",
            allowed.join(", ")
        )));
    }
    let code = pairs
        .iter()
        .find(|(k, _)| k == "period")
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| {
            ApiError::InvalidQuery("period is required, e.g. ?period=FY2009-10-Q2".into())
        })?;
    query_period(code)
}

/// Performance of an indicator in a period
///
/// Every role may read. Applies the contract's rules to the indicator's own
/// (`area`, whole population) figures: the target used (a quarter without
/// its own target falls back on its financial year's; a cumulative
/// indicator's quarter is judged year-to-date against a pro-rata target),
/// the actual and variance, `rag` (`green`, `amber`, `red`, `no_target`,
/// `missing` once the period has ended without an actual, `pending` before;
/// a financial year with no figure of its own is judged on its quarters: the
/// last one for point-in-time indicators, their sum for cumulative ones),
/// direction of travel against the same period a year earlier, the England
/// quartile band, the sentences explaining each, the comparators held for
/// the period and the period's commentary.
#[utoipa::path(
    tag = "performance",
    params(("id" = Uuid, Path, description = "Indicator id"), PerformanceQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The computed status", body = IndicatorPerformance),
        (status = 400, description = "`period` missing, or an unknown query parameter", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 422, description = "`period` is not a period code", body = ErrorBody),
    )
)]
#[get("/{id}/performance")]
pub async fn get_indicator_performance(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let period = required_period(&req, &["period"])?;
    let mut conn = state.conn().await?;
    let row = find_row(&mut conn, *id).await?;
    let mut computed = compute(&mut conn, &[row], &period).await?;
    Ok(HttpResponse::Ok().json(computed.remove(0)))
}

/// One point of a chart line.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ChartPoint {
    /// The period code; its dates and label are in `periods`.
    pub period: String,
    pub value: f64,
}

/// One line of a chart: a series, and a breakdown (sub-group) or null.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ChartLine {
    pub series: Series,
    /// The sub-group, or null for the whole population.
    pub breakdown: Option<String>,
    /// Its points in time order.
    pub points: Vec<ChartPoint>,
}

/// Every series of an indicator over a span of periods, ready to draw.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndicatorSeries {
    pub indicator: IndicatorRef,
    pub unit: Unit,
    pub decimals: i16,
    pub polarity: Polarity,
    /// Every period that has a value or a target, in time order: the x axis.
    pub periods: Vec<Period>,
    /// The targets, in time order.
    pub targets: Vec<ChartPoint>,
    /// One line per series and breakdown: `area` first, then comparators.
    pub lines: Vec<ChartLine>,
}

/// Query of `GET /indicators/{id}/series`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SeriesQuery {
    /// Only periods starting on or after the start of this period (a period code).
    from: Option<String>,
    /// Only periods ending on or before the end of this period (a period code).
    to: Option<String>,
}

/// Every series of an indicator, for charts
///
/// Every role may read. Targets and every series and breakdown of values per
/// period between `from` and `to` (both optional, period codes; a period
/// counts when it lies wholly inside).
#[utoipa::path(
    tag = "performance",
    params(("id" = Uuid, Path, description = "Indicator id"), SeriesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The chart data", body = IndicatorSeries),
        (status = 400, description = "Unknown query parameter", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 422, description = "`from` or `to` is not a period code, or `to` ends before `from` starts", body = ErrorBody),
    )
)]
#[get("/{id}/series")]
pub async fn get_indicator_series(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?;
    // Every period lies within the years a period code can name.
    let mut from =
        chrono::NaiveDate::from_ymd_opt(crate::domain::period::MIN_YEAR, 1, 1).unwrap_or_default();
    let mut to = chrono::NaiveDate::from_ymd_opt(crate::domain::period::MAX_YEAR + 1, 12, 31)
        .unwrap_or_default();
    for (k, v) in &pairs {
        match k.as_str() {
            "from" => from = parse_period("?from", v)?.starts_on,
            "to" => to = parse_period("?to", v)?.ends_on,
            other => {
                return Err(ApiError::InvalidQuery(format!(
                    "unknown query parameter {other:?}; this accepts: from, to"
                )))
            }
        }
    }
    if to < from {
        return Err(ApiError::RuleViolated(vec![FieldError::new(
            "?to",
            "ends before `from` starts",
        )]));
    }
    let mut conn = state.conn().await?;
    let row = find_row(&mut conn, *id).await?;
    let targets = db::targets_between(&mut conn, row.id, from, to).await?;
    let values = db::values_between(&mut conn, row.id, from, to).await?;
    let mut periods: BTreeMap<String, Period> = BTreeMap::new();
    for code in targets
        .iter()
        .map(|t| &t.period)
        .chain(values.iter().map(|v| &v.period))
    {
        if !periods.contains_key(code) {
            let p = Period::parse(code)
                .map_err(|e| ApiError::Internal(format!("stored period {code}: {e}")))?;
            periods.insert(code.clone(), p);
        }
    }
    let mut periods: Vec<Period> = periods.into_values().collect();
    periods.sort();
    let mut lines: Vec<ChartLine> = Vec::new();
    for v in &values {
        let series = Series::from_db(&v.series)?;
        let point = ChartPoint {
            period: v.period.clone(),
            value: v.value,
        };
        match lines
            .iter_mut()
            .find(|l| l.series == series && l.breakdown == v.breakdown)
        {
            Some(line) => line.points.push(point),
            None => lines.push(ChartLine {
                series,
                breakdown: v.breakdown.clone(),
                points: vec![point],
            }),
        }
    }
    lines.sort_by_key(|l| {
        (
            Series::WORDS
                .iter()
                .position(|w| *w == l.series.as_str())
                .unwrap_or(usize::MAX),
            l.breakdown.clone(),
        )
    });
    Ok(HttpResponse::Ok().json(IndicatorSeries {
        indicator: IndicatorRef::from(&row),
        unit: Unit::from_db(&row.unit)?,
        decimals: row.decimals,
        polarity: polarity_from_db(&row.polarity)?,
        periods,
        targets: targets
            .into_iter()
            .map(|t| ChartPoint {
                period: t.period,
                value: t.value,
            })
            .collect(),
        lines,
    }))
}

/// How many indicators have each status.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RagCounts {
    pub green: i64,
    pub amber: i64,
    pub red: i64,
    pub no_target: i64,
    pub missing: i64,
    pub pending: i64,
}

impl RagCounts {
    fn of<'a>(items: impl Iterator<Item = &'a IndicatorPerformance>) -> Self {
        let mut counts = RagCounts::default();
        for i in items {
            *match i.assessment.rag {
                Rag::Green => &mut counts.green,
                Rag::Amber => &mut counts.amber,
                Rag::Red => &mut counts.red,
                Rag::NoTarget => &mut counts.no_target,
                Rag::Missing => &mut counts.missing,
                Rag::Pending => &mut counts.pending,
            } += 1;
        }
        counts
    }
}

/// One page of the computed status of every indicator in one period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PerformanceReport {
    pub period: Period,
    /// One entry per indicator, in the order asked for (default by ref).
    pub items: Vec<IndicatorPerformance>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    /// How many indicators match the filters (`rag` included), on all
    /// pages: sent with `Prefer: count=exact` or `count=planned` (both
    /// count exactly here, since every status must be computed to count
    /// them); null without.
    #[schema(required = true)]
    pub total: Option<i64>,
    /// How many of them have each status, on all pages: sent with
    /// `Prefer: count=exact` or `count=planned`, as `total`; null without.
    #[schema(required = true)]
    pub counts: Option<RagCounts>,
}

/// Query of `GET /performance`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ReportQuery {
    /// The period, e.g. `FY2009-10-Q2` (required).
    period: String,
    /// Only these statuses (comma-separated), e.g. `red,amber`.
    rag: Option<String>,
    /// Led by any of these organisations (comma-separated ids).
    lead_organisation_id: Option<String>,
    /// Key indicators only (`true`) or the others (`false`).
    key: Option<bool>,
    /// Serving any of these priorities (comma-separated ids).
    priority_id: Option<String>,
    /// Measuring any of these objectives (comma-separated ids).
    objective_id: Option<String>,
    /// Any of these indicator kinds (comma-separated).
    kind: Option<String>,
    /// Any of these refs (comma-separated).
    #[param(rename = "ref")]
    r#ref: Option<String>,
    /// Any of these categories (comma-separated).
    category: Option<String>,
}

/// What the report's cursor is made of: an indicator's id and the fields
/// [`REPORT`] sorts on, named as it names them.
#[derive(Serialize)]
struct SortKeys<'a> {
    id: Uuid,
    #[serde(rename = "ref")]
    code: &'a str,
    title: &'a str,
    kind: &'a str,
    category: Option<&'a str>,
}

impl<'a> From<&'a IndicatorRow> for SortKeys<'a> {
    fn from(r: &'a IndicatorRow) -> Self {
        SortKeys {
            id: r.id,
            code: &r.code,
            title: &r.title,
            kind: &r.kind,
            category: r.category.as_deref(),
        }
    }
}

pub(crate) const REPORT: ListSpec = ListSpec {
    table: "indicators",
    filters: &[
        Filter::new("period", FilterKind::Manual(ManualType::Period)),
        Filter::new(
            "rag",
            FilterKind::Manual(ManualType::Words(crate::resources::indicators::RAG_WORDS)),
        ),
        Filter::new(
            "lead_organisation_id",
            FilterKind::Uuid("indicators.lead_organisation_id"),
        ),
        Filter::new("key", FilterKind::Bool("indicators.key_indicator")),
        Filter::new(
            "priority_id",
            FilterKind::UuidSql(crate::resources::indicators::PRIORITY_FILTER),
        ),
        Filter::new(
            "objective_id",
            FilterKind::UuidSql(crate::resources::indicators::OBJECTIVE_FILTER),
        ),
        Filter::new(
            "kind",
            FilterKind::Vocab(
                "indicators.kind",
                crate::resources::indicators::IndicatorKind::WORDS,
            ),
        ),
        Filter::new("ref", FilterKind::Text("indicators.code")),
        Filter::new("category", FilterKind::Text("indicators.category")),
    ],
    sorts: &[
        SortField::new("ref", "indicators.code", SortType::Text),
        SortField::new("title", "indicators.title", SortType::Text),
        SortField::new("kind", "indicators.kind", SortType::Text),
        SortField::nullable("category", "indicators.category", SortType::Text),
    ],
    default_sort: "ref",
    archivable: true,
};

/// Performance of every indicator in a period
///
/// Every role may read. The computed status (as `GET
/// /indicators/{id}/performance` gives it) of every live indicator matching
/// the filters, a page at a time like every list (`limit`, `cursor`,
/// `sort` on `ref` (default), `title`, `kind` or `category`): the quarterly
/// monitoring table. With `Prefer: count=exact` (or `planned`) the answer
/// also counts the indicators on all pages (`total`) and each status
/// (`counts`). A fixed number of queries whatever the number of indicators;
/// without `rag` or a count only the page's indicators are assessed.
#[utoipa::path(
    tag = "performance",
    params(crate::resources::ListQuery, ReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of statuses", body = PerformanceReport,
         headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "`period` missing, or an unknown or malformed query parameter", body = ErrorBody),
        (status = 422, description = "`period` is not a period code", body = ErrorBody),
    )
)]
#[get("")]
pub async fn get_performance(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, REPORT)?;
    let period = p
        .filter("period")
        .map(query_period)
        .transpose()?
        .ok_or_else(|| {
            ApiError::InvalidQuery("period is required, e.g. ?period=FY2009-10-Q2".into())
        })?;
    let rags: Option<Vec<Rag>> = p.filter("rag").map(parse_rags).transpose()?;
    let mut conn = state.conn().await?;
    // A status filter or a count needs every matching indicator assessed;
    // the page is then cut from those kept.
    let mut counts = None;
    let mut total = None;
    let mut computed: HashMap<Uuid, IndicatorPerformance> = HashMap::new();
    if rags.is_some() || p.count.is_some() {
        let all = db::all_matching(&mut conn, &p).await?;
        let kept: Vec<IndicatorPerformance> = compute(&mut conn, &all, &period)
            .await?
            .into_iter()
            .filter(|c| rags.as_ref().is_none_or(|r| r.contains(&c.assessment.rag)))
            .collect();
        if p.count.is_some() {
            counts = Some(RagCounts::of(kept.iter()));
            total = Some(kept.len() as i64);
        }
        let ids: Vec<String> = kept.iter().map(|c| c.indicator.id.to_string()).collect();
        p.add_condition(
            crate::store::sql::DynSql::raw("indicators.id = ANY(string_to_array(")
                .bind(ids.join(","))
                .sql(", ',')::uuid[])"),
        );
        computed = kept.into_iter().map(|c| (c.indicator.id, c)).collect();
    }
    // The count, if asked for, was made above; the page needs none.
    let asked = p.count.take();
    let (rows, _) = db::list(&mut conn, &p).await?;
    p.count = asked;
    if computed.is_empty() {
        computed = compute(&mut conn, &rows, &period)
            .await?
            .into_iter()
            .map(|c| (c.indicator.id, c))
            .collect();
    }
    // The page is cut, and its cursor made, on the sort keys of the rows.
    let keys: Vec<SortKeys> = rows.iter().map(SortKeys::from).collect();
    let page = p.page(keys, total)?;
    let body = PerformanceReport {
        period,
        items: page
            .items
            .iter()
            .filter_map(|k| computed.remove(&k.id))
            .collect(),
        next_cursor: page.next_cursor.clone(),
        total,
        counts,
    };
    Ok(page.respond_with(&req, &body))
}
