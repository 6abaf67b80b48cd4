//! How each web stack behind the emulated products writes an answer: which
//! headers it adds, in which order, and its built-in 404. A product module
//! picks its stack and writes only its own routes.
//!
//! Header orders (hyper title-cases names on the wire; names are
//! case-insensitive, so only order and values matter):
//! - uvicorn (FastAPI/Starlette apps): `date`, `server: uvicorn` (uvicorn
//!   `ServerState.default_headers`), then the response's own
//!   `content-length`, `content-type` (starlette/responses.py
//!   `init_headers`). FastAPI's built-in 404/405 bodies are
//!   `{"detail":"Not Found"}` / `{"detail":"Method Not Allowed"}`
//!   (fastapi/exception_handlers.py).
//! - axum/hyper (TGI): handler headers, then hyper's `date`.
//! - Go net/http: crate::http::go.
//! - Express: `x-powered-by: Express` first (express/lib/application.js
//!   `init`), then the handler's headers, then node's `date`,
//!   `connection`, `keep-alive: timeout=5` (node lib/_http_outgoing.js).
//!   Express's weak `etag` is left out: no rule reads it and computing it
//!   needs SHA-1.
//! - aiohttp: `content-type`, `content-length`, `date`, `server`
//!   (aiohttp/web_response.py `_prepare_headers`).
//! - actix-web (Qdrant): `content-length`, `content-type`, `date`.
//! - cpp-httplib (llama.cpp): headers kept in a case-insensitive sorted
//!   multimap, so they go out alphabetically (httplib.h `Headers`).
//! - Python http.server (KoboldCpp): `Server`, `Date` from
//!   `send_response`, then whatever the handler sends, in call order.
//! - Werkzeug (TensorBoard), Tornado (Dask): `server` first, as each
//!   writes its own name before the handler's headers.

use std::time::SystemTime;

use http::Response;

use crate::http::{self as h, Body};
use crate::json::{Escape, J};

pub(crate) type Headers = Vec<(&'static str, String)>;

fn date() -> String {
    h::http_date(SystemTime::now())
}

fn full(status: u16, headers: Headers, body: String) -> Response<Body> {
    h::build(status, headers, Body::Full(Some(body.into())))
}

/// A FastAPI/Starlette answer served by uvicorn.
pub(crate) fn uvicorn(
    status: u16,
    content_type: &str,
    extra: Headers,
    body: String,
) -> Response<Body> {
    let mut headers = vec![
        ("date", date()),
        ("server", "uvicorn".to_string()),
        ("content-length", body.len().to_string()),
    ];
    // A bare `Response()` sets no media type, so no content-type either.
    if !content_type.is_empty() {
        headers.push(("content-type", content_type.to_string()));
    }
    headers.extend(extra);
    full(status, headers, body)
}

/// Starlette `JSONResponse`: compact separators, non-ASCII kept.
pub(crate) fn uvicorn_json(status: u16, body: J) -> Response<Body> {
    uvicorn(
        status,
        "application/json",
        vec![],
        body.render(Escape::Rapid),
    )
}

/// FastAPI's answer to a path no route matches.
pub(crate) fn uvicorn_not_found() -> Response<Body> {
    uvicorn_json(404, J::Obj(vec![("detail", J::s("Not Found"))]))
}

/// An axum handler's answer, as hyper writes it.
pub(crate) fn axum(status: u16, mut headers: Headers, body: String) -> Response<Body> {
    headers.push(("content-length", body.len().to_string()));
    headers.push(("date", date()));
    full(status, headers, body)
}

/// An Express answer. `content_type` is what `res.json`/`res.send` set.
pub(crate) fn express(
    status: u16,
    content_type: &str,
    extra: Headers,
    body: String,
) -> Response<Body> {
    let mut headers = vec![("x-powered-by", "Express".to_string())];
    headers.extend(extra);
    headers.push(("content-type", content_type.to_string()));
    headers.push(("content-length", body.len().to_string()));
    headers.push(("date", date()));
    headers.push(("connection", "keep-alive".to_string()));
    headers.push(("keep-alive", "timeout=5".to_string()));
    full(status, headers, body)
}

/// `res.json(...)`: compact JSON, `application/json; charset=utf-8`.
pub(crate) fn express_json(status: u16, body: J) -> Response<Body> {
    express(
        status,
        "application/json; charset=utf-8",
        vec![],
        body.render(Escape::Rapid),
    )
}

/// An aiohttp answer; `server` names the Python and aiohttp versions.
pub(crate) fn aiohttp(status: u16, content_type: &str, body: String) -> Response<Body> {
    let headers = vec![
        ("content-type", content_type.to_string()),
        ("content-length", body.len().to_string()),
        ("date", date()),
        ("server", "Python/3.12 aiohttp/3.11.18".to_string()),
    ];
    full(status, headers, body)
}

/// aiohttp `web.json_response`: `json.dumps` defaults (spaced separators).
pub(crate) fn aiohttp_json(status: u16, body: J) -> Response<Body> {
    aiohttp(
        status,
        "application/json; charset=utf-8",
        body.render(Escape::Python),
    )
}

/// An actix-web answer.
pub(crate) fn actix(status: u16, content_type: Option<&str>, body: String) -> Response<Body> {
    let mut headers = vec![("content-length", body.len().to_string())];
    if let Some(ct) = content_type {
        headers.push(("content-type", ct.to_string()));
    }
    headers.push((
        "vary",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers".to_string(),
    ));
    headers.push(("date", date()));
    full(status, headers, body)
}

/// A cpp-httplib answer: every header, sorted by name.
pub(crate) fn httplib(status: u16, mut headers: Headers, body: String) -> Response<Body> {
    headers.push(("content-length", body.len().to_string()));
    headers.push(("keep-alive", "timeout=5, max=100".to_string()));
    headers.sort_by(|a, b| a.0.cmp(b.0));
    full(status, headers, body)
}

/// A Python `http.server` answer: `Server` and `Date` from
/// `send_response`, then the handler's headers in the order it sent them.
pub(crate) fn python_http(
    status: u16,
    server: &str,
    handler: Headers,
    body: String,
) -> Response<Body> {
    let mut headers = vec![("server", server.to_string()), ("date", date())];
    headers.extend(handler);
    full(status, headers, body)
}

/// A server that names itself first (`Server:`), then sends the
/// handler's headers and the body length: Werkzeug, Tornado, Jetty, h2o.
pub(crate) fn named(status: u16, server: &str, mut extra: Headers, body: String) -> Response<Body> {
    let mut headers = vec![("server", server.to_string()), ("date", date())];
    headers.append(&mut extra);
    headers.push(("content-length", body.len().to_string()));
    full(status, headers, body)
}

/// An answer with exactly these headers plus `content-length` last: for
/// servers that write no `Date` (Netty-based TorchServe, Elasticsearch).
pub(crate) fn bare(status: u16, mut headers: Headers, body: String) -> Response<Body> {
    headers.push(("content-length", body.len().to_string()));
    full(status, headers, body)
}

/// A Go net/http answer with a JSON body (encoding/json, trailing newline
/// when written with `json.NewEncoder`, as `encoder_newline` says).
pub(crate) fn go_json(status: u16, body: J, encoder_newline: bool) -> Response<Body> {
    let mut text = body.render(Escape::Go);
    if encoder_newline {
        text.push('\n');
    }
    h::go(
        status,
        vec![("content-type", "application/json".into())],
        text,
    )
}
