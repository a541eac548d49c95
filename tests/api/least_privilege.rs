//! The service connects as the runtime role the migrations create, and
//! that role cannot change the audit trail, however it tries.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use serde_json::json;
use trustplan::web::auth::Role;

use crate::helpers::{runtime_url, TestApp, RUNTIME_ROLE};

#[derive(diesel::QueryableByName)]
struct Who {
    #[diesel(sql_type = diesel::sql_types::Text)]
    current_user: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    superuser: bool,
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection) -> i64 {
    diesel::sql_query("SELECT count(*) AS n FROM audit_log")
        .get_result::<N>(conn)
        .await
        .unwrap()
        .n
}

#[actix_web::test]
async fn the_runtime_role_appends_to_the_audit_trail_but_cannot_change_it() {
    let app = TestApp::spawn_with_demo().await;
    // A change through the API, as the service makes them.
    app.post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&json!({"code": "AUDITED", "name": "x", "kind": "other"}))
        .send()
        .await
        .expect(201);

    // The service's own connection string: the runtime role, no superuser.
    let mut conn = AsyncPgConnection::establish(&runtime_url(app.db_name.as_ref().unwrap()))
        .await
        .unwrap();
    let who: Who = diesel::sql_query(
        "SELECT current_user::text AS current_user, rolsuper AS superuser \
         FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(who.current_user, RUNTIME_ROLE);
    assert!(!who.superuser);
    assert_eq!(
        app.state.config.database_url,
        runtime_url(app.db_name.as_ref().unwrap()),
        "the app under test connects as the runtime role too"
    );

    let before = count(&mut conn).await;
    assert!(before > 0);
    for attack in [
        "UPDATE audit_log SET actor_sub = 'nobody'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "DROP TABLE audit_log",
        // The replication role skips ordinary triggers: superusers only.
        "SET session_replication_role = replica; DELETE FROM audit_log",
        "ALTER TABLE audit_log OWNER TO trustplan_app",
        // A grant by a non-owner grants nothing (PostgreSQL only warns):
        // the update after it is refused all the same.
        "GRANT UPDATE ON audit_log TO trustplan_app; UPDATE audit_log SET actor_sub = 'x'",
    ] {
        let res = conn.batch_execute(attack).await;
        let err = res.expect_err(attack).to_string();
        assert!(
            err.contains("permission denied")
                || err.contains("must be owner")
                || err.contains("must be superuser"),
            "{attack}: {err}"
        );
    }
    // It may still append, as every change does.
    conn.batch_execute(
        "INSERT INTO audit_log (id, actor_sub, action, entity_type, entity_id) \
         VALUES (gen_random_uuid(), 'test', 'create', 'organisation', gen_random_uuid())",
    )
    .await
    .unwrap();
    assert_eq!(count(&mut conn).await, before + 1);
}
