//! Shared HTTP/1.1 plumbing for the emulators built on hyper: the request
//! view handlers see, a body that is either complete or endless, and
//! response builders that put headers in the order each emulated server
//! writes them.
//!
//! hyper is told not to add its own `Date` (evhtp, behind Triton, sends
//! none) and to title-case header names on the wire, as Go and nginx do.
//! Each builder here sets `Date` and `Content-Length` itself, in its
//! server's order.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

/// Request bodies above this are refused by closing the connection: no
/// test needs more, and it bounds memory under a hostile client.
const MAX_REQUEST_BODY: usize = 1 << 20;

/// A request as handlers see it: the body already read in full.
pub(crate) struct Req {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the connection stays open after this answer (HTTP/1.1
    /// unless the client said close; HTTP/1.0 only if it asked).
    pub fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if self.version == Version::HTTP_10 {
            connection.contains("keep-alive")
        } else {
            !connection.contains("close")
        }
    }
}

/// One emulated HTTP server. Handlers are synchronous: every emulated
/// answer is computed from the request alone.
pub(crate) trait Handler: Send + Sync + 'static {
    fn respond(&self, req: &Req) -> Response<Body>;
}

/// A response body: complete, or one chunk repeated forever.
pub(crate) enum Body {
    Full(Option<Bytes>),
    Endless(Bytes),
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        // Always ready: hyper only polls when the socket can take more, so
        // an endless body is paced by the client's reading.
        match self.get_mut() {
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Endless(chunk) => Poll::Ready(Some(Ok(Frame::data(chunk.clone())))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(Some(data)) => SizeHint::with_exact(data.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Endless(_) => SizeHint::default(),
        }
    }
}

/// Serve HTTP/1.1 on `stream` (plain TCP, or TLS for the emulators of
/// TLS-only servers) until the client leaves or misbehaves.
pub(crate) async fn serve<S>(stream: S, handler: &dyn Handler)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let service = service_fn(|req: Request<Incoming>| async move {
        let (parts, body) = req.into_parts();
        // A body over the limit (or a broken one) ends the connection.
        let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => return Err(std::io::Error::other(e.to_string())),
        };
        let req = Req {
            method: parts.method,
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            version: parts.version,
            headers: parts.headers,
            body,
        };
        Ok::<_, std::io::Error>(handler.respond(&req))
    });
    let mut builder = http1::Builder::new();
    builder
        .title_case_headers(true)
        .auto_date_header(false)
        .keep_alive(true);
    if let Err(e) = builder
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::trace!("farm connection ended: {e}");
    }
}

/// A response with exactly these headers, in this order. Names must be
/// lowercase literals; values come from the emulators' own tables.
pub(crate) fn build(
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Body,
) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let map = response.headers_mut();
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            map.append(HeaderName::from_static(name), value);
        }
    }
    response
}

/// A Go net/http answer: handler headers sorted by name, then `Date`, then
/// `Content-Length` (net/http's `extraHeader` order, server.go).
pub(crate) fn go(
    status: u16,
    mut headers: Vec<(&'static str, String)>,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let body = body.into();
    headers.sort_by(|a, b| a.0.cmp(b.0));
    headers.push(("date", http_date(SystemTime::now())));
    headers.push(("content-length", body.len().to_string()));
    build(status, headers, Body::Full(Some(body)))
}

/// A libevhtp answer (Triton): a `Content-Type` the handler set before
/// replying comes first; evhtp then adds `Content-Length` and, when none was
/// set, `Content-Type: text/plain` (evhtp.c `htp__create_reply_`). No `Date`.
pub(crate) fn evhtp(
    status: u16,
    content_type: Option<&str>,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let body = body.into();
    let mut headers = Vec::with_capacity(2);
    if let Some(ct) = content_type {
        headers.push(("content-type", ct.to_string()));
    }
    headers.push(("content-length", body.len().to_string()));
    if content_type.is_none() {
        headers.push(("content-type", "text/plain".to_string()));
    }
    build(status, headers, Body::Full(Some(body)))
}

/// evhtp writes `Connection: close` (when the client asked to close) after
/// a non-zero `Content-Length` but before a zero one (`htp__create_reply_`);
/// hyper would append it last.
pub(crate) fn evhtp_close(req: &Req, mut response: Response<Body>) -> Response<Body> {
    if req.keep_alive() {
        return response;
    }
    let old = std::mem::take(response.headers_mut());
    let empty = old.get(CONTENT_LENGTH).is_some_and(|v| v == "0");
    let map = response.headers_mut();
    for (name, value) in old.iter() {
        let length = name == CONTENT_LENGTH;
        if length && empty {
            map.append(CONNECTION, HeaderValue::from_static("close"));
        }
        map.append(name.clone(), value.clone());
        if length && !empty {
            map.append(CONNECTION, HeaderValue::from_static("close"));
        }
    }
    response
}

/// An IMF-fixdate (`Mon, 02 Jan 2006 15:04:05 GMT`), as Go and nginx send.
pub(crate) fn http_date(at: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31); Howard
/// Hinnant's `civil_from_days`.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn http_date_matches_known_instants() {
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        let t = UNIX_EPOCH + Duration::from_secs(1_136_214_245);
        assert_eq!(http_date(t), "Mon, 02 Jan 2006 15:04:05 GMT");
        let leap = UNIX_EPOCH + Duration::from_secs(1_709_208_000);
        assert_eq!(http_date(leap), "Thu, 29 Feb 2024 12:00:00 GMT");
    }
}
