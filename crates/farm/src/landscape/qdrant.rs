//! Qdrant's REST API (actix-web; port 6333).
//!
//! Facts copied (qdrant/qdrant at 74f3e85, Aug 2026):
//! - src/actix/mod.rs: `#[get("/")] index` → lib/api/src/rest/models.rs
//!   `VersionInfo {title: "qdrant - vector search engine", version,
//!   commit}`; the API-key whitelist is `/` (exact), `/healthz` (exact),
//!   `/readyz` and `/livez` (prefixes), plus the web UI.
//! - lib/api/src/rest/models.rs `ApiResponse {result, status, time}` with
//!   `status` serialised snake_case ("ok"); `GET /collections` → result
//!   `{"collections":[{"name":...}]}`.
//! - src/actix/auth.rs + src/common/auth/mod.rs: with
//!   `QDRANT__SERVICE__API_KEY` set, a request without `api-key` or a
//!   bearer token → `HttpResponse::Unauthorized().body("Must provide an API
//!   key or an Authorization bearer token")`.
//! - `GET /healthz` → "healthz check passed" (text/plain).

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct Qdrant {
    l: Landscape,
}

fn json(status: u16, body: J) -> Response<Body> {
    stack::actix(status, Some("application/json"), body.render(Escape::Rapid))
}

impl Qdrant {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn whitelisted(path: &str) -> bool {
        path == "/"
            || path == "/healthz"
            || path.starts_with("/readyz")
            || path.starts_with("/livez")
    }
}

impl Handler for Qdrant {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        if self.l.auth && !Self::whitelisted(path) {
            return stack::actix(
                401,
                None,
                "Must provide an API key or an Authorization bearer token".into(),
            );
        }
        if req.method != Method::GET {
            return stack::actix(404, None, String::new());
        }
        match path {
            "/" => json(
                200,
                J::Obj(vec![
                    ("title", J::s("qdrant - vector search engine")),
                    ("version", J::s(&self.l.version)),
                    ("commit", J::s("74f3e85b9473c62560006c043e13737ce6b48412")),
                ]),
            ),
            "/collections" => {
                let names = self
                    .l
                    .items
                    .iter()
                    .map(|n| J::Obj(vec![("name", J::s(n))]))
                    .collect();
                json(
                    200,
                    J::Obj(vec![
                        ("result", J::Obj(vec![("collections", J::Arr(names))])),
                        ("status", J::s("ok")),
                        ("time", J::Raw("1.1e-5".into())),
                    ]),
                )
            }
            "/healthz" | "/livez" | "/readyz" => stack::actix(
                200,
                Some("text/plain; charset=utf-8"),
                format!("{} check passed", path.trim_start_matches('/')),
            ),
            _ => stack::actix(404, None, String::new()),
        }
    }
}
