//! Demo inspections: the Joint Area Review 2008 with its judgements and
//! recommendations, the APA grades, and the JAR improvement plan's 12 areas
//! and 38 actions with their links (files under `demo/`).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use uuid::Uuid;

use super::additions::LeadFix;
use super::demo_id;
use super::plans::{audit_created, missing, org_ids, plan_ids};
use crate::resources::improvement::{action_dtos, area_dtos};
use crate::resources::inspections::{recommendation_dtos, Inspection, Judgement};
use crate::store::improvement::{self as improvement_db, action_queries, area_queries};
use crate::store::inspections::{self as inspection_db, judgement_queries, recommendation_queries};
use crate::store::schema::{
    improvement_actions, improvement_areas, inspections, judgements, objectives, plans,
    recommendations,
};
use crate::web::error::ApiResult;
use crate::web::http::Actor;

const JAR: &str = "JAR-2008";
const IMPROVEMENT_PLAN: &str = "JAR-IP-2008-09";

#[derive(Deserialize)]
struct DemoInspection {
    code: String,
    kind: String,
    title: String,
    inspectorates: Vec<String>,
    published_on: Option<NaiveDate>,
    reference: Option<String>,
}

async fn inspection_ids(conn: &mut AsyncPgConnection) -> ApiResult<HashMap<String, Uuid>> {
    Ok(inspections::table
        .select((inspections::code, inspections::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect())
}

pub async fn load_inspections(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<usize> {
    let demo: Vec<DemoInspection> =
        serde_json::from_str(include_str!("../../demo/inspections.json"))?;
    let existing = inspection_ids(conn).await?;
    let mut inserted = Vec::new();
    for i in demo {
        if existing.contains_key(&i.code) {
            continue;
        }
        let row = inspection_db::insert(
            conn,
            &inspection_db::NewInspectionRow {
                id: demo_id("inspection", &i.code),
                code: i.code,
                kind: i.kind,
                title: i.title,
                inspectorates: i.inspectorates,
                published_on: i.published_on,
                reference: i.reference,
            },
        )
        .await?;
        inserted.push((row.id, Inspection::try_from(row)?));
    }
    audit_created(conn, actor, "inspection", &inserted).await?;
    Ok(inserted.len())
}

#[derive(Deserialize)]
struct DemoJarGrade {
    id: String,
    kind: String,
    area: String,
    grade: Option<i32>,
    judgement: String,
    source_section: Option<String>,
}

#[derive(Deserialize)]
struct DemoApaGrade {
    id: String,
    assessment_year: i32,
    area: String,
    grade: Option<i32>,
    judgement: String,
}

pub async fn load_judgements(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<usize> {
    let jar: Vec<DemoJarGrade> = serde_json::from_str(include_str!("../../demo/jar_grades.json"))?;
    let apa: Vec<DemoApaGrade> = serde_json::from_str(include_str!("../../demo/apa_grades.json"))?;
    let ids = inspection_ids(conn).await?;
    let existing: HashSet<(Uuid, String)> = judgements::table
        .select((judgements::inspection_id, judgements::code))
        .load::<(Uuid, String)>(conn)
        .await?
        .into_iter()
        .collect();
    let mut new_rows = Vec::new();
    let jar_id = *ids.get(JAR).ok_or_else(|| missing("inspection", JAR))?;
    for g in jar {
        new_rows.push(inspection_db::NewJudgementRow {
            id: demo_id("judgement", &g.id),
            inspection_id: jar_id,
            code: g.id,
            area: g.area,
            kind: g.kind,
            grade: g.grade,
            // The improvement plan's "Excellent" is not on the scale; the JAR's word is kept.
            word: Some(g.judgement.to_lowercase()),
            summary: g.source_section,
        });
    }
    for g in apa {
        let code = format!("APA-{}", g.assessment_year);
        let inspection_id = *ids.get(&code).ok_or_else(|| missing("inspection", &code))?;
        new_rows.push(inspection_db::NewJudgementRow {
            id: demo_id("judgement", &g.id),
            inspection_id,
            code: g.id,
            area: g.area,
            kind: "graded_area".into(),
            grade: g.grade,
            word: Some(g.judgement.to_lowercase()),
            summary: None,
        });
    }
    let mut inserted = Vec::new();
    for new in new_rows {
        if existing.contains(&(new.inspection_id, new.code.clone())) {
            continue;
        }
        let row = judgement_queries::insert(conn, &new).await?;
        inserted.push((row.id, Judgement::try_from(row)?));
    }
    audit_created(conn, actor, "judgement", &inserted).await?;
    Ok(inserted.len())
}

#[derive(Deserialize)]
struct DemoRecommendation {
    id: String,
    timeframe: String,
    addressee: Option<String>,
    short_title: String,
}

pub async fn load_recommendations(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<usize> {
    let demo: Vec<DemoRecommendation> =
        serde_json::from_str(include_str!("../../demo/jar_recommendations.json"))?;
    let jar_id = *inspection_ids(conn)
        .await?
        .get(JAR)
        .ok_or_else(|| missing("inspection", JAR))?;
    let existing: HashSet<String> = recommendations::table
        .filter(recommendations::inspection_id.eq(jar_id))
        .select(recommendations::code)
        .load(conn)
        .await?
        .into_iter()
        .collect();
    let mut rows = Vec::new();
    for r in demo {
        if existing.contains(&r.id) {
            continue;
        }
        let timeframe = match r.timeframe.as_str() {
            "immediate" => "immediate",
            "next_six_months" => "within_six_months",
            _ => "other",
        };
        rows.push(
            recommendation_queries::insert(
                conn,
                &inspection_db::NewRecommendationRow {
                    id: demo_id("recommendation", &r.id),
                    inspection_id: jar_id,
                    code: r.id,
                    text: r.short_title,
                    timeframe: timeframe.into(),
                    addressee: r.addressee,
                    // "Within six months" of publication; the report sets no date.
                    due_on: None,
                },
            )
            .await?,
        );
    }
    let dtos = recommendation_dtos(conn, rows).await?;
    let records: Vec<_> = dtos.into_iter().map(|d| (d.id, d)).collect();
    audit_created(conn, actor, "recommendation", &records).await?;
    Ok(records.len())
}

#[derive(Deserialize)]
struct DemoAction {
    id: String,
    sequence: Option<i32>,
    short_title: String,
}

#[derive(Deserialize)]
struct DemoArea {
    id: String,
    short_title: String,
    leads: Vec<String>,
    actions: Vec<DemoAction>,
    by_when_date: Option<NaiveDate>,
    by_when_original: Option<String>,
    overarching_strategy: Option<String>,
    linked_strategies: Vec<String>,
    process_enablers: Vec<String>,
    jar_recommendation_ids: Vec<String>,
    related_service_objectives: Vec<String>,
    listed_in_cypp_2009_11: bool,
}

/// The demo organisation behind a lead role as the plan writes it.
fn organisation_of_role(role: &str) -> &'static str {
    if role.contains("Connexions") {
        "CONNEXIONS"
    } else if role.contains("Child and Family Health") {
        "PCT"
    } else if role.contains("Safeguarding Children Board") {
        "HSCB"
    } else if role.contains("OD Specialist Services") {
        "HBC-SS"
    } else if role.contains("Health and Community") {
        "HBC"
    } else {
        "HBC-CYPD"
    }
}

/// Loads the improvement plan's areas and actions. An area's leads are the
/// organisations behind its lead roles, as changed by `fixes`.
pub(super) async fn load_improvement_plan(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    fixes: &[LeadFix],
) -> ApiResult<(usize, usize)> {
    let demo: Vec<DemoArea> =
        serde_json::from_str(include_str!("../../demo/improvement_actions.json"))?;
    if let Some(fix) = fixes.iter().find(|f| !demo.iter().any(|a| a.id == f.area)) {
        return Err(missing(
            "improvement area",
            &format!("{} (lead fix {})", fix.area, fix.id),
        ));
    }
    let plan_id = *plan_ids(conn)
        .await?
        .get(IMPROVEMENT_PLAN)
        .ok_or_else(|| missing("plan", IMPROVEMENT_PLAN))?;
    let orgs = org_ids(conn).await?;
    let jar_id = *inspection_ids(conn)
        .await?
        .get(JAR)
        .ok_or_else(|| missing("inspection", JAR))?;
    let recs: HashMap<String, Uuid> = recommendations::table
        .filter(recommendations::inspection_id.eq(jar_id))
        .select((recommendations::code, recommendations::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();
    let service_objectives: HashMap<String, Uuid> = objectives::table
        .inner_join(plans::table)
        .filter(plans::code.eq("SS-2009-12"))
        .select((objectives::code, objectives::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();
    let existing_areas: HashMap<String, Uuid> = improvement_areas::table
        .filter(improvement_areas::plan_id.eq(plan_id))
        .select((improvement_areas::code, improvement_areas::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();
    let existing_actions: HashSet<String> = improvement_actions::table
        .select(improvement_actions::code)
        .load(conn)
        .await?
        .into_iter()
        .collect();
    let (mut new_areas, mut new_actions) = (Vec::new(), Vec::new());
    for a in demo {
        let area_id = match existing_areas.get(&a.id) {
            Some(id) => *id,
            None => {
                let fixes: Vec<&LeadFix> = fixes.iter().filter(|f| f.area == a.id).collect();
                // A replacement stands for the organisations the roles name.
                let replaced: Vec<&str> = fixes
                    .iter()
                    .filter(|f| f.change == "replace")
                    .flat_map(|f| f.organisations.iter().map(String::as_str))
                    .collect();
                let from_roles: Vec<&str> = if replaced.is_empty() {
                    a.leads.iter().map(|r| organisation_of_role(r)).collect()
                } else {
                    replaced
                };
                let added = fixes
                    .iter()
                    .filter(|f| f.change != "replace")
                    .flat_map(|f| f.organisations.iter().map(String::as_str));
                let mut leads: Vec<Uuid> = Vec::new();
                for code in from_roles.into_iter().chain(added) {
                    let id = *orgs
                        .get(code)
                        .ok_or_else(|| missing("organisation", code))?;
                    if !leads.contains(&id) {
                        leads.push(id);
                    }
                }
                let rec_ids = a
                    .jar_recommendation_ids
                    .iter()
                    .map(|r| {
                        recs.get(r)
                            .copied()
                            .ok_or_else(|| missing("recommendation", r))
                    })
                    .collect::<ApiResult<Vec<_>>>()?;
                let objective_ids = a
                    .related_service_objectives
                    .iter()
                    .map(|o| {
                        service_objectives
                            .get(o)
                            .copied()
                            .ok_or_else(|| missing("objective", o))
                    })
                    .collect::<ApiResult<Vec<_>>>()?;
                let row = area_queries::insert(
                    conn,
                    &improvement_db::NewAreaRow {
                        id: demo_id("improvement_area", &a.id),
                        plan_id,
                        code: a.id.clone(),
                        title: a.short_title.clone(),
                        lead_roles: a.leads.clone(),
                        due_on: a.by_when_date,
                        due_original: a.by_when_original.clone(),
                        overarching_strategy: a.overarching_strategy.clone(),
                        linked_strategies: a.linked_strategies.clone(),
                        process_enablers: a.process_enablers.clone(),
                        listed_in_cypp: a.listed_in_cypp_2009_11,
                    },
                )
                .await?;
                improvement_db::set_links(
                    conn,
                    row.id,
                    Some(&leads),
                    Some(&rec_ids),
                    Some(&objective_ids),
                )
                .await?;
                let id = row.id;
                new_areas.push(row);
                id
            }
        };
        for action in a.actions {
            if existing_actions.contains(&action.id) {
                continue;
            }
            // Actions take their area's leads and date: the plan gives them none of their own.
            new_actions.push(
                action_queries::insert(
                    conn,
                    &improvement_db::NewActionRow {
                        id: demo_id("improvement_action", &action.id),
                        area_id,
                        code: action.id,
                        title: action.short_title,
                        sequence: action.sequence,
                        lead_organisation_id: None,
                        due_on: None,
                    },
                )
                .await?,
            );
        }
    }
    let areas = area_dtos(conn, new_areas).await?;
    let area_records: Vec<_> = areas.into_iter().map(|d| (d.id, d)).collect();
    audit_created(conn, actor, "improvement_area", &area_records).await?;
    let actions = action_dtos(conn, new_actions, crate::domain::deliverable::today()).await?;
    let action_records: Vec<_> = actions.into_iter().map(|d| (d.id, d)).collect();
    audit_created(conn, actor, "improvement_action", &action_records).await?;
    Ok((area_records.len(), action_records.len()))
}
