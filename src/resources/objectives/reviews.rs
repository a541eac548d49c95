//! Risks' quarterly reviews (`/risks/{id}/reviews/{period}`): the score the
//! risk stands at, how its mitigation is going and what the board should
//! know, as the quarterly monitoring report's high-risk section reads them.

use std::collections::HashMap;

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Objective, Risk};
use crate::domain::deliverable::DeliverableStatus;
use crate::domain::period::{Period, PeriodType};
use crate::domain::risk::{band, RiskBand};
use crate::resources::reporting::LockPass;
use crate::resources::write::{self, Identified, Record};
use crate::store::listing::{ListSpec, SortField, SortType};
use crate::store::risk_reviews::{self as db, ReviewRow, ReviewWrite};
use crate::store::sql::DynSql;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::web::http::{ApiJson, Ctx, OptionalIfMatch, Versioned};
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};

vocab! {
    /// How a risk's score moved since the quarter before.
    RiskTrend {
        /// The score fell.
        Improving = "improving",
        /// The score is the same.
        Stable = "stable",
        /// The score rose.
        Worsening = "worsening",
    }
}

/// A risk's review for a financial quarter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RiskReview {
    pub id: Uuid,
    pub risk_id: Uuid,
    /// The quarter reviewed.
    pub period: Period,
    /// The score the risk stands at, 1–16 (severity x likelihood).
    pub current_score: i32,
    /// 1–4 `low`, 5–10 `medium`, 11–16 `high`.
    pub current_band: RiskBand,
    /// How the mitigation (the risk's treatment measures) is going, in the
    /// deliverables' words.
    pub mitigation_progress: DeliverableStatus,
    /// Against the latest earlier review, or with none the register's
    /// residual score: lower is `improving`. Null with nothing to compare.
    #[schema(required = true)]
    pub trend: Option<RiskTrend>,
    /// The score the trend compares with.
    #[schema(required = true)]
    pub compared_with: Option<i32>,
    pub commentary: Option<String>,
    /// Who wrote it: the token's `sub`, name and organisation.
    pub author_sub: String,
    pub author_name: Option<String>,
    pub author_org: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the `ETag`.
    pub version: i32,
}

page_schema!(RiskReviewPage, RiskReview);

impl Versioned for RiskReview {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Identified for RiskReview {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Record for RiskReview {
    const TABLE: &'static str = "risk_reviews";
    const ENTITY: &'static str = "risk_review";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "risk review", id))?;
        Ok(review_dtos(conn, vec![row]).await?.remove(0))
    }

    fn is_archived(&self) -> bool {
        false
    }
}

/// The trend of a score against the one before it.
pub fn trend(score: i32, before: Option<i32>) -> Option<RiskTrend> {
    before.map(|b| match score.cmp(&b) {
        std::cmp::Ordering::Less => RiskTrend::Improving,
        std::cmp::Ordering::Equal => RiskTrend::Stable,
        std::cmp::Ordering::Greater => RiskTrend::Worsening,
    })
}

/// The score a review's trend compares with: its risk's latest review of an
/// earlier quarter among `reviews`, else the register's residual score.
pub fn compared_with<'a>(
    reviews: impl IntoIterator<Item = &'a ReviewRow>,
    this: &ReviewRow,
    residual: Option<i32>,
) -> Option<i32> {
    reviews
        .into_iter()
        .filter(|o| o.risk_id == this.risk_id && o.period_starts_on < this.period_starts_on)
        .max_by_key(|o| o.period_starts_on)
        .map(|o| o.current_score)
        .or(residual)
}

/// Reviews in the API shape, each with its trend: two queries whatever the
/// number (the risks' residual scores, and their reviews up to the latest
/// period among `rows`).
pub async fn review_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<ReviewRow>,
) -> ApiResult<Vec<RiskReview>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.risk_id).collect();
    let residual: HashMap<Uuid, Option<i32>> =
        db::residual_scores(conn, &ids).await?.into_iter().collect();
    let by = rows.iter().map(|r| r.period_ends_on).max();
    let all = db::of_risks(conn, &ids, by).await?;
    rows.into_iter()
        .map(|r| {
            let before = compared_with(&all, &r, residual.get(&r.risk_id).copied().flatten());
            review_dto(r, before)
        })
        .collect()
}

/// One review in the API shape, given the score it is compared with.
pub fn review_dto(r: ReviewRow, before: Option<i32>) -> ApiResult<RiskReview> {
    Ok(RiskReview {
        period: crate::resources::stored_period(&r.period)?,
        current_band: band(r.current_score)
            .ok_or_else(|| ApiError::Internal("a stored score outside 1-16".into()))?,
        mitigation_progress: DeliverableStatus::from_db(&r.mitigation_progress)?,
        trend: trend(r.current_score, before),
        compared_with: before,
        id: r.id,
        risk_id: r.risk_id,
        current_score: r.current_score,
        commentary: r.commentary,
        author_sub: r.author_sub,
        author_name: r.author_name,
        author_org: r.author_org,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
    })
}

/// A risk's review for a quarter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskReviewBody {
    /// The score the risk stands at, 1–16.
    #[schema(minimum = 1, maximum = 16)]
    pub current_score: i32,
    pub mitigation_progress: DeliverableStatus,
    /// At most 4000 characters.
    #[serde(default)]
    pub commentary: Option<String>,
}

/// The quarter a review covers: a financial quarter that has started.
fn parse_review_period(code: &str) -> ApiResult<Period> {
    let p = crate::resources::indicators::parse_period_of(
        "/period",
        code,
        &[PeriodType::FinancialQuarter],
        "a risk is reviewed per financial quarter, e.g. FY2009-10-Q2",
    )?;
    if p.starts_on > crate::domain::deliverable::today() {
        return Err(ApiError::RuleViolated(vec![FieldError::new(
            "/period",
            format!("{} has not started (it starts on {})", p.code, p.starts_on),
        )]));
    }
    Ok(p)
}

/// Review a risk for a quarter
///
/// Editors and admins for any risk; a contributor for the risks of the
/// objectives its organisation leads. Creates (201) or replaces (200) the
/// risk's review for the financial quarter: the score it stands at, how its
/// mitigation is going and commentary. The trend is computed against the
/// latest earlier review. `If-Match` is checked when given. A closed
/// reporting cycle of the objective's plan for the quarter locks it (409
/// `period_locked`; an admin may write giving `?reason=`).
#[utoipa::path(
    tag = "objectives",
    request_body = RiskReviewBody,
    params(
        ("id" = Uuid, Path, description = "Risk id"),
        ("period" = String, Path, description = "A financial quarter that has started, e.g. `FY2009-10-Q2`"),
        crate::resources::reporting::LockOverride,
        crate::resources::OptionalIfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = RiskReview, headers(("ETag" = String))),
        (status = 201, description = "Created", body = RiskReview, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an editor, and not a contributor of the objective's lead organisation", body = ErrorBody),
        (status = 404, description = "No such risk", body = ErrorBody),
        (status = 409, description = "The risk is archived, or the period is locked by a closed reporting cycle (`period_locked`)", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid period, score or commentary", body = ErrorBody),
    )
)]
#[put("/{id}/reviews/{period}")]
pub async fn put_risk_review(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: OptionalIfMatch,
    body: ApiJson<RiskReviewBody>,
) -> ApiResult<HttpResponse> {
    let scope = crate::web::policy::ReportScope::of(&ctx.user)?;
    let (risk_id, period) = path.into_inner();
    let period = parse_review_period(&period)?;
    let body = body.0;
    let mut errors = Errors::new();
    if band(body.current_score).is_none() {
        errors.add(
            "/current_score",
            "must be a whole number from 1 to 16 (severity x likelihood)",
        );
    }
    errors.opt_text("/commentary", body.commentary.as_deref(), 4000);
    errors.finish()?;
    let commentary = body.commentary.map(|c| c.trim().to_string());
    let lock = LockPass::of(&req, &ctx.user)?;
    let mut actor = ctx.actor();
    let user = ctx.user.clone();
    let mut conn = state.conn().await?;
    let (review, created) = conn
        .transaction::<(RiskReview, bool), ApiError, _>(async move |conn| {
            let risk = Risk::load(conn, risk_id).await?;
            if risk.archived_at.is_some() {
                return Err(ApiError::Conflict(format!(
                    "risk {} is archived",
                    risk.code
                )));
            }
            let objective = Objective::load(conn, risk.objective_id).await?;
            let leads: Vec<&str> = objective
                .lead_organisation
                .iter()
                .map(|o| o.code.as_str())
                .collect();
            scope.check("this risk", &leads)?;
            lock.check(
                conn,
                crate::store::reporting::Scope::Risk(risk_id),
                &period,
                &mut actor,
            )
            .await?;
            let key = [risk_id.to_string(), period.code.clone()];
            let upsert = write::Upsert {
                table: "risk_reviews",
                key: &[&key[0], &key[1]],
                entity: "risk_review",
                action: "review",
            };
            let code = period.code.clone();
            upsert
                .run(
                    conn,
                    &actor,
                    if_match.0.as_ref(),
                    move |conn| {
                        Box::pin(async move {
                            let row = db::find_by_key(conn, risk_id, &code).await?;
                            let view = match &row {
                                Some(r) => {
                                    Some(review_dtos(conn, vec![r.clone()]).await?.remove(0))
                                }
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
                                &ReviewWrite {
                                    risk_id,
                                    period: &period.code,
                                    period_starts_on: period.starts_on,
                                    period_ends_on: period.ends_on,
                                    current_score: body.current_score,
                                    mitigation_progress: body.mitigation_progress.as_str(),
                                    commentary: commentary.as_deref(),
                                    author_sub: &user.sub,
                                    author_name: user.name.as_deref(),
                                    author_org: Some(&user.org),
                                },
                            )
                            .await
                            .map_err(write::changed_meanwhile)?;
                            Ok(review_dtos(conn, vec![row]).await?.remove(0))
                        })
                    },
                )
                .await
        })
        .await?;
    let location = format!("/api/v1/risks/{risk_id}/reviews/{}", review.period.code);
    Ok(crate::resources::indicators::data::upserted(
        created, location, &review,
    ))
}

/// Get a risk's review for a quarter
///
/// Every role may read.
#[utoipa::path(
    tag = "objectives",
    params(
        ("id" = Uuid, Path, description = "Risk id"),
        ("period" = String, Path, description = "A financial quarter, e.g. `FY2009-10-Q2`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The review", body = RiskReview, headers(("ETag" = String))),
        (status = 404, description = "No such risk, or no review for this quarter", body = ErrorBody),
        (status = 422, description = "Invalid period", body = ErrorBody),
    )
)]
#[get("/{id}/reviews/{period}")]
pub async fn get_risk_review(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let (risk_id, period) = path.into_inner();
    let period = parse_review_period(&period)?;
    let mut conn = state.conn().await?;
    Risk::load(&mut conn, risk_id).await?;
    let row = db::find_by_key(&mut conn, risk_id, &period.code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no review of this risk for {}", period.code)))?;
    Ok(crate::web::http::ok_record(
        &review_dtos(&mut conn, vec![row]).await?.remove(0),
    ))
}

pub(crate) const REVIEWS: ListSpec = ListSpec {
    table: "risk_reviews",
    filters: &[],
    sorts: &[SortField::new(
        "period_starts_on",
        "risk_reviews.period_starts_on",
        SortType::Date,
    )],
    default_sort: "-period_starts_on",
    archivable: false,
};

/// A risk's reviews
///
/// Every role may read. Newest quarter first by default
/// (`sort=period_starts_on` for oldest first).
#[utoipa::path(
    tag = "objectives",
    params(("id" = Uuid, Path, description = "Risk id"), crate::resources::ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of reviews", body = RiskReviewPage,
         headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such risk", body = ErrorBody),
    )
)]
#[get("/{id}/reviews")]
pub async fn list_risk_reviews(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, REVIEWS)?;
    let mut conn = state.conn().await?;
    Risk::load(&mut conn, *id).await?;
    p.add_condition(
        DynSql::raw("risk_reviews.risk_id = ")
            .bind(id.to_string())
            .sql("::uuid"),
    );
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = review_dtos(&mut conn, rows).await?;
    Ok(p.page(items, total)?.respond(&req))
}
