//! `/api/v1/indicators`: performance indicators (national, local and
//! population outcome measures). Their targets, values and commentary live
//! in [`crate::resources::indicators::data`], their computed status in
//! [`crate::resources::indicators::performance`]; this module holds the indicator record and
//! registers the whole `/indicators` scope.

pub mod list;

pub use list::*;

pub mod data;
pub mod links;
pub mod performance;
pub mod red;
pub mod summary;

use std::collections::HashMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::performance::{Aggregation, Polarity, Rag, Tolerance, ToleranceKind};
use crate::domain::period::Period;
use crate::resources::objectives::{check_priorities, ObjectiveRef};
use crate::resources::organisations::OrganisationRef;
use crate::resources::priorities::{PriorityRef, PrioritySet};
use crate::resources::write::{self, Record};
use crate::store::indicators::{self as db, IndicatorChanges, IndicatorRow, NewIndicatorRow};
use crate::store::listing::{Filter, FilterKind, ListSpec, ManualType, SortField, SortType};
use crate::store::organisations as orgs;
use crate::store::sql::DynSql;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{
    created_record, new_id, ok_record, ApiJson, Ctx, IfMatch, Patch, Versioned,
};
use crate::web::policy::ReportScope;
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};
use performance::IndicatorPerformance;

vocab! {
    /// Where an indicator comes from.
    IndicatorKind {
        /// A National Indicator (`NI59`).
        National = "national",
        /// A local indicator of a service plan (`SS LI1`).
        Local = "local",
        /// A population-level outcome measure of the Children and Young
        /// People's Plan (`OM01`).
        Outcome = "outcome",
    }
}

vocab! {
    /// What an indicator's values measure. Values of `percent` indicators
    /// must lie between 0 and 100.
    Unit {
        /// A percentage, 0 to 100 (`89.3` means 89.3 %).
        Percent = "percent",
        /// A percentage change against a baseline; may be negative or above 100.
        PercentChange = "percent_change",
        /// A count of people or events.
        Count = "count",
        /// Any other plain number (an average, a score).
        Number = "number",
        /// A rate per some population base (the base is in `notes`).
        Rate = "rate",
        /// A ratio, e.g. `0.63`.
        Ratio = "ratio",
        /// An amount of money (the currency and basis are in `notes`).
        Currency = "currency",
        /// A rank or position in a league table.
        Rank = "rank",
        /// The source states no unit.
        NotStated = "not_stated",
    }
}

pub use crate::domain::collection::{Frequency, YearBasis};

vocab! {
    /// The outcomes-based accountability question a measure answers, which
    /// reports group by.
    ObaCategory {
        /// How much did we do? (volume of service delivered)
        HowMuch = "how_much",
        /// How well did we do it? (quality of service)
        HowWell = "how_well",
        /// Is anyone better off? (outcomes for children and young people)
        BetterOff = "better_off",
    }
}

vocab! {
    /// How a derived indicator's figures are computed from stored series.
    DerivationKind {
        /// `source` minus `other`, period by period: the gap between a
        /// sub-group and the whole population, or another group.
        Gap = "gap",
        /// The percentage change of `source` from its figure in
        /// `baseline_period`: (figure - baseline) / baseline x 100.
        ChangeFromBaseline = "change_from_baseline",
    }
}

/// A stored series of an indicator: whose figures, and which sub-group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeriesRef {
    /// The indicator whose values are read.
    pub indicator_id: Uuid,
    /// Its series, e.g. `area`.
    pub series: crate::resources::indicators::data::Series,
    /// The sub-group, or null for the whole population.
    #[serde(default)]
    #[schema(required = true)]
    pub breakdown: Option<String>,
}

/// How a derived indicator is computed: its values are never recorded, but
/// computed from the stored series named here whenever its performance or
/// series is read; targets and status work as for any indicator.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "change_from_baseline",
    "source": {"indicator_id": "01a2008d-7400-7c10-8000-000000000000", "series": "area", "breakdown": null},
    "baseline_period": "FY2007-08"
}))]
pub struct Derivation {
    pub kind: DerivationKind,
    /// The series the figures come from.
    pub source: SeriesRef,
    /// For `gap`: the series subtracted from `source`. Null for
    /// `change_from_baseline`.
    #[serde(default)]
    #[schema(required = true)]
    pub other: Option<SeriesRef>,
    /// For `change_from_baseline`: the period whose figure is the baseline
    /// (a code, e.g. `FY2007-08`). Null for `gap`.
    #[serde(default)]
    #[schema(required = true)]
    pub baseline_period: Option<String>,
}

impl Derivation {
    fn of_row(r: &IndicatorRow) -> ApiResult<Option<Derivation>> {
        let series =
            |id: Option<Uuid>, s: &Option<String>, b: &Option<String>| match (id, s.as_deref()) {
                (Some(indicator_id), Some(series)) => Ok(Some(SeriesRef {
                    indicator_id,
                    series: crate::resources::indicators::data::Series::from_db(series)?,
                    breakdown: b.clone(),
                })),
                _ => Ok::<_, ApiError>(None),
            };
        let Some(kind) = r.derivation.as_deref() else {
            return Ok(None);
        };
        let source = series(r.source_indicator_id, &r.source_series, &r.source_breakdown)?
            .ok_or_else(|| ApiError::Internal(format!("{} has no source series", r.code)))?;
        Ok(Some(Derivation {
            kind: DerivationKind::from_db(kind)?,
            source,
            other: series(r.other_indicator_id, &r.other_series, &r.other_breakdown)?,
            baseline_period: r.baseline_period.clone(),
        }))
    }

    // The checks a schema cannot make: the shape for its kind, the sources
    // exist, the baseline is a period.
    async fn check(&self, conn: &mut AsyncPgConnection, errors: &mut Errors) -> ApiResult<()> {
        match (self.kind, &self.other, &self.baseline_period) {
            (DerivationKind::Gap, Some(_), None) => {}
            (DerivationKind::Gap, _, _) => errors.rule(
                "/derivation",
                "a gap needs `other` (the series subtracted) and no `baseline_period`",
            ),
            (DerivationKind::ChangeFromBaseline, None, Some(b)) => {
                match Period::parse(b) {
                    Ok(_) => {}
                    // A code of the documented form the calendar refuses.
                    Err(e) if e.is_rule() => {
                        errors.rule("/derivation/baseline_period", e.to_string())
                    }
                    Err(e) => errors.add("/derivation/baseline_period", e.to_string()),
                }
            }
            (DerivationKind::ChangeFromBaseline, _, _) => errors.rule(
                "/derivation",
                "a change from baseline needs `baseline_period` and no `other`",
            ),
        }
        let refs = std::iter::once(("/derivation/source", &self.source))
            .chain(self.other.iter().map(|o| ("/derivation/other", o)));
        for (pointer, r) in refs {
            if db::find_many(conn, &[r.indicator_id]).await?.is_empty() {
                errors.unknown(
                    &format!("{pointer}/indicator_id"),
                    "no indicator has this id",
                );
            }
            if r.breakdown.as_deref().is_some_and(|b| b.trim().is_empty()) {
                errors.add(
                    &format!("{pointer}/breakdown"),
                    "may not be blank; null for the whole population",
                );
            }
        }
        Ok(())
    }

    fn columns(&self) -> crate::store::indicators::DerivationColumns<'_> {
        crate::store::indicators::DerivationColumns {
            derivation: Some(self.kind.as_str()),
            source_indicator_id: Some(self.source.indicator_id),
            source_series: Some(self.source.series.as_str()),
            source_breakdown: self.source.breakdown.as_deref(),
            other_indicator_id: self.other.as_ref().map(|o| o.indicator_id),
            other_series: self.other.as_ref().map(|o| o.series.as_str()),
            other_breakdown: self.other.as_ref().and_then(|o| o.breakdown.as_deref()),
            baseline_period: self.baseline_period.as_deref(),
        }
    }
}

/// The stored word of a polarity.
pub fn polarity_str(p: Polarity) -> &'static str {
    match p {
        Polarity::HigherIsBetter => "higher_is_better",
        Polarity::LowerIsBetter => "lower_is_better",
        Polarity::Maintain => "maintain",
        Polarity::None => "none",
    }
}

/// The polarity of a stored word.
pub fn polarity_from_db(s: &str) -> ApiResult<Polarity> {
    match s {
        "higher_is_better" => Ok(Polarity::HigherIsBetter),
        "lower_is_better" => Ok(Polarity::LowerIsBetter),
        "maintain" => Ok(Polarity::Maintain),
        "none" => Ok(Polarity::None),
        other => Err(ApiError::Internal(format!("unexpected polarity {other:?}"))),
    }
}

/// The stored word of an aggregation.
pub fn aggregation_str(a: Aggregation) -> &'static str {
    match a {
        Aggregation::PointInTime => "point_in_time",
        Aggregation::Cumulative => "cumulative",
    }
}

/// The aggregation of a stored word.
pub fn aggregation_from_db(s: &str) -> ApiResult<Aggregation> {
    match s {
        "point_in_time" => Ok(Aggregation::PointInTime),
        "cumulative" => Ok(Aggregation::Cumulative),
        other => Err(ApiError::Internal(format!(
            "unexpected aggregation {other:?}"
        ))),
    }
}

fn tolerance_kind_str(k: ToleranceKind) -> &'static str {
    match k {
        ToleranceKind::Percent => "percent",
        ToleranceKind::Absolute => "absolute",
    }
}

/// The tolerance of a stored row.
pub fn tolerance_of(row: &IndicatorRow) -> Tolerance {
    match row.tolerance_kind.as_str() {
        "absolute" => Tolerance::absolute(row.tolerance_value),
        _ => Tolerance::percent(row.tolerance_value),
    }
}

const POLARITY_WORDS: &[&str] = &["higher_is_better", "lower_is_better", "maintain", "none"];
pub(crate) const RAG_WORDS: &[&str] = &[
    "green",
    "amber",
    "red",
    "no_target",
    "missing",
    "pending",
    "not_due",
    "not_judged",
];

/// Today's date in Europe/London: what "has the period ended" is judged against.
pub use crate::domain::deliverable::today;

/// Parses a period code given at `pointer`; a bad code is a 422 carrying
/// the period parser's message.
pub fn parse_period(pointer: &str, code: &str) -> ApiResult<Period> {
    Period::parse(code).map_err(|e| {
        let error = crate::web::error::FieldError::new(pointer, e.to_string());
        if e.is_rule() {
            ApiError::RuleViolated(vec![error])
        } else {
            ApiError::Validation(vec![error])
        }
    })
}

/// [`parse_period`], for a period that must be of one of `kinds`: another
/// kind breaks the rule `refusal` says (422 `rule_violated`), as a code the
/// calendar refuses does.
pub fn parse_period_of(
    pointer: &str,
    code: &str,
    kinds: &[crate::domain::period::PeriodType],
    refusal: &str,
) -> ApiResult<Period> {
    let p = parse_period(pointer, code)?;
    if !kinds.contains(&p.r#type) {
        return Err(ApiError::RuleViolated(vec![
            crate::web::error::FieldError::new(pointer, refusal),
        ]));
    }
    Ok(p)
}

/// A short reference to an indicator, embedded where a record points at one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct IndicatorRef {
    pub id: Uuid,
    /// Its reference, e.g. `NI59`.
    #[serde(rename = "ref")]
    pub r#ref: String,
    pub title: String,
}

impl From<&IndicatorRow> for IndicatorRef {
    fn from(r: &IndicatorRow) -> Self {
        IndicatorRef {
            id: r.id,
            r#ref: r.code.clone(),
            title: r.title.clone(),
        }
    }
}

/// A performance indicator.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Indicator {
    pub id: Uuid,
    /// Unique reference: `NI59` (National Indicator), `SS LI1` (local
    /// indicator; the space belongs to it), `OM01` (outcome measure). Filter
    /// with `ref=` or `code=`.
    #[serde(rename = "ref")]
    #[schema(example = "NI59")]
    pub r#ref: String,
    pub kind: IndicatorKind,
    /// Short title.
    pub title: String,
    /// Longer description or definition.
    pub description: Option<String>,
    /// Section of the plan's indicator table (`Service Delivery`,
    /// `Fair Access`, ...) or the kind of outcome measure.
    pub category: Option<String>,
    pub unit: Unit,
    /// Decimal places values are compared and printed at (0–6).
    pub decimals: i16,
    pub polarity: Polarity,
    pub aggregation: Aggregation,
    pub tolerance: Tolerance,
    /// How often its figure is collected: with `year_basis`, which periods
    /// it is due in (a period it is not collected in is `not_due`).
    pub frequency: Frequency,
    /// Which kind of year an annual figure covers.
    pub year_basis: YearBasis,
    /// The outcomes-based accountability category; null where none is set.
    #[schema(required = true)]
    pub oba_category: Option<ObaCategory>,
    /// How its figures are computed from other series; null for an
    /// indicator whose values are recorded.
    #[schema(required = true)]
    pub derivation: Option<Derivation>,
    /// A key indicator of the plan.
    pub key: bool,
    /// Part of the Local Area Agreement.
    pub laa: bool,
    /// The organisation that reports it; its contributors write its values
    /// and commentary.
    pub lead_organisation_id: Option<Uuid>,
    /// Code and name of the lead organisation.
    pub lead_organisation: Option<OrganisationRef>,
    /// Where the figures come from.
    pub data_source: Option<String>,
    /// Caveats, original wording of the source, how it was read.
    pub notes: Option<String>,
    /// The priorities it serves (area of focus, corporate priority, ...).
    pub priority_ids: Vec<Uuid>,
    pub priorities: Vec<PriorityRef>,
    /// The objectives it measures (linked with `PUT /objectives/{id}/indicators/{indicator_id}`).
    pub objective_ids: Vec<Uuid>,
    pub objectives: Vec<ObjectiveRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the `ETag`.
    pub version: i32,
    /// When it was archived; null while it is live.
    pub archived_at: Option<DateTime<Utc>>,
    /// The computed status for the `period` of the list request; null
    /// unless `period=` was given.
    pub performance: Option<Box<IndicatorPerformance>>,
}

page_schema!(IndicatorPage, Indicator);

impl Versioned for Indicator {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Indicator {
    const TABLE: &'static str = "indicators";
    const ENTITY: &'static str = "indicator";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = find_row(conn, id).await?;
        Ok(to_dtos(conn, vec![row]).await?.remove(0))
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// The stored indicator; 404 when there is none.
pub async fn find_row(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<IndicatorRow> {
    db::find(conn, id)
        .await
        .map_err(|e| crate::web::error::not_found(e, "indicator", id))
}

/// Turns rows into the API shape, loading every lead organisation in one query.
pub async fn to_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<IndicatorRow>,
) -> ApiResult<Vec<Indicator>> {
    let org_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.lead_organisation_id).collect();
    let leads = orgs::find_many(conn, &org_ids).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let priority_links = crate::store::links::priorities_of_indicators(conn, &ids).await?;
    let objective_links = crate::store::links::objectives_of_indicators(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let mut priorities = Vec::new();
            for l in priority_links.iter().filter(|l| l.objective_id == r.id) {
                priorities.push(PriorityRef {
                    id: l.id,
                    set: PrioritySet::from_db(&l.set)?,
                    code: l.code.clone(),
                    title: l.title.clone(),
                });
            }
            let objectives: Vec<ObjectiveRef> = objective_links
                .iter()
                .filter(|l| l.0 == r.id)
                .map(|l| ObjectiveRef {
                    id: l.1,
                    code: l.2.clone(),
                    title: l.3.clone(),
                })
                .collect();
            let lead_organisation = r
                .lead_organisation_id
                .and_then(|p| leads.iter().find(|o| o.id == p))
                .map(OrganisationRef::from);
            Ok(Indicator {
                kind: IndicatorKind::from_db(&r.kind)?,
                unit: Unit::from_db(&r.unit)?,
                polarity: polarity_from_db(&r.polarity)?,
                aggregation: aggregation_from_db(&r.aggregation)?,
                frequency: Frequency::from_db(&r.frequency)?,
                year_basis: YearBasis::from_db(&r.year_basis)?,
                oba_category: r
                    .oba_category
                    .as_deref()
                    .map(ObaCategory::from_db)
                    .transpose()?,
                derivation: Derivation::of_row(&r)?,
                tolerance: tolerance_of(&r),
                id: r.id,
                r#ref: r.code,
                title: r.title,
                description: r.description,
                category: r.category,
                decimals: r.decimals,
                key: r.key_indicator,
                laa: r.laa,
                lead_organisation_id: r.lead_organisation_id,
                lead_organisation,
                data_source: r.data_source,
                notes: r.notes,
                priority_ids: priorities.iter().map(|p| p.id).collect(),
                priorities,
                objective_ids: objectives.iter().map(|o| o.id).collect(),
                objectives,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                archived_at: r.archived_at,
                performance: None,
            })
        })
        .collect()
}

/// Checks that the caller may report (values, commentary) on the indicator
/// (`policy::ReportScope`). Returns the indicator's row; 404 when there is
/// none, 409 when it is archived.
pub async fn authorize_report(
    conn: &mut AsyncPgConnection,
    user: &AuthUser,
    id: Uuid,
) -> ApiResult<IndicatorRow> {
    let scope = ReportScope::of(user)?;
    let row = find_live_row(conn, id).await?;
    let leads = lead_codes(conn, &scope, std::slice::from_ref(&row)).await?;
    scope.check(&row.code, &leads_of(&leads, &row))?;
    Ok(row)
}

/// The lead organisations' codes of many indicators, in one query (none
/// when the scope covers everything, so editors pay nothing).
pub async fn lead_codes(
    conn: &mut AsyncPgConnection,
    scope: &ReportScope,
    rows: &[IndicatorRow],
) -> ApiResult<HashMap<Uuid, String>> {
    if *scope == ReportScope::Any {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.lead_organisation_id).collect();
    Ok(orgs::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o.code))
        .collect())
}

/// The codes leading one indicator, from [`lead_codes`].
pub fn leads_of<'a>(codes: &'a HashMap<Uuid, String>, row: &IndicatorRow) -> Vec<&'a str> {
    row.lead_organisation_id
        .and_then(|id| codes.get(&id))
        .map(String::as_str)
        .into_iter()
        .collect()
}

/// The stored indicator, for recording something against it: 404 when
/// there is none, 409 when it is archived.
pub async fn find_live_row(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<IndicatorRow> {
    let row = find_row(conn, id).await?;
    if row.archived_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "{} is archived; restore it before recording against it",
            row.code
        )));
    }
    Ok(row)
}

/// A new indicator.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIndicator {
    /// Unique reference, 1–40 characters (letters, digits, space, `._&/-`).
    #[serde(rename = "ref")]
    #[schema(example = "NI59")]
    pub r#ref: String,
    pub kind: IndicatorKind,
    /// Short title, at most 300 characters.
    #[schema(example = "Initial assessments completed within 7 working days")]
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    pub unit: Unit,
    /// Decimal places, 0–6 (default 1).
    #[serde(default)]
    pub decimals: Option<i16>,
    pub polarity: Polarity,
    /// Default `point_in_time`.
    #[serde(default)]
    pub aggregation: Option<Aggregation>,
    /// Default 5 percent of the target.
    #[serde(default)]
    pub tolerance: Option<Tolerance>,
    /// Default `annual`.
    #[serde(default)]
    pub frequency: Option<Frequency>,
    /// Default `financial`.
    #[serde(default)]
    pub year_basis: Option<YearBasis>,
    #[serde(default)]
    pub oba_category: Option<ObaCategory>,
    /// For a derived indicator: how its figures are computed (set at
    /// creation, never changed). Leave out for one whose values are recorded.
    #[serde(default)]
    pub derivation: Option<Derivation>,
    /// Default false.
    #[serde(default)]
    pub key: bool,
    /// Default false.
    #[serde(default)]
    pub laa: bool,
    #[serde(default)]
    pub lead_organisation_id: Option<Uuid>,
    #[serde(default)]
    pub data_source: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// The priorities it serves.
    #[serde(default)]
    pub priority_ids: Vec<Uuid>,
}

/// A JSON merge patch of an indicator: the fields given change, `null`
/// clears the nullable ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorPatch {
    #[serde(default, rename = "ref")]
    #[schema(value_type = String)]
    pub r#ref: Patch<String>,
    #[serde(default)]
    #[schema(value_type = IndicatorKind)]
    pub kind: Patch<IndicatorKind>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub category: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Unit)]
    pub unit: Patch<Unit>,
    #[serde(default)]
    #[schema(value_type = i16)]
    pub decimals: Patch<i16>,
    #[serde(default)]
    #[schema(value_type = Polarity)]
    pub polarity: Patch<Polarity>,
    #[serde(default)]
    #[schema(value_type = Aggregation)]
    pub aggregation: Patch<Aggregation>,
    #[serde(default)]
    #[schema(value_type = Tolerance)]
    pub tolerance: Patch<Tolerance>,
    #[serde(default)]
    #[schema(value_type = Frequency)]
    pub frequency: Patch<Frequency>,
    #[serde(default)]
    #[schema(value_type = YearBasis)]
    pub year_basis: Patch<YearBasis>,
    #[serde(default)]
    #[schema(value_type = Option<ObaCategory>)]
    pub oba_category: Patch<ObaCategory>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub key: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub laa: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub lead_organisation_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub data_source: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
    /// Replaces the priority links.
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub priority_ids: Patch<Vec<Uuid>>,
}

/// Get an indicator
#[utoipa::path(
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The indicator", body = Indicator,
         headers(("ETag" = String, description = "The record's version, for If-Match"))),
        (status = 404, description = "No such indicator", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_indicator(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    let indicator = Indicator::load(&mut conn, *id).await?;
    Ok(ok_record(&indicator))
}

async fn check_lead(
    conn: &mut AsyncPgConnection,
    errors: &mut Errors,
    lead: Uuid,
) -> ApiResult<()> {
    if orgs::find_many(conn, &[lead]).await?.is_empty() {
        errors.unknown("/lead_organisation_id", "no organisation has this id");
    }
    Ok(())
}

fn check_tolerance(errors: &mut Errors, t: &Tolerance) {
    if !t.value.is_finite() || t.value < 0.0 {
        errors.add("/tolerance/value", "must be a number of at least 0");
    }
}

fn check_decimals(errors: &mut Errors, d: i16) {
    if !(0..=6).contains(&d) {
        errors.add("/decimals", "must be 0 to 6");
    }
}

fn duplicate_ref(e: diesel::result::Error, code: &str) -> ApiError {
    crate::web::error::or_duplicate(e, || {
        format!("an indicator with ref {code:?} already exists")
    })
}

fn trimmed(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Create an indicator
///
/// Editors and admins. Answers 201 with the record, its `Location` and `ETag`.
#[utoipa::path(
    tag = "indicators",
    request_body = NewIndicator,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Indicator,
         headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an editor or admin", body = ErrorBody),
        (status = 409, description = "The ref is taken", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_indicator(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewIndicator>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let indicator = write::create::<Indicator, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/ref", &body.r#ref);
            errors.text("/title", &body.title, 300);
            errors.opt_text("/category", body.category.as_deref(), 100);
            let decimals = body.decimals.unwrap_or(1);
            check_decimals(&mut errors, decimals);
            let tolerance = body.tolerance.unwrap_or_default();
            check_tolerance(&mut errors, &tolerance);
            if let Some(lead) = body.lead_organisation_id {
                check_lead(conn, &mut errors, lead).await?;
            }
            check_priorities(conn, &mut errors, &body.priority_ids).await?;
            if let Some(d) = &body.derivation {
                d.check(conn, &mut errors).await?;
            }
            errors.finish()?;
            let row = db::insert(
                conn,
                &NewIndicatorRow {
                    id: new_id(),
                    code: &body.r#ref,
                    kind: body.kind.as_str(),
                    title: body.title.trim(),
                    description: trimmed(&body.description),
                    category: trimmed(&body.category),
                    unit: body.unit.as_str(),
                    decimals,
                    polarity: polarity_str(body.polarity),
                    aggregation: aggregation_str(
                        body.aggregation.unwrap_or(Aggregation::PointInTime),
                    ),
                    tolerance_kind: tolerance_kind_str(tolerance.kind),
                    tolerance_value: tolerance.value,
                    frequency: body.frequency.unwrap_or(Frequency::Annual).as_str(),
                    key_indicator: body.key,
                    laa: body.laa,
                    lead_organisation_id: body.lead_organisation_id,
                    data_source: trimmed(&body.data_source),
                    notes: trimmed(&body.notes),
                    year_basis: body.year_basis.unwrap_or(YearBasis::Financial).as_str(),
                    oba_category: body.oba_category.map(ObaCategory::as_str),
                    derived: body
                        .derivation
                        .as_ref()
                        .map(Derivation::columns)
                        .unwrap_or_default(),
                },
            )
            .await
            .map_err(|e| duplicate_ref(e, &body.r#ref))?;
            crate::store::links::set_indicator_priorities(conn, row.id, &body.priority_ids).await?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/indicators/{}", indicator.id),
        &indicator,
    ))
}

fn opt_trimmed(v: Option<Option<String>>) -> Option<Option<String>> {
    v.map(|o| {
        o.map(|s| s.trim().to_string())
            .filter(|s: &String| !s.is_empty())
    })
}

/// Change an indicator
///
/// Editors and admins. A JSON merge patch; needs `If-Match` with the current `ETag`.
#[utoipa::path(
    tag = "indicators",
    request_body(content = IndicatorPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Indicator id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Indicator, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an editor or admin", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 409, description = "The ref is taken", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_indicator(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<IndicatorPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let indicator = write::change::<Indicator, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, _before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let code = patch.r#ref.required("/ref", &mut errors.0);
                let kind = patch.kind.required("/kind", &mut errors.0);
                let title = patch.title.required("/title", &mut errors.0);
                let unit = patch.unit.required("/unit", &mut errors.0);
                let decimals = patch.decimals.required("/decimals", &mut errors.0);
                let polarity = patch.polarity.required("/polarity", &mut errors.0);
                let aggregation = patch.aggregation.required("/aggregation", &mut errors.0);
                let tolerance = patch.tolerance.required("/tolerance", &mut errors.0);
                let frequency = patch.frequency.required("/frequency", &mut errors.0);
                let year_basis = patch.year_basis.required("/year_basis", &mut errors.0);
                let key = patch.key.required("/key", &mut errors.0);
                let laa = patch.laa.required("/laa", &mut errors.0);
                let lead = patch.lead_organisation_id.nullable();
                let category = patch.category.nullable();
                if let Some(c) = &code {
                    errors.code("/ref", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 300);
                }
                if let Some(Some(c)) = &category {
                    errors.text("/category", c, 100);
                }
                if let Some(d) = decimals {
                    check_decimals(&mut errors, d);
                }
                if let Some(t) = &tolerance {
                    check_tolerance(&mut errors, t);
                }
                if let Some(Some(l)) = lead {
                    check_lead(conn, &mut errors, l).await?;
                }
                let priority_ids = patch.priority_ids.required("/priority_ids", &mut errors.0);
                if let Some(ids) = &priority_ids {
                    check_priorities(conn, &mut errors, ids).await?;
                }
                errors.finish()?;
                let changes = IndicatorChanges {
                    code: code.clone(),
                    kind: kind.map(|k| k.as_str().to_string()),
                    title: title.map(|t| t.trim().to_string()),
                    description: opt_trimmed(patch.description.nullable()),
                    category: opt_trimmed(category),
                    unit: unit.map(|u| u.as_str().to_string()),
                    decimals,
                    polarity: polarity.map(|p| polarity_str(p).to_string()),
                    aggregation: aggregation.map(|a| aggregation_str(a).to_string()),
                    tolerance_kind: tolerance.map(|t| tolerance_kind_str(t.kind).to_string()),
                    tolerance_value: tolerance.map(|t| t.value),
                    frequency: frequency.map(|f| f.as_str().to_string()),
                    key_indicator: key,
                    laa,
                    lead_organisation_id: lead,
                    data_source: opt_trimmed(patch.data_source.nullable()),
                    notes: opt_trimmed(patch.notes.nullable()),
                    year_basis: year_basis.map(|y| y.as_str().to_string()),
                    oba_category: patch
                        .oba_category
                        .nullable()
                        .map(|o| o.map(|c| c.as_str().to_string())),
                };
                db::update(conn, id, &changes)
                    .await
                    .map_err(|e| duplicate_ref(e, code.as_deref().unwrap_or("")))?;
                if let Some(ids) = &priority_ids {
                    crate::store::links::set_indicator_priorities(conn, id, ids).await?;
                }
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&indicator))
}

crate::archive_handlers! {
    module: archive,
    record: Indicator, tag: "indicators", id: "Indicator id", write: Editor, read: Viewer,
    archive: delete_indicator, "Archive an indicator" + "Its targets, values and commentary stay, hidden with it from lists and from `/performance` unless `include_archived=true`.",
    restore: restore_indicator, "Restore an archived indicator",
    history: indicator_history, "History of an indicator" + "Changes to its targets, values and commentary are audited under their own entity types (`indicator_target`, `indicator_value`, `indicator_commentary`); find them with `GET /audit?entity_id=`.",
    writers: "Editors and admins.", readers: "Every role may read.",
}
