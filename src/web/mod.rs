//! The HTTP pieces every resource uses and nothing resource-specific:
//! errors as problem details, tokens and roles, the reporting policy,
//! extractors and preconditions, pages, the request middleware, idempotency
//! keys, metrics and request validation.

pub mod auth;
pub mod csv;
pub mod dispatch;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod identity;
pub mod metrics;
pub mod middleware;
pub mod page;
pub mod policy;
pub mod ratelimit;
pub mod server;
pub mod validate;
