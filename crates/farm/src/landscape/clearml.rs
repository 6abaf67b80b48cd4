//! The ClearML API server (port 8008; the web app is on 8080, the file
//! server on 8081). The farm's `auth` flag is the `fixed_users` switch:
//! `false` is the default install, where the web login takes any user name
//! without a password; `true` has fixed users with passwords.
//!
//! Facts copied (allegroai/clearml-server, apiserver/):
//! - service_repo/apicall.py `get_response`: every answer is `{"meta":
//!   {"id", "trx", "endpoint": {"name", "requested_version",
//!   "actual_version"}, "result_code", "result_subcode", "result_msg",
//!   "error_stack", "error_data"}, "data"}`, HTTP status = result_code.
//! - server_init/request_handlers.py `after_request`: `server: clearml`
//!   (apiserver.response.headers.server default); calls are
//!   `/<service>.<action>`, GET or POST.
//! - services/debug.py: `debug.ping` → `{"msg": "ClearML server"}` from
//!   1.0.0, `{"msg": "Because it trains cats and dogs"}` in 0.16-0.17;
//!   schema/services/debug.conf `authorize: false`.
//! - services/server/__init__.py `server.info` (`authorize = false`):
//!   `{"version", "build", "commit", "uid", "api_version"}`.
//! - services/login/__init__.py `login.supported_modes` (`authorize:
//!   null`): `{"basic": {"enabled": FixedUser.enabled(), "guest":
//!   {"enabled": false}}, "sso": {}, "sso_providers": [], "server_errors":
//!   {...}, "authenticated": false}`.
//! - apierrors/errors.conf 401.20 `no_credentials`: any other call without
//!   credentials → 401 "Unauthorized (missing credentials)".
//! - fileserver/fileserver.py (port 8081): `GET /` → "OK" (Flask's
//!   text/html), `after_request` sets `server: clearml`; `GET /<path>`
//!   sends the stored file or 404; fileserver.auth.enabled is false by
//!   default, so downloads need no token.

use http::Response;

use super::stack::{self, Headers};
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

/// The API version the server's newest endpoints carry.
const API_VERSION: &str = "2.31";

pub(crate) struct ClearMl {
    l: Landscape,
    /// The file server (8081) rather than the API server (8008).
    files: bool,
}

impl ClearMl {
    pub fn new(l: Landscape, files: bool) -> Self {
        Self { l, files }
    }

    fn file_server(path: &str) -> Response<Body> {
        let headers: Headers = vec![
            ("content-type", "text/html; charset=utf-8".to_string()),
            ("server", "clearml".to_string()),
        ];
        match path {
            "/" => stack::bare(200, headers, "OK".into()),
            _ => stack::bare(
                404,
                headers,
                "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n\
                 <p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n"
                    .into(),
            ),
        }
    }

    fn answer(endpoint: &str, code: u16, subcode: i64, msg: &str, data: J) -> Response<Body> {
        let version = if code == 200 {
            J::s(API_VERSION)
        } else {
            J::Null
        };
        let meta = J::Obj(vec![
            ("id", J::s("4f1c2e9a8b7d4c6e9f0a1b2c3d4e5f60")),
            ("trx", J::s("4f1c2e9a8b7d4c6e9f0a1b2c3d4e5f60")),
            (
                "endpoint",
                J::Obj(vec![
                    ("name", J::s(endpoint)),
                    ("requested_version", J::s(API_VERSION)),
                    ("actual_version", version),
                ]),
            ),
            ("result_code", J::Int(code.into())),
            ("result_subcode", J::Int(subcode)),
            ("result_msg", J::s(msg)),
            ("error_stack", J::Null),
            ("error_data", J::Obj(vec![])),
        ]);
        let body = J::Obj(vec![("meta", meta), ("data", data)]).render(Escape::Python);
        let headers: Headers = vec![
            ("content-type", "application/json".to_string()),
            ("server", "clearml".to_string()),
        ];
        stack::bare(code, headers, body)
    }
}

impl Handler for ClearMl {
    fn respond(&self, req: &Req) -> Response<Body> {
        if self.files {
            return Self::file_server(&req.path);
        }
        let endpoint = req.path.trim_start_matches('/');
        match endpoint {
            "debug.ping" => Self::answer(
                endpoint,
                200,
                0,
                "OK",
                J::Obj(vec![(
                    "msg",
                    J::s(if crate::release::release(&self.l.version) < (1, 0, 0) {
                        "Because it trains cats and dogs"
                    } else {
                        "ClearML server"
                    }),
                )]),
            ),
            "server.info" => Self::answer(
                endpoint,
                200,
                0,
                "OK",
                J::Obj(vec![
                    ("version", J::s(&self.l.version)),
                    ("build", J::s("612")),
                    ("commit", J::s("2976ce69")),
                    ("uid", J::s("0b7c4d2e1f3a4b5c8d9e0f1a2b3c4d5e")),
                    ("api_version", J::s(API_VERSION)),
                ]),
            ),
            "login.supported_modes" => {
                let guest = J::Obj(vec![
                    ("enabled", J::Bool(false)),
                    ("name", J::Null),
                    ("username", J::Null),
                    ("password", J::Null),
                ]);
                let data = J::Obj(vec![
                    (
                        "basic",
                        J::Obj(vec![("enabled", J::Bool(self.l.auth)), ("guest", guest)]),
                    ),
                    (
                        "server_errors",
                        J::Obj(vec![
                            ("missed_es_upgrade", J::Bool(false)),
                            ("es_connection_error", J::Bool(false)),
                        ]),
                    ),
                    ("sso", J::Obj(vec![])),
                    ("sso_providers", J::Arr(vec![])),
                    ("authenticated", J::Bool(false)),
                ]);
                Self::answer(endpoint, 200, 0, "OK", data)
            }
            e if e.contains('.') && !e.contains('/') => Self::answer(
                e,
                401,
                20,
                "Unauthorized (missing credentials)",
                J::Obj(vec![]),
            ),
            _ => Self::answer(
                endpoint,
                400,
                0,
                &format!("Invalid request path {}", req.path),
                J::Obj(vec![]),
            ),
        }
    }
}
