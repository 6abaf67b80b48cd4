//! Elasticsearch and OpenSearch (port 9200): the same root answer shape,
//! told apart by `version.distribution` and the tagline, and by what their
//! security layers answer.
//!
//! Facts copied:
//! - elastic/elasticsearch `RestMainAction`: `GET /` → name, cluster_name,
//!   cluster_uuid, version {number, build_flavor, build_type, build_hash,
//!   build_date, build_snapshot, lucene_version,
//!   minimum_wire_compatibility_version,
//!   minimum_index_compatibility_version}, tagline "You Know, for Search";
//!   pretty-printed (Jackson, `" : "`) with a final newline unless
//!   `?pretty` was given; responses carry `X-elastic-product:
//!   Elasticsearch` (7.14+). `GET /_cat/indices?format=json` → one compact
//!   object per index (health, status, index, uuid, pri, rep, docs.count,
//!   docs.deleted, store.size, pri.store.size, dataset.size).
//! - Elasticsearch security (default on since 8.0), no credentials → 401
//!   `{"error":{"root_cause":[{"type":"security_exception","reason":
//!   "missing authentication credentials for REST request [<path>]",
//!   "header":{"WWW-Authenticate":[...]}}],...},"status":401}` with
//!   `WWW-Authenticate: Basic realm="security" charset="UTF-8"` and
//!   `ApiKey` (the body as quoted in elastic/elasticsearch #21399 and
//!   client issues); the product header is not on these refusals, which is
//!   why Elastic's clients skip their product check on 401/403.
//! - opensearch-project/OpenSearch `MainResponse`: the same fields plus
//!   `version.distribution: "opensearch"`, tagline `The OpenSearch Project:
//!   https://opensearch.org/`, no `build_flavor`; content type
//!   `application/json; charset=UTF-8`.
//! - opensearch-project/security: no credentials → 401, text body
//!   "Unauthorized", `WWW-Authenticate: Basic realm="OpenSearch Security"`.

use http::{Method, Response};

use super::stack;
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Elastic,
    OpenSearch,
}

pub(crate) struct Search {
    l: Landscape,
    flavor: Flavor,
}

impl Search {
    pub fn new(l: Landscape, flavor: Flavor) -> Self {
        Self { l, flavor }
    }

    fn root(&self) -> J {
        let mut version = Vec::new();
        if self.flavor == Flavor::OpenSearch {
            version.push(("distribution", J::s("opensearch")));
        }
        version.push(("number", J::s(&self.l.version)));
        if self.flavor == Flavor::Elastic {
            version.push(("build_flavor", J::s("default")));
        }
        version.extend([
            ("build_type", J::s("docker")),
            (
                "build_hash",
                J::s("2e1a1d6f9c9e3b2a5c1e0e7cf0bb8a0a6c0d3d1e"),
            ),
            ("build_date", J::s("2025-06-26T18:27:09.321Z")),
            ("build_snapshot", J::Bool(false)),
            ("lucene_version", J::s("9.12.1")),
            ("minimum_wire_compatibility_version", J::s("7.17.0")),
            ("minimum_index_compatibility_version", J::s("7.0.0")),
        ]);
        let tagline = match self.flavor {
            Flavor::Elastic => "You Know, for Search",
            Flavor::OpenSearch => "The OpenSearch Project: https://opensearch.org/",
        };
        J::Obj(vec![
            ("name", J::s("node-1")),
            ("cluster_name", J::s("docker-cluster")),
            ("cluster_uuid", J::s("Qh5y2m0uTeyYx4PjC1c1Dg")),
            ("version", J::Obj(version)),
            ("tagline", J::s(tagline)),
        ])
    }

    fn indices(&self) -> J {
        let entries = self
            .l
            .items
            .iter()
            .map(|name| {
                J::Obj(vec![
                    ("health", J::s("yellow")),
                    ("status", J::s("open")),
                    ("index", J::s(name)),
                    ("uuid", J::s("5nT3kQJwS0mYx8m7n6b5Vg")),
                    ("pri", J::s("1")),
                    ("rep", J::s("1")),
                    ("docs.count", J::s("1200")),
                    ("docs.deleted", J::s("0")),
                    ("store.size", J::s("2.1mb")),
                    ("pri.store.size", J::s("2.1mb")),
                ])
            })
            .collect();
        J::Arr(entries)
    }

    fn ok(&self, body: String) -> Response<Body> {
        match self.flavor {
            Flavor::Elastic => stack::bare(
                200,
                vec![
                    ("x-elastic-product", "Elasticsearch".to_string()),
                    ("content-type", "application/json".to_string()),
                ],
                body,
            ),
            Flavor::OpenSearch => stack::bare(
                200,
                vec![(
                    "content-type",
                    "application/json; charset=UTF-8".to_string(),
                )],
                body,
            ),
        }
    }

    fn refuse(&self, target: &str) -> Response<Body> {
        match self.flavor {
            Flavor::Elastic => {
                let challenges = [r#"Basic realm="security" charset="UTF-8""#, "ApiKey"];
                let reason =
                    format!("missing authentication credentials for REST request [{target}]");
                let cause = || {
                    vec![
                        ("type", J::s("security_exception")),
                        ("reason", J::s(&reason)),
                        (
                            "header",
                            J::Obj(vec![("WWW-Authenticate", J::strs(challenges))]),
                        ),
                    ]
                };
                let mut error = vec![("root_cause", J::Arr(vec![J::Obj(cause())]))];
                error.extend(cause());
                let body = J::Obj(vec![("error", J::Obj(error)), ("status", J::Int(401))]);
                let mut headers: Vec<(&'static str, String)> = challenges
                    .iter()
                    .map(|c| ("www-authenticate", c.to_string()))
                    .collect();
                headers.push(("content-type", "application/json".to_string()));
                stack::bare(401, headers, body.render(Escape::Rapid))
            }
            Flavor::OpenSearch => stack::bare(
                401,
                vec![
                    (
                        "www-authenticate",
                        r#"Basic realm="OpenSearch Security""#.to_string(),
                    ),
                    ("content-type", "text/plain; charset=UTF-8".to_string()),
                ],
                "Unauthorized".into(),
            ),
        }
    }
}

impl Handler for Search {
    fn respond(&self, req: &Req) -> Response<Body> {
        let target = match &req.query {
            Some(q) => format!("{}?{q}", req.path),
            None => req.path.clone(),
        };
        if self.l.auth {
            return self.refuse(&target);
        }
        let json = req
            .query
            .as_deref()
            .is_some_and(|q| q.contains("format=json"));
        match (&req.method, req.path.as_str()) {
            (&Method::GET | &Method::HEAD, "/") => {
                self.ok(self.root().pretty(" : ", Escape::Rapid) + "\n")
            }
            (&Method::GET, "/_cat/indices") if json => {
                self.ok(self.indices().render(Escape::Rapid))
            }
            (&Method::GET, "/_cat/indices") => {
                let rows: String = self
                    .l
                    .items
                    .iter()
                    .map(|n| {
                        format!("yellow open {n} 5nT3kQJwS0mYx8m7n6b5Vg 1 1 1200 0 2.1mb 2.1mb\n")
                    })
                    .collect();
                let mut response = self.ok(rows);
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("text/plain; charset=UTF-8"),
                );
                response
            }
            _ => {
                let reason = format!(
                    "no handler found for uri [{target}] and method [{}]",
                    req.method
                );
                let body = J::Obj(vec![("error", J::s(reason)), ("status", J::Int(400))]);
                let mut response = self.ok(body.render(Escape::Rapid));
                *response.status_mut() = http::StatusCode::BAD_REQUEST;
                response
            }
        }
    }
}
