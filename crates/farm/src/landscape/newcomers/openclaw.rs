//! OpenClaw's gateway (Node, port 18789): the agent gateway whose Control
//! UI, WebSocket and HTTP APIs share one port.
//!
//! Modelled on the released npm package `openclaw` at 2026.3.2 and
//! 2026.9.6 (dist/, built from src/gateway/):
//! - `GET /health`, `/healthz` → `{"ok":true,"status":"live"}` with
//!   `application/json; charset=utf-8` and `Cache-Control: no-store`
//!   (src/gateway/server-http-probes.ts; in 2026.3.2 inside the gateway
//!   CLI bundle), before any auth.
//! - `GET /` (and any unknown path: the SPA fallback) → the Control UI
//!   page, `<title>OpenClaw Control</title>`; 2026.9.6 stamps
//!   `data-openclaw-control-ui-build-id="<version>-release-..."` on
//!   `<html>`, 2026.3.2 does not (dist/control-ui/index.html).
//! - `POST /tools/invoke` (src/gateway/tools-invoke-http.ts): the gateway
//!   auth runs first: without a token under `gateway.auth.mode: token` →
//!   401 `{"error":{"message":"Unauthorized","type":"unauthorized"}}`
//!   (http-common.ts `sendUnauthorized`); with `mode: none` the body is
//!   parsed, and one that is not JSON → 400 `{"error":{"message":<JSON.parse
//!   error>,"type":"invalid_request_error"}}` before any tool is looked up.
//! - Every answer carries `X-Content-Type-Options: nosniff` and
//!   `Referrer-Policy: no-referrer` (setDefaultSecurityHeaders).
//!
//! `auth`: `true` is token mode (the default the onboarding writes),
//! `false` is `gateway.auth.mode: "none"`.

use http::{Method, Response};

use super::super::stack::Headers;
use super::super::Landscape;
use super::{at_least, node};
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct OpenClaw {
    l: Landscape,
}

impl OpenClaw {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    /// The Control UI page; releases from 2026.4 on carry the build id.
    fn page(&self) -> String {
        let stamped = at_least(&self.l.version, &[2026, 4]);
        let html = if stamped {
            format!(
                "<html data-openclaw-control-ui-build-id=\"{}-release-eb377ac59e6c-2026-09-23T16-33-12.144Z\" lang=\"en\">",
                self.l.version
            )
        } else {
            "<html lang=\"en\">".to_string()
        };
        format!(
            "<!doctype html>\n{html}\n  <head>\n    <meta charset=\"UTF-8\" />\n    <title>OpenClaw Control</title>\n  </head>\n  <body>\n    <openclaw-app></openclaw-app>\n  </body>\n</html>\n"
        )
    }
}

fn security() -> Headers {
    vec![
        ("x-content-type-options", "nosniff".to_string()),
        ("referrer-policy", "no-referrer".to_string()),
        (
            "permissions-policy",
            "camera=(), microphone=(self), geolocation=()".to_string(),
        ),
    ]
}

fn json(status: u16, mut headers: Headers, body: &str) -> Response<Body> {
    headers.push(("content-type", "application/json; charset=utf-8".into()));
    node(status, headers, body.to_string())
}

impl Handler for OpenClaw {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        match (path, &req.method) {
            ("/health" | "/healthz", &Method::GET) => {
                let mut h = security();
                h.push(("cache-control", "no-store".into()));
                json(200, h, r#"{"ok":true,"status":"live"}"#)
            }
            ("/tools/invoke", &Method::POST) if self.l.auth => json(
                401,
                security(),
                r#"{"error":{"message":"Unauthorized","type":"unauthorized"}}"#,
            ),
            ("/tools/invoke", &Method::POST) => {
                let parsed = serde_json::from_slice::<serde_json::Value>(&req.body);
                match parsed {
                    Err(_) => {
                        let text = String::from_utf8_lossy(&req.body);
                        let first = text.chars().next().unwrap_or(' ');
                        let message = format!(
                            "Unexpected token '{first}', \"{}\" is not valid JSON",
                            text.chars().take(32).collect::<String>()
                        );
                        let body = J::Obj(vec![(
                            "error",
                            J::Obj(vec![
                                ("message", J::s(message)),
                                ("type", J::s("invalid_request_error")),
                            ]),
                        )]);
                        json(400, security(), &body.render(Escape::Rapid))
                    }
                    // The emulator never runs tools.
                    Ok(_) => json(
                        400,
                        security(),
                        r#"{"error":{"message":"tools.invoke requires body.tool","type":"invalid_request_error"}}"#,
                    ),
                }
            }
            ("/tools/invoke", _) => {
                let mut h = security();
                h.push(("allow", "POST".into()));
                h.push(("content-type", "text/plain; charset=utf-8".into()));
                node(405, h, "Method Not Allowed".into())
            }
            (_, &Method::GET) if !path.starts_with("/assets/") => {
                let mut h = security();
                h.push(("content-type", "text/html; charset=utf-8".into()));
                h.push(("cache-control", "no-cache".into()));
                node(200, h, self.page())
            }
            _ => {
                let mut h = security();
                h.push(("content-type", "text/plain; charset=utf-8".into()));
                node(404, h, "Not Found".into())
            }
        }
    }
}
