//! The change feed: audit entries in the order their transactions
//! committed (migration `000009`: positions are given at commit, under a
//! lock held until the commit is visible).

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// One change as stored.
#[derive(Debug, QueryableByName)]
pub struct ChangeRow {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub entity_type: String,
    #[diesel(sql_type = SqlUuid)]
    pub entity_id: Uuid,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub after: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub before: Option<serde_json::Value>,
}

/// Up to `limit` changes after position `after`, of the entity types
/// `only` (all when `None`) and none of `hidden`, in commit order. One
/// statement, walking the feed's primary key.
pub async fn after(
    conn: &mut AsyncPgConnection,
    after: i64,
    only: Option<&[String]>,
    hidden: &[&str],
    limit: i64,
) -> diesel::QueryResult<Vec<ChangeRow>> {
    diesel::sql_query(
        "SELECT c.seq, a.at, a.action, a.entity_type, a.entity_id, a.after, a.before \
         FROM changes c JOIN audit_log a ON a.id = c.audit_id \
         WHERE c.seq > $1 \
           AND ($2::text[] IS NULL OR a.entity_type = ANY ($2)) \
           AND a.entity_type <> ALL ($3::text[]) \
         ORDER BY c.seq LIMIT $4",
    )
    .bind::<BigInt, _>(after)
    .bind::<Nullable<Array<Text>>, _>(only.map(<[String]>::to_vec))
    .bind::<Array<Text>, _>(hidden.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}
