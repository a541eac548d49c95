//! One page of a collection as it goes out: the body, the `Link` to the
//! next page and `Preference-Applied`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::store::listing::Page;

impl<T: Serialize> Page<T> {
    /// The `200 OK` response, with a `Link: <...>; rel="next"` header when
    /// there is a next page.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        // Every list counts exactly today, so any count asked for is exact.
        let count_asked = req
            .headers()
            .get("prefer")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|p| matches!(p.trim(), "count=exact" | "count=planned"))
            });
        if count_asked {
            res.insert_header(("preference-applied", "count=exact"));
        }
        if let Some(cursor) = &self.next_cursor {
            let mut pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
            pairs.retain(|(k, _)| k != "cursor");
            pairs.push(("cursor".into(), cursor.clone()));
            let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            res.insert_header((
                header::LINK,
                // Absolute, as the contract says: the scheme and host the
                // client used (actix reads Forwarded / X-Forwarded-* behind a proxy).
                {
                    let conn = req.connection_info();
                    format!(
                        "<{}://{}{}?{}>; rel=\"next\"",
                        conn.scheme(),
                        conn.host(),
                        req.path(),
                        qs
                    )
                },
            ));
        }
        res.json(self)
    }
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
            /// How many records match the filters, on all pages.
            pub total: i64,
        }
    };
}
