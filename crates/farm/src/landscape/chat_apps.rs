//! Three self-hosted chat front ends: LibreChat (Express, port 3080),
//! LobeChat (Next.js, 3210) and NextChat / ChatGPT-Next-Web (Next.js,
//! 3000). Each holds provider API keys on the server, so what matters is
//! who may reach its chat routes.
//!
//! Facts copied:
//! - danny-avila/LibreChat api/server/routes/config.js: `GET /api/config`
//!   without a session answers the pre-login payload: `appTitle` (APP_TITLE
//!   or "LibreChat"), `*LoginEnabled` flags, `serverDomain` (DOMAIN_SERVER,
//!   default `http://localhost:3080`), `emailLoginEnabled`,
//!   `registrationEnabled` (ALLOW_REGISTRATION), `socialLoginEnabled`,
//!   `emailEnabled`, `passwordResetEnabled`, then `socialLogins`. Data
//!   routes (`/api/endpoints`, `/api/convos`, ...) sit behind
//!   middleware/requireJwtAuth.js (passport-jwt): 401 "Unauthorized".
//!   The farm's `auth` flag is ALLOW_REGISTRATION=false.
//! - lobehub/lobe-chat src/app/manifest.ts + src/server/manifest.ts:
//!   `/manifest.webmanifest` → `{"background_color", "cache_busting_mode",
//!   "categories", "description", "display", ..., "id":
//!   kebabCase(BRANDING_NAME), "name": "LobeChat", ..., "start_url":
//!   "/chat"}`. Its webapi routes (middleware/auth/index.ts `checkAuth`)
//!   refuse a request without the `X-lobe-chat-auth` header the web app
//!   signs with ChatErrorType.Unauthorized (401) whatever ACCESS_CODE is,
//!   via utils/errorResponse.ts: `{"body": {"error": {"errorType": 401},
//!   "provider"}, "errorType": 401}`. Open only: the access code cannot
//!   be seen from outside.
//! - ChatGPTNextWeb/NextChat app/api/config/route.ts: `GET|POST
//!   /api/config` → `{"needCode", "hideUserApiKey", "disableGPT4",
//!   "hideBalanceQuery", "disableFastLink", "customModels",
//!   "defaultModel", "visionModels"}`; app/config/server.ts `needCode =
//!   ACCESS_CODES.size > 0` (env CODE). app/api/auth.ts: with a code set
//!   and none sent, the provider proxy answers 401 `{"error": true,
//!   "msg": "empty access code"}`; without one it forwards to the
//!   provider with the server's own key. The farm's `auth` flag is CODE.
//! - Next.js: `vary: RSC, Next-Router-State-Tree, Next-Router-Prefetch`
//!   on app-router answers, node's `date`, `connection`, `keep-alive`.

use std::time::SystemTime;

use http::Response;

use super::stack::{self, Headers};
use super::Landscape;
use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum App {
    Libre,
    Lobe,
    Next,
}

pub(crate) struct ChatApp {
    l: Landscape,
    app: App,
}

/// A Next.js route handler's answer.
fn next(status: u16, content_type: &str, body: String) -> Response<Body> {
    let headers: Headers = vec![
        (
            "vary",
            "RSC, Next-Router-State-Tree, Next-Router-Prefetch".to_string(),
        ),
        ("content-type", content_type.to_string()),
        ("content-length", body.len().to_string()),
        ("date", h::http_date(SystemTime::now())),
        ("connection", "keep-alive".to_string()),
        ("keep-alive", "timeout=5".to_string()),
    ];
    h::build(status, headers, Body::Full(Some(body.into())))
}

fn next_json(status: u16, body: J) -> Response<Body> {
    next(status, "application/json", body.render(Escape::Rapid))
}

/// Next.js's built-in 404 page.
fn not_found() -> Response<Body> {
    next(
        404,
        "text/html; charset=utf-8",
        "<!DOCTYPE html><html><head><title>404: This page could not be found.</title></head>\
         <body><h1>404</h1><h2>This page could not be found.</h2></body></html>"
            .into(),
    )
}

fn html(title: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charSet=\"utf-8\"/><title>{title}</title>\
         <link rel=\"manifest\" href=\"/manifest.webmanifest\"/></head><body><div id=\"root\"></div></body></html>"
    )
}

impl ChatApp {
    pub fn new(l: Landscape, app: App) -> Self {
        Self { l, app }
    }

    fn librechat(&self, path: &str) -> Response<Body> {
        match path {
            "/api/config" => {
                let body = J::Obj(vec![
                    ("appTitle", J::s("LibreChat")),
                    ("discordLoginEnabled", J::Bool(false)),
                    ("facebookLoginEnabled", J::Bool(false)),
                    ("githubLoginEnabled", J::Bool(false)),
                    ("googleLoginEnabled", J::Bool(false)),
                    ("appleLoginEnabled", J::Bool(false)),
                    ("passkeyLoginEnabled", J::Bool(false)),
                    ("openidLoginEnabled", J::Bool(false)),
                    ("openidLabel", J::s("Continue with OpenID")),
                    ("openidAutoRedirect", J::Bool(false)),
                    ("samlLoginEnabled", J::Bool(false)),
                    ("serverDomain", J::s("http://localhost:3080")),
                    ("emailLoginEnabled", J::Bool(true)),
                    ("registrationEnabled", J::Bool(!self.l.auth)),
                    ("socialLoginEnabled", J::Bool(false)),
                    ("emailEnabled", J::Bool(false)),
                    ("passwordResetEnabled", J::Bool(false)),
                    (
                        "socialLogins",
                        J::strs([
                            "github", "google", "discord", "openid", "facebook", "apple", "saml",
                        ]),
                    ),
                ]);
                stack::express_json(200, body)
            }
            p if p.starts_with("/api/") => stack::express(
                401,
                "text/plain; charset=utf-8",
                vec![],
                "Unauthorized".into(),
            ),
            _ => stack::express(200, "text/html; charset=utf-8", vec![], html("LibreChat")),
        }
    }

    fn lobechat(&self, path: &str) -> Response<Body> {
        match path {
            "/manifest.webmanifest" => {
                let icon = |sizes: &str, purpose: &str, file: &str| {
                    J::Obj(vec![
                        ("cache_busting_mode", J::s("query")),
                        ("immutable", J::s("true")),
                        ("max_age", J::Int(31_536_000)),
                        ("src", J::s(format!("/icons/{file}?v=1"))),
                        ("purpose", J::s(purpose)),
                        ("sizes", J::s(sizes)),
                        ("type", J::s("image/png")),
                    ])
                };
                let body = J::Obj(vec![
                    ("background_color", J::s("#000000")),
                    ("cache_busting_mode", J::s("all")),
                    (
                        "categories",
                        J::strs(["productivity", "design", "development", "education"]),
                    ),
                    (
                        "description",
                        J::s("Personal AI productivity tool: chat with LobeChat"),
                    ),
                    ("display", J::s("standalone")),
                    ("display_override", J::strs(["tabbed"])),
                    (
                        "icons",
                        J::Arr(vec![
                            icon("192x192", "any", "icon-192x192.png"),
                            icon("512x512", "any", "icon-512x512.png"),
                        ]),
                    ),
                    ("id", J::s("lobe-chat")),
                    ("immutable", J::s("true")),
                    ("max_age", J::Int(31_536_000)),
                    ("name", J::s("LobeChat")),
                    ("orientation", J::s("portrait")),
                    ("scope", J::s("/")),
                    ("short_name", J::s("LobeChat")),
                    ("splash_pages", J::Null),
                    ("start_url", J::s("/chat")),
                    ("theme_color", J::s("#000000")),
                ]);
                next(200, "application/manifest+json", body.render(Escape::Rapid))
            }
            p if p.starts_with("/webapi/") => {
                let provider = p.rsplit('/').next().unwrap_or("openai");
                let body = J::Obj(vec![
                    (
                        "body",
                        J::Obj(vec![
                            ("error", J::Obj(vec![("errorType", J::Int(401))])),
                            ("provider", J::s(provider)),
                        ]),
                    ),
                    ("errorType", J::Int(401)),
                ]);
                next(401, "text/plain;charset=UTF-8", body.render(Escape::Rapid))
            }
            "/" => next(200, "text/html; charset=utf-8", html("LobeChat")),
            _ => not_found(),
        }
    }

    fn nextchat(&self, path: &str) -> Response<Body> {
        match path {
            "/api/config" => next_json(
                200,
                J::Obj(vec![
                    ("needCode", J::Bool(self.l.auth)),
                    ("hideUserApiKey", J::Bool(false)),
                    ("disableGPT4", J::Bool(false)),
                    ("hideBalanceQuery", J::Bool(true)),
                    ("disableFastLink", J::Bool(false)),
                    ("customModels", J::s("")),
                    (
                        "defaultModel",
                        J::s(self.l.items.first().cloned().unwrap_or_default()),
                    ),
                    ("visionModels", J::s("")),
                ]),
            ),
            p if p.starts_with("/api/openai/") && self.l.auth => next_json(
                401,
                J::Obj(vec![
                    ("error", J::Bool(true)),
                    ("msg", J::s("empty access code")),
                ]),
            ),
            // Open: the proxy forwards with the server's key; this is the
            // provider's answer it relays.
            "/api/openai/v1/models" => {
                let models = self
                    .l
                    .items
                    .iter()
                    .map(|m| {
                        J::Obj(vec![
                            ("id", J::s(m)),
                            ("object", J::s("model")),
                            ("created", J::Int(1_715_367_049)),
                            ("owned_by", J::s("system")),
                        ])
                    })
                    .collect();
                next_json(
                    200,
                    J::Obj(vec![("object", J::s("list")), ("data", J::Arr(models))]),
                )
            }
            "/site.webmanifest" => next(
                200,
                "application/manifest+json",
                J::Obj(vec![
                    ("name", J::s("NextChat")),
                    ("short_name", J::s("NextChat")),
                    ("start_url", J::s("/")),
                    ("display", J::s("standalone")),
                ])
                .render(Escape::Rapid),
            ),
            "/" => next(200, "text/html; charset=utf-8", html("NextChat")),
            _ => not_found(),
        }
    }
}

impl Handler for ChatApp {
    fn respond(&self, req: &Req) -> Response<Body> {
        match self.app {
            App::Libre => self.librechat(&req.path),
            App::Lobe => self.lobechat(&req.path),
            App::Next => self.nextchat(&req.path),
        }
    }
}
