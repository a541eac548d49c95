//! Rows and queries of the improvement plan: areas (with their leads and
//! their links to recommendations and objectives) and actions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{
    improvement_actions, improvement_area_leads, improvement_area_objectives,
    improvement_area_recommendations, improvement_areas,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = improvement_areas, check_for_backend(diesel::pg::Pg))]
pub struct AreaRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub code: String,
    pub title: String,
    pub lead_roles: Vec<Option<String>>,
    pub due_on: Option<NaiveDate>,
    pub due_original: Option<String>,
    pub overarching_strategy: Option<String>,
    pub linked_strategies: Vec<Option<String>>,
    pub process_enablers: Vec<Option<String>>,
    pub listed_in_cypp: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = improvement_areas)]
pub struct NewAreaRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub code: String,
    pub title: String,
    pub lead_roles: Vec<String>,
    pub due_on: Option<NaiveDate>,
    pub due_original: Option<String>,
    pub overarching_strategy: Option<String>,
    pub linked_strategies: Vec<String>,
    pub process_enablers: Vec<String>,
    pub listed_in_cypp: bool,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = improvement_areas)]
pub struct AreaChanges {
    pub code: Option<String>,
    pub title: Option<String>,
    pub lead_roles: Option<Vec<String>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub due_original: Option<Option<String>>,
    pub overarching_strategy: Option<Option<String>>,
    pub linked_strategies: Option<Vec<String>>,
    pub process_enablers: Option<Vec<String>>,
    pub listed_in_cypp: Option<bool>,
}

/// Queries of improvement areas.
pub mod area_queries {
    use super::{improvement_areas, AreaChanges, AreaRow, NewAreaRow};
    crate::table_queries!(improvement_areas, AreaRow, NewAreaRow, AreaChanges);
}

/// The links of many areas, in three queries: (area, organisation),
/// (area, recommendation), (area, objective).
pub struct AreaLinks {
    pub leads: Vec<(Uuid, Uuid)>,
    pub recommendations: Vec<(Uuid, Uuid)>,
    pub objectives: Vec<(Uuid, Uuid)>,
}

pub async fn links(conn: &mut AsyncPgConnection, area_ids: &[Uuid]) -> QueryResult<AreaLinks> {
    if area_ids.is_empty() {
        return Ok(AreaLinks {
            leads: Vec::new(),
            recommendations: Vec::new(),
            objectives: Vec::new(),
        });
    }
    let leads = improvement_area_leads::table
        .filter(improvement_area_leads::area_id.eq_any(area_ids))
        .select((
            improvement_area_leads::area_id,
            improvement_area_leads::organisation_id,
        ))
        .load(conn)
        .await?;
    let recommendations = improvement_area_recommendations::table
        .filter(improvement_area_recommendations::area_id.eq_any(area_ids))
        .select((
            improvement_area_recommendations::area_id,
            improvement_area_recommendations::recommendation_id,
        ))
        .load(conn)
        .await?;
    let objectives = improvement_area_objectives::table
        .filter(improvement_area_objectives::area_id.eq_any(area_ids))
        .select((
            improvement_area_objectives::area_id,
            improvement_area_objectives::objective_id,
        ))
        .load(conn)
        .await?;
    Ok(AreaLinks {
        leads,
        recommendations,
        objectives,
    })
}

/// Replaces an area's links (each list given replaces that kind of link).
pub async fn set_links(
    conn: &mut AsyncPgConnection,
    area_id: Uuid,
    leads: Option<&[Uuid]>,
    recommendations: Option<&[Uuid]>,
    objectives: Option<&[Uuid]>,
) -> QueryResult<()> {
    if let Some(ids) = leads {
        diesel::delete(
            improvement_area_leads::table.filter(improvement_area_leads::area_id.eq(area_id)),
        )
        .execute(conn)
        .await?;
        let rows: Vec<_> = ids
            .iter()
            .map(|o| {
                (
                    improvement_area_leads::area_id.eq(area_id),
                    improvement_area_leads::organisation_id.eq(*o),
                )
            })
            .collect();
        diesel::insert_into(improvement_area_leads::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    if let Some(ids) = recommendations {
        diesel::delete(
            improvement_area_recommendations::table
                .filter(improvement_area_recommendations::area_id.eq(area_id)),
        )
        .execute(conn)
        .await?;
        let rows: Vec<_> = ids
            .iter()
            .map(|r| {
                (
                    improvement_area_recommendations::area_id.eq(area_id),
                    improvement_area_recommendations::recommendation_id.eq(*r),
                )
            })
            .collect();
        diesel::insert_into(improvement_area_recommendations::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    if let Some(ids) = objectives {
        diesel::delete(
            improvement_area_objectives::table
                .filter(improvement_area_objectives::area_id.eq(area_id)),
        )
        .execute(conn)
        .await?;
        let rows: Vec<_> = ids
            .iter()
            .map(|o| {
                (
                    improvement_area_objectives::area_id.eq(area_id),
                    improvement_area_objectives::objective_id.eq(*o),
                )
            })
            .collect();
        diesel::insert_into(improvement_area_objectives::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The ids of areas that answer any of these recommendations, in one query.
pub async fn areas_of_recommendations(
    conn: &mut AsyncPgConnection,
    recommendation_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    improvement_area_recommendations::table
        .filter(improvement_area_recommendations::recommendation_id.eq_any(recommendation_ids))
        .select((
            improvement_area_recommendations::recommendation_id,
            improvement_area_recommendations::area_id,
        ))
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = improvement_actions, check_for_backend(diesel::pg::Pg))]
pub struct ActionRow {
    pub id: Uuid,
    pub area_id: Uuid,
    pub code: String,
    pub title: String,
    pub sequence: Option<i32>,
    pub lead_organisation_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub status: String,
    pub completed_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = improvement_actions)]
pub struct NewActionRow {
    pub id: Uuid,
    pub area_id: Uuid,
    pub code: String,
    pub title: String,
    pub sequence: Option<i32>,
    pub lead_organisation_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = improvement_actions)]
pub struct ActionChanges {
    pub code: Option<String>,
    pub title: Option<String>,
    pub sequence: Option<Option<i32>>,
    pub lead_organisation_id: Option<Option<Uuid>>,
    pub due_on: Option<Option<NaiveDate>>,
}

/// Queries of improvement actions.
pub mod action_queries {
    use super::{improvement_actions, ActionChanges, ActionRow, NewActionRow};
    crate::table_queries!(improvement_actions, ActionRow, NewActionRow, ActionChanges);
}

/// The actions of many areas (live ones only), in one query.
pub async fn actions_of_areas(
    conn: &mut AsyncPgConnection,
    area_ids: &[Uuid],
) -> QueryResult<Vec<ActionRow>> {
    improvement_actions::table
        .filter(improvement_actions::area_id.eq_any(area_ids))
        .filter(improvement_actions::archived_at.is_null())
        .order((
            improvement_actions::area_id,
            improvement_actions::sequence,
            improvement_actions::code,
        ))
        .select(ActionRow::as_select())
        .load(conn)
        .await
}
