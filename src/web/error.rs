//! One error type for the whole API, answered as RFC 9457 problem details.
//!
//! Handlers return `ApiError`; the request middleware (`crate::web::middleware`) adds
//! `instance` and `request_id` to every problem body on its way out, and turns
//! any non-problem error body (actix's own 404, 405, payload errors) into one.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// JSON Pointer (RFC 6901) to the offending field of the body, e.g. `/due_on`;
    /// for a query parameter, its name prefixed with `?`, e.g. `?period`.
    pub pointer: String,
    /// What is wrong with it, for a person.
    pub message: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

crate::vocab! {
    /// The kind of a problem: the slug of its `type`,
    /// `urn:trustplan:problem:<slug>`. Match on this, never on `title` or
    /// `detail`; the README's error catalogue says what to do for each.
    ProblemType {
        /// 400: a malformed request that is neither body nor query specific (a path id that is not a UUID).
        BadRequest = "bad_request",
        /// 400: the body is not JSON.
        MalformedJson = "malformed_json",
        /// 400: an unknown query parameter, a malformed value, an unknown sort field or a cursor that does not belong to this list.
        InvalidQuery = "invalid_query",
        /// 401: no token, or an invalid or expired one.
        Unauthorized = "unauthorized",
        /// 403: the token's role or organisation may not do this.
        Forbidden = "forbidden",
        /// 404: no such record or resource.
        NotFound = "not_found",
        /// 405: the path exists, but not with this method (see `Allow`).
        MethodNotAllowed = "method_not_allowed",
        /// 406: the `Accept` header asks for a media type this resource does not serve.
        NotAcceptable = "not_acceptable",
        /// 409: the record's state does not allow this (already archived, not archived, a request with this Idempotency-Key still running).
        Conflict = "conflict",
        /// 409: the code is already taken in its scope.
        Duplicate = "duplicate",
        /// 409: the period's reporting cycle is closed or signed off, so its values, commentary and progress updates are locked (an admin may write giving `?reason=`).
        PeriodLocked = "period_locked",
        /// 412: `If-Match` does not match the record's current `ETag`; read it again.
        PreconditionFailed = "precondition_failed",
        /// 413: the body is over the size limit.
        PayloadTooLarge = "payload_too_large",
        /// 414: the request URI is over 8 KiB.
        UriTooLong = "uri_too_long",
        /// 415: the body's media type is not accepted here.
        UnsupportedMediaType = "unsupported_media_type",
        /// 422: fields are invalid; `errors` points at each.
        ValidationFailed = "validation_failed",
        /// 422: this Idempotency-Key was used with a different body.
        IdempotencyKeyReused = "idempotency_key_reused",
        /// 422: well-formed, but the change breaks a rule of the stored data (a constraint).
        Unprocessable = "unprocessable",
        /// 422: an id in the body or query names no record; `errors` points at each.
        UnknownReference = "unknown_reference",
        /// 422: the fields break a rule across fields or over time (`ends_on` before `starts_on`, a period not yet started); `errors` points at each.
        RuleViolated = "rule_violated",
        /// 428: this request needs `If-Match`.
        PreconditionRequired = "precondition_required",
        /// 429: too many requests; retry after `Retry-After` seconds.
        TooManyRequests = "too_many_requests",
        /// 431: the request's headers are too large.
        HeadersTooLarge = "headers_too_large",
        /// 500: an unexpected error; quote the `request_id`.
        Internal = "internal",
        /// 503: the database is unavailable; retry after `Retry-After` seconds.
        ServiceUnavailable = "service_unavailable",
    }
}

impl ProblemType {
    /// The `type` URI.
    pub fn uri(self) -> String {
        format!("urn:trustplan:problem:{}", self.as_str())
    }

    /// The kind of problem for a response whose body did not say (actix's own
    /// 404, 405, 413 and extractor errors).
    pub fn for_status(status: StatusCode) -> ProblemType {
        match status.as_u16() {
            401 => ProblemType::Unauthorized,
            403 => ProblemType::Forbidden,
            404 => ProblemType::NotFound,
            405 => ProblemType::MethodNotAllowed,
            406 => ProblemType::NotAcceptable,
            409 => ProblemType::Conflict,
            412 => ProblemType::PreconditionFailed,
            413 => ProblemType::PayloadTooLarge,
            414 => ProblemType::UriTooLong,
            415 => ProblemType::UnsupportedMediaType,
            422 => ProblemType::ValidationFailed,
            428 => ProblemType::PreconditionRequired,
            429 => ProblemType::TooManyRequests,
            431 => ProblemType::HeadersTooLarge,
            503 => ProblemType::ServiceUnavailable,
            s if s >= 500 => ProblemType::Internal,
            _ => ProblemType::BadRequest,
        }
    }
}

/// RFC 9457 problem details: the body of every non-2xx response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable identifier of the kind of problem, `urn:trustplan:problem:<slug>`
    /// (see `ProblemType` for the slugs); match on this, not on `title` or `detail`.
    #[serde(rename = "type")]
    #[schema(example = "urn:trustplan:problem:validation_failed")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong with this request, for a person.
    pub detail: String,
    /// The request path this problem is about.
    pub instance: String,
    /// The request's `X-Request-Id`, to quote when reporting a problem.
    pub request_id: String,
    /// One entry per invalid field (empty unless the problem is `validation_failed`).
    #[serde(default)]
    pub errors: Vec<FieldError>,
    /// `POST /batch` only: the index (from 0) of the operation that failed
    /// and made the whole batch fail; its pointers start `/operations/<index>`.
    /// Null for every other problem.
    #[serde(default)]
    pub operation_index: Option<usize>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    MalformedJson(String),
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Duplicate(String),
    #[error("{0}")]
    PeriodLocked(String),
    #[error("If-Match does not match the record's current ETag: it has changed since you read it (or the header is not one of our ETags); read it again and retry")]
    PreconditionFailed,
    #[error("this request needs an If-Match header carrying the record's ETag")]
    PreconditionRequired,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the request URI is longer than {0} bytes")]
    UriTooLong(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    NotAcceptable(String),
    /// The path exists, but not with this method; holds the `Allow` value.
    #[error("this path does not accept this method; it accepts {0}")]
    MethodNotAllowed(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("the request names records that do not exist")]
    UnknownReference(Vec<FieldError>),
    #[error("the request breaks a rule of the data")]
    RuleViolated(Vec<FieldError>),
    #[error("{0}")]
    IdempotencyKeyReused(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{detail}")]
    TooManyRequests { retry_after: u64, detail: String },
    #[error("the database is unavailable; retry shortly")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

/// Result type of every handler and service function.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A 422 for a single field.
    pub fn field(pointer: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(pointer, message)])
    }

    /// The kind of problem, whose slug is the body's `type`.
    pub fn kind(&self) -> ProblemType {
        match self {
            ApiError::BadRequest(_) => ProblemType::BadRequest,
            ApiError::MalformedJson(_) => ProblemType::MalformedJson,
            ApiError::InvalidQuery(_) => ProblemType::InvalidQuery,
            ApiError::Unauthorized(_) => ProblemType::Unauthorized,
            ApiError::Forbidden(_) => ProblemType::Forbidden,
            ApiError::NotFound(_) => ProblemType::NotFound,
            ApiError::Conflict(_) => ProblemType::Conflict,
            ApiError::Duplicate(_) => ProblemType::Duplicate,
            ApiError::PeriodLocked(_) => ProblemType::PeriodLocked,
            ApiError::PreconditionFailed => ProblemType::PreconditionFailed,
            ApiError::PreconditionRequired => ProblemType::PreconditionRequired,
            ApiError::PayloadTooLarge(_) => ProblemType::PayloadTooLarge,
            ApiError::UriTooLong(_) => ProblemType::UriTooLong,
            ApiError::UnsupportedMediaType(_) => ProblemType::UnsupportedMediaType,
            ApiError::NotAcceptable(_) => ProblemType::NotAcceptable,
            ApiError::MethodNotAllowed(_) => ProblemType::MethodNotAllowed,
            ApiError::Validation(_) => ProblemType::ValidationFailed,
            ApiError::UnknownReference(_) => ProblemType::UnknownReference,
            ApiError::RuleViolated(_) => ProblemType::RuleViolated,
            ApiError::IdempotencyKeyReused(_) => ProblemType::IdempotencyKeyReused,
            ApiError::Unprocessable(_) => ProblemType::Unprocessable,
            ApiError::TooManyRequests { .. } => ProblemType::TooManyRequests,
            ApiError::Unavailable(_) => ProblemType::ServiceUnavailable,
            ApiError::Internal(_) => ProblemType::Internal,
        }
    }

    /// The problem body (without `instance` and `request_id`, which the middleware adds).
    pub fn body(&self) -> ErrorBody {
        let status = self.status_code();
        let detail = match self {
            // Never tell a client what broke inside.
            ApiError::Internal(_) => {
                "an unexpected error occurred; quote the request_id when reporting it".to_string()
            }
            ApiError::Unavailable(_) => self.to_string(),
            other => other.to_string(),
        };
        ErrorBody {
            problem_type: self.kind().uri(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            instance: String::new(),
            request_id: String::new(),
            errors: match self {
                ApiError::Validation(errors)
                | ApiError::UnknownReference(errors)
                | ApiError::RuleViolated(errors) => errors.clone(),
                _ => Vec::new(),
            },
            operation_index: None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::MalformedJson(_) | ApiError::InvalidQuery(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::Duplicate(_) | ApiError::PeriodLocked(_) => {
                StatusCode::CONFLICT
            }
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Validation(_)
            | ApiError::UnknownReference(_)
            | ApiError::RuleViolated(_)
            | ApiError::IdempotencyKeyReused(_)
            | ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(msg) => log::error!("internal error: {msg}"),
            ApiError::Unavailable(msg) => log::warn!("database unavailable: {msg}"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "2"));
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::MethodNotAllowed(allow) => {
                res.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        // The body is written once, by the middleware, when it knows the
        // request's path and id; until then the problem travels as a value.
        let mut response = res.finish();
        response.extensions_mut().insert(Problem(self.body()));
        response
    }
}

/// A problem on its way out: what `ApiError` puts in the response's
/// extensions for the middleware to complete and write.
#[derive(Debug, Clone)]
pub struct Problem(pub ErrorBody);

impl From<crate::store::listing::ListError> for ApiError {
    fn from(e: crate::store::listing::ListError) -> ApiError {
        match e {
            crate::store::listing::ListError::Query(m) => ApiError::InvalidQuery(m),
            crate::store::listing::ListError::Internal(m) => ApiError::Internal(m),
        }
    }
}

/// A failed lookup by id: diesel's `NotFound` becomes a 404 naming the
/// record (`no plan with id ...`); anything else maps as usual.
pub fn not_found(e: DieselError, what: &str, id: uuid::Uuid) -> ApiError {
    match e {
        DieselError::NotFound => ApiError::NotFound(format!("no {what} with id {id}")),
        e => e.into(),
    }
}

/// A failed insert or update: a unique violation becomes a 409 with
/// `message` (which names the taken code); anything else maps as usual.
pub fn or_duplicate(e: DieselError, message: impl FnOnce() -> String) -> ApiError {
    match ApiError::from(e) {
        ApiError::Duplicate(_) => ApiError::Duplicate(message()),
        other => other,
    }
}

impl From<DieselError> for ApiError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => ApiError::NotFound("no such record".into()),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => {
                    ApiError::Duplicate("a record with the same code already exists".into())
                }
                DatabaseErrorKind::ForeignKeyViolation => ApiError::Unprocessable(
                    "the change refers to a record that does not exist, or is still referred to"
                        .into(),
                ),
                DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                    ApiError::Unprocessable(format!(
                        "the change breaks a rule of the data ({})",
                        info.constraint_name().unwrap_or("constraint")
                    ))
                }
                DatabaseErrorKind::SerializationFailure => ApiError::Conflict(
                    "the record was changed by another request at the same time; retry".into(),
                ),
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    ApiError::Unavailable(info.message().to_string())
                }
                _ if is_transient(info.message()) => {
                    ApiError::Unavailable(info.message().to_string())
                }
                _ => ApiError::Internal(format!("database error: {}", info.message())),
            },
            // A transaction whose connection failed under it.
            DieselError::BrokenTransactionManager => {
                ApiError::Unavailable("the database connection failed mid-transaction".into())
            }
            other => ApiError::Internal(format!("database error: {other:?}")),
        }
    }
}

/// Whether a PostgreSQL error message says the database, not the request,
/// failed: the server shutting down or restarting, a connection terminated
/// by an administrator, a statement cancelled by `statement_timeout` or
/// `lock_timeout`. These are answered 503 with `Retry-After`: the same
/// request may well succeed in a moment. (diesel-async keeps the SQLSTATE to
/// itself, so the message is all there is; the service's sessions use the
/// server's default English messages.)
pub fn is_transient(message: &str) -> bool {
    const TRANSIENT: [&str; 8] = [
        "terminating connection",
        "canceling statement due to",
        "the database system is",
        "could not obtain lock",
        "server closed the connection",
        "connection to server",
        "no connection to the server",
        "cannot connect now",
    ];
    TRANSIENT.iter().any(|t| message.contains(t))
}

/// Whether a PostgreSQL error message is a lock wait that ran out
/// (`lock_timeout`, or `NOWAIT`).
pub fn is_lock_timeout(message: &str) -> bool {
    message.contains("lock timeout") || message.contains("could not obtain lock")
}

impl From<crate::store::PoolError> for ApiError {
    fn from(err: crate::store::PoolError) -> Self {
        ApiError::Unavailable(err.to_string())
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        ApiError::Internal(format!("json: {err}"))
    }
}
