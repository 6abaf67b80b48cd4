//! RAGFlow's API server (Quart on Hypercorn, port 9380; nginx serves the
//! web app on 80 and proxies `/api` and `/v1` to it). Every dataset, chat
//! and agent route needs a login or API key; the farm's `auth` flag is the
//! registration switch: `false` lets anyone create an account
//! (REGISTER_ENABLED=1, the default), `true` has registration off.
//!
//! Facts copied (infiniflow/ragflow):
//! - api/apps/__init__.py `register_page`: files under restful_apis/ are
//!   served at `/api/v1`, the older *_app.py pages at `/v1/<page>`.
//! - api/apps/restful_apis/system_api.py: `GET /api/v1/system/version`
//!   (no login since the RESTful refactor) → `get_json_result(data=
//!   get_ragflow_version())`; `GET /api/v1/system/config` →
//!   `{"registerEnabled", "disablePasswordLogin"}`; `GET
//!   /api/v1/system/ping` → "pong".
//! - api/utils/api_utils.py `get_json_result`: `{"code": 0, "message":
//!   "success", "data"}` through Quart's `jsonify` (compact).
//! - api/apps/__init__.py `login_required` raises quart_auth
//!   `Unauthorized`; its handler answers 401 `{"code": 401, "message":
//!   "<Unauthorized '401: Unauthorized'>", "data": null}`; unknown paths
//!   404 `{"code": 404, "message": "Not Found: <path>", "data": null,
//!   "error": "Not Found"}`.
//! - docker/.env: SVR_HTTP_PORT=9380, RAGFLOW_IMAGE v0.27.0.
//! - Releases before v0.25 (checked at v0.19.0, v0.22.0, v0.24.0): the
//!   config lives at `/v1/system/config` (api/apps/system_app.py), the
//!   version route is login-only, and `/api/v1/datasets`' @token_required
//!   answers an anonymous request HTTP 200 `{"code":0,"data":false,
//!   "message":"`Authorization` can't be empty"}` (api/utils/api_utils.py).

use std::time::SystemTime;

use http::Response;

use super::Landscape;
use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct RagFlow {
    l: Landscape,
}

fn hypercorn(status: u16, content_type: &str, body: String) -> Response<Body> {
    let headers = vec![
        ("content-type", content_type.to_string()),
        ("content-length", body.len().to_string()),
        ("date", h::http_date(SystemTime::now())),
        ("server", "hypercorn-h11".to_string()),
    ];
    h::build(status, headers, Body::Full(Some(body.into())))
}

fn json(status: u16, code: i64, message: &str, data: J) -> Response<Body> {
    let body = J::Obj(vec![
        ("code", J::Int(code)),
        ("data", data),
        ("message", J::s(message)),
    ]);
    // Quart's provider sorts keys, as Flask's does by default.
    hypercorn(status, "application/json", body.render(Escape::Rapid))
}

impl RagFlow {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    /// A release before v0.25's RESTful refactor.
    fn before_restful(&self) -> bool {
        let mut it = self
            .l
            .version
            .trim_start_matches('v')
            .split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0)) < (0, 25)
    }

    fn config(&self) -> Response<Body> {
        json(
            200,
            0,
            "success",
            J::Obj(vec![(
                "registerEnabled",
                J::Int(if self.l.auth { 0 } else { 1 }),
            )]),
        )
    }

    fn respond_v1(&self, req: &Req) -> Response<Body> {
        match req.path.as_str() {
            "/v1/system/config" => self.config(),
            "/api/v1/datasets" => json(200, 0, "`Authorization` can't be empty", J::Bool(false)),
            p if p.starts_with("/v1/") => {
                json(401, 401, "<Unauthorized '401: Unauthorized'>", J::Null)
            }
            p => not_found(p),
        }
    }
}

impl Handler for RagFlow {
    fn respond(&self, req: &Req) -> Response<Body> {
        if self.before_restful() {
            return self.respond_v1(req);
        }
        match req.path.as_str() {
            "/api/v1/system/ping" => hypercorn(200, "text/html; charset=utf-8", "pong".into()),
            "/api/v1/system/version" => json(200, 0, "success", J::s(&self.l.version)),
            "/api/v1/system/config" => json(
                200,
                0,
                "success",
                J::Obj(vec![
                    ("disablePasswordLogin", J::Bool(false)),
                    ("registerEnabled", J::Int(if self.l.auth { 0 } else { 1 })),
                ]),
            ),
            p if p.starts_with("/api/v1/") || p.starts_with("/v1/") => {
                json(401, 401, "<Unauthorized '401: Unauthorized'>", J::Null)
            }
            p => not_found(p),
        }
    }
}

/// Quart's 404 through RAGFlow's error handler.
fn not_found(path: &str) -> Response<Body> {
    let body = J::Obj(vec![
        ("code", J::Int(404)),
        ("data", J::Null),
        ("error", J::s("Not Found")),
        ("message", J::s(format!("Not Found: {path}"))),
    ]);
    hypercorn(404, "application/json", body.render(Escape::Rapid))
}
