//! LocalAI (Go; Fiber up to v3.x, Echo from v4; port 8080), release by
//! release. Facts read in mudler/LocalAI at the tags named:
//!
//! - Version: `GET /version` → `{"version": internal.PrintableVersion()}` =
//!   `"<version> (<commit>)"` (internal/version.go, v1.24.1 … v4.9.0).
//!   `GET /.well-known/localai.json` (keys `endpoint_groups`, `endpoints`,
//!   `version`) exists from v4.1.1 and stays public with keys
//!   (core/http/auth/public_routes.go).
//! - `GET /v1/models` → `{"object":"list","data":[{"id","object":"model"}]}`
//!   (core/http/endpoints/openai/list.go).
//! - How `--api-keys` refuses, five schemes:
//!   * v1.24.1 - v2.20.x (`Old`): a per-route `auth` func (api/api.go, then
//!     core/http/app.go at v2.20.0) on the API routes, `/version` included:
//!     401 `{"message":"Authorization header missing"}` without a header.
//!   * v2.21.0 - v2.23.x (`KeyAuth`): global fiber keyauth
//!     (core/http/middleware/auth.go at v2.22.0): 403, text, the sanitised
//!     error `missing or malformed API Key`.
//!   * v2.24.0 - v4.1.0 (`LoginPage`): the same middleware renders
//!     `views/login` with 401 and `WWW-Authenticate: Bearer` (v2.24.0: a
//!     bare page titled "Open Authenticated Website"; from v2.28.0 the page
//!     shows `alt="LocalAI Logo"` and "Instance is token protected");
//!     from v3.8.0 a request with `Content-Type: application/json` gets 401
//!     `{"error":{"code":401,"message":"An authentication key is required",
//!     "type":"invalid_request_error"}}` instead (v4.0.0 middleware/auth.go).
//!   * v4.1.1 - v4.8.x (`ApiPaths`): core/http/auth/middleware.go guards only
//!     `isAPIPath` prefixes (/api/, /v1/, /models/, /chat/, ...): `/version`
//!     and `POST /mcp/chat/completions` (routes/localai.go, from v3.7.0)
//!     answer without the key. `authError` answers JSON (the error above).
//!   * v4.9.0 on (`PublicList`): "protect HTTP routes by default" (#11602):
//!     only publicRouteRegistry is open.
//! - `POST /mcp/chat/completions` whose body is not JSON stops in
//!   RequestExtractor.SetModelAndConfig (middleware/request.go at v4.8.2):
//!   400, the app's HTTPErrorHandler JSON (app.go), message
//!   `code=400, message=failed parsing request body: ...`; no model runs.
//! - core/http/render.go `notFoundHandler`: 404 JSON "Resource not found".
//! - Headers go out the Go net/http way (both frameworks sit on net/http);
//!   Fiber's JSON has no trailing newline, Echo's has: not modelled.

use http::{Method, Response};

use super::openai::list;
use super::Landscape;
use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};

/// Public without a key from v4.9.0 (a subset of publicRouteRegistry).
const PUBLIC: [&str; 4] = ["/.well-known/localai.json", "/healthz", "/readyz", "/"];

/// The prefixes `isAPIPath` guards in v4.1.1 - v4.8.x (a subset).
const API_PREFIXES: [&str; 6] = [
    "/api/",
    "/v1/",
    "/models/",
    "/chat/",
    "/completions",
    "/embeddings",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scheme {
    Old,
    KeyAuth,
    LoginPage,
    ApiPaths,
    PublicList,
}

fn parse(version: &str) -> (u64, u64, u64) {
    let mut it = version
        .trim_start_matches('v')
        .split(['.', '-'])
        .map(|p| p.parse::<u64>().unwrap_or(0));
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

fn scheme(v: (u64, u64, u64)) -> Scheme {
    if v < (2, 21, 0) {
        Scheme::Old
    } else if v < (2, 24, 0) {
        Scheme::KeyAuth
    } else if v < (4, 1, 1) {
        Scheme::LoginPage
    } else if v < (4, 9, 0) {
        Scheme::ApiPaths
    } else {
        Scheme::PublicList
    }
}

pub(crate) struct LocalAi {
    l: Landscape,
    v: (u64, u64, u64),
}

fn json(status: u16, body: J, mut extra: Vec<(&'static str, String)>) -> Response<Body> {
    let mut headers = vec![("content-type", "application/json".to_string())];
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

fn bearer() -> Vec<(&'static str, String)> {
    vec![("www-authenticate", "Bearer".to_string())]
}

impl LocalAi {
    pub fn new(l: Landscape) -> Self {
        let v = parse(&l.version);
        Self { l, v }
    }

    fn printable_version(&self) -> String {
        format!(
            "{} (1f0e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6)",
            self.l.version
        )
    }

    /// Whether this request gets past `--api-keys` without one.
    fn passes(&self, req: &Req) -> bool {
        if !self.l.auth {
            return true;
        }
        let path = req.path.as_str();
        match scheme(self.v) {
            Scheme::Old => !(path == "/version" || path.starts_with("/v1/") || path == "/models"),
            Scheme::KeyAuth | Scheme::LoginPage => false,
            Scheme::ApiPaths => !API_PREFIXES.iter().any(|p| path.starts_with(p)),
            Scheme::PublicList => req.method == Method::GET && PUBLIC.contains(&path),
        }
    }

    fn refuse(&self, req: &Req) -> Response<Body> {
        let key_required = || {
            json(
                401,
                error(
                    401,
                    "An authentication key is required",
                    "invalid_request_error",
                ),
                bearer(),
            )
        };
        match scheme(self.v) {
            Scheme::Old => json(
                401,
                J::Obj(vec![("message", J::s("Authorization header missing"))]),
                vec![],
            ),
            Scheme::KeyAuth => h::go(
                403,
                vec![("content-type", "text/plain; charset=utf-8".to_string())],
                "missing or malformed API Key",
            ),
            Scheme::LoginPage => {
                let wants_json = req
                    .header("content-type")
                    .is_some_and(|c| c.contains("application/json"));
                if wants_json && self.v >= (3, 8, 0) {
                    return key_required();
                }
                let mut headers = bearer();
                headers.push(("content-type", "text/html; charset=utf-8".to_string()));
                h::go(401, headers, self.login_page())
            }
            Scheme::ApiPaths | Scheme::PublicList => key_required(),
        }
    }

    fn login_page(&self) -> String {
        if self.v < (2, 28, 0) {
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<title>Open Authenticated Website</title>\n</head>\n<body>\n<h1>Authorization is required</h1>\n<input type=\"text\" id=\"token\" placeholder=\"Token\" />\n</body>\n</html>\n".to_string()
        } else {
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>LocalAI - Login</title></head>\n<body>\n<img src=\"static/logo.png\" alt=\"LocalAI Logo\" class=\"h-32\">\n<p>Please enter your access token to continue</p>\n<span>Instance is token protected</span>\n</body>\n</html>\n".to_string()
        }
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
        if !self.passes(req) {
            return self.refuse(req);
        }
        let well_known = self.v >= (4, 1, 1);
        let mcp = self.v >= (3, 7, 0);
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/.well-known/localai.json") if well_known => {
                json(200, self.well_known(), vec![])
            }
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
            (&Method::POST, "/mcp/chat/completions") if mcp => {
                if serde_json::from_slice::<serde_json::Value>(&req.body).is_ok() {
                    // A valid body would reach the model: the farm never
                    // models that, and aimap never sends one.
                    return json(500, error(500, "emulator: no model runs here", ""), vec![]);
                }
                json(
                    400,
                    error(
                        400,
                        "code=400, message=failed parsing request body: unexpected EOF",
                        "",
                    ),
                    vec![],
                )
            }
            (&Method::GET, "/healthz" | "/readyz") => h::go(200, vec![], ""),
            _ => json(404, error(404, "Resource not found", ""), vec![]),
        }
    }
}
