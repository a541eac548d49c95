//! Rows and queries of inspections, their judgements and recommendations.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{AsChangeset, Insertable, Queryable, Selectable};
use uuid::Uuid;

use super::schema::{inspections, judgements, recommendations};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inspections, check_for_backend(diesel::pg::Pg))]
pub struct InspectionRow {
    pub id: Uuid,
    pub code: String,
    pub kind: String,
    pub title: String,
    pub inspectorates: Vec<Option<String>>,
    pub published_on: Option<NaiveDate>,
    pub reference: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = inspections)]
pub struct NewInspectionRow {
    pub id: Uuid,
    pub code: String,
    pub kind: String,
    pub title: String,
    pub inspectorates: Vec<String>,
    pub published_on: Option<NaiveDate>,
    pub reference: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = inspections)]
pub struct InspectionChanges {
    pub code: Option<String>,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub inspectorates: Option<Vec<String>>,
    pub published_on: Option<Option<NaiveDate>>,
    pub reference: Option<Option<String>>,
}

crate::table_queries!(
    inspections,
    InspectionRow,
    NewInspectionRow,
    InspectionChanges
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = judgements, check_for_backend(diesel::pg::Pg))]
pub struct JudgementRow {
    pub id: Uuid,
    pub inspection_id: Uuid,
    pub code: String,
    pub area: String,
    pub kind: String,
    pub grade: Option<i32>,
    pub word: Option<String>,
    pub summary: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = judgements)]
pub struct NewJudgementRow {
    pub id: Uuid,
    pub inspection_id: Uuid,
    pub code: String,
    pub area: String,
    pub kind: String,
    pub grade: Option<i32>,
    pub word: Option<String>,
    pub summary: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = judgements)]
pub struct JudgementChanges {
    pub code: Option<String>,
    pub area: Option<String>,
    pub kind: Option<String>,
    pub grade: Option<Option<i32>>,
    pub word: Option<Option<String>>,
    pub summary: Option<Option<String>>,
}

/// Queries of judgements.
pub mod judgement_queries {
    use super::{judgements, JudgementChanges, JudgementRow, NewJudgementRow};
    crate::table_queries!(judgements, JudgementRow, NewJudgementRow, JudgementChanges);
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = recommendations, check_for_backend(diesel::pg::Pg))]
pub struct RecommendationRow {
    pub id: Uuid,
    pub inspection_id: Uuid,
    pub code: String,
    pub text: String,
    pub timeframe: String,
    pub addressee: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = recommendations)]
pub struct NewRecommendationRow {
    pub id: Uuid,
    pub inspection_id: Uuid,
    pub code: String,
    pub text: String,
    pub timeframe: String,
    pub addressee: Option<String>,
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = recommendations)]
pub struct RecommendationChanges {
    pub code: Option<String>,
    pub text: Option<String>,
    pub timeframe: Option<String>,
    pub addressee: Option<Option<String>>,
    pub due_on: Option<Option<NaiveDate>>,
}

/// Queries of recommendations.
pub mod recommendation_queries {
    use super::{recommendations, NewRecommendationRow, RecommendationChanges, RecommendationRow};
    crate::table_queries!(
        recommendations,
        RecommendationRow,
        NewRecommendationRow,
        RecommendationChanges
    );
}
