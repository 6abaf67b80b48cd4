//! uvicorn's JSON answers, as both products serve them (FastAPI on
//! uvicorn): `date`, `server: uvicorn`, then Starlette's `content-length`
//! and `content-type`. A copy of the landscape emulators' helper, which is
//! private to that module.

use std::time::SystemTime;

use http::Response;

use crate::http::{build, http_date, Body};
use crate::json::{Escape, J};

/// Starlette `JSONResponse`: compact separators.
pub(crate) fn json(status: u16, body: J) -> Response<Body> {
    let body = body.render(Escape::Rapid);
    let headers = vec![
        ("date", http_date(SystemTime::now())),
        ("server", "uvicorn".to_string()),
        ("content-length", body.len().to_string()),
        ("content-type", "application/json".to_string()),
    ];
    build(status, headers, Body::Full(Some(body.into())))
}

/// FastAPI's `{"detail": ...}` error.
pub(crate) fn detail(status: u16, text: &str) -> Response<Body> {
    json(status, J::Obj(vec![("detail", J::s(text))]))
}
