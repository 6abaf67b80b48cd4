//! SGLang's runtime server (`python -m sglang.launch_server`, port 30000).
//!
//! Facts copied (sgl-project/sglang):
//! - python/sglang/srt/entrypoints/http_server.py: `GET /health` and
//!   `/health_generate` → 200, empty body; `GET /get_model_info` →
//!   `{"model_path","tokenizer_path","is_generation",
//!   "preferred_sampling_params","weight_version"}`; `GET /get_server_info`
//!   → the server args, scheduler info, `internal_states` and
//!   `"version": __version__`; `GET /v1/models` → `ModelList`.
//! - python/sglang/srt/entrypoints/openai/protocol.py `ModelCard`: id,
//!   object "model", created, owned_by "sglang", root, parent,
//!   max_model_len.
//! - python/sglang/srt/utils.py `add_api_key_middleware` (`--api-key`):
//!   OPTIONS, paths starting `/health` and `/metrics` pass; anything else
//!   without `Authorization: Bearer <key>` → 401 `{"error":"Unauthorized"}`
//!   (ORJSONResponse).
//! - Unknown paths: FastAPI's 404. Served by uvicorn.

use http::{Method, Response};

use super::openai::{card, list};
use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

pub(crate) struct Sglang {
    l: Landscape,
}

impl Sglang {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn model(&self) -> &str {
        self.l.items.first().map(String::as_str).unwrap_or("")
    }

    fn model_info(&self) -> J {
        J::Obj(vec![
            ("model_path", J::s(self.model())),
            ("tokenizer_path", J::s(self.model())),
            ("is_generation", J::Bool(true)),
            ("preferred_sampling_params", J::Null),
            ("weight_version", J::s("default")),
        ])
    }

    /// A short prefix of the real answer: the server args come first
    /// (dataclass field order), `version` last.
    fn server_info(&self) -> J {
        J::Obj(vec![
            ("model_path", J::s(self.model())),
            ("tokenizer_path", J::s(self.model())),
            ("tokenizer_mode", J::s("auto")),
            ("host", J::s("0.0.0.0")),
            ("port", J::Int(30000)),
            ("api_key", J::Null),
            ("max_total_num_tokens", J::Int(412_000)),
            ("internal_states", J::Arr(vec![])),
            ("version", J::s(&self.l.version)),
        ])
    }

    fn models(&self) -> J {
        let data = self
            .l
            .items
            .iter()
            .map(|m| {
                let mut fields = card(m, "sglang");
                fields.extend([
                    ("root", J::s(m)),
                    ("parent", J::Null),
                    ("max_model_len", J::Int(32768)),
                ]);
                J::Obj(fields)
            })
            .collect();
        list(data)
    }
}

impl Handler for Sglang {
    fn respond(&self, req: &Req) -> Response<Body> {
        let open_path = req.path.starts_with("/health") || req.path.starts_with("/metrics");
        if self.l.auth && !open_path && req.method != Method::OPTIONS {
            return stack::uvicorn_json(401, J::Obj(vec![("error", J::s("Unauthorized"))]));
        }
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/health" | "/health_generate") => {
                stack::uvicorn(200, "", vec![], String::new())
            }
            (&Method::GET, "/get_model_info") => stack::uvicorn_json(200, self.model_info()),
            (&Method::GET, "/get_server_info") => stack::uvicorn_json(200, self.server_info()),
            (&Method::GET, "/v1/models") => stack::uvicorn_json(200, self.models()),
            _ => stack::uvicorn_not_found(),
        }
    }
}
