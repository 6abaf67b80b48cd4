//! How Triton's HTTP handlers answer (triton-inference-server/server
//! src/http_server.cc): bodies are compact JSON, errors `{"error":"..."}`
//! (`EVBufferAddErrorJson`), sent by libevhtp (see http.rs `evhtp`).

use http::{Method, Response};

use crate::http::{self as h, Body, Req};
use crate::json::{Escape, J};

/// `AddContentTypeHeader(req, "application/json")`.
pub(crate) const JSON: Option<&str> = Some("application/json");

/// An error answer not yet sent: status, the type the handler had set by
/// then (None: evhtp's default), and the message.
pub(crate) struct Fail {
    status: u16,
    content_type: Option<&'static str>,
    message: String,
}

impl Fail {
    pub fn new(
        status: u16,
        content_type: Option<&'static str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            content_type,
            message: message.into(),
        }
    }

    /// "Request for unknown model: '<m>' is not found" (400).
    pub fn unknown_model(content_type: Option<&'static str>, name: &str) -> Self {
        Self::new(
            400,
            content_type,
            format!("Request for unknown model: '{name}' is not found"),
        )
    }

    pub fn respond(self) -> Response<Body> {
        let body = J::Obj(vec![("error", J::s(self.message))]).render(Escape::Rapid);
        h::evhtp(self.status, self.content_type, body)
    }
}

pub(crate) fn ok(body: J) -> Response<Body> {
    h::evhtp(200, JSON, body.render(Escape::Rapid))
}

pub(crate) fn error(
    status: u16,
    content_type: Option<&'static str>,
    message: &str,
) -> Response<Body> {
    Fail::new(status, content_type, message).respond()
}

/// `RETURN_AND_RESPOND_WITH_ERR(req, EVHTP_RES_METHNALLOWED, ...)`.
pub(crate) fn not_allowed(content_type: Option<&'static str>) -> Response<Body> {
    error(405, content_type, "Method Not Allowed")
}

pub(crate) fn not_emulated(content_type: Option<&'static str>) -> Response<Body> {
    error(
        501,
        content_type,
        "aimap-farm: this Triton endpoint is not emulated",
    )
}

/// A GET-only JSON handler: type first, then the method check, then the
/// body or its error.
pub(crate) fn json_get(req: &Req, body: impl FnOnce() -> Result<J, Fail>) -> Response<Body> {
    if req.method != Method::GET {
        return not_allowed(JSON);
    }
    body().map_or_else(Fail::respond, ok)
}

/// `GET /v2/logging` with tritonserver's default log settings
/// (`HandleLogging`'s field order).
pub(crate) fn logging() -> Response<Body> {
    ok(J::Obj(vec![
        ("log_file", J::s("")),
        ("log_info", J::Bool(true)),
        ("log_warning", J::Bool(true)),
        ("log_error", J::Bool(true)),
        ("log_verbose_level", J::Int(0)),
        ("log_format", J::s("default")),
    ]))
}
