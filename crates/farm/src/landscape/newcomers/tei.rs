//! Hugging Face Text Embeddings Inference (Rust, axum; router default port
//! 3000, 80 in the images).
//!
//! Modelled on huggingface/text-embeddings-inference router/src/http/server.rs
//! and router/src/lib.rs at v1.2.0 and v1.9.3:
//! - `GET /info` → `Info` in field order: `model_id`, `model_sha`,
//!   `model_dtype`, (`served_model_name` from v1.9), `model_type`
//!   (`{"embedding":{"pooling":"cls"}}`, serde lowercase enum),
//!   `max_concurrent_requests`, `max_input_length`, `max_batch_tokens`,
//!   `max_batch_requests`, `max_client_batch_size`, (`auto_truncate`),
//!   `tokenization_workers`, `version`, `sha`, `docker_label`.
//! - `--api-key` layers a middleware over the API routes only (`/info`,
//!   `/embed`, `/v1/embeddings`, ...): anything but `Authorization: Bearer
//!   <key>` → 401 with an empty body (`Err(StatusCode::UNAUTHORIZED)`).
//!   `/health`, `/`, `/ping` and `/metrics` stay public.
//! - `POST /embed` with a body that is not JSON → axum's `Json` rejection,
//!   422/400 text/plain, once past the key layer.
//! - `GET /metrics` → Prometheus text with `te_*` series.

use http::{Method, Response};

use super::super::{stack, Landscape};
use super::at_least;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct Tei {
    l: Landscape,
}

impl Tei {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn info(&self) -> J {
        let model = self.l.items.first().cloned().unwrap_or_default();
        let newer = at_least(&self.l.version, &[1, 9]);
        let mut fields = vec![
            ("model_id", J::s(&model)),
            ("model_sha", J::Null),
            ("model_dtype", J::s("float16")),
        ];
        if newer {
            fields.push(("served_model_name", J::s(&model)));
        }
        fields.extend([
            (
                "model_type",
                J::Obj(vec![("embedding", J::Obj(vec![("pooling", J::s("cls"))]))]),
            ),
            ("max_concurrent_requests", J::Int(512)),
            ("max_input_length", J::Int(512)),
            ("max_batch_tokens", J::Int(16384)),
            ("max_batch_requests", J::Null),
            ("max_client_batch_size", J::Int(32)),
        ]);
        if newer {
            fields.push(("auto_truncate", J::Bool(false)));
        }
        fields.extend([
            ("tokenization_workers", J::Int(8)),
            ("version", J::s(&self.l.version)),
            ("sha", J::Null),
            ("docker_label", J::Null),
        ]);
        J::Obj(fields)
    }

    fn keyed(&self, req: &Req) -> bool {
        self.l.auth && req.header("authorization") != Some("Bearer sk-test")
    }
}

impl Handler for Tei {
    fn respond(&self, req: &Req) -> Response<Body> {
        let ok_json = |j: J| {
            stack::axum(
                200,
                vec![("content-type", "application/json".into())],
                j.render(Escape::Rapid),
            )
        };
        match (req.method.clone(), req.path.as_str()) {
            (Method::GET, "/health" | "/" | "/ping") => stack::axum(200, vec![], String::new()),
            (Method::GET, "/metrics") => stack::axum(
                200,
                vec![("content-type", "text/plain; charset=utf-8".into())],
                "# TYPE te_request_count counter\nte_request_count{method=\"single\"} 3\n".into(),
            ),
            (_, "/info" | "/embed" | "/v1/embeddings" | "/rerank" | "/tokenize")
                if self.keyed(req) =>
            {
                stack::axum(401, vec![], String::new())
            }
            (Method::GET, "/info") => ok_json(self.info()),
            (Method::POST, "/embed" | "/v1/embeddings") => {
                if serde_json::from_slice::<serde_json::Value>(&req.body).is_err() {
                    stack::axum(
                        400,
                        vec![("content-type", "text/plain; charset=utf-8".into())],
                        "Failed to parse the request body as JSON: expected value at line 1 column 1"
                            .into(),
                    )
                } else {
                    stack::axum(
                        422,
                        vec![("content-type", "application/json".into())],
                        r#"{"error":"Input validation error: `inputs` cannot be empty","error_type":"Validation"}"#.into(),
                    )
                }
            }
            _ => stack::axum(404, vec![], String::new()),
        }
    }
}
