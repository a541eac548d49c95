//! What a verified token's claims must also name in the database: an
//! organisation that exists, and, for a service account's token, an account
//! that is live and whose current token generation the token carries (each
//! archive and restore starts a new one).
//!
//! Both are cached per instance for a short, fixed time so that a request
//! does not pay a query for them: an organisation seen to exist is trusted
//! for [`ORGANISATION_TTL`], a service account's state for [`ACCOUNT_TTL`].
//! So an archived account's tokens stop working within `ACCOUNT_TTL` on
//! every instance; a missing organisation is looked up again each time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::identity as db;
use crate::web::error::{ApiError, ApiResult};
use crate::AppState;

/// How long an organisation seen to exist is trusted without a look-up.
pub const ORGANISATION_TTL: Duration = Duration::from_secs(30);
/// How long a service account's state is trusted without a look-up: the
/// longest an archived account's tokens keep working.
pub const ACCOUNT_TTL: Duration = Duration::from_secs(5);

/// The prefix of the `sub` of tokens issued by `POST /auth/token`.
pub const SERVICE_ACCOUNT_SUB: &str = "service-account:";

/// The per-instance cache of what tokens name.
#[derive(Default)]
pub struct Identities {
    organisations: Mutex<HashMap<String, Instant>>,
    accounts: Mutex<HashMap<String, (Instant, Option<i32>)>>,
}

fn refused(why: &str) -> ApiError {
    ApiError::Unauthorized(format!("the bearer token {why}"))
}

impl Identities {
    /// Ok when the organisation code `org` and, for a service account's
    /// token (`sub`), the account may act; a 401 otherwise.
    pub async fn check(
        &self,
        state: &AppState,
        sub: &str,
        org: &str,
        generation: Option<i32>,
    ) -> ApiResult<()> {
        self.check_organisation(state, org).await?;
        if let Some(client_id) = sub.strip_prefix(SERVICE_ACCOUNT_SUB) {
            self.check_account(state, client_id, generation).await?;
        }
        Ok(())
    }

    async fn check_organisation(&self, state: &AppState, org: &str) -> ApiResult<()> {
        let fresh = |seen: &Instant| seen.elapsed() < ORGANISATION_TTL;
        if lock(&self.organisations).get(org).is_some_and(fresh) {
            return Ok(());
        }
        let mut conn = state.conn().await?;
        let known = db::organisation_known(&mut conn, org).await?;
        if !known.named && known.any {
            return Err(refused(&format!(
                "names the organisation {org:?}, which does not exist"
            )));
        }
        // Until the first organisation exists nobody can be checked against
        // one: the first admin's token must be able to create it.
        if known.named {
            lock(&self.organisations).insert(org.to_string(), Instant::now());
        }
        Ok(())
    }

    async fn check_account(
        &self,
        state: &AppState,
        client_id: &str,
        generation: Option<i32>,
    ) -> ApiResult<()> {
        let cached = lock(&self.accounts)
            .get(client_id)
            .filter(|(seen, _)| seen.elapsed() < ACCOUNT_TTL)
            .map(|(_, current)| *current);
        let current = match cached {
            Some(v) => v,
            None => {
                let mut conn = state.conn().await?;
                let v = db::live_account_generation(&mut conn, client_id).await?;
                lock(&self.accounts).insert(client_id.to_string(), (Instant::now(), v));
                v
            }
        };
        match current {
            None => Err(refused(
                "belongs to a service account that is archived or gone",
            )),
            Some(g) if generation != Some(g) => Err(refused(
                "was issued before its service account was last archived or restored",
            )),
            Some(_) => Ok(()),
        }
    }

    /// Forgets what is cached of a service account, so that this instance
    /// sees its archive or restore at once (others within [`ACCOUNT_TTL`]).
    pub fn forget_account(&self, client_id: &str) {
        lock(&self.accounts).remove(client_id);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a cache leaves nothing half-written worth refusing.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
