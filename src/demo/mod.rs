//! The demo data set, loaded by `trustplan serve --demo`. It is written from
//! the partnership's own documents and compiled into the binary (files under
//! `demo/`). Loading it again adds nothing: every record is matched on its code.
//!
//! Corrections and additions from the partnership's catalogue of additions
//! (`demo/additions.json`) are applied as the records are created; see the
//! `additions` module.
//!
//! Every record the loader creates has a fixed id, [`demo_id`] of its kind and
//! code, so that documentation examples can name demo records. Records
//! created through the API get random ids as usual.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::resources::organisations::{to_dtos, Organisation};
use crate::store::audit;

mod additions;
mod inspections;
mod plans;
use crate::domain::period::{Period, PeriodType};
use crate::resources::write::Record;
use crate::store::organisations::OrganisationRow;
use crate::store::schema::organisations;
use crate::web::error::{ApiError, ApiResult};
use crate::web::http::Actor;
pub use additions::AdditionsReport;
use additions::{Additions, IndicatorFacts, ValueCorrection};

/// The instant every demo id carries as its UUID v7 timestamp,
/// 2026-11-22T00:00:00Z in Unix milliseconds.
const DEMO_ID_MILLIS: u64 = 1_795_305_600_000;

/// The id of the demo record of `kind` (its audit entity type: `plan`,
/// `objective`, `indicator_value`, ...) and `code`: a valid UUID v7 with a
/// fixed timestamp and, in place of the random bits, the first 10 bytes of
/// SHA-256 of `"kind:code"`. The same on every load, so examples can name it.
pub fn demo_id(kind: &str, code: &str) -> Uuid {
    let digest = Sha256::digest(format!("{kind}:{code}").as_bytes());
    let mut bytes = [0u8; 10];
    bytes.copy_from_slice(&digest[..10]);
    uuid::Builder::from_unix_timestamp_millis(DEMO_ID_MILLIS, &bytes).into_uuid()
}

/// The demo key of an indicator's target: indicator code and period.
pub fn target_key(indicator: &str, period: &str) -> String {
    format!("{indicator}:{period}")
}

/// The demo key of an indicator's value: indicator code, series, breakdown
/// (empty for none) and period.
pub fn value_key(indicator: &str, series: &str, breakdown: Option<&str>, period: &str) -> String {
    format!("{indicator}:{series}:{}:{period}", breakdown.unwrap_or(""))
}

#[derive(Debug, Deserialize)]
struct DemoOrganisation {
    code: String,
    name: String,
    kind: String,
    parent: Option<String>,
}

/// What a load added.
#[derive(Debug, Default, PartialEq)]
pub struct DemoReport {
    pub organisations: usize,
    pub plans: usize,
    pub priorities: usize,
    pub objectives: usize,
    pub risks: usize,
    pub milestones: usize,
    pub inspections: usize,
    pub judgements: usize,
    pub recommendations: usize,
    pub improvement_areas: usize,
    pub improvement_actions: usize,
    pub indicators: IndicatorsReport,
    /// Links of indicators to objectives and priorities.
    pub indicator_links: usize,
    /// Derived indicators and the stories behind the curve.
    pub additions: AdditionsReport,
}

impl DemoReport {
    /// Whether the load added nothing: the demo data was already there.
    pub fn is_empty(&self) -> bool {
        *self == DemoReport::default()
    }
}

/// Loads the demo data set in one transaction.
pub async fn load(conn: &mut AsyncPgConnection) -> ApiResult<DemoReport> {
    let additions = Additions::read()?;
    conn.transaction::<DemoReport, ApiError, _>(async move |conn| {
        let actor = Actor::system("demo");
        let organisations = load_organisations(conn, &actor, &additions).await?;
        let plans = plans::load_plans(conn, &actor, &additions.plans).await?;
        let priorities = plans::load_priorities(conn, &actor).await?;
        let objectives = plans::load_objectives(conn, &actor).await?;
        let risks = plans::load_risks(conn, &actor).await?;
        let milestones = plans::load_milestones(conn, &actor).await?;
        let indicators = load_indicators(conn, &actor, &additions).await?;
        let indicator_links = plans::link_indicators(conn).await?;
        let inspections = inspections::load_inspections(conn, &actor).await?;
        let judgements = inspections::load_judgements(conn, &actor).await?;
        let recommendations = inspections::load_recommendations(conn, &actor).await?;
        let (improvement_areas, improvement_actions) =
            inspections::load_improvement_plan(conn, &actor, &additions.lead_fixes).await?;
        let additions = additions::load(conn, &actor, &additions).await?;
        Ok(DemoReport {
            inspections,
            judgements,
            recommendations,
            improvement_areas,
            improvement_actions,
            organisations,
            plans,
            priorities,
            objectives,
            risks,
            milestones,
            indicators,
            indicator_links,
            additions,
        })
    })
    .await
}

/// Audits the creation of a demo record as the API shows it.
async fn audit_created_row<T: serde::Serialize>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    action: &str,
    entity: &str,
    id: Uuid,
    dto: ApiResult<T>,
) -> ApiResult<()> {
    audit::record::<(), _>(conn, actor, action, entity, id, None, Some(&dto?)).await?;
    Ok(())
}

async fn load_organisations(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    additions: &Additions,
) -> ApiResult<usize> {
    let mut demo: Vec<DemoOrganisation> =
        serde_json::from_str(include_str!("../../demo/organisations.json"))?;
    // The delivery partnerships: an entry of the base file with the same code
    // is replaced where it stands, the others follow (their parents are in
    // the base file).
    for added in &additions.organisations {
        let entry = DemoOrganisation {
            code: added.code.clone(),
            name: added.name.clone(),
            kind: added.kind.clone(),
            parent: added.parent.clone(),
        };
        match demo.iter_mut().find(|o| o.code == added.code) {
            Some(o) => *o = entry,
            None => demo.push(entry),
        }
    }
    let existing: Vec<(String, Uuid)> = organisations::table
        .select((organisations::code, organisations::id))
        .load(conn)
        .await?;
    let mut ids: HashMap<String, Uuid> = existing.into_iter().collect();
    let mut inserted = Vec::new();
    // Parents come before their children in the file.
    for o in &demo {
        if ids.contains_key(&o.code) {
            continue;
        }
        let parent_id = match &o.parent {
            Some(p) => Some(*ids.get(p).ok_or_else(|| {
                ApiError::Internal(format!(
                    "demo organisation {} names unknown parent {p}",
                    o.code
                ))
            })?),
            None => None,
        };
        let row: OrganisationRow = diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(demo_id("organisation", &o.code)),
                organisations::code.eq(&o.code),
                organisations::name.eq(&o.name),
                organisations::kind.eq(&o.kind),
                organisations::parent_id.eq(parent_id),
            ))
            .returning(OrganisationRow::as_returning())
            .get_result(conn)
            .await?;
        ids.insert(row.code.clone(), row.id);
        inserted.push(row);
    }
    let count = inserted.len();
    for org in to_dtos(conn, inserted).await? {
        audit::record::<(), _>(
            conn,
            actor,
            "create",
            Organisation::ENTITY,
            org.id,
            None,
            Some(&org),
        )
        .await?;
    }
    Ok(count)
}

/// What the indicator part of a load added.
#[derive(Debug, Default, PartialEq)]
pub struct IndicatorsReport {
    pub indicators: usize,
    pub targets: usize,
    pub values: usize,
    /// Published points not loaded: their period label names no period
    /// ("latest", "not stated", ...), their value is blank, or they repeat
    /// another point of the same series and period.
    pub skipped_points: usize,
}

// The service plan's indicator table (`demo/indicators.json`).
#[derive(Debug, Deserialize)]
struct DemoIndicator {
    #[serde(rename = "ref")]
    code: String,
    kind: String,
    short_description: String,
    category: String,
    key_indicator: bool,
    laa_flag: bool,
    corporate_plan_priority_raw: Option<String>,
    unit: String,
    polarity_basis: Option<String>,
    actual_2007_08: Option<f64>,
    target_2008_09: Option<f64>,
    actual_2008_09: Option<f64>,
    targets: std::collections::BTreeMap<String, Option<f64>>,
    notes: Option<String>,
}

// The CYPP's population outcome measures (`demo/outcome_measures.json`).
#[derive(Debug, Deserialize)]
struct DemoMeasure {
    id: String,
    kind: String,
    ambition_code: Option<String>,
    short_title: String,
    unit: String,
    data_source: Option<String>,
    source: Option<String>,
    series: Vec<DemoSeries>,
    target: Option<serde_json::Value>,
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DemoSeries {
    population: String,
    points: Vec<DemoPoint>,
}

#[derive(Debug, Deserialize)]
struct DemoPoint {
    period: String,
    value: Option<f64>,
}

// An indicator to insert with what is recorded against it.
struct Planned {
    row: PlannedRow,
    targets: Vec<(Period, f64, Option<String>)>,
    values: Vec<PlannedValue>,
}

struct PlannedValue {
    period: Period,
    series: String,
    breakdown: Option<String>,
    value: f64,
    status: String,
    note: String,
}

struct PlannedRow {
    code: String,
    kind: &'static str,
    title: String,
    description: Option<String>,
    category: Option<String>,
    unit: String,
    decimals: i16,
    polarity: String,
    aggregation: &'static str,
    frequency: String,
    year_basis: String,
    oba_category: Option<String>,
    key_indicator: bool,
    laa: bool,
    lead_organisation_id: Option<Uuid>,
    data_source: Option<String>,
    notes: Option<String>,
}

impl PlannedRow {
    fn new_row(&self) -> crate::store::indicators::NewIndicatorRow<'_> {
        crate::store::indicators::NewIndicatorRow {
            id: demo_id("indicator", &self.code),
            code: &self.code,
            kind: self.kind,
            title: &self.title,
            description: self.description.as_deref(),
            category: self.category.as_deref(),
            unit: &self.unit,
            decimals: self.decimals,
            polarity: &self.polarity,
            aggregation: self.aggregation,
            tolerance_kind: "percent",
            tolerance_value: 5.0,
            frequency: &self.frequency,
            key_indicator: self.key_indicator,
            laa: self.laa,
            lead_organisation_id: self.lead_organisation_id,
            data_source: self.data_source.as_deref(),
            notes: self.notes.as_deref(),
            year_basis: &self.year_basis,
            oba_category: self.oba_category.as_deref(),
            derived: Default::default(),
        }
    }
}

fn decimals_of(values: impl Iterator<Item = f64>, at_least: i16) -> i16 {
    values
        .map(|v| {
            let text = format!("{v}");
            text.split_once('.').map_or(0, |(_, d)| d.len() as i16)
        })
        .fold(at_least, i16::max)
        .min(6)
}

fn fy(label: &str) -> ApiResult<Period> {
    crate::domain::period::from_source_label(label)
        .and_then(|c| Period::parse(&c).ok())
        .ok_or_else(|| ApiError::Internal(format!("demo period {label:?} does not map")))
}

/// The academic year starting in September of `year`.
fn academic_year(year: i32) -> Option<Period> {
    Period::parse(&format!("AY{year}-{:02}", (year + 1).rem_euclid(100))).ok()
}

/// The period a column of the service plan's table ("2009/10") holds for an
/// indicator of `year_basis`. The columns are financial years; an
/// academic-year indicator's column holds the results of the summer exams
/// in it, so 2008/09 holds summer 2008's, AY2007-08.
fn column_period(label: &str, year_basis: &str) -> ApiResult<Period> {
    let period = fy(label)?;
    if year_basis != "academic" {
        return Ok(period);
    }
    use chrono::Datelike;
    academic_year(period.starts_on.year() - 1)
        .ok_or_else(|| ApiError::Internal(format!("demo period {label:?} has no school year")))
}

/// The period a published point's label names for a measure of
/// `year_basis`; `None` for a label that names no period ("latest"). A
/// school-year measure's plain year is the year its exams or tests were sat
/// (2008 is AY2007-08) and its "2007/8" the school year, not a financial
/// year.
fn point_period(label: &str, year_basis: &str) -> Option<Period> {
    use chrono::Datelike;
    let period =
        crate::domain::period::from_source_label(label).and_then(|c| Period::parse(&c).ok())?;
    if year_basis != "academic" {
        return Some(period);
    }
    let start = period.starts_on.year();
    match period.r#type {
        PeriodType::CalendarYear => academic_year(start - 1),
        PeriodType::FinancialYear => academic_year(start),
        _ => Some(period),
    }
}

/// The corrections of `additions` in use, so that one that corrects no
/// published point is caught.
struct Corrections<'a> {
    all: &'a [ValueCorrection],
    used: std::collections::HashSet<&'a str>,
}

impl<'a> Corrections<'a> {
    fn new(all: &'a [ValueCorrection]) -> Self {
        Corrections {
            all,
            used: Default::default(),
        }
    }

    /// The correction of `code`'s point `population`, `printed_period`, if
    /// any; its value must be the published one.
    fn of(
        &mut self,
        code: &str,
        population: &str,
        printed_period: &str,
        value: f64,
    ) -> ApiResult<Option<&'a ValueCorrection>> {
        let Some(c) = self
            .all
            .iter()
            .find(|c| c.is_for(code, population, printed_period))
        else {
            return Ok(None);
        };
        if (c.value - value).abs() > 1e-9 {
            return Err(ApiError::Internal(format!(
                "demo correction {} is for {}, the point is {value}",
                c.id, c.value
            )));
        }
        self.used.insert(&c.id);
        Ok(Some(c))
    }

    /// Fails on a correction that names a period to load but matched no point.
    fn check_all_used(&self) -> ApiResult<()> {
        match self
            .all
            .iter()
            .find(|c| c.period.is_some() && !self.used.contains(c.id.as_str()))
        {
            Some(c) => Err(ApiError::Internal(format!(
                "demo correction {} matches no published point of {}",
                c.id, c.code
            ))),
            None => Ok(()),
        }
    }
}

/// A published point as loaded: corrected, or as published in the period
/// its label names. `None`: not loaded (no period).
fn planned_value(
    correction: Option<&ValueCorrection>,
    period: Option<Period>,
    series: &str,
    breakdown: Option<String>,
    value: f64,
) -> ApiResult<Option<PlannedValue>> {
    Ok(match correction {
        Some(c) => match &c.period {
            Some(code) => Some(PlannedValue {
                period: Period::parse(code)
                    .map_err(|e| ApiError::Internal(format!("demo correction {}: {e}", c.id)))?,
                series: c.series.clone(),
                breakdown: c.breakdown.clone(),
                value,
                status: c.status.clone(),
                note: format!("{} ({})", c.note, c.id),
            }),
            None => None,
        },
        None => period.map(|period| PlannedValue {
            period,
            series: series.to_string(),
            breakdown,
            value,
            status: "validated".into(),
            note: "As published".into(),
        }),
    })
}

/// The polarity and notes of an indicator from its facts: the facts' note
/// when the polarity is not the one the plan's wording gave.
fn polarity_of(facts: &IndicatorFacts, notes: &mut Vec<String>) -> String {
    if let Some(note) = &facts.polarity_note {
        notes.push(note.clone());
    }
    facts.polarity.clone()
}

fn plan_service_plan(
    lead: Option<Uuid>,
    additions: &Additions,
    corrections: &mut Corrections<'_>,
) -> ApiResult<Vec<Planned>> {
    let demo: Vec<DemoIndicator> =
        serde_json::from_str(include_str!("../../demo/indicators.json"))?;
    let mut out = Vec::new();
    for d in demo {
        let facts = additions.facts(&d.code)?;
        let unit = match d.unit.as_str() {
            "percent_change_from_baseline" => "percent_change",
            other => other,
        };
        let mut notes: Vec<String> = d.notes.iter().cloned().collect();
        let polarity = polarity_of(facts, &mut notes);
        if let Some(basis) = d.polarity_basis.as_ref().filter(|_| polarity != "none") {
            notes.push(format!("Polarity inferred ({basis})."));
        }
        if facts.year_basis == "academic" {
            notes.push(
                "The plan's columns are financial years, each holding the results of the \
                 summer exams in it (2008/09: summer 2008); figures and targets are filed \
                 under school years (inferred)."
                    .into(),
            );
        }
        let basis = facts.year_basis.as_str();
        let mut targets = Vec::new();
        if let Some(t) = d.target_2008_09 {
            targets.push((column_period("2008/09", basis)?, t, None));
        }
        for (label, t) in &d.targets {
            if let Some(t) = t {
                targets.push((column_period(label, basis)?, *t, None));
            }
        }
        let mut values = Vec::new();
        for (label, actual) in [("2007/08", d.actual_2007_08), ("2008/09", d.actual_2008_09)] {
            let Some(actual) = actual else { continue };
            let correction = corrections.of(&d.code, "Halton", label, actual)?;
            let period = Some(column_period(label, basis)?);
            values.extend(planned_value(correction, period, "area", None, actual)?);
        }
        let all = targets
            .iter()
            .map(|t| t.1)
            .chain(values.iter().map(|v| v.value));
        let decimals = decimals_of(all, if unit == "percent" { 1 } else { 0 });
        out.push(Planned {
            row: PlannedRow {
                kind: if d.kind == "national" {
                    "national"
                } else {
                    "local"
                },
                code: d.code,
                title: d.short_description,
                description: d
                    .corporate_plan_priority_raw
                    .map(|r| format!("Corporate plan and CYPP priorities: {r}")),
                category: Some(d.category),
                decimals,
                polarity,
                aggregation: if unit == "count" {
                    "cumulative"
                } else {
                    "point_in_time"
                },
                unit: unit.to_string(),
                frequency: facts.frequency.clone(),
                year_basis: facts.year_basis.clone(),
                oba_category: facts.oba_category.clone(),
                key_indicator: d.key_indicator,
                laa: d.laa_flag,
                lead_organisation_id: lead,
                data_source: Some(
                    "Specialist Services service plan 2009-12, performance indicators".into(),
                ),
                notes: Some(notes.join(" ")).filter(|n| !n.is_empty()),
            },
            targets,
            values,
        });
    }
    Ok(out)
}

// How a published population maps to a series and breakdown. A national
// target is a series of its own, never the measure's (Halton's) target.
fn population(p: &str) -> (&'static str, Option<String>) {
    match p {
        "Halton" | "Halton (all)" | "Halton residents" | "Halton workplace" => ("area", None),
        "National" | "Rest of England" | "National (looked after children)" => ("national", None),
        "Statistical neighbours" => ("statistical_neighbours", None),
        "Similar authorities" | "Similar areas" => ("similar_authorities", None),
        "Regional" | "North West" => ("region", None),
        "National target" => ("national_target", None),
        other => ("area", Some(other.to_string())),
    }
}

fn plan_outcome_measures(
    lead: Option<Uuid>,
    additions: &Additions,
    corrections: &mut Corrections<'_>,
) -> ApiResult<(Vec<Planned>, usize)> {
    let demo: Vec<DemoMeasure> =
        serde_json::from_str(include_str!("../../demo/outcome_measures.json"))?;
    let mut out = Vec::new();
    let mut skipped = 0;
    for m in demo {
        let facts = additions.facts(&m.id)?;
        let mut notes: Vec<String> = m.notes.iter().cloned().collect();
        let unit = match m.unit.as_str() {
            "percent" | "count" | "not_stated" | "rate" | "percent_change" | "rank" => {
                m.unit.clone()
            }
            "rate_per_1000_live_births" => {
                notes.push("Rate per 1,000 live births.".into());
                "rate".into()
            }
            "rate_per_10000" => {
                notes.push("Rate per 10,000 children under 18.".into());
                "rate".into()
            }
            "gbp_per_week" => {
                notes.push("Pounds sterling per week.".into());
                "currency".into()
            }
            other => {
                notes.push(format!("Unit as published: {other}."));
                "not_stated".into()
            }
        };
        let polarity = polarity_of(facts, &mut notes);
        if let Some(t) = &m.target {
            notes.push(format!("Target as published: {t}."));
        }
        let mut values: Vec<PlannedValue> = Vec::new();
        for s in &m.series {
            let (series, breakdown) = population(&s.population);
            if s.population != "Halton" {
                notes.push(format!(
                    "Series {:?} loaded as {}.",
                    s.population,
                    match &breakdown {
                        Some(b) => format!("{series} with breakdown {b:?}"),
                        None => series.to_string(),
                    }
                ));
            }
            for p in &s.points {
                let Some(value) = p.value else {
                    skipped += 1;
                    continue;
                };
                let correction = corrections.of(&m.id, &s.population, &p.period, value)?;
                let period = point_period(&p.period, &facts.year_basis);
                let Some(planned) =
                    planned_value(correction, period, series, breakdown.clone(), value)?
                else {
                    skipped += 1;
                    continue;
                };
                if values.iter().any(|v| {
                    v.period == planned.period
                        && v.series == planned.series
                        && v.breakdown == planned.breakdown
                }) {
                    skipped += 1;
                } else {
                    values.push(planned);
                }
            }
        }
        let decimals = decimals_of(values.iter().map(|v| v.value), 0);
        out.push(Planned {
            row: PlannedRow {
                code: m.id,
                kind: "outcome",
                title: m.short_title,
                description: m
                    .ambition_code
                    .map(|a| format!("CYPP 2009-11 ambition {a}")),
                category: Some(
                    match m.kind.as_str() {
                        "indicator_of_success" => "Indicator of success",
                        "progress_headline" => "Progress headline",
                        _ => "Context statistic",
                    }
                    .to_string(),
                ),
                unit,
                decimals,
                polarity,
                aggregation: "point_in_time",
                frequency: facts.frequency.clone(),
                year_basis: facts.year_basis.clone(),
                oba_category: facts.oba_category.clone(),
                key_indicator: false,
                laa: false,
                lead_organisation_id: lead,
                data_source: m.data_source.or(m.source),
                notes: Some(notes.join(" ")).filter(|n| !n.is_empty()),
            },
            targets: Vec::new(),
            values,
        });
    }
    Ok((out, skipped))
}

async fn org_id(conn: &mut AsyncPgConnection, code: &str) -> ApiResult<Option<Uuid>> {
    Ok(organisations::table
        .filter(organisations::code.eq(code))
        .select(organisations::id)
        .first(conn)
        .await
        .optional()?)
}

async fn load_indicators(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    additions: &Additions,
) -> ApiResult<IndicatorsReport> {
    use crate::resources::indicators::data::{IndicatorValue, Target};
    use crate::resources::indicators::Indicator;
    use crate::store::indicators as idb;
    use crate::store::schema::indicators;

    let lead_ss = org_id(conn, "HBC-SS").await?;
    let lead_trust = org_id(conn, "CTB").await?;
    let mut corrections = Corrections::new(&additions.value_corrections);
    let (measures, skipped_points) =
        plan_outcome_measures(lead_trust, additions, &mut corrections)?;
    let mut plan = plan_service_plan(lead_ss, additions, &mut corrections)?;
    corrections.check_all_used()?;
    plan.extend(measures);
    let existing: Vec<String> = indicators::table
        .select(indicators::code)
        .load(conn)
        .await?;
    let mut report = IndicatorsReport::default();
    for p in plan {
        if existing.contains(&p.row.code) {
            continue;
        }
        let row: idb::IndicatorRow = diesel::insert_into(indicators::table)
            .values(&p.row.new_row())
            .returning(idb::IndicatorRow::as_returning())
            .get_result(conn)
            .await?;
        let dto = crate::resources::indicators::to_dtos(conn, vec![row.clone()])
            .await
            .map(|mut dtos| dtos.remove(0));
        audit_created_row(conn, actor, "create", Indicator::ENTITY, row.id, dto).await?;
        report.indicators += 1;
        for (period, value, note) in &p.targets {
            let t = idb::insert_target(
                conn,
                demo_id("indicator_target", &target_key(&row.code, &period.code)),
                row.id,
                None,
                period,
                *value,
                note.as_deref(),
            )
            .await?;
            let t = Target::from_row(t)?;
            audit::record::<(), _>(
                conn,
                actor,
                "target",
                "indicator_target",
                t.id,
                None,
                Some(&t),
            )
            .await?;
            report.targets += 1;
        }
        for v in &p.values {
            let id = demo_id(
                "indicator_value",
                &value_key(&row.code, &v.series, v.breakdown.as_deref(), &v.period.code),
            );
            let stored = idb::insert_value(
                conn,
                id,
                &idb::ValueWrite {
                    indicator_id: row.id,
                    period: &v.period,
                    series: &v.series,
                    breakdown: v.breakdown.as_deref(),
                    value: v.value,
                    numerator: None,
                    denominator: None,
                    status: &v.status,
                    note: Some(&v.note),
                },
            )
            .await?;
            let dto = IndicatorValue::from_row(stored, &row.code);
            audit_created_row(conn, actor, "value", "indicator_value", id, dto).await?;
            report.values += 1;
        }
    }
    if report.indicators > 0 {
        report.skipped_points = skipped_points;
    }
    Ok(report)
}
