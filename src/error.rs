//! One error type for the whole API, answered as RFC 9457 problem details.
//!
//! Handlers return `ApiError`; the request middleware (`crate::middleware`) adds
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

/// RFC 9457 problem details: the body of every non-2xx response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable identifier of the kind of problem, `urn:trustplan:problem:<slug>`;
    /// match on this, not on `title` or `detail`.
    #[serde(rename = "type")]
    #[schema(example = "urn:trustplan:problem:validation_failed")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path this problem is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request's `X-Request-Id`, to quote when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// One entry per invalid field (validation problems only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
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
    #[error("If-Match does not match the record's current ETag: it has changed since you read it (or the header is not one of our ETags); read it again and retry")]
    PreconditionFailed,
    #[error("this request needs an If-Match header carrying the record's ETag")]
    PreconditionRequired,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    IdempotencyKeyReused(String),
    #[error("{0}")]
    Unprocessable(String),
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

    /// The stable slug of `type`.
    pub fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::InvalidQuery(_) => "invalid_query",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Duplicate(_) => "duplicate",
            ApiError::PreconditionFailed => "precondition_failed",
            ApiError::PreconditionRequired => "precondition_required",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::IdempotencyKeyReused(_) => "idempotency_key_reused",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::Internal(_) => "internal",
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
            problem_type: format!("urn:trustplan:problem:{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: Some(detail),
            instance: None,
            request_id: None,
            errors: match self {
                ApiError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
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
            ApiError::Conflict(_) | ApiError::Duplicate(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_)
            | ApiError::IdempotencyKeyReused(_)
            | ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
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
            _ => {}
        }
        res.body(serde_json::to_vec(&self.body()).unwrap_or_default())
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
                _ => ApiError::Internal(format!("database error: {}", info.message())),
            },
            other => ApiError::Internal(format!("database error: {other:?}")),
        }
    }
}

impl From<crate::db::PoolError> for ApiError {
    fn from(err: crate::db::PoolError) -> Self {
        ApiError::Unavailable(err.to_string())
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        ApiError::Internal(format!("json: {err}"))
    }
}
