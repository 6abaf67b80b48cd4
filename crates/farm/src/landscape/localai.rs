//! LocalAI (Go, Echo; port 8080).
//!
//! Facts copied (mudler/LocalAI at 82c191a, Aug 2026):
//! - core/http/routes/localai.go: `GET /version` →
//!   `{"version": internal.PrintableVersion()}`, i.e. `"<version>
//!   (<commit>)"` (internal/version.go); `GET /.well-known/localai.json` →
//!   a map (Go sorts its keys): `endpoint_groups`, `endpoints`, `version`.
//! - core/http/endpoints/openai/list.go: `GET /v1/models` (also `/models`)
//!   → `{"object":"list","data":[{"id","object":"model"}]}`
//!   (schema.OpenAIModel has only id and object).
//! - core/http/auth/public_routes.go: `/.well-known/localai.json`,
//!   `/healthz`, `/readyz`, `/` stay public; with API keys
//!   (`LOCALAI_API_KEY`/`API_KEY`) everything else without a key →
//!   core/http/auth/middleware.go `authError`: `WWW-Authenticate: Bearer`,
//!   401 `{"error":{"code":401,"message":"An authentication key is
//!   required","type":"invalid_request_error"}}` (schema.APIError field
//!   order code, message, param (omitempty), type).
//! - core/http/render.go `notFoundHandler`: JSON clients get 404
//!   `{"error":{"code":404,"message":"Resource not found","type":""}}`.
//! - core/http/middleware/security_headers.go: CSP, `X-Content-Type-
//!   Options: nosniff`, `X-Frame-Options: SAMEORIGIN`, `Referrer-Policy`.
//! - Echo's `c.JSON` uses json.Encoder (trailing newline) and
//!   `application/json`; headers go out the Go net/http way.

use http::{Method, Response};

use super::openai::list;
use super::Landscape;
use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};

const PUBLIC: [&str; 4] = ["/.well-known/localai.json", "/healthz", "/readyz", "/"];

pub(crate) struct LocalAi {
    l: Landscape,
}

fn json(status: u16, body: J, mut extra: Vec<(&'static str, String)>) -> Response<Body> {
    let mut headers = vec![
        ("content-type", "application/json".to_string()),
        (
            "content-security-policy",
            "default-src 'self'; object-src 'none'; frame-ancestors 'self'".to_string(),
        ),
        ("x-content-type-options", "nosniff".to_string()),
        ("x-frame-options", "SAMEORIGIN".to_string()),
        (
            "referrer-policy",
            "strict-origin-when-cross-origin".to_string(),
        ),
    ];
    headers.append(&mut extra);
    h::go(status, headers, body.render(Escape::Go) + "\n")
}

fn error(code: i64, message: &str, kind: &str) -> J {
    J::Obj(vec![(
        "error",
        J::Obj(vec![
            ("code", J::Int(code)),
            ("message", J::s(message)),
            ("type", J::s(kind)),
        ]),
    )])
}

impl LocalAi {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn printable_version(&self) -> String {
        format!(
            "{} (1f0e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6)",
            self.l.version
        )
    }

    fn well_known(&self) -> J {
        let openai = J::Obj(vec![
            ("chat_completions", J::s("/v1/chat/completions")),
            ("completions", J::s("/v1/completions")),
            ("embeddings", J::s("/v1/embeddings")),
            ("models", J::s("/v1/models")),
        ]);
        J::Obj(vec![
            (
                "endpoint_groups",
                J::Obj(vec![("openai_compatible", openai)]),
            ),
            (
                "endpoints",
                J::Obj(vec![
                    ("chat_completions", J::s("/v1/chat/completions")),
                    ("models", J::s("/v1/models")),
                    ("swagger", J::s("/swagger/index.html")),
                ]),
            ),
            ("version", J::s(self.printable_version())),
        ])
    }
}

impl Handler for LocalAi {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        let public = req.method == Method::GET && PUBLIC.contains(&path);
        if self.l.auth && !public {
            let challenge = vec![("www-authenticate", "Bearer".to_string())];
            return json(
                401,
                error(
                    401,
                    "An authentication key is required",
                    "invalid_request_error",
                ),
                challenge,
            );
        }
        match (&req.method, path) {
            (&Method::GET, "/.well-known/localai.json") => json(200, self.well_known(), vec![]),
            (&Method::GET, "/version") => json(
                200,
                J::Obj(vec![("version", J::s(self.printable_version()))]),
                vec![],
            ),
            (&Method::GET, "/v1/models" | "/models") => {
                let data = self
                    .l
                    .items
                    .iter()
                    .map(|m| J::Obj(vec![("id", J::s(m)), ("object", J::s("model"))]))
                    .collect();
                json(200, list(data), vec![])
            }
            (&Method::GET, "/healthz" | "/readyz") => h::go(200, vec![], ""),
            _ => json(404, error(404, "Resource not found", ""), vec![]),
        }
    }
}
