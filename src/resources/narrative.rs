//! A plan's narrative for a reporting period: the key developments,
//! emerging issues and achievements sections of the monitoring report and
//! the annual review, each with its author and history.
//! `PUT /plans/{id}/narrative/{period}/{section}`, `GET /plans/{id}/narrative`.

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::period::{Period, PeriodType};
use crate::resources::plans::{plan_refs, PlanRef};
use crate::resources::reporting::LockPass;
use crate::resources::write::{self, Identified, Record};
use crate::store::listing::{Filter, FilterKind, ListSpec, SortField, SortType};
use crate::store::narratives::{self as db, NarrativeRow, NarrativeWrite};
use crate::store::sql::DynSql;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{ApiJson, Ctx, OptionalIfMatch, Versioned};
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};

vocab! {
    /// A section of a plan's narrative.
    NarrativeSection {
        /// What moved forward in the period.
        KeyDevelopments = "key_developments",
        /// What the board should know is coming.
        EmergingIssues = "emerging_issues",
        /// What was achieved (the annual review's).
        Achievements = "achievements",
    }
}

/// One section of a plan's narrative for a period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Narrative {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub plan: PlanRef,
    pub period: Period,
    pub section: NarrativeSection,
    /// The section's text.
    pub text: String,
    /// Who wrote the current text: the token's `sub`, name and organisation.
    pub author_sub: String,
    pub author_name: Option<String>,
    pub author_org: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

page_schema!(NarrativePage, Narrative);

impl Versioned for Narrative {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Identified for Narrative {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Record for Narrative {
    const TABLE: &'static str = "narratives";
    const ENTITY: &'static str = "narrative";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "narrative section", id))?;
        Ok(to_dtos(conn, vec![row]).await?.remove(0))
    }

    fn is_archived(&self) -> bool {
        false
    }
}

async fn to_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<NarrativeRow>,
) -> ApiResult<Vec<Narrative>> {
    let plans = plan_refs(conn, rows.iter().map(|r| r.plan_id)).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Narrative {
                plan: plans
                    .get(&r.plan_id)
                    .cloned()
                    .ok_or_else(|| ApiError::Internal("a narrative without its plan".into()))?,
                period: crate::resources::stored_period(&r.period)?,
                section: NarrativeSection::from_db(&r.section)?,
                id: r.id,
                plan_id: r.plan_id,
                text: r.body,
                author_sub: r.author_sub,
                author_name: r.author_name,
                author_org: r.author_org,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
            })
        })
        .collect()
}

/// The text of a narrative section.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NarrativeBody {
    /// At most 20,000 characters.
    pub text: String,
}

/// The section a path names.
fn parse_section(word: &str) -> ApiResult<NarrativeSection> {
    NarrativeSection::parse(word).ok_or_else(|| {
        ApiError::field(
            "/section",
            format!("is one of {}", NarrativeSection::WORDS.join(", ")),
        )
    })
}

/// A period a narrative covers: a code the calendar refuses, or a period
/// of another kind, breaks a rule (as everywhere a period is written).
fn parse_narrative_period(code: &str) -> ApiResult<Period> {
    crate::resources::indicators::parse_period_of(
        "/period",
        code,
        &[PeriodType::FinancialQuarter, PeriodType::FinancialYear],
        "a narrative covers a financial quarter or a financial year",
    )
}

/// Write a narrative section
///
/// Editors and admins. Creates (201) or replaces (200) the section of the
/// plan's narrative for a financial quarter or year; the text it replaces
/// stays in its history (`GET /narratives/{id}/history`). `If-Match` is
/// checked when given. A closed reporting cycle of the plan for the period
/// locks it (409 `period_locked`; an admin may write giving `?reason=`).
#[utoipa::path(
    tag = "reporting",
    request_body = NarrativeBody,
    params(
        ("id" = Uuid, Path, description = "Plan id"),
        ("period" = String, Path, description = "A financial quarter or year, e.g. `FY2009-10-Q2`"),
        ("section" = NarrativeSection, Path, description = "The section"),
        crate::resources::reporting::LockOverride,
        crate::resources::OptionalIfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Narrative, headers(("ETag" = String))),
        (status = 201, description = "Created", body = Narrative, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such plan", body = ErrorBody),
        (status = 409, description = "The period is locked by a closed reporting cycle (`period_locked`)", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid period, section or text", body = ErrorBody),
    )
)]
#[put("/{id}/narrative/{period}/{section}")]
pub async fn put_narrative(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String, String)>,
    if_match: OptionalIfMatch,
    body: ApiJson<NarrativeBody>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (plan_id, period, section) = path.into_inner();
    let period = parse_narrative_period(&period)?;
    let section = parse_section(&section)?;
    let mut errors = Errors::new();
    errors.text("/text", &body.text, 20_000);
    errors.finish()?;
    let text = body.0.text.trim().to_string();
    let lock = LockPass::of(&req, &ctx.user)?;
    let mut actor = ctx.actor();
    let user = ctx.user.clone();
    let mut conn = state.conn().await?;
    let (narrative, created) = conn
        .transaction::<(Narrative, bool), ApiError, _>(async move |conn| {
            if plan_refs(conn, [plan_id]).await?.is_empty() {
                return Err(ApiError::NotFound(format!("no plan with id {plan_id}")));
            }
            lock.check(
                conn,
                crate::store::reporting::Scope::Plan(plan_id),
                &period,
                &mut actor,
            )
            .await?;
            let key = [
                plan_id.to_string(),
                period.code.clone(),
                section.as_str().to_string(),
            ];
            let upsert = write::Upsert {
                table: "narratives",
                key: &[&key[0], &key[1], &key[2]],
                entity: "narrative",
                action: "narrative",
            };
            let code = period.code.clone();
            upsert
                .run(
                    conn,
                    &actor,
                    if_match.0.as_ref(),
                    move |conn| {
                        Box::pin(async move {
                            let row =
                                db::find_by_key(conn, plan_id, &code, section.as_str()).await?;
                            let view = match &row {
                                Some(r) => Some(to_dtos(conn, vec![r.clone()]).await?.remove(0)),
                                None => None,
                            };
                            write::Existing::found(
                                row,
                                |r| r.version,
                                |_| {
                                    view.ok_or_else(|| {
                                        ApiError::Internal("a view of the row".into())
                                    })
                                },
                            )
                        })
                    },
                    move |conn, existing| {
                        Box::pin(async move {
                            let row = db::upsert(
                                conn,
                                existing,
                                &NarrativeWrite {
                                    plan_id,
                                    period: &period.code,
                                    period_starts_on: period.starts_on,
                                    period_ends_on: period.ends_on,
                                    section: section.as_str(),
                                    body: &text,
                                    author_sub: &user.sub,
                                    author_name: user.name.as_deref(),
                                    author_org: Some(&user.org),
                                },
                            )
                            .await
                            .map_err(write::changed_meanwhile)?;
                            Ok(to_dtos(conn, vec![row]).await?.remove(0))
                        })
                    },
                )
                .await
        })
        .await?;
    let location = format!(
        "/api/v1/plans/{plan_id}/narrative/{}/{}",
        narrative.period.code,
        narrative.section.as_str()
    );
    Ok(crate::resources::indicators::data::upserted(
        created, location, &narrative,
    ))
}

/// Get a narrative section
///
/// Every role may read.
#[utoipa::path(
    tag = "reporting",
    params(
        ("id" = Uuid, Path, description = "Plan id"),
        ("period" = String, Path, description = "A financial quarter or year, e.g. `FY2009-10-Q2`"),
        ("section" = NarrativeSection, Path, description = "The section"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The section", body = Narrative, headers(("ETag" = String))),
        (status = 404, description = "No such plan, or nothing written for this period and section", body = ErrorBody),
        (status = 422, description = "Invalid period or section", body = ErrorBody),
    )
)]
#[get("/{id}/narrative/{period}/{section}")]
pub async fn get_narrative(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String, String)>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let (plan_id, period, section) = path.into_inner();
    let period = parse_narrative_period(&period)?;
    let section = parse_section(&section)?;
    let mut conn = state.conn().await?;
    let row = db::find_by_key(&mut conn, plan_id, &period.code, section.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no {} written for {} of this plan",
                section.as_str(),
                period.code
            ))
        })?;
    Ok(crate::web::http::ok_record(
        &to_dtos(&mut conn, vec![row]).await?.remove(0),
    ))
}

/// Filters of `GET /plans/{id}/narrative`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct NarrativeFilters {
    /// Any of these period codes (comma-separated).
    period: Option<String>,
    /// Any of these sections (comma-separated).
    section: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "narratives",
    filters: &[
        Filter::new("period", FilterKind::Text("narratives.period")),
        Filter::new(
            "section",
            FilterKind::Vocab("narratives.section", NarrativeSection::WORDS),
        ),
    ],
    sorts: &[
        SortField::new(
            "period_starts_on",
            "narratives.period_starts_on",
            SortType::Date,
        ),
        SortField::new("section", "narratives.section", SortType::Text),
    ],
    default_sort: "period_starts_on,section",
    archivable: false,
};

/// A plan's narrative
///
/// Every role may read. The plan's narrative sections, by period (oldest
/// first) and section; filter by `period` and `section`.
#[utoipa::path(
    tag = "reporting",
    params(("id" = Uuid, Path, description = "Plan id"), crate::resources::ListQuery, NarrativeFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of sections", body = NarrativePage,
         headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such plan", body = ErrorBody),
    )
)]
#[get("/{id}/narrative")]
pub async fn list_narrative(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, LIST)?;
    let mut conn = state.conn().await?;
    if plan_refs(&mut conn, [*id]).await?.is_empty() {
        return Err(ApiError::NotFound(format!("no plan with id {}", *id)));
    }
    p.add_condition(
        DynSql::raw("narratives.plan_id = ")
            .bind(id.to_string())
            .sql("::uuid"),
    );
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = to_dtos(&mut conn, rows).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Filters of `GET /narratives`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AllNarrativeFilters {
    /// Of any of these plans (comma-separated ids).
    plan_id: Option<String>,
    /// Any of these period codes (comma-separated).
    period: Option<String>,
    /// Any of these sections (comma-separated).
    section: Option<String>,
}

pub(crate) const ALL: ListSpec = ListSpec {
    table: "narratives",
    filters: &[
        Filter::new("plan_id", FilterKind::Uuid("narratives.plan_id")),
        Filter::new("period", FilterKind::Text("narratives.period")),
        Filter::new(
            "section",
            FilterKind::Vocab("narratives.section", NarrativeSection::WORDS),
        ),
    ],
    sorts: LIST.sorts,
    default_sort: LIST.default_sort,
    archivable: false,
};

/// Every plan's narrative
///
/// Every role may read. The narrative sections of every plan, by period
/// (oldest first) and section; filter by `plan_id`, `period` and `section`.
#[utoipa::path(
    tag = "reporting",
    params(crate::resources::ListQuery, AllNarrativeFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of sections", body = NarrativePage,
         headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_narratives(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = crate::web::page::list_params(&req, ALL)?;
    let mut conn = state.conn().await?;
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = to_dtos(&mut conn, rows).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// History of a narrative section.
pub mod history {
    use super::*;

    crate::history_handler! {
        record: Narrative, tag: "reporting", id: "Narrative section id", read: Viewer,
        history: narrative_history, "History of a narrative section" + "Every text the section has had, with who wrote it (action `narrative`).",
        readers: "Every role may read.",
    }
}
