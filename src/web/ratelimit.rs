//! Rate limits for `POST /auth/token`, and the bounded pool its password
//! hashing runs on.
//!
//! The limits are kept per instance, in memory, on purpose: what they
//! protect is this instance's CPU (an argon2 check costs tens of
//! milliseconds of a core), and a limit kept in PostgreSQL would turn every
//! refused attempt of a flood into a database write. With `n` instances
//! behind a balancer a client gets up to `n` times the rate, which still
//! bounds each instance's work; secrets are 256 random bits, so the limit is
//! not what stops guessing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::web::error::{ApiError, ApiResult};

/// Past this many tracked keys, idle ones (their bucket full again) are
/// forgotten, so a flood of made-up client ids cannot grow the map for ever.
const MAX_KEYS: usize = 10_000;

/// A token bucket per key: `per_minute` attempts, refilled continuously.
pub struct RateLimit {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimit {
    pub fn new(per_minute: u32) -> RateLimit {
        RateLimit {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt for `key`; when none is left, the seconds until
    /// one is.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        let capacity = f64::from(self.per_minute.max(1));
        let per_second = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            buckets.retain(|_, (tokens, at)| {
                *tokens + at.elapsed().as_secs_f64() * per_second < capacity
            });
            if buckets.len() >= MAX_KEYS {
                buckets.clear();
            }
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_second).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / per_second).ceil().max(1.0) as u64)
        }
    }
}

/// The limits of `POST /auth/token`: per client id and per client address.
pub struct TokenLimits {
    pub per_client: RateLimit,
    pub per_address: RateLimit,
    /// At most this many password checks at once: the rest wait their
    /// turn without holding a thread, so a flood of bad secrets takes one
    /// core at most and other requests keep theirs.
    hashing: Semaphore,
}

/// How long a password check may wait for its turn before the request is
/// answered 429.
const HASH_WAIT: Duration = Duration::from_secs(5);

impl TokenLimits {
    pub fn new(per_client: u32, per_address: u32) -> TokenLimits {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        TokenLimits {
            per_client: RateLimit::new(per_client),
            per_address: RateLimit::new(per_address),
            hashing: Semaphore::new((cores / 2).max(1)),
        }
    }

    /// One attempt by `address` for `client_id`; a 429 beyond either limit.
    pub fn attempt(&self, address: &str, client_id: &str) -> ApiResult<()> {
        let over = |retry_after: u64, whose: &str| ApiError::TooManyRequests {
            retry_after,
            detail: format!("too many token requests {whose}; retry after {retry_after} seconds"),
        };
        self.per_address
            .take(address)
            .map_err(|s| over(s, "from this address"))?;
        self.per_client
            .take(client_id)
            .map_err(|s| over(s, "for this client_id"))
    }

    /// Runs a password hash or check on the bounded pool.
    pub async fn hash<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _permit = tokio::time::timeout(HASH_WAIT, self.hashing.acquire())
            .await
            .map_err(|_| ApiError::TooManyRequests {
                retry_after: HASH_WAIT.as_secs(),
                detail: format!(
                    "too many credential checks are waiting; retry after {} seconds",
                    HASH_WAIT.as_secs()
                ),
            })?
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimit;

    #[test]
    fn a_bucket_allows_its_rate_then_says_when_to_retry() {
        let limit = RateLimit::new(3);
        for _ in 0..3 {
            assert_eq!(limit.take("a"), Ok(()));
        }
        // One attempt comes back every 20 s at 3 a minute.
        let wait = limit.take("a").expect_err("the fourth is over the limit");
        assert!((19..=20).contains(&wait), "{wait}");
        assert_eq!(limit.take("b"), Ok(()), "keys have buckets of their own");
    }
}
