//! Node.js chat and agent front ends built on Express: AnythingLLM,
//! Flowise and SillyTavern.
//!
//! Facts copied:
//! - Mintplex-Labs/anything-llm (72aabbd, Aug 2026) server/index.js mounts
//!   every endpoint under `/api` (Express, `cors({origin: true})`);
//!   server/endpoints/system.js: `GET /api/ping` → `{"online":true}`,
//!   `GET /api/setup-complete` (no auth) → `{"results": {RequiresAuth
//!   (AUTH_TOKEN set), AuthToken, JWTSecret, StorageDir, MultiUserMode,
//!   ..., VectorDB, LLMProvider, ...}}` (models/systemSettings.js
//!   `currentSettings`); server/endpoints/workspaces.js `GET
//!   /api/workspaces` behind utils/middleware/validatedRequest.js: open when
//!   no AUTH_TOKEN/JWT_SECRET is set, else 401 `{"error":"No auth token
//!   found."}`.
//! - FlowiseAI/Flowise flowise@2.2.8 packages/server/src/index.ts:
//!   `x-powered-by` disabled; `/api/v1/ping` ("pong") and `/api/v1/version`
//!   (`{"version"}` from package.json) are whitelisted; any other
//!   `/api/v1/` path coming with `x-request-from: internal` (the UI's own
//!   header) passes freely without FLOWISE_USERNAME/PASSWORD and meets
//!   express-basic-auth with them (401, empty body); without that header an
//!   API key is demanded: 401 `{"error":"Unauthorized Access"}`.
//!   `GET /api/v1/chatflows` → the chatflow rows.
//!   Earlier releases (packages/server/src/index.ts at flowise@1.4.0,
//!   1.6.0, 1.8.1, 1.8.2, 2.0.6, 2.2.0): `GET /api/v1/ip` is whitelisted in
//!   every release from 1.4.0 to 3.1.3 and answers `{"ip","msg"}`, its msg
//!   linking docs.flowiseai.com; `/api/v1/ping` came in 1.8.2 (before it
//!   the UI's catch-all answers index.html); `/api/v1/version` joined the
//!   whitelist in 2.2.0 (before, FLOWISE_USERNAME/PASSWORD guard it); the
//!   `x-request-from: internal` API-key split came in 2.0.6 (before, only
//!   the basic-auth pair guards the API).
//! - SillyTavern/SillyTavern (1.12.6) server.js: helmet headers (no
//!   X-Powered-By); with `basicAuthMode` every path → 401 "Authentication
//!   required", `WWW-Authenticate: Basic realm="SillyTavern",
//!   charset="UTF-8"` (src/middleware/basicAuth.js); `GET /version` →
//!   `{"agent":"SillyTavern:<v>:Cohee#1207","pkgVersion","gitRevision",
//!   "gitBranch","commitDate","isLatest"}` (src/util.js `getVersion`).
//!   Its data routes are POSTs guarded by csrf-csrf 2.x `doubleCsrf`
//!   (server.js, cookieName `X-CSRF-Token`, size 64): `GET /csrf-token` →
//!   `{"token": <128 hex>}` and `Set-Cookie: X-CSRF-Token=<sha256 hex of
//!   token + secret>; Path=/; HttpOnly; SameSite=Strict`; a POST without
//!   the token in `x-csrf-token` and the matching cookie fails with
//!   http-errors' 403 "invalid csrf token" (an HTML error page). With
//!   accounts off every request is the default user, so `POST
//!   /api/characters/all` → the character cards (src/endpoints/characters.js
//!   `processCharacter`: the card's fields plus `avatar`, `date_added`,
//!   `chat_size`, ...). The farm derives the cookie from the token with a
//!   keyed std hash instead of SHA-256: what matters is that only the pair
//!   it issued passes.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use http::{Method, Response};

use super::stack::{self, Headers};
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum App {
    AnythingLlm,
    Flowise,
    SillyTavern,
}

pub(crate) struct NodeApp {
    l: Landscape,
    app: App,
    /// CSRF tokens issued so far (SillyTavern).
    issued: AtomicU64,
}

/// `n` hex digits derived from `seed` (a stand-in for random bytes and
/// for csrf-csrf's SHA-256: deterministic, distinct per seed).
fn hex_from(seed: &str, n: usize) -> String {
    let mut out = String::with_capacity(n + 16);
    let mut block = 0u64;
    while out.len() < n {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (seed, block).hash(&mut h);
        out.push_str(&format!("{:016x}", h.finish()));
        block += 1;
    }
    out.truncate(n);
    out
}

/// The cookie value csrf-csrf pairs with `token`.
fn csrf_cookie(token: &str) -> String {
    hex_from(&format!("{token}|farm-csrf-secret"), 64)
}

/// Express without `x-powered-by` (Flowise disables it, helmet removes it).
fn quiet(status: u16, content_type: &str, extra: Headers, body: String) -> Response<Body> {
    let mut r = stack::express(status, content_type, extra, body);
    r.headers_mut().remove("x-powered-by");
    r
}

fn helmet() -> Headers {
    vec![
        ("content-security-policy", "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests".into()),
        ("cross-origin-opener-policy", "same-origin".into()),
        ("cross-origin-resource-policy", "same-origin".into()),
        ("origin-agent-cluster", "?1".into()),
        ("referrer-policy", "no-referrer".into()),
        ("x-content-type-options", "nosniff".into()),
        ("x-frame-options", "SAMEORIGIN".into()),
        ("x-xss-protection", "0".into()),
    ]
}

impl NodeApp {
    pub fn new(l: Landscape, app: App) -> Self {
        Self {
            l,
            app,
            issued: AtomicU64::new(0),
        }
    }

    fn anythingllm(&self, req: &Req) -> Response<Body> {
        let vary = || vec![("vary", "Origin".to_string())];
        let json = |status, body: J| {
            stack::express(
                status,
                "application/json; charset=utf-8",
                vary(),
                body.render(Escape::Rapid),
            )
        };
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/api/ping") => json(200, J::Obj(vec![("online", J::Bool(true))])),
            (&Method::GET, "/api/setup-complete") => {
                let results = J::Obj(vec![
                    ("RequiresAuth", J::Bool(self.l.auth)),
                    ("AuthToken", J::Bool(self.l.auth)),
                    ("JWTSecret", J::Bool(true)),
                    ("StorageDir", J::s("/app/server/storage")),
                    ("MultiUserMode", J::Bool(false)),
                    ("DisableTelemetry", J::s("false")),
                    ("EmbeddingEngine", J::s("native")),
                    ("VectorDB", J::s("lancedb")),
                    ("LLMProvider", J::s("ollama")),
                ]);
                json(200, J::Obj(vec![("results", results)]))
            }
            (&Method::GET, "/api/workspaces") if self.l.auth => {
                json(401, J::Obj(vec![("error", J::s("No auth token found."))]))
            }
            (&Method::GET, "/api/workspaces") => {
                let ws = self
                    .l
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        J::Obj(vec![
                            ("id", J::Int(i as i64 + 1)),
                            ("name", J::s(n)),
                            ("slug", J::s(n.to_lowercase().replace(' ', "-"))),
                        ])
                    })
                    .collect();
                json(200, J::Obj(vec![("workspaces", J::Arr(ws))]))
            }
            _ => stack::express(
                404,
                "text/html; charset=utf-8",
                vary(),
                format!("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot {} {}</pre>\n</body>\n</html>\n", req.method, req.path),
            ),
        }
    }

    fn flowise(&self, req: &Req) -> Response<Body> {
        let json = |status, body: J| {
            quiet(
                status,
                "application/json; charset=utf-8",
                vec![],
                body.render(Escape::Rapid),
            )
        };
        let path = req.path.as_str();
        let r = crate::release::release(&self.l.version);
        let ui = || {
            quiet(200, "text/html; charset=utf-8", vec![], "<!DOCTYPE html><html><head><title>Flowise - Build AI Agents, Visually</title></head></html>".into())
        };
        let basic_auth = || quiet(401, "text/html; charset=utf-8", vec![], String::new());
        match path {
            "/api/v1/ip" => {
                return json(
                    200,
                    J::Obj(vec![
                        ("ip", J::s("127.0.0.1")),
                        ("msg", J::s("Check returned IP address in the response. If it matches your current IP address ( which you can get by going to http://ip.nfriedly.com/ or https://api.ipify.org/ ), then the number of proxies is correct and the rate limiter should now work correctly. If not, increase the number of proxies by 1 and restart Cloud-Hosted Flowise until the IP address matches your own. Visit https://docs.flowiseai.com/configuration/rate-limit#cloud-hosted-rate-limit-setup-guide for more information.")),
                    ]),
                )
            }
            "/api/v1/ping" if r >= (1, 8, 2) => {
                return quiet(200, "text/html; charset=utf-8", vec![], "pong".into())
            }
            "/api/v1/version" if r >= (2, 2, 0) || !self.l.auth => {
                return json(200, J::Obj(vec![("version", J::s(&self.l.version))]))
            }
            _ => {}
        }
        if !path.starts_with("/api/v1/") {
            return ui();
        }
        if r < (2, 0, 6) {
            // Only the basic-auth pair guards the API; unknown API paths
            // fall through to the UI.
            if self.l.auth {
                return basic_auth();
            }
            if path != "/api/v1/chatflows" {
                return ui();
            }
        }
        let internal = req.header("x-request-from") == Some("internal");
        if !internal && r >= (2, 0, 6) {
            return json(401, J::Obj(vec![("error", J::s("Unauthorized Access"))]));
        }
        if self.l.auth {
            // express-basic-auth with its defaults: no challenge, no body.
            return quiet(401, "text/html; charset=utf-8", vec![], String::new());
        }
        match (&req.method, path) {
            (&Method::GET, "/api/v1/chatflows") => {
                let flows = self
                    .l
                    .items
                    .iter()
                    .map(|n| {
                        J::Obj(vec![
                            ("id", J::s("4f7c2a1e-9b3d-4c8e-a5f6-0d1e2f3a4b5c")),
                            ("name", J::s(n)),
                            ("deployed", J::Bool(false)),
                            ("isPublic", J::Bool(false)),
                            ("type", J::s("CHATFLOW")),
                        ])
                    })
                    .collect();
                json(200, J::Arr(flows))
            }
            _ => json(
                404,
                J::Obj(vec![
                    ("statusCode", J::Int(404)),
                    ("success", J::Bool(false)),
                    ("message", J::s("Not Found")),
                ]),
            ),
        }
    }

    fn sillytavern(&self, req: &Req) -> Response<Body> {
        if self.l.auth {
            let mut extra = helmet();
            extra.push((
                "www-authenticate",
                "Basic realm=\"SillyTavern\", charset=\"UTF-8\"".into(),
            ));
            return quiet(
                401,
                "text/html; charset=utf-8",
                extra,
                "Authentication required".into(),
            );
        }
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/version") => {
                let v = &self.l.version;
                let body = J::Obj(vec![
                    ("agent", J::s(format!("SillyTavern:{v}:Cohee#1207"))),
                    ("pkgVersion", J::s(v)),
                    ("gitRevision", J::s("ba6f7b7a9")),
                    ("gitBranch", J::s("release")),
                    ("commitDate", J::s("2024-09-28 01:02:36 +0300")),
                    ("isLatest", J::Bool(true)),
                ]);
                quiet(200, "application/json; charset=utf-8", helmet(), body.render(Escape::Rapid))
            }
            (&Method::GET, "/csrf-token") => {
                let n = self.issued.fetch_add(1, Ordering::Relaxed);
                let token = hex_from(&format!("token-{n}"), 128);
                let mut extra = helmet();
                extra.push((
                    "set-cookie",
                    format!("X-CSRF-Token={}; Path=/; HttpOnly; SameSite=Strict", csrf_cookie(&token)),
                ));
                let body = J::Obj(vec![("token", J::s(&token))]);
                quiet(200, "application/json; charset=utf-8", extra, body.render(Escape::Rapid))
            }
            (&Method::POST, _) if !self.csrf_ok(req) => quiet(
                403,
                "text/html; charset=utf-8",
                helmet(),
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>ForbiddenError: invalid csrf token</pre>\n</body>\n</html>\n".into(),
            ),
            (&Method::POST, "/api/characters/all") => {
                let cards = self
                    .l
                    .items
                    .iter()
                    .map(|name| {
                        J::Obj(vec![
                            ("name", J::s(name)),
                            ("description", J::s("")),
                            ("spec", J::s("chara_card_v2")),
                            ("avatar", J::s(format!("default_{name}.png"))),
                            ("date_added", J::Int(1727474556000)),
                            ("chat_size", J::Int(0)),
                            ("data_size", J::Int(2048)),
                        ])
                    })
                    .collect();
                quiet(200, "application/json; charset=utf-8", helmet(), J::Arr(cards).render(Escape::Rapid))
            }
            (&Method::GET, "/") => quiet(200, "text/html; charset=utf-8", helmet(), "<!DOCTYPE html><html><head><title>SillyTavern</title></head></html>".into()),
            _ => quiet(404, "text/html; charset=utf-8", helmet(), format!("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot {} {}</pre>\n</body>\n</html>\n", req.method, req.path)),
        }
    }
}

impl NodeApp {
    /// csrf-csrf's double-submit check: the header token and the cookie
    /// it was issued with.
    fn csrf_ok(&self, req: &Req) -> bool {
        let Some(token) = req.header("x-csrf-token") else {
            return false;
        };
        let want = format!("X-CSRF-Token={}", csrf_cookie(token));
        req.header("cookie")
            .is_some_and(|c| c.split(';').any(|kv| kv.trim() == want))
    }
}

impl Handler for NodeApp {
    fn respond(&self, req: &Req) -> Response<Body> {
        match self.app {
            App::AnythingLlm => self.anythingllm(req),
            App::Flowise => self.flowise(req),
            App::SillyTavern => self.sillytavern(req),
        }
    }
}
