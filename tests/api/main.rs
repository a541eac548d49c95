//! Integration tests: one binary, each test on its own database, the real
//! app served over HTTP, real JWTs.
#![allow(clippy::unwrap_used)]

mod auth;
mod helpers;
mod idempotency;
mod indicators;
mod lists;
mod openapi;
mod organisations;
mod performance;
mod platform;
mod service_accounts;
