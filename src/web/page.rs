//! One page of a collection as it goes out: the body, the `Link` to the
//! next page and `Preference-Applied`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::store::listing::{Count, ListParams, ListSpec, Page};
use crate::web::error::ApiResult;

/// The count a request's `Prefer` header asks for (RFC 7240; the first of
/// `count=exact` and `count=planned` wins, other preferences are ignored).
pub fn count_preference(req: &HttpRequest) -> Option<Count> {
    req.headers()
        .get_all("prefer")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| match p.trim() {
            "count=exact" => Some(Count::Exact),
            "count=planned" => Some(Count::Planned),
            _ => None,
        })
}

/// A list request: its query string checked against `spec`, and the count
/// its `Prefer` header asks for.
pub fn list_params(req: &HttpRequest, spec: ListSpec) -> ApiResult<ListParams> {
    let mut p = ListParams::parse(req.query_string(), spec)?;
    p.count = count_preference(req);
    Ok(p)
}

impl<T: Serialize> Page<T> {
    /// The `200 OK` response, with a `Link: <...>; rel="next"` header when
    /// there is a next page and `Preference-Applied` when a count was made.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        self.respond_with(req, self)
    }

    /// The `200 OK` response of this page, with its headers, and `body` as
    /// the page's JSON (for a page that says more than `items`,
    /// `next_cursor` and `total`).
    pub fn respond_with(&self, req: &HttpRequest, body: &impl Serialize) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        if let Some(count) = self.counted {
            res.insert_header(("preference-applied", count.as_str()));
        }
        if let Some(cursor) = &self.next_cursor {
            res.insert_header((header::LINK, next_link(req, "cursor", cursor)));
        }
        res.json(body)
    }
}

/// The `Link: <...>; rel="next"` value of a request: the same query with
/// `param` set to `value`. Absolute, as the contract says: the scheme and
/// host the client used (actix reads Forwarded / X-Forwarded-* behind a
/// proxy).
pub fn next_link(req: &HttpRequest, param: &str, value: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| k != param);
    pairs.push((param.into(), value.into()));
    let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let conn = req.connection_info();
    format!(
        "<{}://{}{}?{qs}>; rel=\"next\"",
        conn.scheme(),
        conn.host(),
        req.path()
    )
}

/// Declares the OpenAPI schema of one collection's page (`items`,
/// `next_cursor`, `total`), named `<Name>`.
#[macro_export]
macro_rules! page_schema {
    ($name:ident, $item:ty) => {
        #[doc = concat!("One page of ", stringify!($item), " records.")]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            /// The records of this page.
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; null on the last page.
            pub next_cursor: Option<String>,
            /// How many records match the filters, on all pages: exact with
            /// `Prefer: count=exact`, the planner's estimate with
            /// `Prefer: count=planned`, and null (no count made) without.
            #[schema(required = true)]
            pub total: Option<i64>,
        }
    };
}
