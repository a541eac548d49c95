//! The append-only audit trail. Every change calls [`record`] inside the
//! transaction that makes it, so the change and its entry commit together.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::new_id;
use super::schema::audit_log;
use crate::store::listing::ListParams;

/// Who is making a change, and in which request: what the audit trail records.
#[derive(Debug, Clone)]
pub struct Actor {
    pub sub: String,
    pub org: Option<String>,
    pub role: Option<String>,
    /// The server's id of the request.
    pub request_id: Option<String>,
    /// The `X-Request-Id` the client sent, if any.
    pub client_request_id: Option<String>,
    /// Why an admin wrote past a period lock (or reopened a cycle), if so.
    pub reason: Option<String>,
}

impl Actor {
    /// The actor for work done outside an HTTP request (command line, demo loader).
    pub fn system(sub: &str) -> Actor {
        Actor {
            sub: sub.to_string(),
            org: None,
            role: None,
            request_id: None,
            client_request_id: None,
            reason: None,
        }
    }
}

/// One audit entry as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditRow {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_sub: String,
    pub actor_org: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub reason: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewAudit<'a> {
    id: Uuid,
    actor_sub: &'a str,
    actor_org: Option<&'a str>,
    role: Option<&'a str>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    request_id: Option<&'a str>,
    client_request_id: Option<&'a str>,
    reason: Option<&'a str>,
}

/// Appends one entry. `before` and `after` are the record as the API shows it.
pub async fn record<B: Serialize, A: Serialize>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: Uuid,
    before: Option<&B>,
    after: Option<&A>,
) -> QueryResult<()> {
    let to_json = |v: Option<serde_json::Result<serde_json::Value>>| -> QueryResult<Option<serde_json::Value>> {
        v.transpose()
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
    };
    let before = to_json(before.map(serde_json::to_value))?;
    let after = to_json(after.map(serde_json::to_value))?;
    diesel::insert_into(audit_log::table)
        .values(NewAudit {
            id: new_id(),
            actor_sub: &actor.sub,
            actor_org: actor.org.as_deref(),
            role: actor.role.as_deref(),
            action,
            entity_type,
            entity_id,
            before,
            after,
            request_id: actor.request_id.as_deref(),
            client_request_id: actor.client_request_id.as_deref(),
            reason: actor.reason.as_deref(),
        })
        .execute(conn)
        .await?;
    Ok(())
}

/// Appends one entry per change of a bulk write, in one statement: the
/// same entries [`record`] would write, without a round trip each.
/// `entries` are `(entity_id, before, after)`.
pub async fn record_many<B: Serialize, A: Serialize>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entries: &[(Uuid, Option<&B>, Option<&A>)],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, Jsonb, Nullable, Text, Uuid as SqlUuid};
    if entries.is_empty() {
        return Ok(());
    }
    let json = |v: Option<serde_json::Result<serde_json::Value>>| {
        v.transpose()
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
    };
    let mut befores = Vec::with_capacity(entries.len());
    let mut afters = Vec::with_capacity(entries.len());
    for (_, before, after) in entries {
        befores.push(json(before.map(serde_json::to_value))?);
        afters.push(json(after.map(serde_json::to_value))?);
    }
    diesel::sql_query(
        "INSERT INTO audit_log (id, actor_sub, actor_org, role, action, entity_type, entity_id, \
         before, after, request_id, client_request_id, reason) \
         SELECT e.id, $1, $2, $3, $4, $5, e.entity_id, e.before, e.after, $6, $7, $12 \
         FROM unnest($8::uuid[], $9::uuid[], $10::jsonb[], $11::jsonb[]) \
         WITH ORDINALITY AS e(id, entity_id, before, after, n) ORDER BY e.n",
    )
    .bind::<Text, _>(&actor.sub)
    .bind::<Nullable<Text>, _>(actor.org.as_deref())
    .bind::<Nullable<Text>, _>(actor.role.as_deref())
    .bind::<Text, _>(action)
    .bind::<Text, _>(entity_type)
    .bind::<Nullable<Text>, _>(actor.request_id.as_deref())
    .bind::<Nullable<Text>, _>(actor.client_request_id.as_deref())
    .bind::<Array<SqlUuid>, _>(entries.iter().map(|_| new_id()).collect::<Vec<_>>())
    .bind::<Array<SqlUuid>, _>(entries.iter().map(|e| e.0).collect::<Vec<_>>())
    .bind::<Array<Nullable<Jsonb>>, _>(befores)
    .bind::<Array<Nullable<Jsonb>>, _>(afters)
    .bind::<Nullable<Text>, _>(actor.reason.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

/// One page of entries under the list parameters.
pub async fn list(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<AuditRow>, Option<i64>)> {
    crate::paged!(conn, audit_log::table, AuditRow, p)
}
