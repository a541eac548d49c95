//! The `trustplan` binary itself, served on a port of its own for the
//! tests that need a real process: signals, a crash, the protocol layer.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{runtime_url, server_url, SECRET};

/// The `trustplan` binary serving a test's database.
pub struct Served {
    child: Child,
    pub base: String,
}

impl Served {
    /// Starts `trustplan serve` on the database `db` with `env` on top of
    /// the test settings, and waits until it is ready.
    pub async fn start(db: &str, env: &[(&str, &str)]) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trustplan"));
        cmd.arg("serve")
            .env("DATABASE_URL", runtime_url(db))
            .env("DATABASE_OWNER_URL", format!("{}/{db}", server_url()))
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", SECRET)
            .env_remove("JWT_ALGORITHM")
            .env_remove("JWT_ISSUER")
            .env_remove("JWT_AUDIENCE")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start trustplan serve");
        let served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        loop {
            if let Ok(res) = client()
                .get(format!("{}/health/ready", served.base))
                .send()
                .await
            {
                if res.status().is_success() {
                    return served;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "trustplan serve did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to exit; its exit status.
    pub async fn exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < within, "the service did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(120))
        .finish()
}

/// A status and JSON body from the binary.
pub async fn send(req: awc::ClientRequest, body: Option<(&str, Vec<u8>)>) -> (u16, Value) {
    let res = match body {
        Some((content_type, bytes)) => {
            req.insert_header(("content-type", content_type))
                .send_body(bytes)
                .await
        }
        None => req.send().await,
    };
    let mut res = res.expect("a response");
    let bytes = res.body().limit(16 * 1024 * 1024).await.expect("a body");
    (
        res.status().as_u16(),
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
