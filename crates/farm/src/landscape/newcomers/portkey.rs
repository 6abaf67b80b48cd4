//! The Portkey AI gateway (`@portkey-ai/gateway` on npm; Hono on Node,
//! port 8787). The open-source gateway has no authentication of its own:
//! it relays whatever the caller sends to the provider the caller names.
//!
//! Modelled on the released npm package 1.15.2 (build/start-server.js) and
//! the source at Portkey-AI/gateway v1.9.0 (src/index.ts,
//! src/middlewares/requestValidator/index.ts; also at v1.15.2), and checked
//! against the real 1.15.2
//! (tests/scan_newcomers_real.rs):
//! - `GET /` → `AI Gateway says hey!` (text/plain; charset=UTF-8).
//! - `GET /v1/models`, `POST /v1/chat/completions` without
//!   `x-portkey-provider`/`x-portkey-config` → 400
//!   `{"status":"failure","message":"Either x-portkey-config or
//!   x-portkey-provider header is required"}`.
//! - Unknown routes → 404 `{"message":"Not Found","ok":false}`.

use http::{Method, Response};

use super::node;
use crate::http::{Body, Handler, Req};

pub(crate) struct Portkey;

fn json(status: u16, body: &str) -> Response<Body> {
    node(
        status,
        vec![("content-type", "application/json".into())],
        body.into(),
    )
}

impl Handler for Portkey {
    fn respond(&self, req: &Req) -> Response<Body> {
        match (req.method.clone(), req.path.as_str()) {
            (Method::GET, "/") => node(
                200,
                vec![("content-type", "text/plain; charset=UTF-8".into())],
                "AI Gateway says hey!".into(),
            ),
            (Method::GET, "/v1/models")
            | (Method::POST, "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings") => {
                json(
                    400,
                    r#"{"status":"failure","message":"Either x-portkey-config or x-portkey-provider header is required"}"#,
                )
            }
            _ => json(404, r#"{"message":"Not Found","ok":false}"#),
        }
    }
}
