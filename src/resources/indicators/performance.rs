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

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::collection::{Collection, Frequency, YearBasis};
use crate::domain::performance::{
    assess, decimal, show, to_f64, Aggregation, Assessment, PerformanceInput, Polarity, Rag,
    Recorded,
};
use crate::domain::period::Period;
use crate::domain::significance::{self, Comparison, Interval, TrendResult};
use crate::resources::indicators::data::{Commentary, Series, ValueStatus};
use crate::resources::indicators::{
    aggregation_from_db, find_row, parse_period, parse_rags, polarity_from_db, query_period, today,
    tolerance_of, IndicatorRef, Unit,
};
use crate::store::indicators::{self as db, Groups, IndicatorRow, ValuePoint};
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
/// (`area`) series: the whole population's, and each sub-group's where one
/// has values or a target.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorPerformance {
    /// The indicator assessed.
    pub indicator: IndicatorRef,
    /// Its lead organisation.
    pub lead_organisation_id: Option<Uuid>,
    /// The period assessed. In the cross-indicator views (`GET
    /// /performance`, the indicator list's `period=`) an indicator not
    /// collected for the period asked (an annual figure in a quarter's
    /// view) is shown for the latest period of its kind that had ended by
    /// the end of the one asked, and this names it.
    pub period: Period,
    /// With `rag` `not_due`: the period it is next due for (null for pooled
    /// years, whose spans are not fixed); null otherwise.
    #[schema(required = true)]
    pub next_due: Option<Period>,
    /// The day the answer is for, when `as_of` was given: only values of
    /// periods that had ended by then count. Null for today.
    #[schema(required = true)]
    pub as_of: Option<NaiveDate>,
    /// Target used, actual, variance, `rag`, direction of travel, quartile
    /// band and the sentences explaining them.
    #[serde(flatten)]
    pub assessment: Assessment,
    /// The comparator series held for the period (`national`,
    /// `statistical_neighbours`, `similar_authorities`, `region`,
    /// `national_target`, the England quartile boundaries).
    pub comparators: Vec<Comparator>,
    /// The period's commentary (the story behind the curve), if any.
    pub commentary: Option<Commentary>,
    /// Where the area's figure has a numerator and a denominator: its 95 %
    /// confidence interval, how it compares with England's, and its recent
    /// trend. Null otherwise.
    #[schema(required = true)]
    pub significance: Option<Significance>,
    /// Each sub-group's status against its own target, with its gap to the
    /// whole population. Given by `GET /indicators/{id}/performance`; empty
    /// in the cross-indicator views.
    pub sub_groups: Vec<SubGroupPerformance>,
}

/// Statistical significance as public-health profiles compute it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Significance {
    /// The 95 % confidence interval of the area's figure: Wilson score for a
    /// proportion (a percentage whose numerator is at most its
    /// denominator), Byar's method for rates and counts.
    pub interval: Interval,
    /// The area against the England (`national`) value for the period:
    /// `better` or `worse` when the interval excludes it (in the
    /// indicator's polarity), `similar` when it contains it,
    /// `not_compared` without an England value or a better direction.
    pub comparison: Comparison,
    /// One sentence explaining `comparison`, with the interval and method.
    pub explanation: String,
    /// The recent trend over the last five comparable periods (chi-squared
    /// test for trend in proportions); null for rates and counts.
    #[schema(required = true)]
    pub trend: Option<TrendResult>,
}

/// The computed performance of one sub-group (breakdown) of an indicator.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubGroupPerformance {
    /// The sub-group, e.g. `Care leavers`.
    pub breakdown: String,
    /// Its target used, actual, variance, status and direction of travel
    /// (its own target: `PUT /indicators/{id}/targets/{period}?breakdown=`).
    #[serde(flatten)]
    pub assessment: Assessment,
    /// The sub-group's actual minus the whole population's; null when
    /// either is not in.
    #[schema(required = true)]
    pub gap_to_whole: Option<f64>,
    /// One sentence explaining `gap_to_whole`.
    pub gap_explanation: String,
}

/// What to do with a period an indicator is not collected for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Answer `not_due`, naming the period it is next due for (one
    /// indicator's own answer).
    NotDue,
    /// Show the latest period of the kind collected that had ended by the
    /// end of the period asked (the cross-indicator views).
    LatestCompleted,
}

/// How [`compute`] answers.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The day asked about: only values of periods that had ended by its end
    /// count, and a period is over when it ended on or before it. None:
    /// today, counting every value.
    pub as_of: Option<NaiveDate>,
    pub due: Due,
    /// Whether to assess each sub-group too.
    pub sub_groups: bool,
}

impl Options {
    /// The cross-indicator views' options.
    pub fn view(as_of: Option<NaiveDate>) -> Options {
        Options {
            as_of,
            due: Due::LatestCompleted,
            sub_groups: false,
        }
    }
}

/// The collection of a stored indicator.
pub fn collection_of(row: &IndicatorRow) -> ApiResult<Collection> {
    Ok(Collection {
        frequency: Frequency::from_db(&row.frequency)?,
        year_basis: YearBasis::from_db(&row.year_basis)?,
    })
}

// The codes whose figures judge `period`: itself, its financial year, the
// quarters to date, the same a year earlier, and the four periods before it
// (the recent trend's five).
fn codes_for(period: &Period, codes: &mut Vec<String>) {
    codes.push(period.code.clone());
    let mut earlier = period.previous();
    for _ in 0..4 {
        let Some(p) = earlier else { break };
        earlier = p.previous();
        codes.push(p.code);
    }
    codes.extend(period.fy_of().map(|p| p.code));
    codes.extend(period.quarters_to_date().into_iter().map(|p| p.code));
    if let Some(prev) = period.previous_year() {
        codes.push(prev.code.clone());
        codes.extend(prev.quarters_to_date().into_iter().map(|p| p.code));
    }
}

// A value key: indicator, series, breakdown, period code.
type Key<'a> = (Uuid, &'a str, Option<&'a str>, &'a str);

/// Computes the performance of each indicator in `rows` for `period`, in
/// the order given: four queries at most (targets, values, the sources of
/// derived indicators, commentary) whatever the number of indicators.
pub async fn compute(
    conn: &mut AsyncPgConnection,
    rows: &[IndicatorRow],
    period: &Period,
    opts: &Options,
) -> ApiResult<Vec<IndicatorPerformance>> {
    let periods = vec![period.clone(); rows.len()];
    compute_each(conn, rows, &periods, opts).await
}

/// [`compute`] with each indicator's own period (`periods[i]` for
/// `rows[i]`), in the same four queries at most.
pub async fn compute_each(
    conn: &mut AsyncPgConnection,
    rows: &[IndicatorRow],
    periods: &[Period],
    opts: &Options,
) -> ApiResult<Vec<IndicatorPerformance>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // The period each indicator is judged for (None: not due).
    let mut judged: Vec<Option<Period>> = Vec::with_capacity(rows.len());
    for (row, period) in rows.iter().zip(periods) {
        let collection = collection_of(row)?;
        judged.push(if collection.is_due(period) {
            Some(period.clone())
        } else {
            match opts.due {
                Due::NotDue => None,
                Due::LatestCompleted => collection.latest_completed(period),
            }
        });
    }
    let mut codes: Vec<String> = Vec::new();
    let mut target_codes: Vec<String> = Vec::new();
    let mut seen: Vec<&Period> = Vec::new();
    for p in judged.iter().flatten() {
        if !seen.contains(&p) {
            seen.push(p);
            codes_for(p, &mut codes);
            target_codes.push(p.code.clone());
            target_codes.extend(p.fy_of().map(|f| f.code));
        }
    }
    let mut judged_codes: Vec<String> = seen.iter().map(|p| p.code.clone()).collect();
    judged_codes.sort();
    judged_codes.dedup();
    // A derived indicator's figures come from its sources' series, and a
    // change from a baseline needs the baseline's figure too.
    let mut source_ids: Vec<Uuid> = Vec::new();
    let mut source_codes = codes.clone();
    for row in rows {
        source_ids.extend(row.source_indicator_id);
        source_ids.extend(row.other_indicator_id);
        source_codes.extend(row.baseline_period.clone());
    }
    for list in [&mut codes, &mut target_codes, &mut source_codes] {
        list.sort();
        list.dedup();
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let groups = if opts.sub_groups {
        Groups::All
    } else {
        Groups::Whole
    };
    let targets = db::targets_for(conn, &ids, &target_codes, groups).await?;
    let values = db::values_for(conn, &ids, &codes, groups).await?;
    let sources = if source_ids.is_empty() {
        Vec::new()
    } else {
        db::values_for(conn, &source_ids, &source_codes, Groups::All).await?
    };
    let commentary = db::commentary_for(conn, &ids, &judged_codes).await?;

    // Only the values of periods that had ended by `as_of` count.
    let counts = |v: &ValuePoint| -> bool {
        opts.as_of
            .is_none_or(|day| Period::parse(&v.period).is_ok_and(|p| p.ends_on <= day))
    };
    // Looked up by key, so that the work grows with the rows, not with
    // their square. Forecasts are shown, never judged as actuals.
    let mut points: HashMap<Key<'_>, &ValuePoint> = HashMap::new();
    for v in values.iter().chain(&sources) {
        if v.status != ValueStatus::Forecast.as_str() && counts(v) {
            points.insert(
                (v.indicator_id, &v.series, v.breakdown.as_deref(), &v.period),
                v,
            );
        }
    }
    let figure = |key: &Key<'_>| points.get(key).map(|v| v.value);
    // Each indicator's comparators, grouped once rather than searched for
    // among every value for each indicator.
    let mut comparators_of: HashMap<Uuid, Vec<&ValuePoint>> = HashMap::new();
    for v in &values {
        if v.breakdown.is_none() && v.series != "area" && counts(v) {
            comparators_of.entry(v.indicator_id).or_default().push(v);
        }
    }
    let mut derived: HashMap<(Uuid, String), f64> = HashMap::new();
    for row in rows.iter().filter(|r| r.derivation.is_some()) {
        for code in &codes {
            if let Some(v) = derive(row, code, &points)? {
                derived.insert((row.id, code.clone()), v);
            }
        }
    }
    let targets: HashMap<(Uuid, Option<&str>, &str), f64> = targets
        .iter()
        .map(|t| {
            (
                (t.indicator_id, t.breakdown.as_deref(), t.period.as_str()),
                t.value,
            )
        })
        .collect();
    let mut commentary: HashMap<(Uuid, String), _> = commentary
        .into_iter()
        .map(|c| ((c.indicator_id, c.period.clone()), c))
        .collect();
    let today = match opts.as_of {
        // A period that ended on the day asked about is over by its end.
        Some(day) => day.succ_opt().unwrap_or(day),
        None => today(),
    };
    let mut out = Vec::with_capacity(rows.len());
    for ((row, judged), period) in rows.iter().zip(judged).zip(periods) {
        let Some(p) = judged else {
            out.push(not_due(row, period, opts)?);
            continue;
        };
        let aggregation = aggregation_from_db(&row.aggregation)?;
        let area = |breakdown: Option<&str>, code: &str| -> Option<f64> {
            if row.derivation.is_some() {
                return breakdown
                    .is_none()
                    .then(|| derived.get(&(row.id, code.to_string())).copied())
                    .flatten();
            }
            figure(&(row.id, "area", breakdown, code))
        };
        let fy = p.fy_of();
        let previous = p.previous_year();
        let input_for = |breakdown: Option<&str>| {
            let target_of = |code: &str| targets.get(&(row.id, breakdown, code)).copied();
            let recorded = |q: &Period| recorded(q, aggregation, |code| area(breakdown, code));
            let comparator = |series: &str| {
                breakdown
                    .is_none()
                    .then(|| figure(&(row.id, series, None, p.code.as_str())))
                    .flatten()
            };
            Ok::<_, ApiError>(PerformanceInput {
                polarity: polarity_from_db(&row.polarity)?,
                aggregation,
                tolerance: tolerance_of(row),
                decimals: u8::try_from(row.decimals).unwrap_or(1),
                period: p.clone(),
                today,
                target: target_of(&p.code),
                fy_target: fy.as_ref().and_then(|f| target_of(&f.code)),
                actual: recorded(&p),
                previous_actual: previous.as_ref().map(recorded).unwrap_or_default(),
                top: comparator("england_top_quartile"),
                median: comparator("england_median"),
                bottom: comparator("england_bottom_quartile"),
            })
        };
        let input = input_for(None)?;
        let assessment = assess(&input);
        let significance = significance(row, &p, input.polarity, &points);
        let mut sub_groups = Vec::new();
        if opts.sub_groups {
            let mut names: Vec<&str> = values
                .iter()
                .filter(|v| v.indicator_id == row.id && v.series == "area")
                .filter_map(|v| v.breakdown.as_deref())
                .chain(targets.keys().filter(|k| k.0 == row.id).filter_map(|k| k.1))
                .collect();
            names.sort_unstable();
            names.dedup();
            for name in names {
                let a = assess(&input_for(Some(name))?);
                let (gap_to_whole, gap_explanation) =
                    gap_to_whole(row, name, a.actual, assessment.actual);
                sub_groups.push(SubGroupPerformance {
                    breakdown: name.to_string(),
                    assessment: a,
                    gap_to_whole,
                    gap_explanation,
                });
            }
        }
        let comparators = comparators_of
            .remove(&row.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v.period == p.code)
            .map(|v| {
                Ok(Comparator {
                    series: Series::from_db(&v.series)?,
                    value: v.value,
                    status: ValueStatus::from_db(&v.status)?,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let commentary = commentary
            .remove(&(row.id, p.code.clone()))
            .map(Commentary::from_row)
            .transpose()?;
        out.push(IndicatorPerformance {
            indicator: IndicatorRef::from(row),
            lead_organisation_id: row.lead_organisation_id,
            period: p,
            next_due: None,
            as_of: opts.as_of,
            assessment,
            comparators,
            commentary,
            significance,
            sub_groups,
        });
    }
    Ok(out)
}

// The area's significance for `period`, where its figure has a numerator
// and a denominator: Wilson for a proportion, Byar otherwise, compared with
// the national figure; the trend over five periods for a proportion.
fn significance(
    row: &IndicatorRow,
    period: &Period,
    polarity: Polarity,
    points: &HashMap<Key<'_>, &ValuePoint>,
) -> Option<Significance> {
    let point = |code: &str| points.get(&(row.id, "area", None, code)).copied();
    let own = point(&period.code)?;
    let (num, den) = (own.numerator?, own.denominator?);
    if den <= 0.0 || num < 0.0 {
        return None;
    }
    // The scale the figure is written on (100 for a percentage, 1,000 for a
    // rate per 1,000): a power of ten, read off the figure itself.
    let multiplier = if num == 0.0 {
        if row.unit == "percent" {
            100.0
        } else {
            1.0
        }
    } else {
        10f64.powf((own.value / (num / den)).log10().round())
    };
    let proportion = num <= den && (row.unit == "percent" || row.unit == "ratio");
    let interval = if proportion {
        significance::wilson(num, den, multiplier)
    } else {
        significance::byar(num, den, multiplier)
    }?;
    let higher = match polarity {
        Polarity::HigherIsBetter => Some(true),
        Polarity::LowerIsBetter => Some(false),
        Polarity::Maintain | Polarity::None => None,
    };
    let england = point_value(points, row.id, "national", &period.code);
    let decimals = u8::try_from(row.decimals).unwrap_or(1);
    let trend = proportion.then(|| {
        let mut periods = vec![period.clone()];
        while periods.len() < 5 {
            let Some(p) = periods.last().and_then(Period::previous) else {
                break;
            };
            periods.push(p);
        }
        let series: Vec<(f64, f64)> = periods
            .iter()
            .rev()
            .map(|p| {
                point(&p.code)
                    .and_then(|v| v.numerator.zip(v.denominator))
                    .unwrap_or((f64::NAN, f64::NAN))
            })
            .collect();
        significance::trend(&series)
    });
    Some(Significance {
        comparison: significance::compare(&interval, england, higher),
        explanation: significance::explain_comparison(
            &interval,
            england,
            higher,
            "England value",
            decimals,
        ),
        interval,
        trend,
    })
}

fn point_value(
    points: &HashMap<Key<'_>, &ValuePoint>,
    id: Uuid,
    series: &str,
    code: &str,
) -> Option<f64> {
    points.get(&(id, series, None, code)).map(|v| v.value)
}

// A derived indicator's figure for one period, from its sources' figures:
// `gap` is source - other; `change_from_baseline` the percentage change of
// source from its baseline figure. None for a recorded indicator, or when a
// figure it needs is not in.
fn derive(
    row: &IndicatorRow,
    code: &str,
    points: &HashMap<Key<'_>, &ValuePoint>,
) -> ApiResult<Option<f64>> {
    let source =
        |id: Option<Uuid>, series: &Option<String>, breakdown: &Option<String>, code: &str| {
            let (Some(id), Some(series)) = (id, series.as_deref()) else {
                return None;
            };
            points
                .get(&(id, series, breakdown.as_deref(), code))
                .and_then(|v| decimal(v.value))
        };
    let this = || {
        source(
            row.source_indicator_id,
            &row.source_series,
            &row.source_breakdown,
            code,
        )
    };
    Ok(match row.derivation.as_deref() {
        None => None,
        Some("gap") => {
            let other = source(
                row.other_indicator_id,
                &row.other_series,
                &row.other_breakdown,
                code,
            );
            this().zip(other).map(|(a, b)| to_f64(a - b))
        }
        Some("change_from_baseline") => {
            let base = row.baseline_period.as_deref().and_then(|b| {
                source(
                    row.source_indicator_id,
                    &row.source_series,
                    &row.source_breakdown,
                    b,
                )
            });
            match (this(), base) {
                (Some(now), Some(base)) if !base.is_zero() => {
                    Some(to_f64((now - base) / base * Decimal::ONE_HUNDRED))
                }
                _ => None,
            }
        }
        Some(other) => {
            return Err(ApiError::Internal(format!(
                "unexpected derivation {other:?}"
            )))
        }
    })
}

fn gap_to_whole(
    row: &IndicatorRow,
    name: &str,
    group: Option<f64>,
    whole: Option<f64>,
) -> (Option<f64>, String) {
    let decimals = u8::try_from(row.decimals).unwrap_or(1);
    match (group.and_then(decimal), whole.and_then(decimal)) {
        (Some(g), Some(w)) => {
            let gap = g - w;
            (
                Some(to_f64(gap)),
                format!(
                    "{name} {} against the whole population's {}: a gap of {}",
                    show(g, decimals),
                    show(w, decimals),
                    show(gap, decimals)
                ),
            )
        }
        _ => (
            None,
            format!("No actual for {name} or for the whole population, so no gap"),
        ),
    }
}

// The answer for an indicator not collected for the period asked.
fn not_due(row: &IndicatorRow, period: &Period, opts: &Options) -> ApiResult<IndicatorPerformance> {
    let collection = collection_of(row)?;
    let next_due = collection.next_due(period);
    let kind = match collection.frequency {
        Frequency::Monthly | Frequency::Quarterly => "by quarter".to_string(),
        Frequency::Annual | Frequency::OneOff => format!(
            "once a year, for {} years",
            match collection.year_basis {
                YearBasis::Financial => "financial",
                YearBasis::Academic => "academic",
                YearBasis::Calendar => "calendar",
                YearBasis::PooledCalendarYears => "pooled calendar",
            }
        ),
    };
    let next = next_due
        .as_ref()
        .map_or_else(String::new, |n| format!("; next due for {}", n.label));
    let why = format!("No figure for {} is due", period.label);
    Ok(IndicatorPerformance {
        indicator: IndicatorRef::from(row),
        lead_organisation_id: row.lead_organisation_id,
        period: period.clone(),
        next_due,
        as_of: opts.as_of,
        assessment: Assessment {
            target_used: None,
            target_basis: crate::domain::performance::TargetBasis::None,
            actual: None,
            previous_actual: None,
            variance: None,
            rag: Rag::NotDue,
            direction: crate::domain::performance::Direction::NotComparable,
            quartile: crate::domain::performance::QuartileBand::NotComparable,
            explanation: format!(
                "{} is collected {kind}, so not due for {}{next}",
                row.code, period.label
            ),
            direction_explanation: format!("{why}, so no direction of travel"),
            quartile_explanation: format!("{why}, so no quartile band"),
        },
        comparators: Vec::new(),
        commentary: None,
        significance: None,
        sub_groups: Vec::new(),
    })
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
    /// Answer as on this day (`YYYY-MM-DD`): only values of periods that had
    /// ended by then count, and a period that had not ended is `pending`.
    /// Default: today, counting every value.
    as_of: Option<NaiveDate>,
}

fn period_and_as_of(req: &HttpRequest) -> ApiResult<(Period, Option<NaiveDate>)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?;
    let (mut period, mut as_of) = (None, None);
    for (k, v) in &pairs {
        match k.as_str() {
            "period" => period = Some(query_period(v)?),
            "as_of" => as_of = Some(crate::store::listing::parse_date("as_of", v)?),
            other => {
                return Err(ApiError::InvalidQuery(format!(
                    "unknown query parameter {other:?}; this accepts: period, as_of"
                )))
            }
        }
    }
    let period = period.ok_or_else(|| {
        ApiError::InvalidQuery("period is required, e.g. ?period=FY2009-10-Q2".into())
    })?;
    Ok((period, as_of))
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
    let (period, as_of) = period_and_as_of(&req)?;
    let mut conn = state.conn().await?;
    let row = find_row(&mut conn, *id).await?;
    let opts = Options {
        as_of,
        due: Due::NotDue,
        sub_groups: true,
    };
    let mut computed = compute(&mut conn, &[row], &period, &opts).await?;
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
    pub not_due: i64,
    pub not_judged: i64,
}

impl RagCounts {
    pub fn of<'a>(items: impl Iterator<Item = &'a IndicatorPerformance>) -> Self {
        let mut counts = RagCounts::default();
        for i in items {
            *match i.assessment.rag {
                Rag::Green => &mut counts.green,
                Rag::Amber => &mut counts.amber,
                Rag::Red => &mut counts.red,
                Rag::NoTarget => &mut counts.no_target,
                Rag::Missing => &mut counts.missing,
                Rag::Pending => &mut counts.pending,
                Rag::NotDue => &mut counts.not_due,
                Rag::NotJudged => &mut counts.not_judged,
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
    /// Answer as on this day (`YYYY-MM-DD`): only values of periods that had
    /// ended by then count. A quarter's picture after the next quarter is in:
    /// `period=FY2009-10-Q1&as_of=2009-06-30`.
    as_of: Option<NaiveDate>,
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
        Filter::new("as_of", FilterKind::Manual(ManualType::Date)),
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
    let as_of = p
        .filter("as_of")
        .map(|v| crate::store::listing::parse_date("as_of", v))
        .transpose()?;
    let opts = Options::view(as_of);
    let mut conn = state.conn().await?;
    // A status filter or a count needs every matching indicator assessed;
    // the page is then cut from those kept.
    let mut counts = None;
    let mut total = None;
    let mut computed: HashMap<Uuid, IndicatorPerformance> = HashMap::new();
    if rags.is_some() || p.count.is_some() {
        let all = db::all_matching(&mut conn, &p).await?;
        let kept: Vec<IndicatorPerformance> = compute(&mut conn, &all, &period, &opts)
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
        computed = compute(&mut conn, &rows, &period, &opts)
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
