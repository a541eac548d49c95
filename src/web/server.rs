//! The HTTP server: actix's own pieces, assembled as `HttpServer` does,
//! with one addition: every connection goes through [`Guarded`], so that
//! what actix refuses before any middleware sees the request (a request
//! line too long for it, a head over its buffer, a head that does not
//! parse, a head that does not arrive in time) is answered as problem
//! details too, instead of a bare status line. A URI over
//! [`MAX_URI_BYTES`] is a 414 whichever layer notices it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_http::{HttpService, KeepAlive};
use actix_rt::net::TcpStream;
use actix_service::{fn_service, map_config, ServiceFactoryExt};
use actix_web::dev::AppConfig;
use actix_web::web::Data;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::web::error::{ErrorBody, ProblemType, PROBLEM_JSON};
use crate::AppState;

/// The longest request URI served; longer is a 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Serves the app on `bind_addr` until SIGTERM (or SIGINT), then lets
/// in-flight requests finish within `grace` and returns.
pub async fn serve(state: Data<AppState>, bind_addr: &str, grace: Duration) -> io::Result<()> {
    let builder = actix_server::Server::build().shutdown_timeout(grace.as_secs());
    let draining = builder.graceful_shutdown_signal();
    builder
        .bind("trustplan", bind_addr, move || {
            let state = state.clone();
            let draining = draining.clone();
            let app = crate::build_app(state);
            let http = HttpService::build()
                // What actix-web's `HttpServer` sets by default.
                .keep_alive(KeepAlive::Timeout(Duration::from_secs(5)))
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                // On SIGTERM, idle keep-alive connections close and busy
                // ones finish their request first.
                .graceful_shutdown_signal(move || {
                    let draining = draining.clone();
                    async move { draining.notified().await }
                })
                .h1(map_config(app, |_| AppConfig::default()));
            fn_service(|io: TcpStream| async move {
                let peer = io.peer_addr().ok();
                let _ = io.set_nodelay(true);
                Ok((Guarded::new(io), peer))
            })
            .and_then(http)
        })?
        .run()
        .await
}

/// A connection whose bare error answers (written by actix's protocol
/// layer, before any middleware) are rewritten as problem details.
pub struct Guarded<T> {
    io: T,
    /// The current request's first line, as far as it has been read.
    line: FirstLine,
    /// A rewritten answer still being written, and the length of what the
    /// writer gave us for it.
    pending: Option<(Vec<u8>, usize)>,
}

#[derive(Default)]
struct FirstLine {
    done: bool,
    len: usize,
    /// Its first bytes, for the problem's `instance`.
    start: Vec<u8>,
}

impl<T> Guarded<T> {
    pub fn new(io: T) -> Self {
        Guarded {
            io,
            line: FirstLine::default(),
            pending: None,
        }
    }
}

impl FirstLine {
    fn read(&mut self, bytes: &[u8]) {
        if self.done {
            return;
        }
        let (line, done) = match bytes.iter().position(|b| *b == b'\n') {
            Some(i) => (&bytes[..i], true),
            None => (bytes, false),
        };
        self.len += line.len();
        let room = 512usize.saturating_sub(self.start.len());
        self.start.extend_from_slice(&line[..line.len().min(room)]);
        self.done = done;
    }

    /// The path of `METHOD /path?query HTTP/1.1`, cut short.
    fn path(&self) -> String {
        let text = String::from_utf8_lossy(&self.start);
        let target = text.split(' ').nth(1).unwrap_or("");
        let path = target.split('?').next().unwrap_or("");
        path.chars().take(200).collect()
    }
}

/// The status of a response head actix wrote without a body or media type,
/// if `buf` starts with one: only its protocol layer answers so.
fn bare_error(buf: &[u8]) -> Option<(u16, usize)> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let status: u16 = head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let lower = head.to_ascii_lowercase();
    let bare = (400..600).contains(&status)
        && !lower.contains("\r\ncontent-type:")
        && lower.contains("\r\ncontent-length: 0\r\n");
    bare.then_some((status, head_end))
}

fn problem_answer(status: u16, line: &FirstLine) -> Vec<u8> {
    let status = if line.len > MAX_URI_BYTES {
        414
    } else {
        status
    };
    let code = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    let (kind, detail) = match status {
        414 => (
            ProblemType::UriTooLong,
            format!("the request URI is longer than {MAX_URI_BYTES} bytes"),
        ),
        431 => (
            ProblemType::HeadersTooLarge,
            "the request's headers are too large".to_string(),
        ),
        408 => (
            ProblemType::BadRequest,
            "the request's head did not arrive in time".to_string(),
        ),
        _ => (
            ProblemType::for_status(code),
            "the request could not be read as HTTP".to_string(),
        ),
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::to_vec(&ErrorBody {
        problem_type: kind.uri(),
        title: code.canonical_reason().unwrap_or("Error").to_string(),
        status,
        detail,
        instance: line.path(),
        request_id: request_id.clone(),
        errors: Vec::new(),
        operation_index: None,
    })
    .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n\
         x-request-id: {request_id}\r\nconnection: close\r\n\r\n",
        code.canonical_reason().unwrap_or("Error"),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let res = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            this.line.read(&buf.filled()[before..]);
        }
        res
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            if let Some((status, head_len)) = bare_error(buf) {
                let mut answer = problem_answer(status, &this.line);
                answer.extend_from_slice(&buf[head_len..]);
                this.pending = Some((answer, buf.len()));
            } else {
                if buf.starts_with(b"HTTP/1.") {
                    // An answer: whatever is read next is a new request.
                    this.line = FirstLine::default();
                }
                return Pin::new(&mut this.io).poll_write(cx, buf);
            }
        }
        // Write the rewritten answer whole, then report the writer's bytes
        // as written.
        loop {
            let Some((answer, taken)) = this.pending.as_mut() else {
                return Poll::Ready(Ok(0));
            };
            if answer.is_empty() {
                let taken = *taken;
                this.pending = None;
                this.line = FirstLine::default();
                return Poll::Ready(Ok(taken));
            }
            match Pin::new(&mut this.io).poll_write(cx, answer) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Ok(0)),
                Poll::Ready(Ok(n)) => {
                    answer.drain(..n);
                }
                other => return other,
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_error_heads_are_taken_for_the_protocol_layers() {
        let bare = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: x\r\n\r\n";
        assert_eq!(bare_error(bare), Some((400, bare.len())));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ncontent-type: application/problem+json\r\n\r\n";
        assert_eq!(bare_error(ours), None);
        let ok = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(bare_error(ok), None);
        assert_eq!(
            bare_error(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n"
            )
            .map(|b| b.0),
            Some(431)
        );
    }

    #[test]
    fn a_long_first_line_makes_the_answer_a_414_naming_the_path() {
        let mut line = FirstLine::default();
        line.read(b"GET /api/v1/plans?q=");
        line.read(&vec![b'a'; MAX_URI_BYTES]);
        let answer = String::from_utf8(problem_answer(400, &line)).expect("UTF-8");
        assert!(
            answer.starts_with("HTTP/1.1 414 URI Too Long\r\n"),
            "{answer}"
        );
        assert!(answer.contains("urn:trustplan:problem:uri_too_long"));
        assert!(answer.contains(r#""instance":"/api/v1/plans""#));
    }
}
