//! Vespa's container (port 8080): query, document and state APIs. Vespa
//! OSS has no authentication of its own (data-plane access control is
//! mTLS, configured outside the container), so the emulator is open only.
//!
//! Facts copied (vespa-engine/vespa):
//! - container-core .../jdisc/state/StateHandler.java: `/state/v1/version`
//!   → `{"version": Vtag.currentVersion}`; `/state/v1/health` →
//!   `{"time", "status": {"code": "up"}, "metrics": {"snapshot": {...},
//!   "values": [...]}}`, `application/json`, org.json `toString(4)`.
//! - container-search ApplicationStatusHandler (`/ApplicationStatus`, the
//!   page `vespa curl /ApplicationStatus` shows): `{"application":
//!   {"vespa": {"version"}, "meta": {"name", "user", "path", "generation",
//!   "timestamp", "date", "checksum"}, "user": {"version"}},
//!   "abstractComponents", "handlers": [{"id", "class", "bundle",
//!   "serverBindings", "clientBindings"}], "clients", "servers",
//!   "searchChains", "docprocChains"}`, Jackson's pretty printer.
//! - The search API (`/search/`): `{"root": {"id": "toplevel",
//!   "relevance": 1.0, "fields": {"totalCount": N}, "coverage": {...}}}`;
//!   with `hits=0` no children are listed.
//! - Unknown paths: Jetty's 404 with Vespa's JSON error body
//!   `{"code": 404, "message": "Not found"}`.

use http::Response;

use super::stack::{self, Headers};
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct Vespa {
    l: Landscape,
}

impl Vespa {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn json(status: u16, content_type: &str, body: String) -> Response<Body> {
        let headers: Headers = vec![("content-type", content_type.to_string())];
        stack::bare(status, headers, body)
    }

    fn handler(&self, id: &str, bundle: &str, binding: &str) -> J {
        J::Obj(vec![
            ("id", J::s(id)),
            ("class", J::s(id)),
            ("bundle", J::s(format!("{bundle}:{}", self.l.version))),
            ("serverBindings", J::strs([binding])),
            ("clientBindings", J::Arr(vec![])),
        ])
    }

    fn application_status(&self) -> J {
        let meta = J::Obj(vec![
            ("name", J::s("default")),
            ("user", J::s("unknown")),
            ("path", J::s("")),
            ("generation", J::Int(2)),
            ("timestamp", J::Int(1_754_000_000_000)),
            ("date", J::s("Thu Jul 31 21:33:20 UTC 2025")),
            ("checksum", J::s("2b9f4a7c1d3e5f60718293a4b5c6d7e8")),
        ]);
        J::Obj(vec![
            (
                "application",
                J::Obj(vec![
                    ("vespa", J::Obj(vec![("version", J::s(&self.l.version))])),
                    ("meta", meta),
                    ("user", J::Obj(vec![("version", J::s(""))])),
                ]),
            ),
            ("abstractComponents", J::Arr(vec![])),
            (
                "handlers",
                J::Arr(vec![
                    self.handler(
                        "com.yahoo.search.handler.SearchHandler",
                        "container-search-and-docproc",
                        "http://*/search/*",
                    ),
                    self.handler(
                        "com.yahoo.document.restapi.resource.DocumentV1ApiHandler",
                        "vespaclient-container-plugin",
                        "http://*/document/v1/*",
                    ),
                    self.handler(
                        "com.yahoo.container.jdisc.state.StateHandler",
                        "container-disc",
                        "http://*/state/v1",
                    ),
                ]),
            ),
            ("clients", J::Arr(vec![])),
            ("servers", J::Arr(vec![])),
            (
                "searchChains",
                J::Map(
                    self.l
                        .items
                        .iter()
                        .map(|d| (d.clone(), J::Arr(vec![])))
                        .collect(),
                ),
            ),
            ("docprocChains", J::Obj(vec![])),
        ])
    }
}

impl Handler for Vespa {
    fn respond(&self, req: &Req) -> Response<Body> {
        let json = "application/json";
        match req.path.as_str() {
            "/state/v1/version" => Self::json(
                200,
                json,
                J::Obj(vec![("version", J::s(&self.l.version))]).pretty(":", Escape::Rapid),
            ),
            "/state/v1/health" => {
                let metrics = J::Obj(vec![
                    (
                        "snapshot",
                        J::Obj(vec![
                            ("from", J::Raw("1.754000000E9".into())),
                            ("to", J::Raw("1.75400006E9".into())),
                        ]),
                    ),
                    ("values", J::Arr(vec![])),
                ]);
                let body = J::Obj(vec![
                    ("time", J::Int(1_754_000_060_000)),
                    ("status", J::Obj(vec![("code", J::s("up"))])),
                    ("metrics", metrics),
                ]);
                Self::json(200, json, body.pretty(":", Escape::Rapid))
            }
            "/ApplicationStatus" => Self::json(
                200,
                json,
                self.application_status().pretty(" : ", Escape::Rapid),
            ),
            "/search/" => {
                // Two documents per schema the sample application holds.
                let total = 2 * self.l.items.len() as i64;
                let coverage = J::Obj(vec![
                    ("coverage", J::Int(100)),
                    ("documents", J::Int(total)),
                    ("full", J::Bool(true)),
                    ("nodes", J::Int(1)),
                    ("results", J::Int(1)),
                    ("resultsFull", J::Int(1)),
                ]);
                let root = J::Obj(vec![
                    ("id", J::s("toplevel")),
                    ("relevance", J::Raw("1.0".into())),
                    ("fields", J::Obj(vec![("totalCount", J::Int(total))])),
                    ("coverage", coverage),
                ]);
                Self::json(
                    200,
                    "application/json;charset=utf-8",
                    J::Obj(vec![("root", root)]).render(Escape::Rapid),
                )
            }
            _ => Self::json(
                404,
                json,
                J::Obj(vec![("code", J::Int(404)), ("message", J::s("Not found"))])
                    .render(Escape::Rapid),
            ),
        }
    }
}
