//! Platforms whose data always sits behind a login: Dify, Label Studio,
//! n8n, Langfuse and Typesense. Each still says who it is without
//! credentials, and some say whether their first (admin) account is still
//! unclaimed. For these the farm's `auth` flag means "set up": `false` is a
//! fresh install waiting for its owner, `true` one that has it (Dify, n8n);
//! the others have no unauthenticated mode at all.
//!
//! Facts copied:
//! - langgenius/dify api/extensions/ext_app_metrics.py: every API answer
//!   gets `X-Version` (CURRENT_VERSION) and `X-Env` (DEPLOY_ENV, default
//!   PRODUCTION); `GET /health` → `json.dumps({"pid", "status": "ok",
//!   "version"})`. api/controllers/console/setup.py: `GET
//!   /console/api/setup` → `{"step": "finished", "setup_at"}` or
//!   `{"step": "not_started"}`. Console data routes are `@login_required`:
//!   401 `{"code": "unauthorized", "message": ..., "status": 401}` (error
//!   envelope of libs/external_api.py). Served by gunicorn.
//! - label-studio 1.23.2 (PyPI), label_studio/core/views.py `version_page`:
//!   `GET /api/version` without login → JSON `release`,
//!   `label-studio-os-package` {version, short_version, ...},
//!   `label-studio-os-backend`, `label-studio-frontend`, `dm2`, `edition`;
//!   `GET /version` → the same JSON inside `<pre>`, as text/html.
//!   `/health` → `{"status": "UP"}` (text/html). The API without
//!   credentials (core/utils/common.py custom_exception_handler): 401
//!   `{"id", "status_code": 401, "version", "detail": "Authentication
//!   credentials were not provided.", "exc_info": null}`,
//!   `WWW-Authenticate: Token`.
//! - n8n-io/n8n packages/cli: `GET /healthz` → `{"status":"ok"}`; `GET
//!   /rest/settings` (no login, the editor's boot call) → `{"data":
//!   {..., "versionCli", "userManagement": {"showSetupOnFirstLoad",
//!   "smtpSetup", "authenticationMethod"}}}` (1.x full form); other REST
//!   routes → 401 `{"status":"error","message":"Unauthorized"}`.
//! - langfuse/langfuse web/src/pages/api/public/health.ts: `GET
//!   /api/public/health` → `{"status":"OK","version"}`; the public API
//!   takes basic auth with a key pair, 401 without.
//! - typesense/typesense: `GET /health` → `{"ok":true}`; every other route
//!   needs `X-TYPESENSE-API-KEY`: 401 `{"message": "Forbidden - a valid
//!   `x-typesense-api-key` header must be sent."}` (the key is mandatory
//!   at startup, so no open mode exists).

use std::time::SystemTime;

use http::Response;

use super::stack::{self, Headers};
use super::Landscape;
use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Platform {
    Dify,
    LabelStudio,
    N8n,
    Langfuse,
    Typesense,
}

pub(crate) struct Gated {
    l: Landscape,
    platform: Platform,
}

fn full(status: u16, headers: Headers, body: String) -> Response<Body> {
    h::build(status, headers, Body::Full(Some(body.into())))
}

impl Gated {
    pub fn new(l: Landscape, platform: Platform) -> Self {
        Self { l, platform }
    }

    /// gunicorn's answer with Dify's two headers.
    fn dify(&self, status: u16, body: J, python_spacing: bool) -> Response<Body> {
        let text = body.render(if python_spacing {
            Escape::Python
        } else {
            Escape::Rapid
        });
        let headers = vec![
            ("server", "gunicorn".to_string()),
            ("date", h::http_date(SystemTime::now())),
            ("connection", "close".to_string()),
            ("content-type", "application/json".to_string()),
            ("content-length", text.len().to_string()),
            ("x-version", self.l.version.clone()),
            ("x-env", "PRODUCTION".to_string()),
        ];
        full(status, headers, text)
    }

    fn dify_route(&self, path: &str) -> Response<Body> {
        match path {
            "/health" => self.dify(
                200,
                J::Obj(vec![
                    ("pid", J::Int(41)),
                    ("status", J::s("ok")),
                    ("version", J::s(&self.l.version)),
                ]),
                true,
            ),
            "/console/api/setup" if self.l.auth => self.dify(
                200,
                J::Obj(vec![
                    ("step", J::s("finished")),
                    ("setup_at", J::s("2025-07-01T09:30:00")),
                ]),
                false,
            ),
            "/console/api/setup" => {
                self.dify(200, J::Obj(vec![("step", J::s("not_started"))]), false)
            }
            p if p.starts_with("/console/api/") => self.dify(
                401,
                J::Obj(vec![
                    ("code", J::s("unauthorized")),
                    ("message", J::s("Unauthorized.")),
                    ("status", J::Int(401)),
                ]),
                false,
            ),
            _ => self.dify(
                404,
                J::Obj(vec![
                    ("code", J::s("not_found")),
                    (
                        "message",
                        J::s("The requested URL was not found on the server."),
                    ),
                    ("status", J::Int(404)),
                ]),
                false,
            ),
        }
    }

    fn label_studio(&self, path: &str) -> Response<Body> {
        let django_as = |status: u16, ctype: &str, extra: Headers, body: String| {
            let mut headers = vec![
                ("content-type", ctype.to_string()),
                ("vary", "Accept, Cookie".to_string()),
                ("allow", "GET, HEAD, OPTIONS".to_string()),
                ("x-frame-options", "DENY".to_string()),
                ("x-content-type-options", "nosniff".to_string()),
            ];
            headers.extend(extra);
            stack::named(status, "WSGIServer/0.2 CPython/3.11.7", headers, body)
        };
        let django = |status: u16, extra: Headers, body: J| {
            django_as(
                status,
                "application/json",
                extra,
                body.render(Escape::Rapid),
            )
        };
        let v = &self.l.version;
        match path {
            "/health" => django_as(
                200,
                "text/html; charset=utf-8",
                vec![],
                r#"{"status": "UP"}"#.to_string(),
            ),
            "/version" | "/api/version" => {
                let short: String = v.split('.').take(2).collect::<Vec<_>>().join(".");
                let package = J::Obj(vec![
                    ("version", J::s(v)),
                    ("short_version", J::s(short)),
                    ("latest_version_from_pypi", J::s(v)),
                    ("latest_version_upload_time", J::s("2025-07-29T15:04:11")),
                    ("current_version_is_outdated", J::Bool(false)),
                ]);
                let git = |m: &str| {
                    J::Obj(vec![
                        ("message", J::s(m)),
                        ("commit", J::s("e3b0c44298fc")),
                        ("date", J::s("2025-07-29 15:00:00")),
                        ("branch", J::s("HEAD")),
                    ])
                };
                let body = J::Obj(vec![
                    ("release", J::s(v)),
                    ("label-studio-os-package", package),
                    ("label-studio-os-backend", git("release")),
                    ("label-studio-frontend", git("release")),
                    ("dm2", git("release")),
                    ("edition", J::s("Community")),
                ]);
                if path == "/version" {
                    // The HTML page: the same JSON inside <pre>.
                    let html = format!("<pre>{}</pre>", body.render(Escape::Rapid));
                    django_as(200, "text/html; charset=utf-8", vec![], html)
                } else {
                    django(200, vec![], body)
                }
            }
            _ => django(
                401,
                vec![("www-authenticate", "Token".to_string())],
                J::Obj(vec![
                    ("id", J::s("35d955b0-db49-49e3-ad25-f91b3be01c96")),
                    ("status_code", J::Int(401)),
                    ("version", J::s(v)),
                    (
                        "detail",
                        J::s("Authentication credentials were not provided."),
                    ),
                    ("exc_info", J::Null),
                ]),
            ),
        }
    }

    fn n8n(&self, path: &str) -> Response<Body> {
        let json = |status, body: J| {
            stack::express(
                status,
                "application/json; charset=utf-8",
                vec![],
                body.render(Escape::Rapid),
            )
        };
        match path {
            "/healthz" => json(200, J::Obj(vec![("status", J::s("ok"))])),
            "/rest/settings" => {
                let um = J::Obj(vec![
                    ("quota", J::Int(-1)),
                    ("showSetupOnFirstLoad", J::Bool(!self.l.auth)),
                    ("smtpSetup", J::Bool(false)),
                    ("authenticationMethod", J::s("email")),
                ]);
                let data = J::Obj(vec![
                    ("endpointWebhook", J::s("webhook")),
                    ("endpointWebhookTest", J::s("webhook-test")),
                    ("saveDataErrorExecution", J::s("all")),
                    ("versionCli", J::s(&self.l.version)),
                    ("userManagement", um),
                    (
                        "publicApi",
                        J::Obj(vec![
                            ("enabled", J::Bool(true)),
                            ("latestVersion", J::Int(1)),
                            ("path", J::s("api")),
                        ]),
                    ),
                ]);
                json(200, J::Obj(vec![("data", data)]))
            }
            _ => json(
                401,
                J::Obj(vec![
                    ("status", J::s("error")),
                    ("message", J::s("Unauthorized")),
                ]),
            ),
        }
    }

    fn langfuse(&self, path: &str) -> Response<Body> {
        let json = |status: u16, body: J| {
            let text = body.render(Escape::Rapid);
            let headers = vec![
                (
                    "vary",
                    "RSC, Next-Router-State-Tree, Next-Router-Prefetch".to_string(),
                ),
                (
                    "content-type",
                    "application/json; charset=utf-8".to_string(),
                ),
                ("etag", "\"1a2b3c4d5e\"".to_string()),
                ("content-length", text.len().to_string()),
                ("date", h::http_date(SystemTime::now())),
                ("connection", "keep-alive".to_string()),
                ("keep-alive", "timeout=5".to_string()),
            ];
            full(status, headers, text)
        };
        match path {
            "/api/public/health" => json(
                200,
                J::Obj(vec![
                    ("status", J::s("OK")),
                    ("version", J::s(&self.l.version)),
                ]),
            ),
            p if p.starts_with("/api/public/") => json(
                401,
                J::Obj(vec![("message", J::s("No authorization header"))]),
            ),
            _ => json(404, J::Obj(vec![("message", J::s("Not Found"))])),
        }
    }

    fn typesense(&self, path: &str) -> Response<Body> {
        let json = |status: u16, body: J| {
            let text = body.render(Escape::Rapid);
            let headers = vec![
                ("access-control-allow-origin", "*".to_string()),
                ("connection", "keep-alive".to_string()),
                (
                    "content-type",
                    "application/json; charset=utf-8".to_string(),
                ),
                ("date", h::http_date(SystemTime::now())),
                ("content-length", text.len().to_string()),
            ];
            full(status, headers, text)
        };
        match path {
            "/health" => json(200, J::Obj(vec![("ok", J::Bool(true))])),
            _ => json(
                401,
                J::Obj(vec![(
                    "message",
                    J::s("Forbidden - a valid `x-typesense-api-key` header must be sent."),
                )]),
            ),
        }
    }
}

impl Handler for Gated {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        match self.platform {
            Platform::Dify => self.dify_route(path),
            Platform::LabelStudio => self.label_studio(path),
            Platform::N8n => self.n8n(path),
            Platform::Langfuse => self.langfuse(path),
            Platform::Typesense => self.typesense(path),
        }
    }
}
