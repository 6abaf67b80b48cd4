//! What nginx answers look like, shared by the auth proxy and the plain
//! web server.
//!
//! Facts copied (nginx/nginx):
//! - src/http/ngx_http_special_response.c: built-in error pages are
//!   `<html>\r\n<head><title>N Text</title></head>\r\n<body>\r\n
//!   <center><h1>N Text</h1></center>\r\n` plus the tail
//!   `<hr><center>nginx/V</center>\r\n</body>\r\n</html>\r\n`
//!   (`server_tokens on`, the default), served as `text/html`; 401's text
//!   is "Authorization Required".
//! - src/http/ngx_http_header_filter_module.c: `Server: nginx/V` comes
//!   first. The rest of the order (`Date`, `Content-Type`,
//!   `Content-Length`, `Last-Modified`, `Connection`, then the request's own
//!   list: `WWW-Authenticate`, `ETag`, `Accept-Ranges`) is nginx's familiar
//!   output, not re-read in that file.
//!
//! The version is that of Ubuntu 24.04's package, a common sight.
//! hyper title-cases names on the wire, so `WWW-Authenticate` and `ETag`
//! go out as `Www-Authenticate` and `Etag` (names are case-insensitive).

use std::time::SystemTime;

use http::Response;

use crate::http::{self as h, Body, Req};

pub(crate) const SERVER: &str = "nginx/1.24.0";

/// nginx's built-in page for an error status.
pub(crate) fn error_page(status: u16, text: &str) -> String {
    format!(
        "<html>\r\n<head><title>{status} {text}</title></head>\r\n<body>\r\n\
         <center><h1>{status} {text}</h1></center>\r\n\
         <hr><center>{SERVER}</center>\r\n</body>\r\n</html>\r\n"
    )
}

/// A complete answer in nginx's header order. `last_modified` goes before
/// `Connection`; `extra` (the request's header list) after it.
pub(crate) fn respond(
    req: &Req,
    status: u16,
    content_type: &str,
    last_modified: Option<String>,
    extra: Vec<(&'static str, String)>,
    body: String,
) -> Response<Body> {
    let mut headers = vec![
        ("server", SERVER.to_string()),
        ("date", h::http_date(SystemTime::now())),
        ("content-type", content_type.to_string()),
        ("content-length", body.len().to_string()),
    ];
    if let Some(lm) = last_modified {
        headers.push(("last-modified", lm));
    }
    let connection = if req.keep_alive() {
        "keep-alive"
    } else {
        "close"
    };
    headers.push(("connection", connection.to_string()));
    headers.extend(extra);
    h::build(status, headers, Body::Full(Some(body.into())))
}

/// An nginx error answer with its built-in page.
pub(crate) fn error(
    req: &Req,
    status: u16,
    text: &str,
    extra: Vec<(&'static str, String)>,
) -> Response<Body> {
    respond(
        req,
        status,
        "text/html",
        None,
        extra,
        error_page(status, text),
    )
}
