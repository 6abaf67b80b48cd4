//! Langflow in its auto-login modes, release by release.
//!
//! Facts read in the PyPI wheels langflow-base 0.0.97 (Langflow 1.0.x),
//! 0.1.4, 0.2.0, 0.3.4, 0.4.3, 0.5.0, 0.5.1, 0.6.0, 0.7.3, 0.8.0, 1.12.0 and
//! 1.13.0 (langflow/ there is src/backend/base/langflow/ of
//! langflow-ai/langflow; base 0.x.y is Langflow 1.x.y):
//! - services/auth/utils.py `api_key_security` with no key: AUTO_LOGIN on
//!   → the superuser (1.0-1.4 always; from 1.5 only with
//!   skip_auth_auto_login, else 403 AUTO_LOGIN_ERROR); AUTO_LOGIN off →
//!   403 "An API key must be passed as query or header". 1.13 keeps the
//!   same answers in services/auth/service.py `_api_key_security_impl`.
//! - `GET /api/v1/flows/` depends on `get_current_user`, which calls
//!   `api_key_security` up to 1.7; from 1.8 the auth service answers a
//!   keyless caller 403 "No authentication credentials provided" unless
//!   auto-login lets it in.
//! - api/v1/endpoints.py `POST /api/v1/process/{id}`: from 1.1 a stub
//!   behind `api_key_security` answering 400 "The /process endpoint is
//!   deprecated ..."; in 1.0.x it took a JSON body, so malformed JSON gets
//!   FastAPI's 422 `json_invalid` (fastapi/routing.py) before anything runs.
//! - `GET /api/v1/version` → `{"version","main_version","package"}`.
//! - api/v1/login.py `GET /api/v1/auto_login` hands out a superuser token
//!   when AUTO_LOGIN is on, else 400 with `{"message","auto_login":false}`.
//!   Emulated (with a dummy token) for completeness: no rule may ask it.

use http::{Method, Response};

use super::{release, uvicorn};
use crate::http::{Body, Handler, Req};
use crate::json::J;

const AUTO_LOGIN_ERROR: &str = "Since v1.5, LANGFLOW_AUTO_LOGIN requires a valid API key. \
Set LANGFLOW_SKIP_AUTH_AUTO_LOGIN=true to skip this check. \
Please update your authentication method.";
const NO_KEY: &str = "An API key must be passed as query or header";
const DEPRECATED: &str = "The /process endpoint is deprecated and will be removed in a future \
version. Please use /run instead.";

pub(crate) struct Langflow {
    version: String,
    release: (u32, u32, u32),
    auto_login: bool,
    skip_auth: bool,
    flows: Vec<String>,
}

/// What `api_key_security` does with a keyless caller.
enum Keyless {
    Superuser,
    Refused(&'static str),
}

impl Langflow {
    pub fn new(version: &str, auto_login: bool, skip_auth: bool, flows: Vec<String>) -> Self {
        Self {
            version: version.to_string(),
            release: release(version),
            auto_login,
            skip_auth,
            flows,
        }
    }

    fn api_key_security(&self) -> Keyless {
        match (self.auto_login, self.release < (1, 5, 0) || self.skip_auth) {
            (true, true) => Keyless::Superuser,
            (true, false) => Keyless::Refused(AUTO_LOGIN_ERROR),
            (false, _) => Keyless::Refused(NO_KEY),
        }
    }

    fn flows(&self) -> Response<Body> {
        match self.api_key_security() {
            Keyless::Superuser => {
                let flows = self
                    .flows
                    .iter()
                    .map(|n| {
                        J::Obj(vec![
                            ("name", J::s(n)),
                            ("description", J::s("")),
                            ("id", J::s("6f0e9a1c-3b2d-4c5e-8f7a-1b2c3d4e5f60")),
                            ("is_component", J::Bool(false)),
                        ])
                    })
                    .collect();
                uvicorn::json(200, J::Arr(flows))
            }
            _ if self.release >= (1, 8, 0) => {
                uvicorn::detail(403, "No authentication credentials provided")
            }
            Keyless::Refused(text) => uvicorn::detail(403, text),
        }
    }

    fn process(&self, req: &Req) -> Response<Body> {
        if self.release < (1, 1, 0)
            && serde_json::from_slice::<serde_json::Value>(&req.body).is_err()
        {
            return uvicorn::json(
                422,
                J::Obj(vec![(
                    "detail",
                    J::Arr(vec![J::Obj(vec![
                        ("type", J::s("json_invalid")),
                        ("loc", J::Arr(vec![J::s("body"), J::Int(1)])),
                        ("msg", J::s("JSON decode error")),
                        ("input", J::Obj(vec![])),
                    ])]),
                )]),
            );
        }
        match self.api_key_security() {
            Keyless::Superuser => uvicorn::detail(400, DEPRECATED),
            Keyless::Refused(text) => uvicorn::detail(403, text),
        }
    }
}

impl Handler for Langflow {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        match (&req.method, path) {
            (&Method::POST, p) if p.starts_with("/api/v1/process/") => self.process(req),
            (&Method::GET, "/api/v1/version") => uvicorn::json(
                200,
                J::Obj(vec![
                    ("version", J::s(&self.version)),
                    ("main_version", J::s(&self.version)),
                    ("package", J::s("Langflow")),
                ]),
            ),
            (&Method::GET, "/health") => uvicorn::json(200, J::Obj(vec![("status", J::s("ok"))])),
            (&Method::GET, "/api/v1/flows/") => self.flows(),
            (&Method::GET, "/api/v1/auto_login") if self.auto_login => uvicorn::json(
                200,
                J::Obj(vec![
                    ("access_token", J::s("emulated-superuser-token")),
                    ("refresh_token", J::Null),
                    ("token_type", J::s("bearer")),
                ]),
            ),
            (&Method::GET, "/api/v1/auto_login") => uvicorn::json(
                400,
                J::Obj(vec![(
                    "detail",
                    J::Obj(vec![
                        (
                            "message",
                            J::s("Auto login is disabled. Please enable it in the settings"),
                        ),
                        ("auto_login", J::Bool(false)),
                    ]),
                )]),
            ),
            (&Method::GET, _) => uvicorn::detail(404, "Not Found"),
            _ => uvicorn::detail(405, "Method Not Allowed"),
        }
    }
}
