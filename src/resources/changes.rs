//! `GET /api/v1/changes`: every change in commit order, resumable from a
//! cursor, for partner systems that keep a copy in step.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::store::changes as db;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::AppState;

/// Entity types only admins may read (their records are admin-only).
pub const ADMIN_ONLY: &[&str] = &[
    "service_account",
    "webhook_subscription",
    "webhook_delivery",
];

/// One committed change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Change {
    /// This change's position in the feed: pass it as `after` to read what
    /// committed after it. Opaque; compare cursors only for equality.
    pub cursor: String,
    /// What kind of record changed, e.g. `milestone`, `indicator_value`,
    /// `progress_update` (the audit trail's `entity_type`).
    pub entity_type: String,
    /// Which record.
    pub entity_id: Uuid,
    /// The record's version after the change (its `ETag`); null for
    /// records without one.
    pub version: Option<i32>,
    /// `create`, `update`, `archive`, `restore`, `status` (progress
    /// reported), `value`, `target`, `commentary`, `withdraw`, `link`,
    /// `unlink`, ...
    pub action: String,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// The record as the API showed it right after the change (as its own
    /// `GET` answers it); null when the change left no record.
    pub record: Option<serde_json::Value>,
}

/// A stretch of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeFeed {
    /// Changes in commit order.
    pub items: Vec<Change>,
    /// Where to resume: pass as `after` next time. The last item's cursor,
    /// or the `after` you sent when there was nothing new. Never null, so a
    /// poller always knows where it stands.
    pub next_after: String,
    /// Whether more changes are already waiting (ask again at once); when
    /// false, poll again later with `next_after`.
    pub has_more: bool,
}

/// Query of `GET /changes`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ChangesQuery {
    /// The cursor of the last change you have (`next_after` of the previous
    /// answer); omit to read from the beginning.
    #[param(pattern = "^[0-9]{1,18}$")]
    after: Option<String>,
    /// Only changes of these entity types (comma-separated), e.g.
    /// `milestone,progress_update`.
    #[param(pattern = "^[a-z_]+(,[a-z_]+)*$")]
    entity_type: Option<String>,
    /// Most changes to answer, 1–500 (default 50).
    limit: Option<i64>,
}

fn parse(req: &HttpRequest) -> ApiResult<(i64, Option<Vec<String>>, i64)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?;
    let mut after = 0;
    let mut only = None;
    let mut limit = crate::store::listing::DEFAULT_LIMIT;
    for (k, v) in pairs {
        match k.as_str() {
            "after" => {
                after = Some(&v)
                    .filter(|v| !v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|v| v.parse::<i64>().ok())
                    .ok_or_else(|| {
                    ApiError::InvalidQuery(format!(
                        "after {v:?} is not a cursor this feed gave (use next_after or an item's cursor)"
                    ))
                })?
            }
            "entity_type" => {
                let types: Vec<String> = v
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect();
                let word = |t: &String| t.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if types.is_empty() || !types.iter().all(word) {
                    return Err(ApiError::InvalidQuery(format!(
                        "entity_type {v:?} is not a comma-separated list of entity types (e.g. milestone,progress_update)"
                    )));
                }
                only = Some(types);
            }
            "limit" => {
                limit = v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=crate::store::listing::MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        ApiError::InvalidQuery(format!(
                            "limit must be an integer from 1 to {}",
                            crate::store::listing::MAX_LIMIT
                        ))
                    })?
            }
            other => {
                return Err(ApiError::InvalidQuery(format!(
                    "unknown query parameter {other:?}; this operation accepts: after, entity_type, limit"
                )))
            }
        }
    }
    Ok((after, only, limit))
}

/// Follow every change
///
/// Every role; admin-only records (service accounts, webhook
/// subscriptions) appear to admins only. Every create, update, archive,
/// restore, progress report, value, target, commentary and link, in the
/// order the changes committed: a change that commits after you read
/// position N always gets a position after N, so reading on from your
/// last cursor never misses or repeats one, even while others write. Each
/// item carries the record's new state. Poll with `after=<next_after>`;
/// while `has_more` is true, ask again at once. A `Link: rel="next"`
/// header is sent when more are waiting.
#[utoipa::path(
    tag = "changes",
    params(ChangesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changes after the cursor, oldest first", body = ChangeFeed,
         headers(("Link" = String, description = "`<...>; rel=\"next\"` when more changes are waiting"))),
        (status = 400, description = "A malformed cursor or limit, or an unknown parameter", body = ErrorBody),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let (after, only, limit) = parse(&req)?;
    let hidden: &[&str] = if user.role >= Role::Admin {
        &[]
    } else {
        ADMIN_ONLY
    };
    let mut conn = state.conn().await?;
    let mut rows = db::after(&mut conn, after, only.as_deref(), hidden, limit + 1).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_after = rows.last().map_or(after, |r| r.seq).to_string();
    let items = rows
        .into_iter()
        .map(|r| Change {
            cursor: r.seq.to_string(),
            version: r
                .after
                .as_ref()
                .or(r.before.as_ref())
                .and_then(|v| v.get("version"))
                .and_then(serde_json::Value::as_i64)
                .and_then(|v| i32::try_from(v).ok()),
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            action: r.action,
            at: r.at,
            record: r.after,
        })
        .collect();
    let mut res = HttpResponse::Ok();
    if has_more {
        res.insert_header((
            header::LINK,
            crate::web::page::next_link(&req, "after", &next_after),
        ));
    }
    Ok(res.json(ChangeFeed {
        items,
        next_after,
        has_more,
    }))
}
