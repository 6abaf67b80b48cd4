//! Open WebUI (FastAPI; 8080 in its container, usually published as 3000).
//!
//! Facts copied (open-webui/open-webui backend/open_webui/main.py and
//! utils/auth.py):
//! - `GET /api/config` (no auth): `status`, `name` (WEBUI_NAME, default
//!   "Open WebUI"; a custom name gets " (Open WebUI)" appended), `version`,
//!   `default_locale`, `oauth.providers`, and `features` with `auth`
//!   (WEBUI_AUTH), `auth_trusted_header`, `enable_signup_password_confirmation`,
//!   `enable_ldap`, `enable_api_keys`, `enable_signup`, `enable_login_form`,
//!   `enable_websocket`, `enable_version_update_check`,
//!   `enable_public_active_users_count`, `enable_easter_eggs`; an
//!   `"onboarding": true` first when no user exists yet.
//! - `GET /api/version` → `{"version","deployment_id"}`; `GET /health` →
//!   `{"status":true}`.
//! - `get_current_user`: no bearer token and no `token` cookie → 401
//!   `{"detail":"Not authenticated"}`, whether or not WEBUI_AUTH is on (with
//!   it off the browser signs in automatically as the single admin).
//! - Served by uvicorn; `GET /` is the SvelteKit app.

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

pub(crate) struct OpenWebUi {
    l: Landscape,
}

impl OpenWebUi {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn config(&self) -> J {
        let auth = self.l.auth;
        let features = J::Obj(vec![
            ("auth", J::Bool(auth)),
            ("auth_trusted_header", J::Bool(false)),
            ("enable_signup_password_confirmation", J::Bool(false)),
            ("enable_ldap", J::Bool(false)),
            ("enable_api_keys", J::Bool(false)),
            ("enable_signup", J::Bool(!auth)),
            ("enable_login_form", J::Bool(true)),
            ("enable_websocket", J::Bool(true)),
            ("enable_version_update_check", J::Bool(true)),
            ("enable_public_active_users_count", J::Bool(true)),
            ("enable_easter_eggs", J::Bool(true)),
        ]);
        J::Obj(vec![
            ("status", J::Bool(true)),
            ("name", J::s("Open WebUI")),
            ("version", J::s(&self.l.version)),
            ("default_locale", J::s("")),
            ("oauth", J::Obj(vec![("providers", J::Obj(vec![]))])),
            ("features", features),
        ])
    }
}

impl Handler for OpenWebUi {
    fn respond(&self, req: &Req) -> Response<Body> {
        if req.method != Method::GET {
            return stack::uvicorn_json(405, J::Obj(vec![("detail", J::s("Method Not Allowed"))]));
        }
        match req.path.as_str() {
            "/" => stack::uvicorn(
                200,
                "text/html; charset=utf-8",
                vec![],
                "<!doctype html><html lang=\"en\"><head><title>Open WebUI</title></head><body></body></html>".into(),
            ),
            "/api/config" => stack::uvicorn_json(200, self.config()),
            "/api/version" => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("version", J::s(&self.l.version)),
                    ("deployment_id", J::s("")),
                ]),
            ),
            "/health" => stack::uvicorn_json(200, J::Obj(vec![("status", J::Bool(true))])),
            "/api/models" | "/api/v1/chats/" | "/api/v1/users/" => stack::uvicorn_json(
                401,
                J::Obj(vec![("detail", J::s("Not authenticated"))]),
            ),
            _ => stack::uvicorn_not_found(),
        }
    }
}
