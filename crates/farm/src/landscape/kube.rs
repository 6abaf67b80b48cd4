//! Kubernetes: the kubelet's API (10250) and the API server (6443). Both
//! serve TLS only (the farm presents its test certificate, see tls.rs).
//!
//! Facts copied (kubernetes/kubernetes):
//! - pkg/kubelet/server/server.go `InstallAuthFilter`: an unauthenticated
//!   request (anonymous auth off, as kubeadm configures) →
//!   `WriteErrorString(401, "Unauthorized")`; an authenticated but denied
//!   one (anonymous on, Webhook authorization) → 403 `Forbidden
//!   (user=system:anonymous, verb=get, resource=nodes,
//!   subresource=proxy)`. With the upstream flag defaults (anonymous on,
//!   AlwaysAllow) `GET /pods` answers the node's `PodList` and `GET
//!   /metrics` its Prometheus metrics with `kubernetes_build_info`.
//!   Go sniffs `text/plain; charset=utf-8` for the error strings.
//! - staging/src/k8s.io/apiserver: `GET /version` → version.Info {major,
//!   minor, gitVersion, gitCommit, gitTreeState, buildDate, goVersion,
//!   compiler, platform} written with `json.MarshalIndent` (two spaces);
//!   readable by `system:anonymous` through the
//!   `system:public-info-viewer` binding. A denied request → a compact
//!   `Status` (kind, apiVersion, metadata, status "Failure", message,
//!   reason "Forbidden", details, code 403); with anonymous auth off every
//!   request → `Status` reason "Unauthorized", code 401.
//! - The farm's API server variants: open = anonymous bound to
//!   cluster-admin (namespaces listed); secured = upstream defaults
//!   (version readable, namespaces forbidden).

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};

/// go-restful `WriteErrorString` / a plain write: no type set, so Go
/// sniffs one; no `WWW-Authenticate` either.
fn text(status: u16, body: &str) -> Response<Body> {
    h::go(
        status,
        vec![("content-type", "text/plain; charset=utf-8".into())],
        body.to_string(),
    )
}

fn k8s_json(status: u16, body: String) -> Response<Body> {
    h::go(
        status,
        vec![
            ("audit-id", "7f0b4c55-7d6b-4c38-9a43-3b8f5e2d1a90".into()),
            ("cache-control", "no-cache, private".into()),
            ("content-type", "application/json".into()),
            ("x-kubernetes-pf-flowschema-uid", "".into()),
            ("x-kubernetes-pf-prioritylevel-uid", "".into()),
        ],
        body,
    )
}

/// The kubelet's authenticated port.
pub(crate) struct Kubelet {
    l: Landscape,
}

impl Kubelet {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn pods(&self) -> J {
        let items = self
            .l
            .items
            .iter()
            .map(|name| {
                let metadata = J::Obj(vec![
                    ("name", J::s(name)),
                    ("namespace", J::s("default")),
                    ("uid", J::s("9c2f5d1e-3b7a-4e8f-a1c2-d3e4f5a6b7c8")),
                ]);
                let container = J::Obj(vec![
                    ("name", J::s("server")),
                    ("image", J::s("vllm/vllm-openai:v0.10.1")),
                ]);
                J::Obj(vec![
                    ("metadata", metadata),
                    (
                        "spec",
                        J::Obj(vec![("containers", J::Arr(vec![container]))]),
                    ),
                    ("status", J::Obj(vec![("phase", J::s("Running"))])),
                ])
            })
            .collect();
        J::Obj(vec![
            ("kind", J::s("PodList")),
            ("apiVersion", J::s("v1")),
            ("metadata", J::Obj(vec![])),
            ("items", J::Arr(items)),
        ])
    }
}

impl Handler for Kubelet {
    fn respond(&self, req: &Req) -> Response<Body> {
        if self.l.auth {
            return text(401, "Unauthorized");
        }
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/pods" | "/pods/") => stack::go_json(200, self.pods(), true),
            (&Method::GET, "/healthz") => text(200, "ok"),
            (&Method::GET, "/metrics") => h::go(
                200,
                vec![("content-type", "text/plain; version=0.0.4; charset=utf-8".into())],
                format!(
                    "# HELP kubernetes_build_info [ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.\n# TYPE kubernetes_build_info gauge\nkubernetes_build_info{{build_date=\"2025-07-15T18:40:26Z\",compiler=\"gc\",git_commit=\"a1b2c3d\",git_tree_state=\"clean\",git_version=\"{}\",go_version=\"go1.24.4\",major=\"1\",minor=\"33\",platform=\"linux/amd64\"}} 1\n",
                    self.l.version
                ),
            ),
            _ => h::go(
                404,
                vec![
                    ("content-type", "text/plain; charset=utf-8".into()),
                    ("x-content-type-options", "nosniff".into()),
                ],
                "404 page not found\n",
            ),
        }
    }
}

/// The Kubernetes API server.
pub(crate) struct ApiServer {
    l: Landscape,
}

impl ApiServer {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn version(&self) -> J {
        let v = self.l.version.trim_start_matches('v');
        let mut parts = v.split('.');
        let major = parts.next().unwrap_or("1");
        let minor = parts.next().unwrap_or("0");
        J::Obj(vec![
            ("major", J::s(major)),
            ("minor", J::s(minor)),
            ("gitVersion", J::s(format!("v{v}"))),
            (
                "gitCommit",
                J::s("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"),
            ),
            ("gitTreeState", J::s("clean")),
            ("buildDate", J::s("2025-07-15T18:40:26Z")),
            ("goVersion", J::s("go1.24.4")),
            ("compiler", J::s("gc")),
            ("platform", J::s("linux/amd64")),
        ])
    }

    fn status(code: i64, reason: &str, message: &str, details: Option<J>) -> Response<Body> {
        let mut fields = vec![
            ("kind", J::s("Status")),
            ("apiVersion", J::s("v1")),
            ("metadata", J::Obj(vec![])),
            ("status", J::s("Failure")),
            ("message", J::s(message)),
            ("reason", J::s(reason)),
        ];
        if let Some(d) = details {
            fields.push(("details", d));
        }
        fields.push(("code", J::Int(code)));
        k8s_json(code as u16, J::Obj(fields).render(Escape::Go) + "\n")
    }
}

impl Handler for ApiServer {
    fn respond(&self, req: &Req) -> Response<Body> {
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/version") => k8s_json(200, self.version().pretty(": ", Escape::Go)),
            (&Method::GET, "/api/v1/namespaces") if self.l.auth => Self::status(
                403,
                "Forbidden",
                "namespaces is forbidden: User \"system:anonymous\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope",
                Some(J::Obj(vec![("kind", J::s("namespaces"))])),
            ),
            (&Method::GET, "/api/v1/namespaces") => {
                let items = self
                    .l
                    .items
                    .iter()
                    .map(|n| {
                        J::Obj(vec![
                            ("metadata", J::Obj(vec![("name", J::s(n))])),
                            ("status", J::Obj(vec![("phase", J::s("Active"))])),
                        ])
                    })
                    .collect();
                let list = J::Obj(vec![
                    ("kind", J::s("NamespaceList")),
                    ("apiVersion", J::s("v1")),
                    ("metadata", J::Obj(vec![("resourceVersion", J::s("48213"))])),
                    ("items", J::Arr(items)),
                ]);
                k8s_json(200, list.render(Escape::Go) + "\n")
            }
            _ => Self::status(
                404,
                "NotFound",
                "the server could not find the requested resource",
                Some(J::Obj(vec![])),
            ),
        }
    }
}
