//! Langflow (FastAPI; port 7860).
//!
//! Facts copied (langflow-ai/langflow src/backend/base/langflow):
//! - api/v1/endpoints.py `GET /api/v1/version` → `get_version_info()`:
//!   `{"version","main_version","package":"Langflow"}`; main.py `GET
//!   /health` → `{"status":"ok"}`, `GET /health_check` → status of chat
//!   and db.
//! - services/auth/utils.py `get_current_user` → `api_key_security`: with
//!   `LANGFLOW_AUTO_LOGIN` on and no key, releases up to 1.4 (and later
//!   ones with `LANGFLOW_SKIP_AUTH_AUTO_LOGIN=true`) act as the superuser;
//!   with auto-login off, 403 `{"detail":"An API key must be passed as
//!   query or header"}`. `GET /api/v1/flows/` lists the flows it can see.
//! - Served by uvicorn; FastAPI's 404 for the rest.

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

pub(crate) struct Langflow {
    l: Landscape,
}

impl Langflow {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }
}

impl Handler for Langflow {
    fn respond(&self, req: &Req) -> Response<Body> {
        if req.method != Method::GET {
            return stack::uvicorn_json(405, J::Obj(vec![("detail", J::s("Method Not Allowed"))]));
        }
        match req.path.as_str() {
            "/api/v1/version" => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("version", J::s(&self.l.version)),
                    ("main_version", J::s(&self.l.version)),
                    ("package", J::s("Langflow")),
                ]),
            ),
            "/health" => stack::uvicorn_json(200, J::Obj(vec![("status", J::s("ok"))])),
            "/health_check" => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("status", J::s("ok")),
                    ("chat", J::s("ok")),
                    ("db", J::s("ok")),
                ]),
            ),
            "/api/v1/flows/" if self.l.auth => stack::uvicorn_json(
                403,
                J::Obj(vec![(
                    "detail",
                    J::s("An API key must be passed as query or header"),
                )]),
            ),
            "/api/v1/flows/" => {
                let flows = self
                    .l
                    .items
                    .iter()
                    .map(|n| {
                        J::Obj(vec![
                            ("name", J::s(n)),
                            ("description", J::s("")),
                            ("id", J::s("0b8f3c6e-5a1d-4e2f-9c7b-8a6d5e4f3c2b")),
                            ("is_component", J::Bool(false)),
                            ("endpoint_name", J::Null),
                        ])
                    })
                    .collect();
                stack::uvicorn_json(200, J::Arr(flows))
            }
            _ => stack::uvicorn_not_found(),
        }
    }
}
