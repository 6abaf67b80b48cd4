//! LM Studio's local server (port 1234). LM Studio is closed source, so
//! these facts come from its documentation and from answers its users
//! published, not from code:
//! - lmstudio-ai/lmstudio-bug-tracker issue #618 (a full `curl -v` of 0.3.14):
//!   an unknown endpoint or method answers **200** with
//!   `{"error":"Unexpected endpoint or method. (<METHOD> <path>)"}` and
//!   Express's headers (`X-Powered-By: Express`, `application/json;
//!   charset=utf-8`, `Connection: keep-alive`, `Keep-Alive: timeout=5`);
//!   issues #1323, #2085 show the same for `GET /`.
//! - lmstudio.ai/docs (REST API): `GET /v1/models` → `{"data":[{"id",
//!   "object":"model","owned_by":"organization_owner"}],"object":"list"}`;
//!   `GET /api/v0/models` → `{"object":"list","data":[{"id","object":
//!   "model","type","publisher","arch","compatibility_type",
//!   "quantization","state","max_context_length"}]}`.
//! - lmstudio.ai/docs/developer/core/authentication (0.4.0+): off by
//!   default; once on, every API request needs `Authorization: Bearer`. The
//!   refusal's body is not documented: the farm answers 401 with an
//!   `{"error":...}` object and the rule relies on the status alone.
//!   Unknown paths keep their 200 "Unexpected endpoint" answer (the catch-all
//!   sits outside the API routes).
//! - No endpoint reports the app's version.

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

pub(crate) struct LmStudio {
    l: Landscape,
}

impl LmStudio {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn openai_models(&self) -> J {
        let data = self
            .l
            .items
            .iter()
            .map(|m| {
                J::Obj(vec![
                    ("id", J::s(m)),
                    ("object", J::s("model")),
                    ("owned_by", J::s("organization_owner")),
                ])
            })
            .collect();
        J::Obj(vec![("data", J::Arr(data)), ("object", J::s("list"))])
    }

    fn native_models(&self) -> J {
        let data = self
            .l
            .items
            .iter()
            .map(|m| {
                let publisher = m.split('/').next().unwrap_or("lmstudio-community");
                J::Obj(vec![
                    ("id", J::s(m)),
                    ("object", J::s("model")),
                    ("type", J::s("llm")),
                    ("publisher", J::s(publisher)),
                    ("arch", J::s("qwen2")),
                    ("compatibility_type", J::s("gguf")),
                    ("quantization", J::s("Q4_K_M")),
                    ("state", J::s("not-loaded")),
                    ("max_context_length", J::Int(32768)),
                ])
            })
            .collect();
        J::Obj(vec![("object", J::s("list")), ("data", J::Arr(data))])
    }
}

impl Handler for LmStudio {
    fn respond(&self, req: &Req) -> Response<Body> {
        let route = match (&req.method, req.path.as_str()) {
            (&Method::GET, "/v1/models") => Some(self.openai_models()),
            (&Method::GET, "/api/v0/models") => Some(self.native_models()),
            _ => None,
        };
        match route {
            Some(_) if self.l.auth => {
                let err = J::Obj(vec![("error", J::s("Unauthorized"))]);
                stack::express_json(401, err)
            }
            Some(body) => stack::express_json(200, body),
            None => {
                let target = match &req.query {
                    Some(q) => format!("{}?{q}", req.path),
                    None => req.path.clone(),
                };
                let message = format!("Unexpected endpoint or method. ({} {target})", req.method);
                stack::express_json(200, J::Obj(vec![("error", J::s(message))]))
            }
        }
    }
}
