//! Request and response pieces every resource shares: the JSON body
//! extractor, merge-patch fields, `If-Match`, `ETag`, the request id and the
//! request context handed to the audit trail.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::web::auth::{authenticate, AuthUser};
use crate::web::error::{ApiError, ApiResult};

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The path whose body may be larger than [`BODY_LIMIT`]: the bulk import,
/// up to `IMPORT_MAX_BYTES`.
pub const IMPORT_PATH: &str = "/api/v1/indicators/values/import";

/// The largest body a request to `path` may send.
pub fn body_limit(path: &str, config: &crate::config::Config) -> usize {
    if path == IMPORT_PATH {
        config.import_max_bytes
    } else {
        BODY_LIMIT
    }
}

/// Reads a streamed body up to `limit` bytes: a 413 as soon as it passes
/// the limit, without reading the rest into memory.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> ApiResult<web::Bytes> {
    use futures_util::StreamExt;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest("the body could not be read".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The request's ids, set by the middleware: the server's own, and the
/// `X-Request-Id` the client sent, if it was acceptable.
#[derive(Debug, Clone, Default)]
pub struct RequestId {
    pub server: String,
    pub client: Option<String>,
}

impl RequestId {
    pub fn of(req: &HttpRequest) -> RequestId {
        req.extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_default()
    }
}

pub use crate::store::audit::Actor;
pub use crate::store::new_id;

/// The authenticated caller together with the request id: the usual first
/// argument of a handler that writes.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: AuthUser,
    pub request_id: RequestId,
}

impl Ctx {
    pub fn actor(&self) -> Actor {
        Actor {
            sub: self.user.sub.clone(),
            org: Some(self.user.org.clone()),
            role: Some(self.user.role.as_str().to_string()),
            request_id: Some(self.request_id.server.clone()),
            client_request_id: self.request_id.client.clone(),
            reason: None,
        }
    }
}

impl std::ops::Deref for Ctx {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.user
    }
}

impl FromRequest for Ctx {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Ctx, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = authenticate(&req).await?;
            Ok(Ctx {
                user,
                request_id: RequestId::of(&req),
            })
        })
    }
}

/// A JSON request body. Unlike `web::Json`, a body that is not JSON is a 400,
/// a body of the wrong shape (unknown field, wrong type, bad enum value) is a
/// 422 pointing at the field, a wrong media type a 415 and an oversized body
/// a 413, all as problem details.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T> std::ops::Deref for ApiJson<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Whether the `Accept` header names `media` (a plain substring test, case
/// blind: `text/csv`, `text/html`).
pub fn accepts(req: &HttpRequest, media: &str) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains(media))
}

pub fn is_json_media_type(req: &HttpRequest) -> bool {
    let Some(ct) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(ct) = ct.to_str() else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "application/merge-patch+json"
}

/// The pointer to the first string (or key) in `value` holding U+0000,
/// which PostgreSQL text cannot store.
fn find_nul(value: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(at.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_nul(v, &format!("{at}/{i}"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            if k.contains('\0') {
                Some(here)
            } else {
                find_nul(v, &here)
            }
        }),
        _ => None,
    }
}

/// Writes every whole float (`4.0`) as an integer: JSON Schema's `integer`
/// is any number with a zero fraction, so a client may send one where the
/// contract says integer, and serde's integer types would refuse it.
fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// Parses `bytes` as `T`, mapping serde's errors to 400 (not JSON) or 422
/// (wrong shape, or text holding U+0000).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::MalformedJson(format!("the body is not valid JSON: {e}")))?;
    if let Some(pointer) = find_nul(&value, "") {
        return Err(ApiError::field(
            pointer,
            "may not contain the NUL character (U+0000)",
        ));
    }
    integral_floats_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|err| {
        // A JSON Pointer (RFC 6901) to where serde stopped: `/rows/0/value`.
        let path: String = err
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => {
                    Some(key.replace('~', "~0").replace('/', "~1"))
                }
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                serde_path_to_error::Segment::Unknown => None,
            })
            .map(|s| format!("/{s}"))
            .collect();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ApiError::MalformedJson(format!("the body is not valid JSON: {inner}"))
            }
            _ => {
                let pointer = path;
                let message = inner.to_string();
                // serde appends " at line 1 column 5"; the pointer says where.
                let message = message
                    .rsplit_once(" at line ")
                    .map(|(m, _)| m.to_string())
                    .unwrap_or(message);
                let pointer = match message.strip_prefix("unknown field `") {
                    Some(rest) => {
                        let field = rest.split('`').next().unwrap_or("");
                        if pointer.is_empty() {
                            format!("/{field}")
                        } else {
                            pointer
                        }
                    }
                    None => pointer,
                };
                ApiError::field(pointer, message)
            }
        }
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<ApiJson<T>, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json_ok = is_json_media_type(req);
        let fut = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json_ok {
                return Err(ApiError::UnsupportedMediaType(
                    "the body must be application/json".into(),
                ));
            }
            let bytes = fut.await.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    ApiError::PayloadTooLarge(BODY_LIMIT)
                } else {
                    ApiError::BadRequest("the body could not be read".into())
                }
            })?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// A field of a JSON merge patch (RFC 7396): absent leaves the value as it
/// is, `null` clears it, a value replaces it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(|o| o.map_or(Patch::Null, Patch::Value))
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Absent | Patch::Null => s.serialize_none(),
            Patch::Value(v) => v.serialize(s),
        }
    }
}

impl<T> Patch<T> {
    /// For a field that may not be null: the new value, if any; a 422 for `null`.
    pub fn required(
        self,
        pointer: &str,
        errors: &mut Vec<crate::web::error::FieldError>,
    ) -> Option<T> {
        match self {
            Patch::Absent => None,
            Patch::Null => {
                errors.push(crate::web::error::FieldError::new(
                    pointer,
                    "may not be null",
                ));
                None
            }
            Patch::Value(v) => Some(v),
        }
    }

    /// For a nullable field: `None` to leave it, `Some(None)` to clear it, `Some(Some(v))` to set it.
    pub fn nullable(self) -> Option<Option<T>> {
        match self {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(v) => Some(Some(v)),
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }
}

/// The versions named by a request's `If-Match` header: `Some(versions)` for
/// a list of our ETags (it matches when any does; a tag that is not one of
/// ours names nothing), `None` for `*`, which matches any existing record.
#[derive(Debug, Clone, PartialEq)]
pub struct IfMatch(pub Option<Vec<i32>>);

/// Parses `If-Match: "3"`, `If-Match: "2", "3"` or `If-Match: *`. Missing:
/// 428. If-Match compares strongly (RFC 9110 13.1.1), so a weak tag (`W/"3"`)
/// or anything else that is not one of our ETags never matches.
pub fn if_match(req: &HttpRequest) -> ApiResult<IfMatch> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    let text = value.to_str().unwrap_or("").trim();
    // An empty header names no tag at all: it is as good as none.
    if text.is_empty() {
        return Err(ApiError::PreconditionRequired);
    }
    if text == "*" {
        return Ok(IfMatch(None));
    }
    let versions: Vec<i32> = text
        .split(',')
        .filter_map(|t| parse_etag(t.trim()))
        .collect();
    Ok(IfMatch(Some(versions)))
}

/// The version in a strong ETag of ours (`"3"`).
fn parse_etag(text: &str) -> Option<i32> {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse::<i32>().ok())
}

/// Whether an `If-None-Match` header matches the record's version (weak
/// comparison, RFC 9110 13.1.2: `W/"3"` and `"3"` both match version 3).
pub fn if_none_match(req: &HttpRequest, version: i32) -> bool {
    let Some(text) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    text.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || parse_etag(tag.strip_prefix("W/").unwrap_or(tag)) == Some(version))
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<IfMatch, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(if_match(req))
    }
}

impl IfMatch {
    /// 412 unless the record is still at the version the caller read.
    pub fn check(&self, current: i32) -> ApiResult<()> {
        if self.matches(current) {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }

    /// Whether the header matches a record at version `current`.
    pub fn matches(&self, current: i32) -> bool {
        match &self.0 {
            None => true,
            Some(versions) => versions.contains(&current),
        }
    }
}

/// An optional `If-Match` (for `POST .../restore`): checked when present.
#[derive(Debug, Clone)]
pub struct OptionalIfMatch(pub Option<IfMatch>);

impl FromRequest for OptionalIfMatch {
    type Error = ApiError;
    type Future = Ready<Result<OptionalIfMatch, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match if_match(req) {
            Ok(m) => Ok(OptionalIfMatch(Some(m))),
            Err(ApiError::PreconditionRequired) => Ok(OptionalIfMatch(None)),
            Err(e) => Err(e),
        })
    }
}

impl OptionalIfMatch {
    pub fn check(&self, current: i32) -> ApiResult<()> {
        match &self.0 {
            Some(m) => m.check(current),
            None => Ok(()),
        }
    }
}

/// A record that carries a version, answered with an `ETag`.
pub trait Versioned {
    fn version(&self) -> i32;
}

/// `200 OK` with the record and its `ETag`.
pub fn ok_record<T: Serialize + Versioned>(record: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", record.version())))
        .json(record)
}

/// `201 Created` with the record, its `Location` and its `ETag`.
pub fn created_record<T: Serialize + Versioned>(location: String, record: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, format!("\"{}\"", record.version())))
        .json(record)
}
