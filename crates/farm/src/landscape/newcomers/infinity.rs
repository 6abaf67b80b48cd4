//! Infinity, the embedding and reranking server (`infinity-emb` on PyPI;
//! FastAPI on uvicorn, port 7997).
//!
//! Modelled on michaelfeil/infinity at 0.0.55 and 0.0.77
//! (libs/infinity_emb/infinity_emb/infinity_server.py,
//! fastapi_schemas/docs.py):
//! - `GET /openapi.json` is never guarded: `info.title` is
//!   `♾️ Infinity - Embedding Inference Server`, `info.version` the
//!   package version.
//! - `GET /models` → `{"data":[{"id", "stats", "capabilities", "backend",
//!   "embedding_dtype", "dtype", "revision", "lengths_via_tokenize",
//!   "device"}]}` (ORJSONResponse); with `--api-key` a `validate_token`
//!   dependency answers 401 `{"detail":"Unauthorized"}` with
//!   `WWW-Authenticate: Bearer`.
//! - `GET /health` → `{"unix": <float>}`.

use http::{Method, Response};

use super::super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct Infinity {
    l: Landscape,
}

impl Infinity {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn openapi(&self) -> J {
        J::Obj(vec![
            ("openapi", J::s("3.1.0")),
            (
                "info",
                J::Obj(vec![
                    ("title", J::s("♾️ Infinity - Embedding Inference Server")),
                    ("summary", J::s("Infinity is a high-throughput, low-latency REST API for serving text-embeddings, reranking models and clip.")),
                    ("version", J::s(&self.l.version)),
                ]),
            ),
            ("paths", J::Obj(vec![])),
        ])
    }

    fn models(&self) -> J {
        let data = self
            .l
            .items
            .iter()
            .map(|id| {
                J::Obj(vec![
                    ("id", J::s(id)),
                    (
                        "stats",
                        J::Obj(vec![
                            ("queue_fraction", J::Raw("0.0".into())),
                            ("queue_absolute", J::Int(0)),
                            ("results_pending", J::Int(0)),
                            ("batch_size", J::Int(32)),
                        ]),
                    ),
                    ("capabilities", J::strs(["embed"])),
                    ("backend", J::s("torch")),
                    ("embedding_dtype", J::s("float32")),
                    ("dtype", J::s("auto")),
                    ("revision", J::Null),
                    ("lengths_via_tokenize", J::Bool(false)),
                    ("device", J::s("cpu")),
                ])
            })
            .collect();
        J::Obj(vec![("data", J::Arr(data))])
    }
}

fn orjson(status: u16, body: J) -> Response<Body> {
    stack::uvicorn(
        status,
        "application/json",
        vec![],
        body.render(Escape::Rapid),
    )
}

impl Handler for Infinity {
    fn respond(&self, req: &Req) -> Response<Body> {
        if req.method != Method::GET {
            return stack::uvicorn_not_found();
        }
        match req.path.as_str() {
            "/openapi.json" => orjson(200, self.openapi()),
            "/health" => orjson(200, J::Obj(vec![("unix", J::Raw("1765000000.123".into()))])),
            "/models" if self.l.auth && req.header("authorization").is_none() => stack::uvicorn(
                401,
                "application/json",
                vec![("www-authenticate", "Bearer".into())],
                r#"{"detail":"Unauthorized"}"#.into(),
            ),
            "/models" => orjson(200, self.models()),
            _ => stack::uvicorn_not_found(),
        }
    }
}
