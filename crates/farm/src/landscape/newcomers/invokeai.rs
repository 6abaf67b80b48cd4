//! InvokeAI (FastAPI on uvicorn, port 9090).
//!
//! Modelled on invoke-ai/InvokeAI at v5.6.0 and v6.13.8
//! (invokeai/app/api_app.py, api/routers/app_info.py,
//! api/routers/model_manager.py, api/auth_dependencies.py,
//! services/config/config_default.py):
//! - `GET /api/v1/app/version` → `{"version": ...}` (5.x adds
//!   `"highlights": null`), with no user check in any release.
//! - `GET /openapi.json` → `info.title` `Invoke - Community Edition`.
//! - `GET /api/v2/models/` → `{"models": [...]}`. Single-user mode (the
//!   default, and the only mode before 6.x's `multiuser`) serves everyone
//!   as the built-in admin; with `multiuser: true` and no bearer token →
//!   401 `{"detail":"Authentication required"}`
//!   (`get_current_user_or_default`).

use http::{Method, Response};

use super::super::{stack, Landscape};
use super::at_least;
use crate::http::{Body, Handler, Req};
use crate::json::J;

pub(crate) struct InvokeAi {
    l: Landscape,
}

impl InvokeAi {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }
}

impl Handler for InvokeAi {
    fn respond(&self, req: &Req) -> Response<Body> {
        if req.method != Method::GET {
            return stack::uvicorn_not_found();
        }
        match req.path.as_str() {
            "/api/v1/app/version" => {
                let mut fields = vec![("version", J::s(&self.l.version))];
                if !at_least(&self.l.version, &[6]) {
                    fields.push(("highlights", J::Null));
                }
                stack::uvicorn_json(200, J::Obj(fields))
            }
            "/openapi.json" => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("openapi", J::s("3.1.0")),
                    (
                        "info",
                        J::Obj(vec![
                            ("title", J::s("Invoke - Community Edition")),
                            ("version", J::s("0.1.0")),
                        ]),
                    ),
                    ("paths", J::Obj(vec![])),
                ]),
            ),
            "/api/v2/models/" if self.l.auth && req.header("authorization").is_none() => {
                stack::uvicorn_json(
                    401,
                    J::Obj(vec![("detail", J::s("Authentication required"))]),
                )
            }
            "/api/v2/models/" => {
                let models = self
                    .l
                    .items
                    .iter()
                    .map(|name| {
                        J::Obj(vec![
                            ("key", J::s("4c1f7d2a-6b1e-4f0e-9d7a-2e5b8c9a0f11")),
                            ("name", J::s(name)),
                            ("base", J::s("sdxl")),
                            ("type", J::s("main")),
                            ("format", J::s("checkpoint")),
                        ])
                    })
                    .collect();
                stack::uvicorn_json(200, J::Obj(vec![("models", J::Arr(models))]))
            }
            _ => stack::uvicorn_not_found(),
        }
    }
}
