//! The look-ups behind a token's checks (see `crate::web::identity`).

use diesel::sql_types::{Bool, Text};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Whether an organisation code names an organisation, and whether any exists.
#[derive(Debug, QueryableByName)]
pub struct OrganisationKnown {
    #[diesel(sql_type = Bool)]
    pub named: bool,
    #[diesel(sql_type = Bool)]
    pub any: bool,
}

/// One statement: whether `code` names an organisation (archived or not),
/// and whether there is any organisation at all.
pub async fn organisation_known(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> diesel::QueryResult<OrganisationKnown> {
    diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM organisations WHERE code = $1) AS named, \
                EXISTS (SELECT 1 FROM organisations) AS any",
    )
    .bind::<Text, _>(code)
    .get_result(conn)
    .await
}

#[derive(QueryableByName)]
struct Generation {
    #[diesel(sql_type = diesel::sql_types::Int4)]
    token_generation: i32,
}

/// The current token generation of the live service account `client_id`;
/// `None` when it is archived or does not exist.
pub async fn live_account_generation(
    conn: &mut AsyncPgConnection,
    client_id: &str,
) -> diesel::QueryResult<Option<i32>> {
    diesel::sql_query(
        "SELECT token_generation FROM service_accounts \
         WHERE client_id = $1 AND archived_at IS NULL",
    )
    .bind::<Text, _>(client_id)
    .get_result::<Generation>(conn)
    .await
    .optional()
    .map(|g| g.map(|g| g.token_generation))
}
