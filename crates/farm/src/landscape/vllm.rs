//! vLLM's OpenAI-compatible server (`vllm serve`, port 8000).
//!
//! Facts copied (vllm-project/vllm):
//! - vllm/entrypoints/openai/basic/api_router.py: `GET /version` →
//!   `{"version": VLLM_VERSION}` (JSONResponse); `GET /load` →
//!   `{"server_load": n}`.
//! - vllm/entrypoints/openai/protocol.py `ModelCard`/`ModelList`: id,
//!   object "model", created, owned_by "vllm", root, parent,
//!   max_model_len, permission[ModelPermission]; list object "list".
//! - vllm/entrypoints/serve/utils/server_utils.py `AuthenticationMiddleware`
//!   with `--api-key`/`VLLM_API_KEY`: only paths starting with
//!   `GUARDED_PREFIX = ("/v1", "/v2", "/inference", "/cohere")` need
//!   `Authorization: Bearer <key>`; otherwise 401
//!   `{"error":"Unauthorized"}`. `/version`, `/health`, `/metrics` stay open.
//! - `/health` answers 200 with an empty body (serve/instrumentator/health.py).
//! - Unknown paths get FastAPI's 404 `{"detail":"Not Found"}` (vLLM's own
//!   HTTPException handler is registered for FastAPI's subclass, which the
//!   router's 404 is not).
//! - Served by uvicorn (see stack.rs).

use http::{Method, Response};

use super::openai::{card, list, CREATED};
use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

const GUARDED_PREFIX: [&str; 4] = ["/v1", "/v2", "/inference", "/cohere"];

pub(crate) struct Vllm {
    l: Landscape,
}

impl Vllm {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn models(&self) -> J {
        let data = self
            .l
            .items
            .iter()
            .map(|m| {
                let mut fields = card(m, "vllm");
                fields.extend([
                    ("root", J::s(m)),
                    ("parent", J::Null),
                    ("max_model_len", J::Int(32768)),
                    ("permission", J::Arr(vec![permission()])),
                ]);
                J::Obj(fields)
            })
            .collect();
        list(data)
    }
}

/// vLLM's `ModelPermission` defaults.
fn permission() -> J {
    J::Obj(vec![
        ("id", J::s("modelperm-5f1c0e6a9d3b4f2e8a7c6b5d4e3f2a1b")),
        ("object", J::s("model_permission")),
        ("created", J::Int(CREATED)),
        ("allow_create_engine", J::Bool(false)),
        ("allow_sampling", J::Bool(true)),
        ("allow_logprobs", J::Bool(true)),
        ("allow_search_indices", J::Bool(false)),
        ("allow_view", J::Bool(true)),
        ("allow_fine_tuning", J::Bool(false)),
        ("organization", J::s("*")),
        ("group", J::Null),
        ("is_blocking", J::Bool(false)),
    ])
}

impl Handler for Vllm {
    fn respond(&self, req: &Req) -> Response<Body> {
        let guarded = GUARDED_PREFIX.iter().any(|p| req.path.starts_with(p));
        // The middleware skips OPTIONS and reads only the bearer scheme; the
        // farm holds no key, so every guarded request is refused.
        if self.l.auth && guarded && req.method != Method::OPTIONS {
            return stack::uvicorn_json(401, J::Obj(vec![("error", J::s("Unauthorized"))]));
        }
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/version") => {
                stack::uvicorn_json(200, J::Obj(vec![("version", J::s(&self.l.version))]))
            }
            (&Method::GET, "/health") => stack::uvicorn(200, "", vec![], String::new()),
            (&Method::GET, "/load") => {
                stack::uvicorn_json(200, J::Obj(vec![("server_load", J::Int(0))]))
            }
            (&Method::GET, "/v1/models") => stack::uvicorn_json(200, self.models()),
            _ => stack::uvicorn_not_found(),
        }
    }
}
