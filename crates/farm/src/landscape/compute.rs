//! Serving and compute front ends with no login of their own, or an
//! optional one: NVIDIA NIM for LLMs, PrivateGPT and the Dask dashboard.
//!
//! Facts copied:
//! - docs.nvidia.com/nim/large-language-models (API reference, 2.x; NIM is
//!   closed source): vLLM's OpenAI routes (`GET /v1/models` with vLLM's
//!   cards) plus NIM's management routes: `GET /v1/health/live` and
//!   `/v1/health/ready` (200), `GET /v1/version` → `{"release": <NIM
//!   release>, "api": <API version>}`, `GET /v1/metadata` (active profile,
//!   `modelInfo`, license). No authentication of its own.
//! - zylon-ai/private-gpt private_gpt/server: FastAPI; `GET /health` →
//!   `{"status":"ok"}`; `GET /v1/ingest/list` → `{"object":"list",
//!   "model":"private-gpt","data":[{"object":"ingest.document","doc_id",
//!   "doc_metadata"}]}`; with `server.auth.enabled` the routes depend on
//!   utils/auth.py `authenticated`: 401 `{"detail":"Not authenticated"}`
//!   and `WWW-Authenticate: Basic`. `/health` stays open. From v1.0.0
//!   (v1.0.0-rc1 .. v1.0.1) the ingest router's prefix is
//!   `/v1/artifacts`, so the list is `GET /v1/artifacts/list`, same answer
//!   and guard, its documents keyed by `artifact` instead of `doc_id`
//!   (server/ingest/ingest_router.py and model.py at v0.6.2 and v1.0.1).
//! - dask/distributed distributed/http/scheduler/json.py and
//!   http/health.py: `GET /json/identity.json` → `Scheduler.identity()`
//!   {type, id, address, services, started, workers}, written by Tornado
//!   (`json_encode`: spaced separators, `application/json;
//!   charset=UTF-8`); `GET /health` → "ok" (text/plain). Tornado names
//!   itself in `Server`.

use http::Response;

use super::openai::{card, list};
use super::stack;
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Nim,
    PrivateGpt,
    Dask,
}

pub(crate) struct Compute {
    l: Landscape,
    kind: Kind,
}

impl Compute {
    pub fn new(l: Landscape, kind: Kind) -> Self {
        Self { l, kind }
    }

    fn nim(&self, path: &str) -> Response<Body> {
        match path {
            "/v1/health/live" | "/v1/health/ready" => {
                stack::uvicorn(200, "", vec![], String::new())
            }
            "/v1/version" => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("release", J::s(&self.l.version)),
                    ("api", J::s("1.0.0")),
                ]),
            ),
            "/v1/metadata" => {
                let models = self
                    .l
                    .items
                    .iter()
                    .map(|m| {
                        J::Obj(vec![
                            ("modelUrl", J::s(format!("ngc://nim/{m}"))),
                            ("shortName", J::s(m)),
                        ])
                    })
                    .collect();
                stack::uvicorn_json(
                    200,
                    J::Obj(vec![
                        ("version", J::s(&self.l.version)),
                        ("modelInfo", J::Arr(models)),
                        ("repository_override", J::s("")),
                        ("assetInfo", J::Arr(vec![])),
                    ]),
                )
            }
            "/v1/models" => {
                let data = self
                    .l
                    .items
                    .iter()
                    .map(|m| J::Obj(card(m, "vllm")))
                    .collect();
                stack::uvicorn_json(200, list(data))
            }
            _ => stack::uvicorn_not_found(),
        }
    }

    fn private_gpt(&self, path: &str) -> Response<Body> {
        let v1 = !self.l.version.starts_with("0.");
        let (listing, key) = if v1 {
            ("/v1/artifacts/list", "artifact")
        } else {
            ("/v1/ingest/list", "doc_id")
        };
        match path {
            "/health" => stack::uvicorn_json(200, J::Obj(vec![("status", J::s("ok"))])),
            p if p == listing && self.l.auth => stack::uvicorn(
                401,
                "application/json",
                vec![("www-authenticate", "Basic".into())],
                r#"{"detail":"Not authenticated"}"#.into(),
            ),
            p if p == listing => {
                let docs = self
                    .l
                    .items
                    .iter()
                    .map(|f| {
                        J::Obj(vec![
                            ("object", J::s("ingest.document")),
                            (key, J::s("5f1c9a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b")),
                            (
                                "doc_metadata",
                                J::Obj(vec![("file_name", J::s(f)), ("page_label", J::s("1"))]),
                            ),
                        ])
                    })
                    .collect();
                stack::uvicorn_json(
                    200,
                    J::Obj(vec![
                        ("object", J::s("list")),
                        ("model", J::s("private-gpt")),
                        ("data", J::Arr(docs)),
                    ]),
                )
            }
            _ => stack::uvicorn_not_found(),
        }
    }

    fn dask(&self, path: &str) -> Response<Body> {
        let tornado = |status, content_type: &str, body: String| {
            stack::named(
                status,
                "TornadoServer/6.5.1",
                vec![("content-type", content_type.to_string())],
                body,
            )
        };
        match path {
            "/health" => tornado(200, "text/plain", "ok".into()),
            "/json/identity.json" => {
                let workers = self
                    .l
                    .items
                    .iter()
                    .map(|w| {
                        (
                            w.clone(),
                            J::Obj(vec![
                                ("type", J::s("Worker")),
                                ("id", J::s("dask-worker-0")),
                                ("host", J::s("10.0.0.12")),
                                ("nthreads", J::Int(8)),
                                ("memory_limit", J::Int(68_719_476_736)),
                            ]),
                        )
                    })
                    .collect();
                let identity = J::Obj(vec![
                    ("type", J::s("Scheduler")),
                    ("id", J::s("Scheduler-0d6a1f4c-2b7e-4f31-9c58-7e2d1a3b4c5d")),
                    ("address", J::s("tcp://10.0.0.10:8786")),
                    ("services", J::Obj(vec![("dashboard", J::Int(8787))])),
                    ("started", J::Raw("1754000000.123456".into())),
                    ("workers", J::Map(workers)),
                ]);
                tornado(
                    200,
                    "application/json; charset=UTF-8",
                    identity.render(Escape::Python),
                )
            }
            _ => tornado(
                404,
                "text/html; charset=UTF-8",
                "<html><title>404: Not Found</title><body>404: Not Found</body></html>".into(),
            ),
        }
    }
}

impl Handler for Compute {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        match self.kind {
            Kind::Nim => self.nim(path),
            Kind::PrivateGpt => self.private_gpt(path),
            Kind::Dask => self.dask(path),
        }
    }
}
