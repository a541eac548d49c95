//! Webhook delivery: the worker every instance runs (unless configured
//! off), the Standard Webhooks signature, and the checks on target URLs.
//!
//! Events are queued by the database, in the transaction of the change
//! they report (migration `000009`: `enqueue_webhook`), so a change that
//! rolls back sends nothing and a committed one is never lost. The worker
//! claims due deliveries with `FOR UPDATE SKIP LOCKED` inside a
//! transaction that it holds while it sends them: any number of instances
//! share the queue, each delivery is sent by one of them at a time, and a
//! crash mid-send releases the claim for a retry. Delivery is therefore at
//! least once; receivers deduplicate on `webhook-id`.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use actix_web::web;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use crate::config::WebhookConfig;
use crate::store::webhooks::{self as db, Claimed, Outcome};
use crate::AppState;

/// Deliveries claimed per round.
const BATCH: i64 = 20;
/// The longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(3600);

/// The `webhook-signature` value for a message: `v1,<base64 HMAC-SHA256>`
/// over `{id}.{timestamp}.{body}`, keyed with the secret's bytes (the
/// base64 after `whsec_`), as the Standard Webhooks specification says.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = secret_key(secret).unwrap_or_else(|| secret.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The key bytes of a `whsec_<base64>` secret; `None` when it is not one.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix("whsec_")?).ok()
}

/// A new secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::thread_rng().gen();
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// Whether an address is one a webhook may not reach unless configured:
/// loopback, private, link-local, unique-local, unspecified, multicast.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                // 100.64.0.0/10, carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Why `url` may not receive webhooks, if it may not: not http(s), no host,
/// credentials in it, or (unless `allow_private`) a host that is or
/// resolves to a private address.
pub async fn refuse_url(url: &str, allow_private: bool) -> Option<String> {
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(_) => return Some("is not an absolute URL".into()),
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some("must be an http or https URL".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("may not carry credentials; sign with the secret instead".into());
    }
    if parsed.fragment().is_some() {
        return Some("may not have a fragment".into());
    }
    let Some(host) = parsed.host_str() else {
        return Some("has no host".into());
    };
    if allow_private {
        return None;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.ends_with(".localhost") {
        return Some("points at this machine; private targets are not allowed here".into());
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => match tokio::time::timeout(
            Duration::from_secs(5),
            tokio::net::lookup_host((host, port)),
        )
        .await
        {
            Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
            // A name that does not resolve now may later; it is refused
            // at send time if it then resolves to a private address.
            _ => Vec::new(),
        },
    };
    addrs
        .into_iter()
        .any(is_private)
        .then(|| "points at a private, loopback or link-local address; private targets are not allowed here".into())
}

/// The delay before attempt `attempts + 1`: the base doubled per attempt
/// made, capped at an hour, with jitter (between half and all of it) so
/// that a receiver coming back is not hit by every retry at once.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 30) - 1;
    let full = base
        .checked_mul(1u32 << exp.min(20))
        .unwrap_or(MAX_DELAY)
        .min(MAX_DELAY);
    let jitter: f64 = rand::thread_rng().gen_range(0.5..=1.0);
    full.mul_f64(jitter)
}

/// The worker's handle: dropping it stops the worker.
pub struct Worker(tokio::task::JoinHandle<()>);

impl Drop for Worker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the delivery worker on the current runtime.
pub fn spawn(state: web::Data<AppState>) -> Worker {
    Worker(tokio::spawn(run(state)))
}

async fn run(state: web::Data<AppState>) {
    let config = state.config.webhooks.clone();
    let instance = format!(
        "{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let client = match reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("trustplan-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            log::error!("webhooks: cannot build the HTTP client, no deliveries will be sent: {e}");
            return;
        }
    };
    log::info!("webhooks: delivery worker {instance} started");
    let mut last_sweep: Option<Instant> = None;
    loop {
        if last_sweep.is_none_or(|t| t.elapsed() >= config.sweep) {
            last_sweep = Some(Instant::now());
            if let Err(e) = sweep(&state).await {
                log::warn!("webhooks: overdue sweep failed: {e}");
            }
        }
        match round(&state, &client, &config, &instance).await {
            // A full round: more may be due at once.
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(e) => log::warn!("webhooks: delivery round failed: {e}"),
        }
        tokio::time::sleep(config.poll).await;
    }
}

async fn sweep(state: &AppState) -> Result<(), String> {
    let mut conn = state.pool.get().await.map_err(|e| e.to_string())?;
    let closed = crate::domain::deliverable::closed_sql_list();
    let today = crate::domain::deliverable::today();
    let n = db::sweep_overdue(&mut conn, today, &closed)
        .await
        .map_err(|e| e.to_string())?;
    if n > 0 {
        log::info!("webhooks: {n} deliverable(s) became overdue");
    }
    Ok(())
}

/// One round: claim due deliveries, send them at once, record what came of
/// each, commit. Answers how many were claimed.
async fn round(
    state: &AppState,
    client: &reqwest::Client,
    config: &WebhookConfig,
    instance: &str,
) -> Result<usize, String> {
    let mut conn = state.pool.get().await.map_err(|e| e.to_string())?;
    let conn: &mut AsyncPgConnection = &mut conn;
    conn.transaction::<usize, diesel::result::Error, _>(async |conn| {
        let claimed = db::claim(conn, BATCH).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let sends = claimed.iter().map(|c| send(client, config, c));
        let outcomes = futures_util::future::join_all(sends).await;
        db::record(conn, &outcomes, instance, config.pause_after_failures).await?;
        Ok(claimed.len())
    })
    .await
    .map_err(|e| e.to_string())
}

/// Sends one delivery and says what came of it.
async fn send(client: &reqwest::Client, config: &WebhookConfig, c: &Claimed) -> Outcome {
    let started = Instant::now();
    let result = attempt(client, config, c).await;
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let (status_code, error) = match result {
        Ok(code) if (200..300).contains(&code) => (Some(code as i32), None),
        Ok(code) => (
            Some(code as i32),
            Some(format!("the receiver answered {code}")),
        ),
        Err(e) => (None, Some(e)),
    };
    let retry_at = if error.is_none() {
        None
    } else {
        let next = Utc::now()
            + chrono::Duration::from_std(backoff(config.retry_base, c.attempts + 1))
                .unwrap_or_else(|_| chrono::Duration::hours(1));
        let deadline: DateTime<Utc> = c.created_at
            + chrono::Duration::from_std(config.retry_for)
                .unwrap_or_else(|_| chrono::Duration::days(1));
        Some((next <= deadline).then_some(next))
    };
    Outcome {
        delivery: c.id,
        subscription: c.subscription_id,
        status_code,
        error,
        duration_ms,
        retry_at,
    }
}

async fn attempt(
    client: &reqwest::Client,
    config: &WebhookConfig,
    c: &Claimed,
) -> Result<u16, String> {
    // Checked again at send time: a name may resolve elsewhere by now.
    if let Some(why) = refuse_url(&c.url, config.allow_private).await {
        return Err(format!("the URL {why}"));
    }
    let id = format!("msg_{}", c.event_id.simple());
    let timestamp = Utc::now().timestamp();
    let signature = sign(&c.secret, &id, timestamp, c.body.as_bytes());
    let res = client
        .post(&c.url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(c.body.clone())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} ms", config.timeout.as_millis())
            } else if e.is_connect() {
                "could not connect".to_string()
            } else {
                "the request failed".to_string()
            }
        })?;
    Ok(res.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "100.64.0.1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().expect("an address")), "{ip}");
        }
        for ip in ["8.8.8.8", "2a00:1450::1", "100.128.0.1"] {
            assert!(!is_private(ip.parse().expect("an address")), "{ip}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps_at_an_hour() {
        let base = Duration::from_secs(5);
        for attempts in 1..12 {
            let d = backoff(base, attempts);
            let full = (base * (1 << (attempts - 1))).min(MAX_DELAY);
            assert!(d >= full / 2 && d <= full, "{attempts}: {d:?}");
        }
        assert!(backoff(base, 40) <= MAX_DELAY);
    }
}
