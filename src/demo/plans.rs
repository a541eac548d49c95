//! Demo plans, priorities, objectives (service objectives SS1–SS4 and the 14
//! CYPP promises), the risk register and the key milestones, from the
//! partnership's documents (files under `demo/`).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::additions::AddedPlan;
use super::demo_id;
use crate::domain::period::from_source_label;
use crate::store::audit;
use crate::store::priorities as priority_db;
use crate::store::schema::{milestones, objectives, organisations, plans, priorities, risks};
use crate::store::{milestones as milestone_db, objectives as objective_db, plans as plan_db};
use crate::web::error::{ApiError, ApiResult};
use crate::web::http::Actor;

const SERVICE_PLAN: &str = "SS-2009-12";
const CYPP: &str = "CYPP-2009-11";

pub(super) fn missing(what: &str, key: &str) -> ApiError {
    ApiError::Internal(format!("demo data: no {what} {key}"))
}

pub(super) async fn org_ids(conn: &mut AsyncPgConnection) -> ApiResult<HashMap<String, Uuid>> {
    Ok(organisations::table
        .select((organisations::code, organisations::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect())
}

pub(super) async fn plan_ids(conn: &mut AsyncPgConnection) -> ApiResult<HashMap<String, Uuid>> {
    Ok(plans::table
        .select((plans::code, plans::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect())
}

/// Audits the creation of each record of `T`.
pub(super) async fn audit_created<T: Serialize>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    entity: &str,
    records: &[(Uuid, T)],
) -> ApiResult<()> {
    for (id, record) in records {
        audit::record::<(), _>(conn, actor, "create", entity, *id, None, Some(record)).await?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct DemoPlan {
    code: String,
    title: String,
    kind: String,
    owner: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    status: String,
    predecessor: Option<String>,
}

/// Loads the demo plans and, before them, the plans of `added` (the plans
/// they follow on from): a demo plan without a predecessor of its own takes
/// the added plan that names it as successor.
pub(super) async fn load_plans(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    added: &[AddedPlan],
) -> ApiResult<usize> {
    let base: Vec<DemoPlan> = serde_json::from_str(include_str!("../../demo/plans.json"))?;
    let mut demo: Vec<DemoPlan> = added
        .iter()
        .map(|a| DemoPlan {
            code: a.code.clone(),
            title: a.title.clone(),
            kind: a.kind.clone(),
            owner: a.owner.clone(),
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            status: a.status.clone(),
            predecessor: a.predecessor.clone(),
        })
        .collect();
    for mut p in base {
        if p.predecessor.is_none() {
            p.predecessor = added
                .iter()
                .find(|a| a.successor.as_deref() == Some(p.code.as_str()))
                .map(|a| a.code.clone());
        }
        demo.push(p);
    }
    let orgs = org_ids(conn).await?;
    let mut ids = plan_ids(conn).await?;
    let mut inserted = Vec::new();
    for p in demo {
        if ids.contains_key(&p.code) {
            continue;
        }
        let row = plan_db::insert(
            conn,
            &plan_db::NewPlanRow {
                id: demo_id("plan", &p.code),
                owner_organisation_id: *orgs
                    .get(&p.owner)
                    .ok_or_else(|| missing("organisation", &p.owner))?,
                predecessor_id: match &p.predecessor {
                    Some(code) => Some(*ids.get(code).ok_or_else(|| missing("plan", code))?),
                    None => None,
                },
                code: p.code,
                title: p.title,
                kind: p.kind,
                starts_on: p.starts_on,
                ends_on: p.ends_on,
                status: p.status,
            },
        )
        .await?;
        ids.insert(row.code.clone(), row.id);
        inserted.push(row);
    }
    let dtos = crate::resources::plans::to_dtos(conn, inserted).await?;
    let records: Vec<_> = dtos.into_iter().map(|d| (d.id, d)).collect();
    audit_created(conn, actor, "plan", &records).await?;
    Ok(records.len())
}

#[derive(Deserialize)]
struct DemoPriority {
    set: String,
    code: String,
    number: Option<i32>,
    short_title: String,
    parent_code: Option<String>,
    notes: Option<String>,
}

pub async fn load_priorities(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<usize> {
    let demo: Vec<DemoPriority> = serde_json::from_str(include_str!("../../demo/priorities.json"))?;
    let plans = plan_ids(conn).await?;
    let existing: Vec<(String, String, Uuid)> = priorities::table
        .select((priorities::set, priorities::code, priorities::id))
        .load(conn)
        .await?;
    let mut ids: HashMap<(String, String), Uuid> =
        existing.into_iter().map(|(s, c, i)| ((s, c), i)).collect();
    let mut inserted = Vec::new();
    // Parents (corporate priorities) come before their areas of focus in the file.
    for p in demo {
        let key = (p.set.clone(), p.code.clone());
        if ids.contains_key(&key) {
            continue;
        }
        let plan_id = match p.set.as_str() {
            "cypp_2009_11_ambition" => plans.get(CYPP).copied(),
            "cypp_2011_14_priority" => plans.get("CYPP-2011-14").copied(),
            _ => None,
        };
        let parent_id = match &p.parent_code {
            // Areas of focus sit under corporate priorities.
            Some(code) => Some(
                *ids.get(&("corporate_priority".to_string(), code.clone()))
                    .ok_or_else(|| missing("priority", code))?,
            ),
            None => None,
        };
        let row = priority_db::insert(
            conn,
            &priority_db::NewPriorityRow {
                id: demo_id("priority", &p.code),
                set: p.set,
                code: p.code,
                number: p.number,
                title: p.short_title,
                description: p.notes,
                parent_id,
                plan_id,
            },
        )
        .await?;
        ids.insert(key, row.id);
        inserted.push(row);
    }
    let dtos = crate::resources::priorities::to_dtos(conn, inserted).await?;
    let records: Vec<_> = dtos.into_iter().map(|d| (d.id, d)).collect();
    audit_created(conn, actor, "priority", &records).await?;
    Ok(records.len())
}

#[derive(Deserialize)]
struct DemoRisk {
    initial_score: i32,
    residual_score: i32,
}

#[derive(Deserialize)]
struct DemoObjective {
    code: String,
    short_title: String,
    corporate_priority_code: String,
    area_of_focus_code: String,
    ecm_outcome: String,
    cypp_priority_refs: Vec<String>,
    cross_referenced_plan_codes: Vec<String>,
    responsible_officer: String,
    risk: DemoRisk,
    notes: Option<String>,
}

#[derive(Deserialize)]
struct DemoPromise {
    number: i32,
    short_title: String,
    responsible: String,
    strategy_method: Option<String>,
    due_date: Option<NaiveDate>,
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// A high-priority equality action of the service plan's equality impact
/// assessments.
#[derive(Deserialize)]
struct DemoEqualityAction {
    code: String,
    title: String,
    impact_assessment: String,
    /// The financial years of its timetable, in order.
    years: Vec<String>,
    responsible_officer: String,
}

/// The demo organisation that a promise's responsible body names.
fn responsible_body(name: &str) -> &'static str {
    match name {
        "Children's Trust Board" => "CTB",
        "Children's Trust Executive Group" => "CTEG",
        _ => "HSCB",
    }
}

pub async fn load_objectives(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<usize> {
    let services: Vec<DemoObjective> =
        serde_json::from_str(include_str!("../../demo/objectives.json"))?;
    let promises: Vec<DemoPromise> =
        serde_json::from_str(include_str!("../../demo/promises.json"))?;
    let equality: Vec<DemoEqualityAction> =
        serde_json::from_str(include_str!("../../demo/equality_actions.json"))?;
    let plans = plan_ids(conn).await?;
    let orgs = org_ids(conn).await?;
    let all_priorities: Vec<(String, String, String, Uuid)> = priorities::table
        .select((
            priorities::set,
            priorities::code,
            priorities::title,
            priorities::id,
        ))
        .load(conn)
        .await?;
    let priority = |set: &str, code: &str| {
        all_priorities
            .iter()
            .find(|p| p.0 == set && p.1 == code)
            .map(|p| p.3)
            .ok_or_else(|| missing("priority", code))
    };
    let existing: HashSet<(Uuid, String)> = objectives::table
        .select((objectives::plan_id, objectives::code))
        .load::<(Uuid, String)>(conn)
        .await?
        .into_iter()
        .collect();
    let service_plan = *plans
        .get(SERVICE_PLAN)
        .ok_or_else(|| missing("plan", SERVICE_PLAN))?;
    let cypp = *plans.get(CYPP).ok_or_else(|| missing("plan", CYPP))?;
    let specialist = orgs.get("HBC-SS").copied();
    let mut inserted = Vec::new();
    for o in services {
        if existing.contains(&(service_plan, o.code.clone())) {
            continue;
        }
        let ecm = all_priorities
            .iter()
            .find(|p| p.0 == "ecm_outcome" && squash(&p.2) == squash(&o.ecm_outcome))
            .map(|p| p.3)
            .ok_or_else(|| missing("ECM outcome", &o.ecm_outcome))?;
        let links = vec![
            priority("corporate_priority", &o.corporate_priority_code)?,
            priority("corporate_area_of_focus", &o.area_of_focus_code)?,
            ecm,
        ];
        let row = objective_db::insert(
            conn,
            &objective_db::NewObjectiveRow {
                id: demo_id("objective", &o.code),
                plan_id: service_plan,
                code: o.code,
                kind: "service_objective".into(),
                title: o.short_title,
                description: o.notes,
                lead_organisation_id: specialist,
                responsible_officer: Some(o.responsible_officer),
                cypp_priority_refs: o.cypp_priority_refs,
                cross_referenced_plan_codes: o.cross_referenced_plan_codes,
                risk_initial: Some(o.risk.initial_score),
                risk_residual: Some(o.risk.residual_score),
                due_on: None,
                strategy_method: None,
            },
        )
        .await?;
        objective_db::set_priorities(conn, row.id, &links).await?;
        inserted.push(row);
    }
    for p in promises {
        let code = format!("P{}", p.number);
        if existing.contains(&(cypp, code.clone())) {
            continue;
        }
        let body = responsible_body(&p.responsible);
        let row = objective_db::insert(
            conn,
            &objective_db::NewObjectiveRow {
                id: demo_id("objective", &code),
                plan_id: cypp,
                code,
                kind: "promise".into(),
                title: p.short_title,
                description: None,
                lead_organisation_id: Some(
                    *orgs
                        .get(body)
                        .ok_or_else(|| missing("organisation", body))?,
                ),
                responsible_officer: Some(p.responsible),
                cypp_priority_refs: Vec::new(),
                cross_referenced_plan_codes: Vec::new(),
                risk_initial: None,
                risk_residual: None,
                due_on: p.due_date,
                strategy_method: p.strategy_method,
            },
        )
        .await?;
        inserted.push(row);
    }
    for e in equality {
        if existing.contains(&(service_plan, e.code.clone())) {
            continue;
        }
        // Its timetable runs to the end of its last financial year.
        let due_on = e
            .years
            .last()
            .and_then(|y| crate::domain::period::Period::parse(y).ok())
            .map(|p| p.ends_on);
        let row = objective_db::insert(
            conn,
            &objective_db::NewObjectiveRow {
                id: demo_id("objective", &e.code),
                plan_id: service_plan,
                code: e.code,
                kind: "equality_action".into(),
                title: e.title,
                description: Some(format!(
                    "Equality impact assessment priority: {}. Timetable: {}.",
                    e.impact_assessment,
                    e.years.join(", ")
                )),
                lead_organisation_id: specialist,
                responsible_officer: Some(e.responsible_officer),
                cypp_priority_refs: Vec::new(),
                cross_referenced_plan_codes: Vec::new(),
                risk_initial: None,
                risk_residual: None,
                due_on,
                strategy_method: None,
            },
        )
        .await?;
        inserted.push(row);
    }
    let dtos =
        crate::resources::objectives::to_dtos(conn, inserted, crate::domain::deliverable::today())
            .await?;
    let records: Vec<_> = dtos.into_iter().map(|d| (d.id, d)).collect();
    audit_created(conn, actor, "objective", &records).await?;
    Ok(records.len())
}

async fn service_objective_ids(
    conn: &mut AsyncPgConnection,
) -> ApiResult<HashMap<String, (Uuid, Option<Uuid>)>> {
    Ok(objectives::table
        .inner_join(plans::table)
        .filter(plans::code.eq(SERVICE_PLAN))
        .select((
            objectives::code,
            objectives::id,
            objectives::lead_organisation_id,
        ))
        .load::<(String, Uuid, Option<Uuid>)>(conn)
        .await?
        .into_iter()
        .map(|(c, i, l)| (c, (i, l)))
        .collect())
}

#[derive(Deserialize)]
struct DemoRiskEntry {
    id: String,
    objective_code: String,
    short_title: String,
    treatment_measures: Vec<String>,
    objective_initial_score: i32,
    objective_residual_score: i32,
}

pub async fn load_risks(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<usize> {
    let demo: Vec<DemoRiskEntry> = serde_json::from_str(include_str!("../../demo/risks.json"))?;
    let objectives = service_objective_ids(conn).await?;
    let existing: HashSet<String> = risks::table
        .select(risks::code)
        .load(conn)
        .await?
        .into_iter()
        .collect();
    let mut inserted = Vec::new();
    for r in demo {
        if existing.contains(&r.id) {
            continue;
        }
        let (objective_id, _) = *objectives
            .get(&r.objective_code)
            .ok_or_else(|| missing("objective", &r.objective_code))?;
        // The register scores objectives, not single risks: each risk carries its objective's scores.
        let row = objective_db::risk_queries::insert(
            conn,
            &objective_db::NewRiskRow {
                id: demo_id("risk", &r.id),
                objective_id,
                code: r.id,
                title: r.short_title,
                treatment_measures: r.treatment_measures,
                risk_initial: Some(r.objective_initial_score),
                risk_residual: Some(r.objective_residual_score),
            },
        )
        .await?;
        inserted.push((row.id, crate::resources::objectives::Risk::from(row)));
    }
    audit_created(conn, actor, "risk", &inserted).await?;
    Ok(inserted.len())
}

#[derive(Deserialize)]
struct DemoMilestone {
    id: String,
    objective_code: String,
    financial_year: String,
    sequence: Option<i32>,
    short_title: String,
    due_date: Option<NaiveDate>,
    due_original: Option<String>,
    notes: Option<String>,
}

pub async fn load_milestones(conn: &mut AsyncPgConnection, actor: &Actor) -> ApiResult<usize> {
    let demo: Vec<DemoMilestone> =
        serde_json::from_str(include_str!("../../demo/milestones.json"))?;
    let objectives = service_objective_ids(conn).await?;
    let existing: HashSet<(Uuid, String)> = milestones::table
        .select((milestones::objective_id, milestones::code))
        .load::<(Uuid, String)>(conn)
        .await?
        .into_iter()
        .collect();
    let mut inserted = Vec::new();
    for m in demo {
        let (objective_id, lead) = *objectives
            .get(&m.objective_code)
            .ok_or_else(|| missing("objective", &m.objective_code))?;
        if existing.contains(&(objective_id, m.id.clone())) {
            continue;
        }
        let financial_year = from_source_label(&m.financial_year)
            .ok_or_else(|| missing("financial year", &m.financial_year))?;
        let row = milestone_db::insert(
            conn,
            &milestone_db::NewMilestoneRow {
                id: demo_id("milestone", &m.id),
                objective_id,
                code: m.id,
                title: m.short_title,
                financial_year,
                sequence: m.sequence,
                due_on: m.due_date,
                due_original: m.due_original,
                lead_organisation_id: lead,
                notes: m.notes,
            },
        )
        .await?;
        inserted.push(row);
    }
    let dtos =
        crate::resources::milestones::to_dtos(conn, inserted, crate::domain::deliverable::today())
            .await?;
    let records: Vec<_> = dtos.into_iter().map(|d| (d.id, d)).collect();
    audit_created(conn, actor, "milestone", &records).await?;
    Ok(records.len())
}

#[derive(Deserialize)]
struct DemoIndicatorLinks {
    #[serde(rename = "ref")]
    code: String,
    area_of_focus: Option<i32>,
    corporate_priority_code: Option<String>,
    linked_objectives: Vec<String>,
}

#[derive(Deserialize)]
struct DemoMeasureLinks {
    id: String,
    ambition_code: Option<String>,
}

/// Links the demo indicators to the objectives they measure and the
/// priorities they serve, as the plans print them. Returns the links added.
pub async fn link_indicators(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    use crate::store::schema::{indicator_priorities, indicators, objective_indicators};
    let service: Vec<DemoIndicatorLinks> =
        serde_json::from_str(include_str!("../../demo/indicators.json"))?;
    let measures: Vec<DemoMeasureLinks> =
        serde_json::from_str(include_str!("../../demo/outcome_measures.json"))?;
    let indicator_ids: HashMap<String, Uuid> = indicators::table
        .select((indicators::code, indicators::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();
    let objectives = service_objective_ids(conn).await?;
    let all_priorities: HashMap<String, Uuid> = priorities::table
        .select((priorities::code, priorities::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();
    let mut objective_links = Vec::new();
    let mut priority_links = Vec::new();
    for i in service {
        let id = *indicator_ids
            .get(&i.code)
            .ok_or_else(|| missing("indicator", &i.code))?;
        for o in &i.linked_objectives {
            let (objective_id, _) = *objectives.get(o).ok_or_else(|| missing("objective", o))?;
            objective_links.push((
                objective_indicators::objective_id.eq(objective_id),
                objective_indicators::indicator_id.eq(id),
            ));
        }
        let codes = i
            .corporate_priority_code
            .into_iter()
            .chain(i.area_of_focus.map(|n| format!("AOF{n}")));
        for code in codes {
            let priority_id = *all_priorities
                .get(&code)
                .ok_or_else(|| missing("priority", &code))?;
            priority_links.push((
                indicator_priorities::indicator_id.eq(id),
                indicator_priorities::priority_id.eq(priority_id),
            ));
        }
    }
    for m in measures {
        if let (Some(id), Some(code)) = (indicator_ids.get(&m.id), m.ambition_code) {
            let priority_id = *all_priorities
                .get(&code)
                .ok_or_else(|| missing("priority", &code))?;
            priority_links.push((
                indicator_priorities::indicator_id.eq(*id),
                indicator_priorities::priority_id.eq(priority_id),
            ));
        }
    }
    let added = diesel::insert_into(objective_indicators::table)
        .values(objective_links)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?
        + diesel::insert_into(indicator_priorities::table)
            .values(priority_links)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    Ok(added)
}
