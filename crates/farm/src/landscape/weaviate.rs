//! Weaviate's REST API (Go, go-swagger; port 8080).
//!
//! Facts copied (weaviate/weaviate at adcffc5, Aug 2026):
//! - adapters/handlers/rest/middlewares.go `addHandleRoot`: `GET /` → 301,
//!   `Location: /v1`, body `{"links":{"href":"/v1","name":"api v1",
//!   "documentationHref":"https://weaviate.io/developers/weaviate/current/"}}`
//!   in every release from v1.28.0 to v1.39.0 (checked at those tags and
//!   v1.37.14, v1.38.11); only the unreleased default branch (commit
//!   57757a1694, Aug 2026, in no tag) says
//!   `https://docs.weaviate.io/weaviate`, which the farm serves for
//!   versions after 1.39 (no type set: Go sniffs text/plain); this wraps
//!   everything, auth included. Releases v1.0.0-v1.12.x link
//!   `https://www.semi.technology/documentation/weaviate/current/` instead
//!   (same file at v1.0.0, v1.5.0, v1.10.0, v1.12.0, v1.12.2; v1.13.0 is
//!   the first with weaviate.io/developers), which the farm serves below
//!   1.13.
//!   `addLiveAndReadyness`: `/v1/.well-known/live` and `/ready` → bare 200.
//!   `makeSetupMiddlewares`: `/v1` and `/v1/.well-known/openid-configuration`
//!   skip the anonymous-access check; every other route goes through it.
//! - usecases/auth/authentication/anonymous/middleware.go: with
//!   `AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=false` and no bearer token →
//!   401 `{"code":401,"message": "anonymous access not enabled. Please
//!   authenticate through one of the available methods: [API-keys]" }`
//!   (spacing as in the source).
//! - entities/models/meta.go `Meta`: grpcMaxMessageSize, hostname,
//!   modules, version (omitempty). `GET /v1/schema` → `{"classes":[...]}`.
//! - go-swagger's JSON producer: `application/json`, json.Encoder (newline);
//!   unknown route → 404 `{"code":404,"message":"path <p> was not found"}`.

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{self as h, Body, Handler, Req};
use crate::json::J;

pub(crate) struct Weaviate {
    l: Landscape,
}

impl Weaviate {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn class(name: &str) -> J {
        J::Obj(vec![
            ("class", J::s(name)),
            (
                "invertedIndexConfig",
                J::Obj(vec![(
                    "bm25",
                    J::Obj(vec![
                        ("b", J::Raw("0.75".into())),
                        ("k1", J::Raw("1.2".into())),
                    ]),
                )]),
            ),
            (
                "properties",
                J::Arr(vec![J::Obj(vec![
                    ("dataType", J::strs(["text"])),
                    ("name", J::s("title")),
                ])]),
            ),
            ("vectorizer", J::s("none")),
        ])
    }
}

impl Handler for Weaviate {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        if path == "/" {
            let released = r#"{"links":{"href":"/v1","name":"api v1","documentationHref":"https://weaviate.io/developers/weaviate/current/"}}"#;
            let main_branch = r#"{"links":{"href":"/v1","name":"api v1","documentationHref":"https://docs.weaviate.io/weaviate"}}"#;
            let semi = r#"{"links":{"href":"/v1","name":"api v1","documentationHref":"https://www.semi.technology/documentation/weaviate/current/"}}"#;
            let body = if after_1_39(&self.l.version) {
                main_branch
            } else if crate::release::release(&self.l.version) < (1, 13, 0) {
                semi
            } else {
                released
            };
            let headers = vec![
                ("location", "/v1".to_string()),
                ("content-type", "text/plain; charset=utf-8".to_string()),
            ];
            return h::go(301, headers, body);
        }
        if path == "/v1/.well-known/live" || path == "/v1/.well-known/ready" {
            return h::go(200, vec![], "");
        }
        let exempt = path == "/v1" || path == "/v1/.well-known/openid-configuration";
        if self.l.auth && !exempt {
            let body = r#"{"code":401,"message": "anonymous access not enabled. Please authenticate through one of the available methods: [API-keys]" }"#;
            return h::go(
                401,
                vec![("content-type", "text/plain; charset=utf-8".to_string())],
                body,
            );
        }
        match (&req.method, path) {
            (&Method::GET, "/v1") => {
                let link = |href: &str, name: &str| {
                    J::Obj(vec![("href", J::s(href)), ("name", J::s(name))])
                };
                stack::go_json(
                    200,
                    J::Obj(vec![(
                        "links",
                        J::Arr(vec![
                            link("/v1/meta", "Meta information about this instance/cluster"),
                            link("/v1/schema", "Schema of this instance/cluster"),
                        ]),
                    )]),
                    true,
                )
            }
            (&Method::GET, "/v1/meta") => stack::go_json(
                200,
                J::Obj(vec![
                    ("grpcMaxMessageSize", J::Int(104_858_000)),
                    ("hostname", J::s("http://[::]:8080")),
                    ("modules", J::Obj(vec![])),
                    ("version", J::s(&self.l.version)),
                ]),
                true,
            ),
            (&Method::GET, "/v1/schema") => {
                let classes = self.l.items.iter().map(|c| Self::class(c)).collect();
                stack::go_json(200, J::Obj(vec![("classes", J::Arr(classes))]), true)
            }
            _ => stack::go_json(
                404,
                J::Obj(vec![
                    ("code", J::Int(404)),
                    ("message", J::s(format!("path {path} was not found"))),
                ]),
                true,
            ),
        }
    }
}

/// Whether `version` is later than v1.39.x, the newest release checked.
fn after_1_39(version: &str) -> bool {
    let mut it = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0)) > (1, 39)
}
