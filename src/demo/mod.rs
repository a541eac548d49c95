//! The demo data set, loaded by `trustplan serve --demo`. It is written from
//! the partnership's own documents and compiled into the binary (files under
//! `demo/`). Loading it again adds nothing: every record is matched on its code.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use uuid::Uuid;

use crate::api::organisations::{to_dtos, Organisation};
use crate::db::audit;

mod inspections;
mod plans;
use crate::db::organisations::OrganisationRow;
use crate::db::records::Record;
use crate::db::schema::organisations;
use crate::error::{ApiError, ApiResult};
use crate::http::{new_id, Actor};

#[derive(Debug, Deserialize)]
struct DemoOrganisation {
    code: String,
    name: String,
    kind: String,
    parent: Option<String>,
}

/// What a load added.
#[derive(Debug, Default)]
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
                organisations::id.eq(new_id()),
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
