//! The OpenAI model listing many servers copy, and a server that speaks
//! nothing else.
//!
//! Shapes from the OpenAI API reference (`GET /v1/models`: `{"object":
//! "list","data":[{"id","object":"model","created","owned_by"}]}`, errors
//! `{"error":{"message","type","param","code"}}`), which vLLM, SGLang,
//! llama.cpp and the rest reproduce with their own `owned_by`.
//!
//! [`Generic`] stands for the many OpenAI-compatible servers that carry no
//! product name at all: a small FastAPI proxy in front of some engine,
//! served by uvicorn, answering `owned_by: "openai"` (what the proxies that
//! pass OpenAI's own listing through show). It is deliberately not any
//! known product, so only the generic `openai-compatible` rule may claim it.

use http::{Method, Response};

use super::stack;
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::J;

/// A fixed creation time: emulated answers stay byte-for-byte stable.
pub(crate) const CREATED: i64 = 1_754_000_000;

/// One OpenAI model entry with the fields every server writes.
pub(crate) fn card(id: &str, owned_by: &str) -> Vec<(&'static str, J)> {
    vec![
        ("id", J::s(id)),
        ("object", J::s("model")),
        ("created", J::Int(CREATED)),
        ("owned_by", J::s(owned_by)),
    ]
}

/// `{"object":"list","data":[...]}`.
pub(crate) fn list(data: Vec<J>) -> J {
    J::Obj(vec![("object", J::s("list")), ("data", J::Arr(data))])
}

pub(crate) struct Generic {
    models: Vec<String>,
}

impl Generic {
    pub fn new(l: Landscape) -> Self {
        Self { models: l.items }
    }
}

impl Handler for Generic {
    fn respond(&self, req: &Req) -> Response<Body> {
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/v1/models") => {
                let data = self
                    .models
                    .iter()
                    .map(|m| J::Obj(card(m, "openai")))
                    .collect();
                stack::uvicorn_json(200, list(data))
            }
            (&Method::GET, "/health") => {
                stack::uvicorn_json(200, J::Obj(vec![("status", J::s("ok"))]))
            }
            _ => stack::uvicorn_not_found(),
        }
    }
}
