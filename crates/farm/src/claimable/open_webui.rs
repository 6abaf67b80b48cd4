//! Open WebUI with WEBUI_AUTH on, fresh (onboarding) or with its admin.
//!
//! Facts read in the PyPI wheels open-webui 0.3.35, 0.4.0, 0.4.8, 0.5.0,
//! 0.5.20, 0.6.18, 0.6.19 and 0.12.4 (open_webui/ there is
//! backend/open_webui/ of open-webui/open-webui at those tags):
//! - main.py `get_app_config` (`GET /api/config`, no auth): from 0.4.0 it
//!   starts with `"onboarding": true` when the caller has no session and
//!   there is no user yet; then `status`, `name`, `version`,
//!   `default_locale`, `oauth.providers`, `features` (`auth`,
//!   `auth_trusted_header`, `enable_ldap`, `enable_api_key`,
//!   `enable_signup`, `enable_login_form`, ...).
//! - routers/auths.py `signup`: the first account gets role "admin", and
//!   ENABLE_SIGNUP is switched off once it exists (`if user_count == 0:
//!   ... ENABLE_SIGNUP = False`), so a claimed install shows
//!   `enable_signup: false`.
//! - `get_current_user` (utils/utils.py in 0.3.x/0.4.x, utils/auth.py from
//!   0.5.0): no bearer token and no `token` cookie → `{"detail":"Not
//!   authenticated"}` with 403 up to 0.6.18, 401 from 0.6.19.

use http::{Method, Response};

use super::{release, uvicorn};
use crate::http::{Body, Handler, Req};
use crate::json::J;

pub(crate) struct OpenWebUi {
    version: String,
    onboarding: bool,
    /// The refusal status of this release's `get_current_user`.
    refusal: u16,
    /// Whether this release reports onboarding at all (0.4.0 and later).
    reports_onboarding: bool,
}

impl OpenWebUi {
    pub fn new(version: &str, onboarding: bool) -> Self {
        let r = release(version);
        Self {
            version: version.to_string(),
            onboarding,
            refusal: if r <= (0, 6, 18) { 403 } else { 401 },
            reports_onboarding: r >= (0, 4, 0),
        }
    }

    fn config(&self) -> J {
        let features = J::Obj(vec![
            ("auth", J::Bool(true)),
            ("auth_trusted_header", J::Bool(false)),
            ("enable_ldap", J::Bool(false)),
            ("enable_api_key", J::Bool(true)),
            // Default on; the first sign-up turns it off.
            ("enable_signup", J::Bool(self.onboarding)),
            ("enable_login_form", J::Bool(true)),
            ("enable_websocket", J::Bool(true)),
        ]);
        let mut fields = Vec::new();
        if self.onboarding && self.reports_onboarding {
            fields.push(("onboarding", J::Bool(true)));
        }
        fields.extend([
            ("status", J::Bool(true)),
            ("name", J::s("Open WebUI")),
            ("version", J::s(&self.version)),
            ("default_locale", J::s("")),
            ("oauth", J::Obj(vec![("providers", J::Obj(vec![]))])),
            ("features", features),
        ]);
        J::Obj(fields)
    }
}

impl Handler for OpenWebUi {
    fn respond(&self, req: &Req) -> Response<Body> {
        if req.method != Method::GET {
            return uvicorn::detail(405, "Method Not Allowed");
        }
        match req.path.as_str() {
            "/api/config" => uvicorn::json(200, self.config()),
            "/api/version" => uvicorn::json(200, J::Obj(vec![("version", J::s(&self.version))])),
            "/health" => uvicorn::json(200, J::Obj(vec![("status", J::Bool(true))])),
            "/api/models" | "/api/v1/chats/" | "/api/v1/users/" | "/api/v1/auths/" => {
                uvicorn::detail(self.refusal, "Not authenticated")
            }
            _ => uvicorn::detail(404, "Not Found"),
        }
    }
}
