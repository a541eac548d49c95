//! `/api/v1/webhooks`: subscriptions of partner systems to events, signed
//! deliveries from the outbox, and the delivery log. Admin only (service
//! accounts with the admin role included).

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::deliverable::DeliverableStatus;
use crate::resources::changes::Change;
use crate::resources::write::{self, Record};
use crate::store::listing::{Filter, FilterKind, ListSpec, SortField, SortType};
use crate::store::webhooks::{self as db, DeliveryRow, SubscriptionChanges, SubscriptionRow};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{
    created_record, new_id, ok_record, ApiJson, Ctx, IfMatch, Patch, Versioned,
};
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};

vocab! {
    /// An event a subscription can ask for.
    WebhookEvent {
        /// A milestone's, improvement action's or objective's (promise's,
        /// equality action's) status changed (progress reported, or an
        /// edit). `data` is the change, as the change feed shows it.
        DeliverableStatusChanged = "deliverable.status_changed",
        /// A milestone or improvement action passed its due date while
        /// still open (sent once per due date). `data` names it, with its
        /// due date and status.
        DeliverableOverdue = "deliverable.overdue",
        /// An indicator's value was recorded or replaced. `data` is the
        /// change, with the value as `record`.
        IndicatorValueSubmitted = "indicator.value_submitted",
        /// A value or target written for the whole population made the
        /// indicator's status for that period `red` (from any other
        /// status). `data` has the previous status and the performance now.
        IndicatorTurnedRed = "indicator.turned_red",
        /// A record was created. `data` is the change.
        RecordCreated = "record.created",
        /// A record was changed by a `PATCH` or `PUT`. `data` is the change.
        RecordUpdated = "record.updated",
        /// A record was archived. `data` is the change.
        RecordArchived = "record.archived",
        /// A record was restored. `data` is the change.
        RecordRestored = "record.restored",
        /// An admin signed off a reporting cycle's report. `data` is the
        /// snapshot (its id, cycle, report, SHA-256, who and when; its
        /// `content_url` answers the report).
        ReportSignedOff = "report.signed_off",
    }
}

vocab! {
    /// Whether a subscription is being delivered to.
    SubscriptionStatus {
        /// Deliveries are sent.
        Active = "active",
        /// Deliveries are queued but not sent: it failed too often, or an
        /// admin paused it. `PATCH` it to `active` to resume.
        Paused = "paused",
    }
}

vocab! {
    /// Where a delivery stands.
    DeliveryStatus {
        /// Waiting for its first or next attempt.
        Pending = "pending",
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// Retried for the configured time (24 hours by default) without
        /// success; `POST .../redeliver` queues it again.
        Failed = "failed",
    }
}

/// A webhook subscription. Its secret is shown only when it is created.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookSubscription {
    pub id: Uuid,
    /// Where deliveries are `POST`ed.
    pub url: String,
    /// The events it receives.
    pub events: Vec<WebhookEvent>,
    /// What it is for, e.g. "PCT performance system".
    pub description: Option<String>,
    pub status: SubscriptionStatus,
    /// Why it is paused; null while active.
    pub paused_reason: Option<String>,
    /// Failed attempts since the last success; at the configured number
    /// (50 by default) the subscription is paused.
    pub consecutive_failures: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(WebhookSubscriptionPage, WebhookSubscription);

/// A subscription just created, with its signing secret: the only time the
/// secret is shown (unless you chose it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedWebhookSubscription {
    #[serde(flatten)]
    pub subscription: WebhookSubscription,
    /// The signing secret, `whsec_` and base64: verify each delivery's
    /// `webhook-signature` with it.
    pub secret: String,
}

impl Versioned for WebhookSubscription {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Versioned for CreatedWebhookSubscription {
    fn version(&self) -> i32 {
        self.subscription.version
    }
}

impl Record for WebhookSubscription {
    const TABLE: &'static str = "webhook_subscriptions";
    const ENTITY: &'static str = "webhook_subscription";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "webhook subscription", id))?;
        from_row(row)
    }

    async fn load_locked(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find_for_update(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "webhook subscription", id))?;
        from_row(row)
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

fn from_row(r: SubscriptionRow) -> ApiResult<WebhookSubscription> {
    Ok(WebhookSubscription {
        events: r
            .events
            .iter()
            .map(|e| WebhookEvent::from_db(e))
            .collect::<ApiResult<_>>()?,
        status: SubscriptionStatus::from_db(&r.status)?,
        id: r.id,
        url: r.url,
        description: r.description,
        paused_reason: r.paused_reason,
        consecutive_failures: r.consecutive_failures,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        archived_at: r.archived_at,
    })
}

/// A new subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookSubscription {
    /// An `http` or `https` URL, at most 2,000 characters. Private,
    /// loopback and link-local targets are refused unless the service is
    /// configured to allow them.
    #[schema(
        example = "https://partner.example/trustplan-events",
        min_length = 8,
        max_length = 2000,
        pattern = "^https?://[^\\s]+$"
    )]
    pub url: String,
    /// The events to receive: at least one, each once.
    #[schema(min_items = 1)]
    pub events: Vec<WebhookEvent>,
    /// What it is for, at most 200 characters.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// Your own signing secret, `whsec_` and the base64 of 24 to 64
    /// random bytes; omit it and one is made for you.
    #[serde(default)]
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: Option<String>,
}

/// Changes to a subscription (JSON merge patch).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSubscriptionPatch {
    /// An `http` or `https` URL, as on creation.
    #[serde(default)]
    #[schema(value_type = String, min_length = 8, max_length = 2000, pattern = "^https?://[^\\s]+$")]
    pub url: Patch<String>,
    /// The events to receive: at least one, each once.
    #[serde(default)]
    #[schema(value_type = Vec<WebhookEvent>, min_items = 1)]
    pub events: Patch<Vec<WebhookEvent>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    /// `active` resumes a paused subscription (and clears its failures);
    /// `paused` stops sending until resumed (events are still queued).
    #[serde(default)]
    #[schema(value_type = SubscriptionStatus)]
    pub status: Patch<SubscriptionStatus>,
}

async fn check_fields(
    state: &AppState,
    errors: &mut Errors,
    url: Option<&str>,
    events: Option<&[WebhookEvent]>,
    description: Option<&str>,
) {
    if let Some(url) = url {
        if url.trim() != url || url.is_empty() || url.len() > 2000 {
            errors.add(
                "/url",
                "must be a URL of 1 to 2,000 characters without surrounding spaces",
            );
        } else if let Some(why) =
            crate::webhooks::refuse_url(url, state.config.webhooks.allow_private).await
        {
            errors.add("/url", why);
        }
    }
    if let Some(events) = events {
        if events.is_empty() {
            errors.add("/events", "name at least one event");
        }
        for (i, e) in events.iter().enumerate() {
            if events[..i].contains(e) {
                errors.add(&format!("/events/{i}"), "is named twice");
            }
        }
    }
    if let Some(d) = description {
        errors.text("/description", d, 200);
    }
}

/// Filters of `GET /webhooks`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct WebhookFilters {
    /// Any of these statuses (comma-separated).
    status: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "webhook_subscriptions",
    filters: &[Filter::new(
        "status",
        FilterKind::Vocab("webhook_subscriptions.status", SubscriptionStatus::WORDS),
    )],
    sorts: &[
        SortField::new(
            "created_at",
            "webhook_subscriptions.created_at",
            SortType::Timestamp,
        ),
        SortField::new("url", "webhook_subscriptions.url", SortType::Text),
    ],
    default_sort: "created_at",
    archivable: true,
};

/// List webhook subscriptions
///
/// Admin only. Sort on `created_at` (default) or `url`.
#[utoipa::path(
    tag = "webhooks",
    params(crate::resources::ListQuery, WebhookFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of subscriptions", body = WebhookSubscriptionPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_webhooks(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Admin)?;
    let p = crate::web::page::list_params(&req, LIST)?;
    let mut conn = state.conn().await?;
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = rows
        .into_iter()
        .map(from_row)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get a webhook subscription
///
/// Admin only. The secret is never shown here.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscription", body = WebhookSubscription, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such subscription", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_webhook(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Admin)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&WebhookSubscription::load(&mut conn, *id).await?))
}

/// Subscribe to events
///
/// Admin only. Each event the subscription names is then `POST`ed to its
/// URL as JSON `{"type", "timestamp", "data"}`, signed in the Standard
/// Webhooks format: headers `webhook-id` (the same on every retry: use it
/// to ignore repeats), `webhook-timestamp` (Unix seconds) and
/// `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
/// `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the secret's
/// bytes). Answer 2xx within 10 seconds; anything else is retried with
/// exponential backoff and jitter for 24 hours. The events and their
/// payloads are in this document's `webhooks`. The answer holds the
/// secret, so it is not kept for `Idempotency-Key` replays (a repeat is a
/// 409).
#[utoipa::path(
    tag = "webhooks",
    request_body = NewWebhookSubscription,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Subscribed; the secret is in the body", body = CreatedWebhookSubscription,
         headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "Idempotency-Key already used for a subscription", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields: a URL that is not http(s) or points at a private address, no events, a malformed secret", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_webhook(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewWebhookSubscription>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Admin)?;
    let body = body.0;
    let mut errors = Errors::new();
    check_fields(
        &state,
        &mut errors,
        Some(&body.url),
        Some(&body.events),
        body.description.as_deref(),
    )
    .await;
    let secret = match &body.secret {
        Some(s) => {
            if !crate::webhooks::secret_key(s).is_some_and(|k| (24..=64).contains(&k.len())) {
                errors.add(
                    "/secret",
                    "must be whsec_ followed by the base64 of 24 to 64 bytes",
                );
            }
            s.clone()
        }
        None => crate::webhooks::new_secret(),
    };
    errors.finish()?;
    let mut conn = state.conn().await?;
    let signing = secret.clone();
    let created = write::create::<WebhookSubscription, _>(&mut conn, &ctx.actor(), move |conn| {
        Box::pin(async move {
            Ok(db::insert(
                conn,
                &db::NewSubscriptionRow {
                    id: new_id(),
                    url: &body.url,
                    events: body.events.iter().map(|e| e.as_str().to_string()).collect(),
                    description: body.description.as_deref().map(str::trim),
                    secret: &signing,
                },
            )
            .await?)
        })
    })
    .await?;
    let created = CreatedWebhookSubscription {
        subscription: created,
        secret,
    };
    let mut res = created_record(
        format!("/api/v1/webhooks/{}", created.subscription.id),
        &created,
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// Change a webhook subscription
///
/// Admin only. JSON merge patch of `url`, `events`, `description` and
/// `status` (`active` resumes a paused subscription and clears its
/// failures; its queued deliveries are then sent). `If-Match` required.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = WebhookSubscriptionPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Subscription id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = WebhookSubscription, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such subscription", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_webhook(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<WebhookSubscriptionPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Admin)?;
    let id = *id;
    let patch = body.0;
    let mut errors = Errors::new();
    let url = patch.url.required("/url", &mut errors.0);
    let events = patch.events.required("/events", &mut errors.0);
    let status = patch.status.required("/status", &mut errors.0);
    let description = patch.description.nullable();
    check_fields(
        &state,
        &mut errors,
        url.as_deref(),
        events.as_deref(),
        description.as_ref().and_then(|d| d.as_deref()),
    )
    .await;
    errors.finish()?;
    let mut conn = state.conn().await?;
    let sub = write::change_returning::<WebhookSubscription, _>(
        &mut conn,
        &ctx.actor(),
        id,
        Some(&if_match),
        "update",
        move |conn, before| {
            Box::pin(async move {
                let resumed = status == Some(SubscriptionStatus::Active)
                    && before.status == SubscriptionStatus::Paused;
                let changes = SubscriptionChanges {
                    url,
                    events: events.map(|e| e.iter().map(|e| e.as_str().to_string()).collect()),
                    description: description.map(|d| d.map(|d| d.trim().to_string())),
                    status: status.map(|s| s.as_str().to_string()),
                    paused_reason: match status {
                        Some(SubscriptionStatus::Active) => Some(None),
                        Some(SubscriptionStatus::Paused)
                            if before.status == SubscriptionStatus::Active =>
                        {
                            Some(Some("paused by an admin".into()))
                        }
                        _ => None,
                    },
                    consecutive_failures: resumed.then_some(0),
                };
                let row = db::update(conn, id, before.version, &changes)
                    .await
                    .map_err(write::changed_meanwhile)?;
                from_row(row).map(Some)
            })
        },
    )
    .await?;
    Ok(ok_record(&sub))
}

crate::archive_handlers! {
    module: archive,
    record: WebhookSubscription, tag: "webhooks", id: "Subscription id", write: Admin, read: Admin,
    archive: delete_webhook, "Unsubscribe" + "No event is queued for it from then on; deliveries already queued are not sent.",
    restore: restore_webhook, "Restore a webhook subscription",
    history: webhook_history, "History of a webhook subscription",
    writers: "Admin only.", readers: "Admin only.",
}

/// One attempt to deliver.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookAttempt {
    pub at: DateTime<Utc>,
    /// The receiver's status; null when no answer came (no connection, timeout).
    pub status_code: Option<i32>,
    /// What went wrong; null on success.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i32,
}

/// One event's delivery to a subscription, with its attempts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    /// The event's `webhook-id` header, the same on every attempt.
    pub webhook_id: String,
    pub event_type: WebhookEvent,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due; null unless pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the event was queued (in the transaction of its change).
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    /// The body sent: `{"type", "timestamp", "data"}`.
    pub payload: serde_json::Value,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<WebhookAttempt>,
}

page_schema!(WebhookDeliveryPage, WebhookDelivery);

impl Versioned for WebhookDelivery {
    fn version(&self) -> i32 {
        self.attempts + 1
    }
}

fn delivery(r: DeliveryRow, attempts: Vec<WebhookAttempt>) -> ApiResult<WebhookDelivery> {
    let status = DeliveryStatus::from_db(&r.status)?;
    Ok(WebhookDelivery {
        webhook_id: format!("msg_{}", r.event_id.simple()),
        event_type: WebhookEvent::from_db(&r.event_type)?,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(r.next_attempt_at),
        status,
        id: r.id,
        subscription_id: r.subscription_id,
        attempts: r.attempts,
        created_at: r.created_at,
        delivered_at: r.delivered_at,
        last_status_code: r.last_status_code,
        last_error: r.last_error,
        payload: r.payload,
        attempt_log: attempts,
    })
}

async fn deliveries(
    conn: &mut AsyncPgConnection,
    rows: Vec<DeliveryRow>,
) -> ApiResult<Vec<WebhookDelivery>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut by_delivery: std::collections::HashMap<Uuid, Vec<WebhookAttempt>> = Default::default();
    for a in db::attempts_of(conn, &ids).await? {
        by_delivery
            .entry(a.delivery_id)
            .or_default()
            .push(WebhookAttempt {
                at: a.at,
                status_code: a.status_code,
                error: a.error,
                duration_ms: a.duration_ms,
            });
    }
    rows.into_iter()
        .map(|r| {
            let attempts = by_delivery.get(&r.id).cloned().unwrap_or_default();
            delivery(r, attempts)
        })
        .collect()
}

/// Filters of `GET /webhooks/{id}/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DeliveryFilters {
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// `created_at` (default, oldest first) or `-created_at`.
    sort: Option<String>,
    /// Any of these statuses (comma-separated).
    status: Option<String>,
    /// Any of these events (comma-separated).
    event_type: Option<String>,
}

pub(crate) const DELIVERIES: ListSpec = ListSpec {
    table: "webhook_deliveries",
    filters: &[
        Filter::new(
            "status",
            FilterKind::Vocab("webhook_deliveries.status", DeliveryStatus::WORDS),
        ),
        Filter::new(
            "event_type",
            FilterKind::Vocab("webhook_deliveries.event_type", WebhookEvent::WORDS),
        ),
    ],
    sorts: &[SortField::new(
        "created_at",
        "webhook_deliveries.created_at",
        SortType::Timestamp,
    )],
    default_sort: "created_at",
    archivable: false,
};

/// A subscription's delivery log
///
/// Admin only. Every event queued for the subscription, with its status
/// and every attempt (when, the receiver's status, the error, how long).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id"), DeliveryFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of deliveries", body = WebhookDeliveryPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such subscription", body = ErrorBody),
    )
)]
#[get("/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Admin)?;
    let p = crate::web::page::list_params(&req, DELIVERIES)?;
    let mut conn = state.conn().await?;
    WebhookSubscription::load(&mut conn, *id).await?;
    let (rows, total) = db::list_deliveries(&mut conn, *id, &p).await?;
    let items = deliveries(&mut conn, rows).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Deliver again
///
/// Admin only. Queues the delivery for an attempt now, whatever its
/// status (a delivered one is sent again, with the same `webhook-id`).
/// A paused subscription's deliveries wait until it is resumed.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "Subscription id"),
        ("delivery_id" = Uuid, Path, description = "Delivery id"),
        crate::resources::IdempotencyHeader
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = WebhookDelivery),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such subscription or delivery", body = ErrorBody),
        (status = 409, description = "The delivery is being sent at this moment", body = ErrorBody),
    )
)]
#[post("/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver_webhook(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Admin)?;
    let (sub, id) = path.into_inner();
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let queued = diesel_async::AsyncConnection::transaction::<_, ApiError, _>(
        &mut *conn,
        async move |conn| {
            let before = db::lock_delivery_nowait(conn, sub, id)
                .await
                .map_err(|e| crate::web::error::not_found(e, "delivery of this subscription", id))?
                .ok_or_else(|| {
                    ApiError::Conflict(
                        "the delivery is being sent right now; ask again once this attempt is in its log".into(),
                    )
                })?;
            let after = db::requeue(conn, id).await?;
            // Both states share one delivery's attempts: read them once.
            let mut both = deliveries(conn, vec![before, after]).await?;
            let (after, before) = (both.remove(1), both.remove(0));
            crate::store::audit::record(
                conn,
                &actor,
                "redeliver",
                "webhook_delivery",
                id,
                Some(&before),
                Some(&after),
            )
            .await?;
            Ok(after)
        },
    )
    .await?;
    Ok(HttpResponse::Accepted().json(queued))
}

/// The body of every event but `deliverable.overdue`: the change that
/// caused it, exactly as the change feed shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeEvent {
    /// The event.
    #[serde(rename = "type")]
    pub event_type: WebhookEvent,
    /// When it was queued, in the transaction of its change.
    pub timestamp: DateTime<Utc>,
    pub data: Change,
}

/// The body of `indicator.turned_red`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TurnedRedEvent {
    /// `indicator.turned_red`.
    #[serde(rename = "type")]
    pub event_type: WebhookEvent,
    /// When it was queued.
    pub timestamp: DateTime<Utc>,
    pub data: crate::resources::indicators::red::TurnedRed,
}

/// The body of `report.signed_off`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignedOffEvent {
    /// `report.signed_off`.
    #[serde(rename = "type")]
    pub event_type: WebhookEvent,
    /// When it was queued.
    pub timestamp: DateTime<Utc>,
    pub data: crate::resources::reports::snapshots::ReportSnapshot,
}

/// The body of `deliverable.overdue`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverdueEvent {
    /// `deliverable.overdue`.
    #[serde(rename = "type")]
    pub event_type: WebhookEvent,
    /// When it was queued.
    pub timestamp: DateTime<Utc>,
    pub data: OverdueDeliverable,
}

/// A deliverable that has just become overdue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverdueDeliverable {
    /// `milestone` or `improvement_action`.
    pub entity_type: String,
    pub entity_id: Uuid,
    pub code: String,
    pub title: String,
    pub due_on: chrono::NaiveDate,
    /// Its status (open: not complete, deferred or cancelled).
    pub status: DeliverableStatus,
    /// The day it was found overdue (in Europe/London).
    pub as_of: chrono::NaiveDate,
}

/// The OpenAPI 3.1 `webhooks` of the document (one per event, with its
/// payload and headers) and the schemas they use.
pub fn openapi_webhooks() -> (serde_json::Value, Vec<(String, serde_json::Value)>) {
    use serde_json::json;
    use utoipa::PartialSchema;
    let header = |name: &str, description: &str| json!({"name": name, "in": "header", "required": true, "description": description, "schema": {"type": "string"}});
    let params = json!([
        header("webhook-id", "The event's id, `msg_...`, the same on every retry: ignore an id you have already handled."),
        header("webhook-timestamp", "When this attempt was signed, in Unix seconds: refuse one far from your clock (5 minutes, say)."),
        header("webhook-signature", "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part of your `whsec_` secret; space-separated when there are several."),
    ]);
    let mut hooks = serde_json::Map::new();
    for (word, doc) in WebhookEvent::WORD_DOCS {
        let schema = match *word {
            "deliverable.overdue" => "OverdueEvent",
            "indicator.turned_red" => "TurnedRedEvent",
            "report.signed_off" => "SignedOffEvent",
            _ => "ChangeEvent",
        };
        hooks.insert(
            word.to_string(),
            json!({"post": {
                "tags": ["webhooks"],
                "summary": format!("Event {word}"),
                "description": format!("{}\n\nSent to subscriptions that name `{word}`. Answer 2xx within 10 seconds; anything else is retried with exponential backoff and jitter for 24 hours.", doc.trim()),
                "operationId": format!("webhook_{}", word.replace('.', "_")),
                "parameters": params,
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
                },
                "responses": {"2XX": {"description": "Received"}}
            }}),
        );
    }
    let schema = |v: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
        serde_json::to_value(v).expect("a schema serialises")
    };
    (
        serde_json::Value::Object(hooks),
        vec![
            ("ChangeEvent".into(), schema(ChangeEvent::schema())),
            ("OverdueEvent".into(), schema(OverdueEvent::schema())),
            (
                "OverdueDeliverable".into(),
                schema(OverdueDeliverable::schema()),
            ),
            ("TurnedRedEvent".into(), schema(TurnedRedEvent::schema())),
            ("SignedOffEvent".into(), schema(SignedOffEvent::schema())),
            (
                "TurnedRed".into(),
                schema(crate::resources::indicators::red::TurnedRed::schema()),
            ),
        ],
    )
}
