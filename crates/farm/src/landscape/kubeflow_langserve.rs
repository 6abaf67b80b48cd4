//! The Kubeflow central dashboard reached without its auth proxy, and a
//! LangServe app.
//!
//! Facts copied:
//! - kubeflow/dashboard (d842464, Aug 2026) components/centraldashboard/
//!   app/server.ts: Express on 8082; `GET /healthz` → `{"codeEnvironment",
//!   "message": "I tick, therfore I am!"}` (sic); attach_user_middleware.ts
//!   takes the user from the identity header the auth proxy sets
//!   (`X-Goog-Authenticated-User-Email` by default) and otherwise calls the
//!   caller `anonymous@kubeflow.org` without auth; api_workgroup.ts `GET
//!   /api/workgroup/env-info` then answers `getBasicEnvironment`: every
//!   namespace, `isClusterAdmin: true`, and k8s_service.ts `PlatformInfo`
//!   {kubeflowVersion, provider, providerName, logoutUrl}. The dashboard
//!   has no login of its own (Istio and oauth2-proxy provide it), so the
//!   farm models only the dashboard reached directly.
//! - langchain-ai/langserve (27e57af, May 2026) langserve/server.py
//!   `add_routes`: per runnable, `POST <path>/invoke`, `/batch`, `/stream`,
//!   `/stream_log`, `GET <path>/input_schema`, `/output_schema`,
//!   `/config_schema`, `<path>/playground/`; FastAPI's `/openapi.json`
//!   lists them, and with config hashes enabled (the default) carries a tag
//!   describing the "LangServe UI playground". LangServe has no
//!   authentication of its own; `auth` models its documented way of adding
//!   one (examples/auth/path_dependencies/server.py): `add_routes(...,
//!   dependencies=[Depends(verify_token)])` with `verify_token(x_token:
//!   Annotated[str, Header()])`, which every route add_routes adds gets,
//!   while FastAPI's /openapi.json stays public. Without the header FastAPI
//!   answers 422 `{"detail":[{"type":"missing","loc":["header","x-token"],
//!   "msg":"Field required","input":null}]}`; a wrong one gets the
//!   example's 400 `{"detail":"X-Token header invalid"}`.

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct Kubeflow {
    l: Landscape,
}

impl Kubeflow {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }
}

impl Handler for Kubeflow {
    fn respond(&self, req: &Req) -> Response<Body> {
        let json = |status, body: J| stack::express_json(status, body);
        if req.method != Method::GET {
            return json(
                404,
                J::Obj(vec![(
                    "error",
                    J::s("Could not find the route you're looking for"),
                )]),
            );
        }
        match req.path.as_str() {
            "/healthz" => json(
                200,
                J::Obj(vec![
                    ("codeEnvironment", J::s("production")),
                    ("message", J::s("I tick, therfore I am!")),
                ]),
            ),
            "/api/workgroup/env-info" => {
                let user = "anonymous@kubeflow.org";
                let namespaces = self
                    .l
                    .items
                    .iter()
                    .map(|n| J::Obj(vec![("namespace", J::s(n)), ("role", J::s("contributor")), ("user", J::s(user))]))
                    .collect();
                let platform = J::Obj(vec![
                    ("kubeflowVersion", J::s(&self.l.version)),
                    ("provider", J::s("other://")),
                    ("providerName", J::s("other")),
                    ("logoutUrl", J::s("/oauth2/sign_out")),
                ]);
                json(
                    200,
                    J::Obj(vec![
                        ("user", J::s(user)),
                        ("platform", platform),
                        ("namespaces", J::Arr(namespaces)),
                        ("isClusterAdmin", J::Bool(true)),
                    ]),
                )
            }
            p if p.starts_with("/api/") => json(404, J::Obj(vec![("error", J::s("Could not find the route you're looking for"))])),
            _ => stack::express(
                200,
                "text/html; charset=UTF-8",
                vec![],
                "<!doctype html><html><head><title>Kubeflow Central Dashboard</title></head><body></body></html>".into(),
            ),
        }
    }
}

pub(crate) struct LangServe {
    l: Landscape,
}

impl LangServe {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn openapi(&self) -> J {
        let mut paths = Vec::new();
        for name in &self.l.items {
            for (suffix, method) in [
                ("invoke", "post"),
                ("batch", "post"),
                ("stream", "post"),
                ("stream_log", "post"),
                ("input_schema", "get"),
            ] {
                let op = J::Obj(vec![
                    ("tags", J::strs([name.clone()])),
                    ("summary", J::s(format!("{} {}", name, suffix))),
                ]);
                paths.push((format!("/{name}/{suffix}"), J::Obj(vec![(method, op)])));
            }
        }
        let tags = J::Arr(vec![
            J::Obj(vec![("name", J::s("default"))]),
            J::Obj(vec![
                ("name", J::s("default with config")),
                ("description", J::s("Endpoints with a default configuration set by `config_hash` path parameter. Used in conjunction with share links generated using the LangServe UI playground. The hash is an LZString compressed JSON string.")),
            ]),
        ]);
        J::Obj(vec![
            ("openapi", J::s("3.1.0")),
            (
                "info",
                J::Obj(vec![
                    ("title", J::s("LangChain Server")),
                    ("version", J::s("1.0")),
                ]),
            ),
            ("paths", J::Map(paths)),
            ("tags", tags),
        ])
    }
}

impl LangServe {
    /// Whether `path` is one of the routes add_routes added.
    fn guarded(&self, path: &str) -> bool {
        self.l
            .items
            .iter()
            .any(|name| path.starts_with(&format!("/{name}/")))
    }
}

impl Handler for LangServe {
    fn respond(&self, req: &Req) -> Response<Body> {
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/openapi.json") => stack::uvicorn(
                200,
                "application/json",
                vec![],
                self.openapi().render(Escape::Rapid),
            ),
            (_, p) if self.l.auth && self.guarded(p) => match req.header("x-token") {
                None => stack::uvicorn_json(
                    422,
                    J::Obj(vec![(
                        "detail",
                        J::Arr(vec![J::Obj(vec![
                            ("type", J::s("missing")),
                            (
                                "loc",
                                J::strs(["header".to_string(), "x-token".to_string()]),
                            ),
                            ("msg", J::s("Field required")),
                            ("input", J::Null),
                        ])]),
                    )]),
                ),
                Some(_) => stack::uvicorn_json(
                    400,
                    J::Obj(vec![("detail", J::s("X-Token header invalid"))]),
                ),
            },
            (&Method::GET, p) if p.ends_with("/input_schema") => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("title", J::s("PromptInput")),
                    ("type", J::s("object")),
                ]),
            ),
            _ => stack::uvicorn_not_found(),
        }
    }
}
