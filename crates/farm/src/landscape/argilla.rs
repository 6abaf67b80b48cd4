//! Argilla server 2.x (FastAPI on uvicorn, port 6900). Every data route
//! needs an API key (`X-Argilla-Api-Key`) or a bearer token: there is no
//! open mode, so the emulator is secured only.
//!
//! Facts copied (argilla-io/argilla, argilla-server/src/argilla_server/,
//! checked against the argilla-server 2.8.0 wheel):
//! - _app.py: the API is mounted at `/api/v1`; a middleware adds
//!   `Server-Timing: total;dur=<ms>` to every answer.
//! - api/handlers/v1/info.py: `GET /api/v1/version` → `{"version"}`;
//!   `GET /api/v1/status` → `{"version", "search_engine": <the
//!   Elasticsearch/OpenSearch info document>, "memory": {psutil
//!   memory_info fields as "123M"}}`, both without authentication.
//! - api/handlers/v1/datasets/datasets.py `GET /api/v1/me/datasets`:
//!   `Security(auth.get_current_user)`.
//! - security/authentication/provider.py + errors/base_errors.py +
//!   errors/error_handler.py: no credentials → `UnauthorizedError` → 401
//!   `{"detail": {"code": "argilla.api.errors::UnauthorizedError",
//!   "params": {"detail": "Could not validate credentials"}}}`.
//! - Before 1.29 the server lived in the `argilla` wheel
//!   (argilla/server/, read in argilla 1.20.0 and 1.28.0): no
//!   `/api/v1/status`; apis/v0/handlers/info.py serves `GET /api/_status`
//!   → `{"version", "elasticsearch": <cluster info>, "mem_info": {...}}`
//!   and `GET /api/_info` → `{"version"}`, both without authentication
//!   (routes.py includes them with no dependencies); the v1 data routes
//!   refuse with the same UnauthorizedError envelope (errors/base_errors.py).
//!   The farm serves that layout below 1.29.

use http::Response;

use super::stack;
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct Argilla {
    l: Landscape,
}

impl Argilla {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn json(status: u16, body: J) -> Response<Body> {
        stack::uvicorn(
            status,
            "application/json",
            vec![("server-timing", "total;dur=1.412".to_string())],
            body.render(Escape::Rapid),
        )
    }

    fn search_engine() -> J {
        J::Obj(vec![
            ("name", J::s("f3a1c0d2b4e5")),
            ("cluster_name", J::s("docker-cluster")),
            ("cluster_uuid", J::s("yJtq3v9WRb2cQx8dX0a1ZA")),
            (
                "version",
                J::Obj(vec![
                    ("number", J::s("8.17.0")),
                    ("build_flavor", J::s("default")),
                    ("lucene_version", J::s("9.12.0")),
                ]),
            ),
            ("tagline", J::s("You Know, for Search")),
        ])
    }
}

impl Handler for Argilla {
    fn respond(&self, req: &Req) -> Response<Body> {
        let legacy = crate::release::release(&self.l.version) < (1, 29, 0);
        let memory = || {
            J::Obj(vec![
                ("rss", J::s("412M")),
                ("vms", J::s("2G")),
                ("shared", J::s("38M")),
                ("text", J::s("2M")),
                ("lib", J::s("0B")),
                ("data", J::s("690M")),
                ("dirty", J::s("0B")),
            ])
        };
        match req.path.as_str() {
            "/api/_info" if legacy => {
                Self::json(200, J::Obj(vec![("version", J::s(&self.l.version))]))
            }
            "/api/_status" if legacy => Self::json(
                200,
                J::Obj(vec![
                    ("version", J::s(&self.l.version)),
                    ("elasticsearch", Self::search_engine()),
                    ("mem_info", memory()),
                ]),
            ),
            "/api/v1/version" if !legacy => {
                Self::json(200, J::Obj(vec![("version", J::s(&self.l.version))]))
            }
            "/api/v1/status" if !legacy => Self::json(
                200,
                J::Obj(vec![
                    ("version", J::s(&self.l.version)),
                    ("search_engine", Self::search_engine()),
                    ("memory", memory()),
                ]),
            ),
            p if p.starts_with("/api/v1/") => Self::json(
                401,
                J::Obj(vec![(
                    "detail",
                    J::Obj(vec![
                        ("code", J::s("argilla.api.errors::UnauthorizedError")),
                        (
                            "params",
                            J::Obj(vec![("detail", J::s("Could not validate credentials"))]),
                        ),
                    ]),
                )]),
            ),
            _ => stack::uvicorn_not_found(),
        }
    }
}
