//! TorchServe (Netty): the inference API (8080) and the management API
//! (8081).
//!
//! Facts copied (pytorch/serve at 62c4d6a, Mar 2025, frontend/server/src/
//! main/java/org/pytorch/serve):
//! - ServerInitializer.java: the handler chain starts with
//!   `ApiDescriptionRequestHandler`, then `TokenAuthorizationHandler`
//!   (inference or management), then the API handlers; so `GET
//!   /api-description` (and `OPTIONS /`) answer even with token
//!   authorization on.
//! - openapi/OpenApiUtils.java `listApis`: `info.title` "TorchServe APIs",
//!   `info.version` = the TorchServe version.
//! - http/TokenAuthorizationHandler.java (on by default since 0.11.0): no or
//!   wrong `Authorization: Bearer` → `InvalidKeyException` "Token
//!   Authorization failed. Token either incorrect, expired, or not provided
//!   correctly", a `ModelException`, which http/HttpRequestHandler.java
//!   answers with 400 and `ErrorResponse {code, type, message}`.
//! - api/rest/InferenceRequestHandler.java: `GET /ping` →
//!   `StatusResponse` `{"status": "Healthy"}`; ManagementRequestHandler:
//!   `GET /models` → `ListModelsResponse` `{"models": [{"modelName",
//!   "modelUrl"}]}`. Anything else → `InvalidRequestHandler` → 404
//!   `ResourceNotFoundException` "Requested resource is not found, please
//!   refer to API document.".
//! - util/NettyUtils.java: JSON is Gson's pretty form plus a newline,
//!   `content-type: application/json`, then `Pragma: no-cache`,
//!   `Cache-Control: no-cache; no-store, must-revalidate, private`,
//!   `Expires: Thu, 01 Jan 1970 00:00:00 UTC`, `content-length`, and
//!   `connection: close` for any status >= 400.

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Inference,
    Management,
}

pub(crate) struct TorchServe {
    l: Landscape,
    api: Api,
}

fn reply(req: &Req, status: u16, body: J) -> Response<Body> {
    let connection = if status >= 400 || !req.keep_alive() {
        "close"
    } else {
        "keep-alive"
    };
    let headers = vec![
        ("content-type", "application/json".to_string()),
        ("pragma", "no-cache".to_string()),
        (
            "cache-control",
            "no-cache; no-store, must-revalidate, private".to_string(),
        ),
        ("expires", "Thu, 01 Jan 1970 00:00:00 UTC".to_string()),
    ];
    let mut response = stack::bare(status, headers, body.pretty(": ", Escape::Go) + "\n");
    if let Ok(v) = http::HeaderValue::from_str(connection) {
        response.headers_mut().insert(http::header::CONNECTION, v);
    }
    response
}

fn error(req: &Req, status: u16, kind: &str, message: &str) -> Response<Body> {
    let body = J::Obj(vec![
        ("code", J::Int(i64::from(status))),
        ("type", J::s(kind)),
        ("message", J::s(message)),
    ]);
    reply(req, status, body)
}

impl TorchServe {
    pub fn new(l: Landscape, api: Api) -> Self {
        Self { l, api }
    }

    fn description(&self) -> J {
        let info = J::Obj(vec![
            ("title", J::s("TorchServe APIs")),
            (
                "description",
                J::s("TorchServe is a flexible and easy to use tool for serving deep learning models"),
            ),
            ("version", J::s(&self.l.version)),
        ]);
        let path = match self.api {
            Api::Inference => "/ping",
            Api::Management => "/models",
        };
        J::Obj(vec![
            ("openapi", J::s("3.0.1")),
            ("info", info),
            ("paths", J::Map(vec![(path.to_string(), J::Obj(vec![]))])),
        ])
    }
}

impl Handler for TorchServe {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        if path == "/api-description" || (path == "/" && req.method == Method::OPTIONS) {
            return reply(req, 200, self.description());
        }
        if self.l.auth {
            return error(
                req,
                400,
                "InvalidKeyException",
                "Token Authorization failed. Token either incorrect, expired, or not provided correctly",
            );
        }
        match (self.api, path) {
            (Api::Inference, "/ping") => reply(req, 200, J::Obj(vec![("status", J::s("Healthy"))])),
            (Api::Management, "/models") if req.method == Method::GET => {
                let models = self
                    .l
                    .items
                    .iter()
                    .map(|m| {
                        J::Obj(vec![
                            ("modelName", J::s(m)),
                            ("modelUrl", J::s(format!("{m}.mar"))),
                        ])
                    })
                    .collect();
                reply(req, 200, J::Obj(vec![("models", J::Arr(models))]))
            }
            _ => error(
                req,
                404,
                "ResourceNotFoundException",
                "Requested resource is not found, please refer to API document.",
            ),
        }
    }
}
