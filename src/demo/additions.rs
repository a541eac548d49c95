//! Additions and corrections to the demo data (`demo/additions.json`), from
//! the partnership's catalogue of additions: how each indicator is collected
//! and judged, corrected published values, the stories behind the curve, the
//! CYPP 2006-09, the Service Delivery Partnerships and other delivery
//! partnerships, lead-organisation fixes and the derived (gap and
//! change-from-baseline) measures.
//!
//! What corrects a record the base loader creates is applied by that loader
//! as it creates it (indicator facts and value corrections in
//! [`super::load_indicators`], plans in [`super::plans::load_plans`],
//! partnerships in `load_organisations`, lead fixes in
//! [`super::inspections::load_improvement_plan`]); [`load`] adds the records
//! of their own: the stories as commentary and the derived indicators.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use uuid::Uuid;

use super::plans::missing;
use super::{audit_created_row, demo_id, target_key};
use crate::domain::period::Period;
use crate::store::audit;
use crate::store::indicators::{self as idb, CommentaryRow, IndicatorRow};
use crate::store::schema::{indicator_commentary, indicators, organisations};
use crate::web::error::{ApiError, ApiResult};
use crate::web::http::Actor;

/// The whole of `demo/additions.json`.
#[derive(Debug, Deserialize)]
pub(super) struct Additions {
    pub indicators: Vec<IndicatorFacts>,
    pub value_corrections: Vec<ValueCorrection>,
    pub stories: Vec<Story>,
    pub plans: Vec<AddedPlan>,
    pub organisations: Vec<AddedOrganisation>,
    pub lead_fixes: Vec<LeadFix>,
    pub derived_indicators: Vec<DerivedIndicator>,
}

impl Additions {
    pub fn read() -> ApiResult<Additions> {
        Ok(serde_json::from_str(include_str!(
            "../../demo/additions.json"
        ))?)
    }

    /// How the indicator or measure `code` is collected and judged; every
    /// demo indicator has an entry.
    pub fn facts(&self, code: &str) -> ApiResult<&IndicatorFacts> {
        self.indicators
            .iter()
            .find(|f| f.code == code)
            .ok_or_else(|| missing("indicator facts for", code))
    }
}

/// How an indicator is collected and judged.
#[derive(Debug, Deserialize)]
pub(super) struct IndicatorFacts {
    #[serde(rename = "ref")]
    pub code: String,
    pub frequency: String,
    pub year_basis: String,
    pub polarity: String,
    pub oba_category: Option<String>,
    /// Why the polarity differs from what the plan's own wording gave.
    pub polarity_note: Option<String>,
}

/// A correction of one published point: which point (`population` and
/// `printed_period` as `demo/outcome_measures.json` or the service plan's
/// column prints it) and how it is loaded. A correction without `period` is
/// not loaded; its `note` says why.
#[derive(Debug, Deserialize)]
pub(super) struct ValueCorrection {
    pub id: String,
    #[serde(rename = "ref")]
    pub code: String,
    pub population: Option<String>,
    pub printed_period: Option<String>,
    pub value: f64,
    pub series: String,
    pub breakdown: Option<String>,
    pub period: Option<String>,
    pub status: String,
    pub note: String,
}

impl ValueCorrection {
    /// Whether this corrects the point of `code`'s series `population`
    /// printed for `printed_period`.
    pub fn is_for(&self, code: &str, population: &str, printed_period: &str) -> bool {
        self.code == code
            && self.population.as_deref() == Some(population)
            && self.printed_period.as_deref() == Some(printed_period)
    }
}

/// A story behind the curve; loaded as the commentary of `ref` for `period`
/// when it has a measure (two stories are about inspection judgements).
#[derive(Debug, Deserialize)]
pub(super) struct Story {
    pub id: String,
    #[serde(rename = "ref")]
    pub code: Option<String>,
    pub period: Option<String>,
    pub overview: Option<String>,
    pub what_made_the_difference: Option<String>,
    pub what_happens_next: Option<String>,
}

/// A plan before (or after) the demo's plans.
#[derive(Debug, Deserialize)]
pub(super) struct AddedPlan {
    pub code: String,
    pub title: String,
    pub kind: String,
    pub owner: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: String,
    pub predecessor: Option<String>,
    /// The demo plan this one is the predecessor of.
    pub successor: Option<String>,
}

/// A delivery partnership; replaces the base file's entry of the same code.
#[derive(Debug, Deserialize)]
pub(super) struct AddedOrganisation {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: Option<String>,
}

/// A change to an improvement area's lead organisations: `replace` the leads
/// read from its lead roles, or add (`add_partner`, `add_co_lead`; the
/// schema keeps no difference between the two).
#[derive(Debug, Deserialize)]
pub(super) struct LeadFix {
    pub id: String,
    pub area: String,
    pub change: String,
    pub organisations: Vec<String>,
}

/// A series of a demo indicator.
#[derive(Debug, Deserialize)]
pub(super) struct SeriesRef {
    #[serde(rename = "ref")]
    pub code: String,
    pub series: String,
    pub breakdown: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DerivedTarget {
    pub period: String,
    pub value: f64,
}

/// A gap or change-from-baseline measure. With a `derivation` its values are
/// computed from `source` (and `other`); without, no source series or base
/// is published and its figures are entered like any indicator's.
#[derive(Debug, Deserialize)]
pub(super) struct DerivedIndicator {
    pub code: String,
    pub title: String,
    pub derivation: Option<String>,
    pub source: Option<SeriesRef>,
    pub other: Option<SeriesRef>,
    pub baseline_period: Option<String>,
    pub polarity: String,
    pub unit: String,
    pub decimals: i16,
    pub frequency: String,
    pub year_basis: String,
    pub oba_category: Option<String>,
    pub targets: Vec<DerivedTarget>,
    pub note: String,
}

/// What [`load`] added.
#[derive(Debug, Default, PartialEq)]
pub struct AdditionsReport {
    /// Gap and change-from-baseline indicators.
    pub derived_indicators: usize,
    /// Their targets.
    pub derived_targets: usize,
    /// Stories behind the curve, as indicator commentary.
    pub commentary: usize,
}

/// Adds the stories behind the curve and the derived indicators.
pub(super) async fn load(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    additions: &Additions,
) -> ApiResult<AdditionsReport> {
    let mut report = AdditionsReport::default();
    load_derived(conn, actor, additions, &mut report).await?;
    report.commentary = load_stories(conn, actor, additions).await?;
    Ok(report)
}

fn period(code: &str) -> ApiResult<Period> {
    Period::parse(code).map_err(|e| ApiError::Internal(format!("demo additions: {e}")))
}

async fn load_derived(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    additions: &Additions,
    report: &mut AdditionsReport,
) -> ApiResult<()> {
    use crate::resources::indicators::data::Target;
    use crate::resources::indicators::Indicator;
    use crate::resources::write::Record;

    // Code -> (id, kind, lead) of every indicator there is.
    let known: HashMap<String, (Uuid, String, Option<Uuid>)> = indicators::table
        .select((
            indicators::code,
            indicators::id,
            indicators::kind,
            indicators::lead_organisation_id,
        ))
        .load::<(String, Uuid, String, Option<Uuid>)>(conn)
        .await?
        .into_iter()
        .map(|(code, id, kind, lead)| (code, (id, kind, lead)))
        .collect();
    let trust: Option<Uuid> = organisations::table
        .filter(organisations::code.eq("CTB"))
        .select(organisations::id)
        .first(conn)
        .await
        .optional()?;
    let lookup = |s: &Option<SeriesRef>| -> ApiResult<Option<(Uuid, String, Option<Uuid>)>> {
        s.as_ref()
            .map(|s| {
                known
                    .get(&s.code)
                    .cloned()
                    .ok_or_else(|| missing("indicator", &s.code))
            })
            .transpose()
    };
    for d in &additions.derived_indicators {
        if known.contains_key(&d.code) {
            continue;
        }
        let source = lookup(&d.source)?;
        let other = lookup(&d.other)?;
        let (kind, lead) = match &source {
            Some((_, kind, lead)) => (kind.clone(), *lead),
            None => ("outcome".to_string(), trust),
        };
        let series_text = |s: &SeriesRef| match &s.breakdown {
            Some(b) => format!("{} {} ({b})", s.code, s.series),
            None => format!("{} {}", s.code, s.series),
        };
        let (category, description) = match (d.derivation.as_deref(), &d.source, &d.other) {
            (Some("gap"), Some(s), Some(o)) => (
                "Gap",
                format!(
                    "Computed: {} minus {}, period by period.",
                    series_text(s),
                    series_text(o)
                ),
            ),
            (Some("change_from_baseline"), Some(s), None) => (
                "Change from baseline",
                format!(
                    "Computed: {} against its value for {}.",
                    series_text(s),
                    d.baseline_period.as_deref().unwrap_or("the base period")
                ),
            ),
            (None, None, None) => (
                "Change from baseline",
                "Entered, not computed: no source series or base period is published.".to_string(),
            ),
            _ => {
                return Err(ApiError::Internal(format!(
                    "demo derived indicator {} is not a gap, a change from baseline or entered",
                    d.code
                )))
            }
        };
        let new = idb::NewIndicatorRow {
            id: demo_id("indicator", &d.code),
            code: &d.code,
            kind: &kind,
            title: &d.title,
            description: Some(&description),
            category: Some(category),
            unit: &d.unit,
            decimals: d.decimals,
            polarity: &d.polarity,
            aggregation: "point_in_time",
            tolerance_kind: "percent",
            tolerance_value: 5.0,
            frequency: &d.frequency,
            key_indicator: false,
            laa: false,
            lead_organisation_id: lead,
            data_source: Some("Derived from the demo's published series"),
            notes: Some(&d.note),
            year_basis: &d.year_basis,
            oba_category: d.oba_category.as_deref(),
            derived: idb::DerivationColumns {
                derivation: d.derivation.as_deref(),
                source_indicator_id: source.as_ref().map(|s| s.0),
                source_series: d.source.as_ref().map(|s| s.series.as_str()),
                source_breakdown: d.source.as_ref().and_then(|s| s.breakdown.as_deref()),
                other_indicator_id: other.as_ref().map(|s| s.0),
                other_series: d.other.as_ref().map(|s| s.series.as_str()),
                other_breakdown: d.other.as_ref().and_then(|s| s.breakdown.as_deref()),
                baseline_period: d.baseline_period.as_deref(),
            },
        };
        let row: IndicatorRow = diesel::insert_into(indicators::table)
            .values(&new)
            .returning(IndicatorRow::as_returning())
            .get_result(conn)
            .await?;
        let dto = crate::resources::indicators::to_dtos(conn, vec![row.clone()])
            .await
            .map(|mut v| v.remove(0));
        audit_created_row(conn, actor, "create", Indicator::ENTITY, row.id, dto).await?;
        report.derived_indicators += 1;
        for t in &d.targets {
            let p = period(&t.period)?;
            let target = idb::insert_target(
                conn,
                demo_id("indicator_target", &target_key(&row.code, &p.code)),
                row.id,
                None,
                &p,
                t.value,
                None,
            )
            .await?;
            let target = Target::from_row(target)?;
            audit::record::<(), _>(
                conn,
                actor,
                "target",
                "indicator_target",
                target.id,
                None,
                Some(&target),
            )
            .await?;
            report.derived_targets += 1;
        }
    }
    Ok(())
}

async fn load_stories(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    additions: &Additions,
) -> ApiResult<usize> {
    use crate::resources::indicators::data::Commentary;

    let existing: HashSet<(Uuid, String)> = indicator_commentary::table
        .select((
            indicator_commentary::indicator_id,
            indicator_commentary::period,
        ))
        .load::<(Uuid, String)>(conn)
        .await?
        .into_iter()
        .collect();
    let mut added = 0;
    for story in &additions.stories {
        // A story about an inspection judgement has no indicator to sit on.
        let (Some(code), Some(period_code)) = (&story.code, &story.period) else {
            continue;
        };
        let indicator_id: Uuid = indicators::table
            .filter(indicators::code.eq(code))
            .select(indicators::id)
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| missing("indicator", &format!("{code} (story {})", story.id)))?;
        let p = period(period_code)?;
        if existing.contains(&(indicator_id, p.code.clone())) {
            continue;
        }
        let row: CommentaryRow = diesel::insert_into(indicator_commentary::table)
            .values((
                indicator_commentary::id.eq(demo_id(
                    "indicator_commentary",
                    &format!("{code}:{}", p.code),
                )),
                indicator_commentary::indicator_id.eq(indicator_id),
                indicator_commentary::period.eq(&p.code),
                indicator_commentary::period_starts_on.eq(p.starts_on),
                indicator_commentary::period_ends_on.eq(p.ends_on),
                indicator_commentary::overview.eq(story.overview.as_deref()),
                indicator_commentary::what_made_the_difference
                    .eq(story.what_made_the_difference.as_deref()),
                indicator_commentary::what_happens_next.eq(story.what_happens_next.as_deref()),
                indicator_commentary::author_sub.eq(&actor.sub),
            ))
            .returning(CommentaryRow::as_returning())
            .get_result(conn)
            .await?;
        let commentary = Commentary::from_row(row)?;
        audit::record::<(), _>(
            conn,
            actor,
            "commentary",
            "indicator_commentary",
            commentary.id,
            None,
            Some(&commentary),
        )
        .await?;
        added += 1;
    }
    Ok(added)
}

// Checks of the file against the schema's vocabularies and shapes, without a
// database; that each correction and story names a demo record is checked by
// the load itself.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_indicator_has_its_facts_once() {
        let additions = Additions::read().unwrap();
        let mut seen = HashSet::new();
        for f in &additions.indicators {
            assert!(seen.insert(f.code.clone()), "{} twice", f.code);
            assert!(
                ["monthly", "quarterly", "annual", "one_off"].contains(&f.frequency.as_str()),
                "{}",
                f.code
            );
            assert!(
                ["financial", "academic", "calendar", "pooled_calendar_years"]
                    .contains(&f.year_basis.as_str())
            );
        }
        assert_eq!(seen.len(), 83);
    }

    #[test]
    fn derived_indicators_have_the_shape_the_schema_requires() {
        let additions = Additions::read().unwrap();
        assert_eq!(additions.derived_indicators.len(), 16);
        for d in &additions.derived_indicators {
            match d.derivation.as_deref() {
                Some("gap") => assert!(
                    d.source.is_some() && d.other.is_some() && d.baseline_period.is_none(),
                    "{}",
                    d.code
                ),
                Some("change_from_baseline") => assert!(
                    d.source.is_some() && d.other.is_none() && d.baseline_period.is_some(),
                    "{}",
                    d.code
                ),
                None => assert!(d.source.is_none() && d.other.is_none(), "{}", d.code),
                Some(other) => panic!("{}: derivation {other}", d.code),
            }
            for p in d
                .baseline_period
                .iter()
                .chain(d.targets.iter().map(|t| &t.period))
            {
                Period::parse(p).unwrap();
            }
        }
    }

    #[test]
    fn corrections_name_real_periods_series_and_statuses() {
        let additions = Additions::read().unwrap();
        for c in &additions.value_corrections {
            if let Some(p) = &c.period {
                Period::parse(p).unwrap();
                assert!(
                    c.population.is_some(),
                    "{} loads a point it does not name",
                    c.id
                );
            }
            assert!(["provisional", "validated", "forecast"].contains(&c.status.as_str()));
            assert!([
                "area",
                "national",
                "statistical_neighbours",
                "similar_authorities",
                "region",
                "national_target"
            ]
            .contains(&c.series.as_str()));
        }
    }

    #[test]
    fn lead_fixes_replace_or_add() {
        let additions = Additions::read().unwrap();
        for f in &additions.lead_fixes {
            assert!(
                ["replace", "add_partner", "add_co_lead"].contains(&f.change.as_str()),
                "{}",
                f.id
            );
            assert!(!f.organisations.is_empty(), "{}", f.id);
        }
    }

    #[test]
    fn stories_with_a_measure_name_a_period() {
        let additions = Additions::read().unwrap();
        assert_eq!(additions.stories.len(), 5);
        for s in &additions.stories {
            assert_eq!(s.code.is_some(), s.period.is_some(), "{}", s.id);
            if let Some(p) = &s.period {
                Period::parse(p).unwrap();
            }
        }
    }
}
