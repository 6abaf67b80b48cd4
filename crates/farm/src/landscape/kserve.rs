//! KServe's Python model server (PyPI `kserve`, `kserve.ModelServer`;
//! FastAPI on uvicorn with ORJSONResponse, HTTP port 8080), serving the
//! models in `l.items`.
//!
//! Modelled on the released wheel kserve 0.21.0 (kserve/model_server.py,
//! kserve/protocol/dataplane.py, kserve/protocol/rest/server.py,
//! v1_endpoints.py, v2_endpoints.py, kserve/errors.py; the repository's
//! kserve/kserve python/kserve/kserve/ at v0.21.0), checked against
//! 0.14.1 and 0.11.2, and on what the real 0.21.0 server answered to
//! tests/fixtures/kserve_model.py:
//! - `GET /` → `{"status":"alive"}`; `GET /v2` →
//!   `{"name":"kserve","version":<package>,"extensions":["model_repository_extension"]}`;
//!   `/v2/health/live` → `{"live":true}`, `/v2/health/ready` →
//!   `{"ready":true}`.
//! - `GET /v1/models` and `GET /v2/models` → `{"models":[...]}`;
//!   `GET /v1/models/<m>` and `/v2/models/<m>/ready` →
//!   `{"name":<m>,"ready":true}`; `GET /v2/models/<m>` →
//!   `{"name":<m>,"versions":null,"platform":"","inputs":[],"outputs":[]}`.
//! - A model that does not exist → 404
//!   `{"error":"Model with name <m> does not exist."}` (ModelNotFound), on
//!   `POST /v1/models/<m>:predict` before the body is read; a known model's
//!   predict answers the model's output (`{"predictions":[0]}`).
//! - `GET /openapi.json`: title "KServe ModelServer", the package version
//!   (paths abbreviated here to their names). /docs is off by default.
//! - No authentication of its own, so the product is open only.

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct KServe {
    l: Landscape,
}

impl KServe {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn known(&self, model: &str) -> bool {
        self.l.items.iter().any(|m| m == model)
    }

    fn openapi(&self) -> J {
        let paths = [
            "/",
            "/metrics",
            "/v1/models",
            "/v1/models/{model_name}",
            "/v1/models/{model_name}:predict",
            "/v1/models/{model_name}:explain",
            "/v2",
            "/v2/health/live",
            "/v2/health/ready",
            "/v2/models",
            "/v2/models/{model_name}",
            "/v2/models/{model_name}/ready",
            "/v2/models/{model_name}/infer",
            "/v2/repository/models/{model_name}/load",
            "/v2/repository/models/{model_name}/unload",
        ];
        J::Obj(vec![
            ("openapi", J::s("3.1.0")),
            (
                "info",
                J::Obj(vec![
                    ("title", J::s("KServe ModelServer")),
                    ("version", J::s(&self.l.version)),
                ]),
            ),
            (
                "paths",
                J::Obj(paths.iter().map(|p| (*p, J::Obj(vec![]))).collect()),
            ),
        ])
    }

    fn models(&self) -> J {
        J::Obj(vec![("models", J::strs(self.l.items.iter().cloned()))])
    }

    fn get(&self, path: &str) -> Response<Body> {
        match path {
            "/" => orjson(200, J::Obj(vec![("status", J::s("alive"))])),
            "/openapi.json" => orjson(200, self.openapi()),
            "/v2" => orjson(
                200,
                J::Obj(vec![
                    ("name", J::s("kserve")),
                    ("version", J::s(&self.l.version)),
                    ("extensions", J::strs(["model_repository_extension"])),
                ]),
            ),
            "/v2/health/live" => orjson(200, J::Obj(vec![("live", J::Bool(true))])),
            "/v2/health/ready" => orjson(200, J::Obj(vec![("ready", J::Bool(true))])),
            "/v1/models" | "/v2/models" => orjson(200, self.models()),
            _ => {
                let (model, ready) = if let Some(m) = path.strip_prefix("/v1/models/") {
                    (m, true)
                } else if let Some(m) = path
                    .strip_prefix("/v2/models/")
                    .and_then(|m| m.strip_suffix("/ready"))
                {
                    (m, true)
                } else if let Some(m) = path.strip_prefix("/v2/models/") {
                    (m, false)
                } else {
                    return stack::uvicorn_not_found();
                };
                if model.is_empty() || model.contains('/') {
                    return stack::uvicorn_not_found();
                }
                if !self.known(model) {
                    return not_found(model);
                }
                if ready {
                    orjson(
                        200,
                        J::Obj(vec![("name", J::s(model)), ("ready", J::Bool(true))]),
                    )
                } else {
                    orjson(
                        200,
                        J::Obj(vec![
                            ("name", J::s(model)),
                            ("versions", J::Null),
                            ("platform", J::s("")),
                            ("inputs", J::Arr(vec![])),
                            ("outputs", J::Arr(vec![])),
                        ]),
                    )
                }
            }
        }
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

fn not_found(model: &str) -> Response<Body> {
    orjson(
        404,
        J::Obj(vec![(
            "error",
            J::s(format!("Model with name {model} does not exist.")),
        )]),
    )
}

impl Handler for KServe {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        if req.method == Method::GET {
            return self.get(path);
        }
        if req.method != Method::POST {
            return stack::uvicorn_not_found();
        }
        let model = path
            .strip_prefix("/v1/models/")
            .and_then(|m| m.strip_suffix(":predict"))
            .or_else(|| {
                path.strip_prefix("/v2/models/")
                    .and_then(|m| m.strip_suffix("/infer"))
            });
        match model {
            Some(m) if !m.is_empty() && !m.contains('/') => {
                if self.known(m) {
                    orjson(200, J::Obj(vec![("predictions", J::Arr(vec![J::Int(0)]))]))
                } else {
                    not_found(m)
                }
            }
            _ => stack::uvicorn_not_found(),
        }
    }
}
