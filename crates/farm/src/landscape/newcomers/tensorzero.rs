//! The TensorZero gateway (Rust, axum; port 3000).
//!
//! Modelled on tensorzero/tensorzero at 2025.9.0 and 2026.4.1
//! (gateway/src/main.rs, later crates/gateway/src/router.rs;
//! crates/tensorzero-core/src/endpoints/status.rs;
//! crates/tensorzero-auth/src/middleware.rs, from 2025.12):
//! - Every answer carries `x-tensorzero-gateway-version: <version>`
//!   (`add_version_header`).
//! - `GET /status` → `{"status":"ok","version":...,"config_hash":...}`,
//!   never authenticated (`UNAUTHENTICATED_ROUTES` = /status, /health).
//! - With `gateway.auth.enabled`, every other route without
//!   `Authorization: Bearer` → 401 `{"error":"TensorZero authentication
//!   error: Authorization header is required"}`, and on `/openai/v1/*`
//!   the OpenAI shape `{"error":{"message":...}}`.
//! - `GET /metrics` → Prometheus text (`tensorzero_*` series);
//!   `POST /openai/v1/chat/completions` with a body that is not JSON →
//!   400 once past auth.

use http::{Method, Response};

use super::super::{stack, Landscape};
use crate::http::{Body, Handler, Req};

pub(crate) struct TensorZero {
    l: Landscape,
}

impl TensorZero {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn answer(&self, status: u16, content_type: &str, body: String) -> Response<Body> {
        stack::axum(
            status,
            vec![
                ("content-type", content_type.to_string()),
                ("x-tensorzero-gateway-version", self.l.version.clone()),
            ],
            body,
        )
    }
}

const REFUSAL: &str = "TensorZero authentication error: Authorization header is required";

impl Handler for TensorZero {
    fn respond(&self, req: &Req) -> Response<Body> {
        let json = "application/json";
        let path = req.path.as_str();
        if req.method == Method::GET && path == "/status" {
            let body = format!(
                r#"{{"status":"ok","version":"{}","config_hash":"3a9f1c0b7d2e"}}"#,
                self.l.version
            );
            return self.answer(200, json, body);
        }
        if req.method == Method::GET && path == "/health" {
            return self.answer(
                200,
                json,
                r#"{"gateway":"ok","clickhouse":"ok","postgres":"ok"}"#.into(),
            );
        }
        if self.l.auth && req.header("authorization").is_none() {
            let body = if path.starts_with("/openai/v1") {
                format!(r#"{{"error":{{"message":"{REFUSAL}"}}}}"#)
            } else {
                format!(r#"{{"error":"{REFUSAL}"}}"#)
            };
            return self.answer(401, json, body);
        }
        match (req.method.clone(), path) {
            (Method::GET, "/metrics") => self.answer(
                200,
                "text/plain; charset=utf-8",
                "# TYPE tensorzero_requests_total counter\ntensorzero_requests_total{endpoint=\"inference\"} 12\n".into(),
            ),
            (Method::POST, "/openai/v1/chat/completions") => self.answer(
                400,
                json,
                r#"{"error":{"message":"Failed to parse the request body as JSON: expected value at line 1 column 1"}}"#.into(),
            ),
            // endpoints/fallback.rs: ErrorDetails::RouteNotFound.
            (method, _) => self.answer(
                404,
                json,
                format!(r#"{{"error":"Route not found: {method} {path}"}}"#),
            ),
        }
    }
}
