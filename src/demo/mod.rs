//! The demo data set, loaded by `trustplan serve --demo`. It is written from
//! the partnership's own documents and compiled into the binary (files under
//! `demo/`). Loading it again adds nothing: every record is matched on its code.
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

mod inspections;
mod plans;
use crate::domain::period::Period;
use crate::resources::write::Record;
use crate::store::organisations::OrganisationRow;
use crate::store::schema::organisations;
use crate::web::error::{ApiError, ApiResult};
use crate::web::http::Actor;

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
}

impl DemoReport {
    /// Whether the load added nothing: the demo data was already there.
    pub fn is_empty(&self) -> bool {
        *self == DemoReport::default()
    }
}

/// Loads the demo data set in one transaction.
pub async fn load(conn: &mut AsyncPgConnection) -> ApiResult<DemoReport> {
    conn.transaction::<DemoReport, ApiError, _>(async move |conn| {
        let actor = Actor::system("demo");
        let organisations = load_organisations(conn, &actor).await?;
        let plans = plans::load_plans(conn, &actor).await?;
        let priorities = plans::load_priorities(conn, &actor).await?;
        let objectives = plans::load_objectives(conn, &actor).await?;
        let risks = plans::load_risks(conn, &actor).await?;
        let milestones = plans::load_milestones(conn, &actor).await?;
        let indicators = load_indicators(conn, &actor).await?;
        let indicator_links = plans::link_indicators(conn).await?;
        let inspections = inspections::load_inspections(conn, &actor).await?;
        let judgements = inspections::load_judgements(conn, &actor).await?;
        let recommendations = inspections::load_recommendations(conn, &actor).await?;
        let (improvement_areas, improvement_actions) =
            inspections::load_improvement_plan(conn, &actor).await?;
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
        })
    })
    .await
}

async fn load_organisations(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<usize> {
    let demo: Vec<DemoOrganisation> =
        serde_json::from_str(include_str!("../../demo/organisations.json"))?;
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
    polarity: String,
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
    direction: Option<String>,
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
    values: Vec<(Period, &'static str, Option<String>, f64)>,
}

struct PlannedRow {
    code: String,
    kind: &'static str,
    title: String,
    description: Option<String>,
    category: Option<String>,
    unit: String,
    decimals: i16,
    polarity: &'static str,
    aggregation: &'static str,
    frequency: &'static str,
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
            polarity: self.polarity,
            aggregation: self.aggregation,
            tolerance_kind: "percent",
            tolerance_value: 5.0,
            frequency: self.frequency,
            key_indicator: self.key_indicator,
            laa: self.laa,
            lead_organisation_id: self.lead_organisation_id,
            data_source: self.data_source.as_deref(),
            notes: self.notes.as_deref(),
            year_basis: "financial",
            oba_category: None,
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

fn plan_service_plan(lead: Option<Uuid>) -> ApiResult<Vec<Planned>> {
    let demo: Vec<DemoIndicator> =
        serde_json::from_str(include_str!("../../demo/indicators.json"))?;
    let mut out = Vec::new();
    for d in demo {
        let unit = match d.unit.as_str() {
            "percent_change_from_baseline" => "percent_change",
            other => other,
        };
        let mut notes: Vec<String> = d.notes.iter().cloned().collect();
        let polarity = match d.polarity.as_str() {
            "unclear" => {
                notes.push(
                    "Polarity unclear in the source (targets held at 10% above the 7.1% \
                     actual); loaded as maintain, so the target is read as a level to hold."
                        .into(),
                );
                "maintain"
            }
            p => p,
        };
        if let Some(basis) = &d.polarity_basis {
            notes.push(format!("Polarity inferred ({basis})."));
        }
        let mut targets = Vec::new();
        if let Some(t) = d.target_2008_09 {
            targets.push((fy("2008/09")?, t, None));
        }
        for (label, t) in &d.targets {
            if let Some(t) = t {
                targets.push((fy(label)?, *t, None));
            }
        }
        let mut values = Vec::new();
        if let Some(a) = d.actual_2007_08 {
            values.push((fy("2007/08")?, "area", None, a));
        }
        if let Some(a) = d.actual_2008_09 {
            values.push((fy("2008/09")?, "area", None, a));
        }
        let all = targets
            .iter()
            .map(|t| t.1)
            .chain(values.iter().map(|v| v.3));
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
                polarity: match polarity {
                    "higher_is_better" => "higher_is_better",
                    "lower_is_better" => "lower_is_better",
                    _ => "maintain",
                },
                aggregation: if unit == "count" {
                    "cumulative"
                } else {
                    "point_in_time"
                },
                unit: unit.to_string(),
                frequency: "quarterly",
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

// How a published population maps to a series and breakdown; `None` for a
// national target, which is loaded as the measure's target instead.
fn population(p: &str) -> Option<(&'static str, Option<String>)> {
    Some(match p {
        "Halton" | "Halton (all)" | "Halton residents" | "Halton workplace" => ("area", None),
        "National" | "Rest of England" | "National (looked after children)" => ("national", None),
        "Statistical neighbours" | "Similar authorities" | "Similar areas" => {
            ("statistical_neighbours", None)
        }
        "Regional" | "North West" => ("region", None),
        "National target" => return None,
        other => ("area", Some(other.to_string())),
    })
}

fn plan_outcome_measures(lead: Option<Uuid>) -> ApiResult<(Vec<Planned>, usize)> {
    let demo: Vec<DemoMeasure> =
        serde_json::from_str(include_str!("../../demo/outcome_measures.json"))?;
    let mut out = Vec::new();
    let mut skipped = 0;
    for m in demo {
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
        let polarity = match m.direction.as_deref() {
            Some("increase") => "higher_is_better",
            Some("reduce") => "lower_is_better",
            _ => {
                notes.push(
                    "The plan states no direction; loaded as maintain until the partnership \
                     decides one."
                        .into(),
                );
                "maintain"
            }
        };
        if let Some(t) = &m.target {
            notes.push(format!("Target as published: {t}."));
        }
        let mut targets: Vec<(Period, f64, Option<String>)> = Vec::new();
        let mut values: Vec<(Period, &'static str, Option<String>, f64)> = Vec::new();
        for s in &m.series {
            let mapped = population(&s.population);
            if s.population != "Halton" {
                notes.push(format!(
                    "Series {:?} loaded as {}.",
                    s.population,
                    mapped
                        .as_ref()
                        .map_or("a target".to_string(), |(series, b)| match b {
                            Some(b) => format!("{series} with breakdown {b:?}"),
                            None => series.to_string(),
                        })
                ));
            }
            for p in &s.points {
                let period = crate::domain::period::from_source_label(&p.period)
                    .and_then(|c| Period::parse(&c).ok());
                let (Some(period), Some(value)) = (period, p.value) else {
                    skipped += 1;
                    continue;
                };
                match &mapped {
                    None => {
                        if targets.iter().any(|t| t.0 == period) {
                            skipped += 1;
                        } else {
                            targets.push((period, value, Some(s.population.clone())));
                        }
                    }
                    Some((series, breakdown)) => {
                        if values
                            .iter()
                            .any(|v| v.0 == period && v.1 == *series && v.2 == *breakdown)
                        {
                            skipped += 1;
                        } else {
                            values.push((period, series, breakdown.clone(), value));
                        }
                    }
                }
            }
        }
        let decimals = decimals_of(
            values
                .iter()
                .map(|v| v.3)
                .chain(targets.iter().map(|t| t.1)),
            0,
        );
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
                frequency: "annual",
                key_indicator: false,
                laa: false,
                lead_organisation_id: lead,
                data_source: m.data_source.or(m.source),
                notes: Some(notes.join(" ")).filter(|n| !n.is_empty()),
            },
            targets,
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
) -> ApiResult<IndicatorsReport> {
    use crate::resources::indicators::data::{IndicatorValue, Target};
    use crate::resources::indicators::Indicator;
    use crate::store::indicators as idb;
    use crate::store::schema::indicators;

    let lead_ss = org_id(conn, "HBC-SS").await?;
    let lead_trust = org_id(conn, "CTB").await?;
    let (measures, skipped_points) = plan_outcome_measures(lead_trust)?;
    let mut plan = plan_service_plan(lead_ss)?;
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
        let row = idb::insert(conn, &p.row.new_row()).await?;
        let dto = crate::resources::indicators::to_dtos(conn, vec![row.clone()])
            .await?
            .remove(0);
        audit::record::<(), _>(
            conn,
            actor,
            "create",
            Indicator::ENTITY,
            row.id,
            None,
            Some(&dto),
        )
        .await?;
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
        for (period, series, breakdown, value) in &p.values {
            let id = demo_id(
                "indicator_value",
                &value_key(&row.code, series, breakdown.as_deref(), &period.code),
            );
            let v = idb::insert_value(
                conn,
                id,
                &idb::ValueWrite {
                    indicator_id: row.id,
                    period,
                    series,
                    breakdown: breakdown.as_deref(),
                    value: *value,
                    numerator: None,
                    denominator: None,
                    status: "validated",
                    note: Some("As published"),
                },
            )
            .await?;
            let v = IndicatorValue::from_row(v, &row.code)?;
            audit::record::<(), _>(
                conn,
                actor,
                "value",
                "indicator_value",
                v.id,
                None,
                Some(&v),
            )
            .await?;
            report.values += 1;
        }
    }
    if report.indicators > 0 {
        report.skipped_points = skipped_points;
    }
    Ok(report)
}
