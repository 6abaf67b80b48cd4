//! Hugging Face text-generation-inference, the router (axum; the container
//! listens on 80, `text-generation-launcher` defaults to 3000, deployments
//! usually publish 8080).
//!
//! Facts copied (huggingface/text-generation-inference at db931fc, Jan 2026):
//! - router/src/server.rs `run`: info routes `GET /`, `/health`, `/ping`
//!   (health: 200, empty body), `GET /info` (`Info`), `GET /metrics`,
//!   `GET /v1/models` (`ModelsInfo`, one entry: id = owned_by = model_id,
//!   created 0); base routes (`POST /`, `/generate`, `/generate_stream`,
//!   `/v1/chat/completions`, `/v1/completions`, `/vertex`, `/invocations`,
//!   `/tokenize`) carry the `--api-key` middleware: no or wrong
//!   `Authorization: Bearer` → bare 401. The info routes never need it.
//! - router/src/lib.rs `Info` field order: model_id, model_sha,
//!   model_pipeline_tag, max_concurrent_requests, max_best_of,
//!   max_stop_sequences, max_input_tokens, max_total_tokens,
//!   validation_workers, max_client_batch_size, router
//!   ("text-generation-router"), version, sha, docker_label.
//! - CorsLayer with `AllowOrigin::any()` (default): `vary` and
//!   `access-control-allow-origin: *` on every answer (tower-http).
//! - axum: a route without the method → 405 with `allow` (the layered
//!   method router, so the API-key middleware answers 401 first); no route
//!   → 404; both with empty bodies.

use http::{Method, Response};

use super::openai::list;
use super::stack::{self, Headers};
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

/// POST-only routes behind the API-key middleware.
const BASE_ROUTES: [&str; 8] = [
    "/",
    "/generate",
    "/generate_stream",
    "/v1/chat/completions",
    "/v1/completions",
    "/vertex",
    "/invocations",
    "/tokenize",
];

pub(crate) struct Tgi {
    l: Landscape,
}

fn cors() -> Headers {
    vec![
        (
            "vary",
            "origin, access-control-request-method, access-control-request-headers".to_string(),
        ),
        ("access-control-allow-origin", "*".to_string()),
    ]
}

fn json(status: u16, body: J) -> Response<Body> {
    let mut headers = vec![("content-type", "application/json".to_string())];
    headers.extend(cors());
    stack::axum(status, headers, body.render(Escape::Rapid))
}

fn empty(status: u16, mut extra: Headers) -> Response<Body> {
    extra.extend(cors());
    stack::axum(status, extra, String::new())
}

impl Tgi {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn model(&self) -> &str {
        self.l.items.first().map(String::as_str).unwrap_or("")
    }

    fn info(&self) -> J {
        // `router` came in v2.0.3 (router/src/lib.rs); v0.6.0-v2.0.2, the
        // long-lived 1.4.x included, send the rest without it.
        let before_router = {
            let mut it = self
                .l
                .version
                .split('.')
                .map(|p| p.parse::<u64>().unwrap_or(0));
            (
                it.next().unwrap_or(0),
                it.next().unwrap_or(0),
                it.next().unwrap_or(0),
            ) < (2, 0, 3)
        };
        let mut fields = vec![
            ("model_id", J::s(self.model())),
            (
                "model_sha",
                J::s("a09a35458c702b33eeacc393d103063234e8bc28"),
            ),
            ("model_pipeline_tag", J::s("text-generation")),
            ("max_concurrent_requests", J::Int(128)),
            ("max_best_of", J::Int(2)),
            ("max_stop_sequences", J::Int(4)),
            ("max_input_tokens", J::Int(4095)),
            ("max_total_tokens", J::Int(4096)),
            ("validation_workers", J::Int(2)),
            ("max_client_batch_size", J::Int(4)),
            ("router", J::s("text-generation-router")),
            ("version", J::s(&self.l.version)),
            ("sha", J::s("db931fcf42da018a3657580c64bf2720f167f9ab")),
            ("docker_label", J::s("sha-db931fc")),
        ];
        if before_router {
            fields.retain(|(k, _)| !matches!(*k, "router" | "max_client_batch_size"));
        }
        J::Obj(fields)
    }

    fn models(&self) -> J {
        let entry = J::Obj(vec![
            ("id", J::s(self.model())),
            ("object", J::s("model")),
            ("created", J::Int(0)),
            ("owned_by", J::s(self.model())),
        ]);
        list(vec![entry])
    }
}

impl Handler for Tgi {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        let get = req.method == Method::GET || req.method == Method::HEAD;
        match path {
            "/" | "/health" | "/ping" if get => empty(200, vec![]),
            "/info" if get => json(200, self.info()),
            "/v1/models" if get => json(200, self.models()),
            "/metrics" if get => stack::axum(200, cors(), "tgi_request_count 0\n".into()),
            _ if BASE_ROUTES.contains(&path) => {
                if self.l.auth {
                    return empty(401, vec![]);
                }
                if req.method == Method::POST {
                    // Running a model is out of scope for the farm.
                    return json(
                        501,
                        J::Obj(vec![(
                            "error",
                            J::s("aimap-farm: generation is not emulated"),
                        )]),
                    );
                }
                let allow = if path == "/" { "GET,HEAD,POST" } else { "POST" };
                empty(405, vec![("allow", allow.to_string())])
            }
            _ => empty(404, vec![]),
        }
    }
}
