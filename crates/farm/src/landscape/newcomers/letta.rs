//! Letta, the stateful-agents server (FastAPI on uvicorn, port 8283).
//!
//! Modelled on letta-ai/letta at 0.11.7 and 0.16.8
//! (letta/server/rest_api/app.py, routers/v1/health.py, routers/v1/agents.py,
//! middleware/check_password.py, letta/schemas/health.py):
//! - `GET /v1/health/` → `Health(version, status="ok")`, i.e.
//!   `{"version":...,"status":"ok"}`, always outside the password check.
//! - `GET /openapi.json` → `info.title` `Letta`, `info.version`.
//! - `GET /v1/agents/` → a JSON array of agent states.
//! - `LETTA_SERVER_SECURE=true` (or `--secure`) adds
//!   `CheckPasswordMiddleware`: everything but the health (and, from
//!   0.16, readiness) paths needs `Authorization: Bearer <password>` or
//!   `X-BARE-PASSWORD: password <password>`, else 401
//!   `{"detail":"Unauthorized"}`.

use http::{Method, Response};

use super::super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

pub(crate) struct Letta {
    l: Landscape,
}

impl Letta {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }
}

impl Handler for Letta {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        if matches!(path, "/v1/health/" | "/v1/health" | "/latest/health/") {
            return stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("version", J::s(&self.l.version)),
                    ("status", J::s("ok")),
                ]),
            );
        }
        if self.l.auth && req.header("authorization").is_none() {
            return stack::uvicorn_json(401, J::Obj(vec![("detail", J::s("Unauthorized"))]));
        }
        if req.method != Method::GET {
            return stack::uvicorn_not_found();
        }
        match path {
            "/openapi.json" => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("openapi", J::s("3.1.0")),
                    (
                        "info",
                        J::Obj(vec![
                            ("title", J::s("Letta")),
                            (
                                "summary",
                                J::s(
                                    "Create LLM agents with long-term memory and custom tools 📚🦙",
                                ),
                            ),
                            ("version", J::s(&self.l.version)),
                        ]),
                    ),
                    ("paths", J::Obj(vec![])),
                ]),
            ),
            "/v1/agents/" => {
                let agents = self
                    .l
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, name)| {
                        J::Obj(vec![
                            (
                                "id",
                                J::s(format!("agent-00000000-0000-4000-8000-00000000000{i}")),
                            ),
                            ("name", J::s(name)),
                            ("agent_type", J::s("memgpt_agent")),
                        ])
                    })
                    .collect();
                stack::uvicorn_json(200, J::Arr(agents))
            }
            _ => stack::uvicorn_not_found(),
        }
    }
}
