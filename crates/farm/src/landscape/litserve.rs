//! Lightning AI LitServe (PyPI `litserve`; FastAPI on uvicorn, port 8000),
//! serving one LitAPI on the default `/predict`.
//!
//! Modelled on the released wheel litserve 0.2.19 (litserve/server.py,
//! the repository's Lightning-AI/LitServe src/litserve/server.py at
//! v0.2.19), and on what the real 0.2.19 server answered to
//! tests/fixtures/litserve_app.py, whose bodies below are copied byte for
//! byte:
//! - `GET /` → 200 `litserve running`, no content-type (a bare
//!   `Response(content=...)`); `GET /health` → `ok`; `GET /info` → the
//!   server configuration (`_register_internal_endpoints`).
//! - `POST /predict`: the handler parses the body itself
//!   (`_prepare_request`); an invalid body → 500
//!   `{"detail":"Internal server error"}` before anything is queued, a
//!   valid one is the model's answer (`{"output":42}` for the fixture).
//!   `GET /predict` → FastAPI's 405 with `allow: POST`.
//! - `auth` true is `LIT_SERVER_API_KEY`: `api_key_auth`
//!   (`APIKeyHeader(name="X-API-Key")`) guards `/`, /health, /info and
//!   /predict alike: no header → 401 `{"detail":"Not authenticated"}` with
//!   `www-authenticate: APIKey` (fastapi/security/api_key.py, FastAPI
//!   0.165), a wrong key → 401 "Invalid API Key. ...".
//! - `GET /openapi.json` is never guarded: FastAPI's default title and
//!   version ("FastAPI", "0.1.0"), the model route's operationId
//!   `endpoint_handler_predict_post` (0.2.11+), and with the key each
//!   operation's `security` and the `APIKeyHeader` scheme.
//!
//! LitServe reports no version over HTTP, so `l.version` is not served.

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};

const OPENAPI_OPEN: &str = r#"{"openapi":"3.1.0","info":{"title":"FastAPI","version":"0.1.0"},"paths":{"/":{"get":{"summary":"Index","operationId":"index__get","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}}}},"/health":{"get":{"summary":"Health","operationId":"health_health_get","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}}}},"/info":{"get":{"summary":"Info","operationId":"info_info_get","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}}}},"/predict":{"post":{"summary":"Endpoint Handler","operationId":"endpoint_handler_predict_post","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}}}}}}"#;

const OPENAPI_KEYED: &str = r#"{"openapi":"3.1.0","info":{"title":"FastAPI","version":"0.1.0"},"paths":{"/":{"get":{"summary":"Index","operationId":"index__get","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}},"security":[{"APIKeyHeader":[]}]}},"/health":{"get":{"summary":"Health","operationId":"health_health_get","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}},"security":[{"APIKeyHeader":[]}]}},"/info":{"get":{"summary":"Info","operationId":"info_info_get","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}},"security":[{"APIKeyHeader":[]}]}},"/predict":{"post":{"summary":"Endpoint Handler","operationId":"endpoint_handler_predict_post","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}},"security":[{"APIKeyHeader":[]}]}}},"components":{"securitySchemes":{"APIKeyHeader":{"type":"apiKey","in":"header","name":"X-API-Key"}}}}"#;

const INFO: &str = r#"{"model":null,"server":{"devices":["cpu"],"workers_per_device":1,"timeout":30,"stream":{"/predict":false},"max_payload_size":null,"track_requests":false}}"#;

/// The key the emulator accepts when `auth` is on.
const API_KEY: &str = "aimap-farm-litserve-key";

pub(crate) struct LitServe {
    l: Landscape,
}

impl LitServe {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    /// `api_key_auth`, or nothing when no key is set.
    fn refused(&self, req: &Req) -> Option<Response<Body>> {
        if !self.l.auth {
            return None;
        }
        match req.header("x-api-key") {
            Some(API_KEY) => None,
            None => Some(stack::uvicorn(
                401,
                "application/json",
                vec![("www-authenticate", "APIKey".into())],
                r#"{"detail":"Not authenticated"}"#.into(),
            )),
            Some(_) => Some(json(
                401,
                r#"{"detail":"Invalid API Key. Check that you are passing a correct 'X-API-Key' in your header."}"#,
            )),
        }
    }
}

fn json(status: u16, body: &str) -> Response<Body> {
    stack::uvicorn(status, "application/json", vec![], body.into())
}

fn method_not_allowed(allow: &str) -> Response<Body> {
    stack::uvicorn(
        405,
        "application/json",
        vec![("allow", allow.into())],
        r#"{"detail":"Method Not Allowed"}"#.into(),
    )
}

impl Handler for LitServe {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        if path == "/openapi.json" && req.method == Method::GET {
            let doc = if self.l.auth {
                OPENAPI_KEYED
            } else {
                OPENAPI_OPEN
            };
            return json(200, doc);
        }
        let (route_method, allow) = match path {
            "/" | "/health" | "/info" => (Method::GET, "GET"),
            "/predict" => (Method::POST, "POST"),
            _ => return stack::uvicorn_not_found(),
        };
        if req.method != route_method {
            return method_not_allowed(allow);
        }
        if let Some(refusal) = self.refused(req) {
            return refusal;
        }
        match path {
            "/" => stack::uvicorn(200, "", vec![], "litserve running".into()),
            "/health" => stack::uvicorn(200, "", vec![], "ok".into()),
            "/info" => json(200, INFO),
            _ => match serde_json::from_slice::<serde_json::Value>(&req.body) {
                Ok(_) => json(200, r#"{"output":42}"#),
                Err(_) => json(500, r#"{"detail":"Internal server error"}"#),
            },
        }
    }
}
