//! The Docker Engine API on plain TCP (dockerd `-H tcp://0.0.0.0:2375`).
//! Plain TCP has no authentication at all; what secures it is TLS client
//! certificates on 2376, or an authorization plugin.
//!
//! Facts copied (moby/moby):
//! - api/server/middleware/version.go `VersionMiddleware`: every answer
//!   carries `Server: Docker/<version> (<os>)`, `Api-Version`, `Ostype`.
//! - api/server/router/system: `GET /_ping` → "OK" (text/plain) with
//!   `Builder-Version`, `Cache-Control: no-cache, no-store,
//!   must-revalidate`, `Docker-Experimental`, `Pragma: no-cache`;
//!   `GET /version` → types.Version {Platform {Name}, Components, Version,
//!   ApiVersion, MinAPIVersion, GitCommit, GoVersion, Os, Arch,
//!   KernelVersion, BuildTime} via json.Encoder (trailing newline).
//! - api/server/router/container: `GET /containers/json` → an array of
//!   container summaries (Id, Names, Image, ImageID, Command, Created,
//!   Ports, Labels, State, Status, ...).
//! - pkg/authorization/authz.go: a denying authorization plugin →
//!   `authorization denied by plugin <name>: <msg>`, a Forbidden error, which
//!   api/server/httpstatus maps to 403 `{"message": ...}`. The farm's
//!   secured daemon runs such a plugin allowing only `/_ping` and
//!   `/version` (a common read-mostly policy).
//! - Unknown routes → 404 `{"message":"page not found"}`.

use http::{Method, Response};

use super::Landscape;
use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};

const API_VERSION: &str = "1.51";

pub(crate) struct Docker {
    l: Landscape,
}

impl Docker {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn common(&self) -> Vec<(&'static str, String)> {
        vec![
            ("server", format!("Docker/{} (linux)", self.l.version)),
            ("api-version", API_VERSION.to_string()),
            ("ostype", "linux".to_string()),
        ]
    }

    fn json(&self, status: u16, body: J) -> Response<Body> {
        let mut headers = self.common();
        headers.push(("content-type", "application/json".to_string()));
        h::go(status, headers, body.render(Escape::Go) + "\n")
    }

    fn version(&self) -> J {
        let v = &self.l.version;
        let engine = J::Obj(vec![
            ("Name", J::s("Engine")),
            ("Version", J::s(v)),
            (
                "Details",
                J::Obj(vec![
                    ("ApiVersion", J::s(API_VERSION)),
                    ("Arch", J::s("amd64")),
                    ("GitCommit", J::s("bbd0a17")),
                    ("GoVersion", J::s("go1.24.5")),
                    ("KernelVersion", J::s("6.8.0-79-generic")),
                    ("MinAPIVersion", J::s("1.24")),
                    ("Os", J::s("linux")),
                ]),
            ),
        ]);
        J::Obj(vec![
            (
                "Platform",
                J::Obj(vec![("Name", J::s("Docker Engine - Community"))]),
            ),
            ("Components", J::Arr(vec![engine])),
            ("Version", J::s(v)),
            ("ApiVersion", J::s(API_VERSION)),
            ("MinAPIVersion", J::s("1.24")),
            ("GitCommit", J::s("bbd0a17")),
            ("GoVersion", J::s("go1.24.5")),
            ("Os", J::s("linux")),
            ("Arch", J::s("amd64")),
            ("KernelVersion", J::s("6.8.0-79-generic")),
            ("BuildTime", J::s("2025-07-25T11:34:09.000000000+00:00")),
        ])
    }

    fn containers(&self) -> J {
        let list = self
            .l
            .items
            .iter()
            .enumerate()
            .map(|(i, image)| {
                let name = image.split([':', '/']).next_back().unwrap_or("app");
                J::Obj(vec![
                    ("Id", J::s(format!("{:064x}", 0x5eed_0000 + i))),
                    ("Names", J::strs([format!("/{name}-{i}")])),
                    ("Image", J::s(image)),
                    ("Command", J::s("/entrypoint.sh")),
                    ("Created", J::Int(1_754_000_000)),
                    ("Labels", J::Obj(vec![])),
                    ("State", J::s("running")),
                    ("Status", J::s("Up 3 days")),
                ])
            })
            .collect();
        J::Arr(list)
    }
}

impl Handler for Docker {
    fn respond(&self, req: &Req) -> Response<Body> {
        // Versioned paths (/v1.51/...) reach the same routes.
        let path = match req.path.strip_prefix("/v") {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
                rest.find('/').map_or("/", |i| &rest[i..])
            }
            _ => req.path.as_str(),
        };
        let allowed = matches!(path, "/_ping" | "/version");
        if self.l.auth && !allowed {
            let message = "authorization denied by plugin opa-docker-authz: request rejected by administrative policy";
            return self.json(403, J::Obj(vec![("message", J::s(message))]));
        }
        match (&req.method, path) {
            (&Method::GET | &Method::HEAD, "/_ping") => {
                let mut headers = self.common();
                headers.extend([
                    ("builder-version", "2".to_string()),
                    (
                        "cache-control",
                        "no-cache, no-store, must-revalidate".to_string(),
                    ),
                    ("content-type", "text/plain; charset=utf-8".to_string()),
                    ("docker-experimental", "false".to_string()),
                    ("pragma", "no-cache".to_string()),
                ]);
                h::go(200, headers, "OK")
            }
            (&Method::GET, "/version") => self.json(200, self.version()),
            (&Method::GET, "/containers/json") => self.json(200, self.containers()),
            _ => self.json(404, J::Obj(vec![("message", J::s("page not found"))])),
        }
    }
}
