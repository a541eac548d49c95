//! Integration tests: one binary, each test on its own database, the real
//! app served over HTTP, real JWTs.
#![allow(clippy::unwrap_used)]

mod auth;
mod bad_input;
mod binary;
mod cli;
mod conformance;
mod contract;
mod demo_additions;
mod examples;
mod faults;
mod helpers;
mod http_semantics;
mod idempotency;
mod identity;
mod improvement;
mod indicators;
mod inspections;
mod least_privilege;
mod links;
mod lists;
mod milestones;
mod objectives;
mod openapi;
mod organisations;
mod partner;
mod performance;
mod plans;
mod platform;
mod protocol;
mod quarterly;
mod reporting;
mod service_accounts;
mod signed_statuses;
mod summary;
