//! Milvus: the RESTful v2 API on the proxy port (19530, shared with gRPC)
//! and the metrics/management port (9091).
//!
//! Facts copied (milvus-io/milvus):
//! - internal/distributed/proxy/service.go `authenticate` and
//!   httpserver/handler_v2.go `checkAuthorizationV2`: with
//!   `common.security.authorizationEnabled`, a request without valid
//!   credentials → 401 `{"code":1800,"message":"user hasn't
//!   authenticated"}` (gin.H: keys sorted; merr.ErrNeedAuthenticate).
//! - httpserver/handler_v2.go: `POST /v2/vectordb/collections/list` →
//!   `{"code":0,"data":[names]}`; every v2 route is POST. gin writes
//!   `application/json; charset=utf-8`; unknown routes get gin's 404
//!   "404 page not found".
//! - internal/http/router.go and healthz/healthz_handler.go: `GET /healthz`
//!   on 9091 → `WriteHeader` before the type is set, then "OK" (Go sniffs
//!   `text/plain; charset=utf-8`); `/webui/` serves the management UI
//!   (internal/http/webui/index.html, title "Milvus Management"). The
//!   webui's data API asks for credentials on fixed releases; the farm's
//!   9091 carries none of it, so it proves nothing about access.
//! - No HTTP route reports the version without credentials.

use http::{Method, Response};

use super::Landscape;
use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};

fn json(status: u16, body: J) -> Response<Body> {
    h::go(
        status,
        vec![("content-type", "application/json; charset=utf-8".into())],
        body.render(Escape::Go),
    )
}

fn not_found() -> Response<Body> {
    h::go(
        404,
        vec![("content-type", "text/plain".into())],
        "404 page not found",
    )
}

/// The proxy's RESTful API (19530).
pub(crate) struct MilvusRest {
    l: Landscape,
}

impl MilvusRest {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }
}

impl Handler for MilvusRest {
    fn respond(&self, req: &Req) -> Response<Body> {
        if req.method != Method::POST || !req.path.starts_with("/v2/vectordb/") {
            return not_found();
        }
        if self.l.auth {
            return json(
                401,
                J::Obj(vec![
                    ("code", J::Int(1800)),
                    ("message", J::s("user hasn't authenticated")),
                ]),
            );
        }
        match req.path.as_str() {
            "/v2/vectordb/collections/list" => json(
                200,
                J::Obj(vec![
                    ("code", J::Int(0)),
                    ("data", J::strs(self.l.items.clone())),
                ]),
            ),
            _ => json(
                200,
                J::Obj(vec![
                    ("code", J::Int(1100)),
                    ("message", J::s("aimap-farm: not emulated")),
                ]),
            ),
        }
    }
}

/// The metrics and management port (9091).
pub(crate) struct MilvusMetrics;

impl Handler for MilvusMetrics {
    fn respond(&self, req: &Req) -> Response<Body> {
        if req.method != Method::GET {
            return not_found();
        }
        match req.path.as_str() {
            "/healthz" => h::go(200, vec![("content-type", "text/plain; charset=utf-8".into())], "OK"),
            "/webui/" => h::go(
                200,
                vec![
                    ("accept-ranges", "bytes".into()),
                    ("content-type", "text/html; charset=utf-8".into()),
                ],
                "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"UTF-8\" />\n    <title>Milvus Management</title>\n  </head>\n  <body>\n    <div id=\"root\"></div>\n  </body>\n</html>\n",
            ),
            "/webui" => h::go(
                301,
                vec![
                    ("location", "/webui/".into()),
                    ("content-type", "text/html; charset=utf-8".into()),
                ],
                "<a href=\"/webui/\">Moved Permanently</a>.\n\n",
            ),
            _ => not_found(),
        }
    }
}
