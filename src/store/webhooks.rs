//! Rows and queries of webhook subscriptions, their outbox of deliveries
//! and the delivery log.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Int4, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{webhook_deliveries, webhook_subscriptions};
use crate::store::listing::ListParams;

/// A subscription as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions, check_for_backend(diesel::pg::Pg))]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
    pub status: String,
    pub paused_reason: Option<String>,
    pub consecutive_failures: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct NewSubscriptionRow<'a> {
    pub id: Uuid,
    pub url: &'a str,
    pub events: Vec<String>,
    pub description: Option<&'a str>,
    pub secret: &'a str,
}

/// What a `PATCH` changes.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionChanges {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub status: Option<String>,
    pub paused_reason: Option<Option<String>>,
    pub consecutive_failures: Option<i32>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<SubscriptionRow> {
    webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<SubscriptionRow> {
    webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    row: &NewSubscriptionRow<'_>,
) -> QueryResult<Uuid> {
    diesel::insert_into(webhook_subscriptions::table)
        .values(row)
        .returning(webhook_subscriptions::id)
        .get_result(conn)
        .await
}

/// Applies a change at `version`; `NotFound` when the row moved on.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    version: i32,
    changes: &SubscriptionChanges,
) -> QueryResult<SubscriptionRow> {
    diesel::update(
        webhook_subscriptions::table
            .filter(webhook_subscriptions::id.eq(id))
            .filter(webhook_subscriptions::version.eq(version)),
    )
    .set((
        changes,
        webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
        webhook_subscriptions::updated_at.eq(diesel::dsl::now),
    ))
    .returning(SubscriptionRow::as_returning())
    .get_result(conn)
    .await
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<SubscriptionRow>, Option<i64>)> {
    crate::paged!(conn, webhook_subscriptions::table, SubscriptionRow, p)
}

/// A delivery as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct DeliveryRow {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
}

/// One page of a subscription's deliveries.
pub async fn list_deliveries(
    conn: &mut AsyncPgConnection,
    subscription: Uuid,
    p: &ListParams,
) -> QueryResult<(Vec<DeliveryRow>, Option<i64>)> {
    crate::paged!(
        conn,
        webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(subscription)),
        DeliveryRow,
        p
    )
}

/// Locks a delivery of a subscription without waiting: a worker holds the
/// deliveries it is sending until it has recorded the attempt, so `Ok(None)`
/// means "being sent now"; `NotFound` means there is no such delivery.
pub async fn lock_delivery_nowait(
    conn: &mut AsyncPgConnection,
    subscription: Uuid,
    id: Uuid,
) -> QueryResult<Option<DeliveryRow>> {
    let found = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription))
        .filter(webhook_deliveries::id.eq(id))
        .select(DeliveryRow::as_select())
        .for_update()
        .no_wait()
        .first(conn)
        .await;
    match found {
        Ok(row) => Ok(Some(row)),
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("could not obtain lock") =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Puts a delivery back in the queue, due now.
pub async fn requeue(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<DeliveryRow> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::next_attempt_at.eq(diesel::dsl::now),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(conn)
        .await
}

/// One attempt of the delivery log.
#[derive(Debug, Clone, QueryableByName)]
pub struct AttemptRow {
    #[diesel(sql_type = SqlUuid)]
    pub delivery_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Int4>)]
    pub status_code: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub error: Option<String>,
    #[diesel(sql_type = Int4)]
    pub duration_ms: i32,
}

/// The attempts of these deliveries, oldest first, in one query.
pub async fn attempts_of(
    conn: &mut AsyncPgConnection,
    deliveries: &[Uuid],
) -> QueryResult<Vec<AttemptRow>> {
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query(
        "SELECT delivery_id, at, status_code, error, duration_ms FROM webhook_attempts \
         WHERE delivery_id = ANY ($1) ORDER BY delivery_id, at, id",
    )
    .bind::<Array<SqlUuid>, _>(deliveries.to_vec())
    .load(conn)
    .await
}

/// A delivery claimed by a worker, with where and how to send it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub subscription_id: Uuid,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub secret: String,
}

/// Claims up to `limit` due deliveries of live, active subscriptions for
/// the rest of the transaction. `SKIP LOCKED`: deliveries another instance
/// holds are passed over, never waited for or sent twice.
pub async fn claim(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Claimed>> {
    diesel::sql_query(
        "SELECT d.id, d.event_id, d.payload::text AS body, d.attempts, d.created_at, \
                s.id AS subscription_id, s.url, s.secret \
         FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= now() \
           AND s.status = 'active' AND s.archived_at IS NULL \
         ORDER BY d.next_attempt_at, d.id LIMIT $1 \
         FOR UPDATE OF d SKIP LOCKED",
    )
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub delivery: Uuid,
    pub subscription: Uuid,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    /// `None` when delivered; else when to try again, or `Some(None)` to give up.
    pub retry_at: Option<Option<DateTime<Utc>>>,
}

/// Records the attempts of a claimed batch: the log, each delivery's state,
/// and each subscription's run of failures (pausing it at `pause_after`).
/// Four statements whatever the batch size.
pub async fn record(
    conn: &mut AsyncPgConnection,
    outcomes: &[Outcome],
    instance: &str,
    pause_after: i32,
) -> QueryResult<()> {
    let ids: Vec<Uuid> = outcomes.iter().map(|o| o.delivery).collect();
    let codes: Vec<Option<i32>> = outcomes.iter().map(|o| o.status_code).collect();
    let errors: Vec<Option<String>> = outcomes.iter().map(|o| o.error.clone()).collect();
    let durations: Vec<i32> = outcomes.iter().map(|o| o.duration_ms).collect();
    let states: Vec<String> = outcomes
        .iter()
        .map(|o| match o.retry_at {
            None => "delivered",
            Some(Some(_)) => "pending",
            Some(None) => "failed",
        })
        .map(String::from)
        .collect();
    let next: Vec<Option<DateTime<Utc>>> = outcomes.iter().map(|o| o.retry_at.flatten()).collect();
    diesel::sql_query(
        "INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms, instance) \
         SELECT * , $5 FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[])",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<Nullable<Integer>>, _>(&codes)
    .bind::<Array<Nullable<Text>>, _>(&errors)
    .bind::<Array<Integer>, _>(&durations)
    .bind::<Text, _>(instance)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE webhook_deliveries d SET \
             attempts = d.attempts + 1, status = o.state, last_status_code = o.code, \
             last_error = o.error, \
             delivered_at = CASE WHEN o.state = 'delivered' THEN now() END, \
             next_attempt_at = COALESCE(o.next, d.next_attempt_at) \
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::timestamptz[]) \
              AS o(id, state, code, error, next) \
         WHERE d.id = o.id",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<Text>, _>(&states)
    .bind::<Array<Nullable<Integer>>, _>(&codes)
    .bind::<Array<Nullable<Text>>, _>(&errors)
    .bind::<Array<Nullable<diesel::sql_types::Timestamptz>>, _>(&next)
    .execute(conn)
    .await?;
    // Per subscription: a success ends its run of failures; failures add
    // to it, in the order attempted. Rows are locked in id order, so two
    // instances recording at once cannot deadlock.
    let mut runs: std::collections::BTreeMap<Uuid, (bool, i32)> = Default::default();
    for o in outcomes {
        let run = runs.entry(o.subscription).or_insert((false, 0));
        if o.retry_at.is_none() {
            *run = (true, 0);
        } else {
            run.1 += 1;
        }
    }
    let subs: Vec<Uuid> = runs.keys().copied().collect();
    let reset: Vec<bool> = runs.values().map(|r| r.0).collect();
    let failed: Vec<i32> = runs.values().map(|r| r.1).collect();
    diesel::sql_query(
        "SELECT 1 FROM webhook_subscriptions WHERE id = ANY ($1) ORDER BY id FOR UPDATE",
    )
    .bind::<Array<SqlUuid>, _>(&subs)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE webhook_subscriptions s SET \
             consecutive_failures = CASE WHEN r.reset THEN 0 ELSE s.consecutive_failures END + r.failed, \
             status = CASE WHEN s.status = 'active' \
                 AND CASE WHEN r.reset THEN 0 ELSE s.consecutive_failures END + r.failed >= $4 \
                 THEN 'paused' ELSE s.status END, \
             paused_reason = CASE WHEN s.status = 'active' \
                 AND CASE WHEN r.reset THEN 0 ELSE s.consecutive_failures END + r.failed >= $4 \
                 THEN 'paused after ' || $4 || ' consecutive failed deliveries' \
                 ELSE s.paused_reason END \
         FROM unnest($1::uuid[], $2::bool[], $3::int[]) AS r(id, reset, failed) \
         WHERE s.id = r.id",
    )
    .bind::<Array<SqlUuid>, _>(&subs)
    .bind::<Array<diesel::sql_types::Bool>, _>(&reset)
    .bind::<Array<Integer>, _>(&failed)
    .bind::<Integer, _>(pause_after)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues `deliverable.overdue` for every milestone and improvement action
/// that is overdue on `today` and was not yet reported for its due date.
/// Returns how many became overdue.
pub async fn sweep_overdue(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    closed: &str,
) -> QueryResult<usize> {
    diesel::sql_query(format!(
        "WITH due AS ( \
             SELECT 'milestone' AS entity_type, m.id, m.code, m.title, m.due_on, m.status \
             FROM milestones m \
             WHERE m.archived_at IS NULL AND m.due_on < $1 AND m.status NOT IN ({closed}) \
             UNION ALL \
             SELECT 'improvement_action', a.id, a.code, a.title, a.due_on, a.status \
             FROM improvement_actions a \
             WHERE a.archived_at IS NULL AND a.due_on < $1 AND a.status NOT IN ({closed})), \
         fresh AS ( \
             INSERT INTO overdue_notices (entity_type, entity_id, due_on) \
             SELECT entity_type, id, due_on FROM due \
             ON CONFLICT DO NOTHING \
             RETURNING entity_type, entity_id) \
         SELECT enqueue_webhook('deliverable.overdue', jsonb_build_object( \
                    'entity_type', d.entity_type, 'entity_id', d.id, 'code', d.code, \
                    'title', d.title, 'due_on', d.due_on, 'status', d.status, \
                    'as_of', $1)) \
         FROM fresh f JOIN due d ON d.entity_type = f.entity_type AND d.id = f.entity_id"
    ))
    .bind::<Date, _>(today)
    .execute(conn)
    .await
}

#[derive(QueryableByName)]
struct Wanted {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    wanted: bool,
}

/// Whether any live subscription asks for `event`.
pub async fn wanted(conn: &mut AsyncPgConnection, event: &str) -> QueryResult<bool> {
    let row: Wanted = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM webhook_subscriptions \
                        WHERE archived_at IS NULL AND $1 = ANY (events)) AS wanted",
    )
    .bind::<Text, _>(event)
    .get_result(conn)
    .await?;
    Ok(row.wanted)
}

/// Queues `event` with `data` for every live subscription that asks for
/// it, in the caller's transaction.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    event: &str,
    data: serde_json::Value,
) -> QueryResult<()> {
    diesel::sql_query("SELECT enqueue_webhook($1, $2)")
        .bind::<Text, _>(event)
        .bind::<diesel::sql_types::Jsonb, _>(data)
        .execute(conn)
        .await?;
    Ok(())
}
