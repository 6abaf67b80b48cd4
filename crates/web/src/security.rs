//! Who may look, and what the browser may do with what it gets.
//!
//! * On loopback without a token, every local user may look; the Host
//!   header must then name loopback too, so a web page that rebinds its
//!   own DNS name to 127.0.0.1 cannot read the dashboard.
//! * With a token (required for any other address), a request carries it
//!   as `Authorization: Bearer …`, or the session cookie that the login
//!   form sets after checking it.
//! * The only state-changing routes are login and logout; both need a
//!   CSRF token that matches a cookie (login) or the session (logout), and
//!   an `Origin`, when the browser sends one, equal to the host.
//! * Every response carries a strict Content-Security-Policy: no scripts
//!   at all, styles from this server only, no framing.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::AppState;

pub const SESSION_COOKIE: &str = "aimap_session";
pub const CSRF_COOKIE: &str = "aimap_csrf";
const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Sessions kept at most; the oldest goes first. Bounds memory whatever
/// a client does with the login form.
const MAX_SESSIONS: usize = 1024;
/// A token shorter than this is refused: it would be guessable.
pub const MIN_TOKEN_LEN: usize = 16;

pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                       frame-ancestors 'none'; base-uri 'none'";

/// Access settings of one server.
pub struct Security {
    token: Option<String>,
    /// Bound to loopback: the Host header must name loopback.
    loopback: bool,
    sessions: Mutex<HashMap<String, Session>>,
}

struct Session {
    csrf: String,
    expires: Instant,
}

/// What a handler knows about the caller.
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    /// The session's CSRF token, for the logout form; None without a token.
    pub csrf: Option<String>,
}

impl Security {
    pub fn new(token: Option<String>, loopback: bool) -> Self {
        Self {
            token,
            loopback,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    pub fn token_required(&self) -> bool {
        self.token.is_some()
    }

    pub fn token_matches(&self, given: &str) -> bool {
        match &self.token {
            Some(t) => t.as_bytes().ct_eq(given.as_bytes()).into(),
            None => false,
        }
    }

    /// A new session after a good login: (session id, its CSRF token).
    pub fn open_session(&self) -> (String, String) {
        let id = random_token();
        let csrf = random_token();
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        if sessions.len() >= MAX_SESSIONS {
            if let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone())
            {
                sessions.remove(&oldest);
            }
        }
        sessions.insert(
            id.clone(),
            Session {
                csrf: csrf.clone(),
                expires: now + SESSION_TTL,
            },
        );
        (id, csrf)
    }

    fn session_csrf(&self, id: &str) -> Option<String> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions
            .get(id)
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.csrf.clone())
    }

    /// Ends a session if `csrf` is its token.
    pub fn close_session(&self, id: &str, csrf: &str) -> bool {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let ok = sessions
            .get(id)
            .is_some_and(|s| bool::from(s.csrf.as_bytes().ct_eq(csrf.as_bytes())));
        if ok {
            sessions.remove(id);
        }
        ok
    }

    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        if !self.loopback {
            return true; // the token protects it
        }
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        is_loopback_host(host)
    }
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `Origin`, when sent, must be this host: a form posted from another
/// site is refused even before its CSRF token is looked at.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|o| o.eq_ignore_ascii_case(host))
}

/// Routes anyone may reach: the login form and its stylesheet.
fn is_public(path: &str) -> bool {
    path == "/login" || path == "/favicon.ico" || path.starts_with("/static/")
}

/// The gate in front of every route.
pub async fn gate(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let sec = &app.security;
    if !sec.host_allowed(req.headers()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "this server answers to loopback host names only (DNS rebinding protection)",
        );
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !same_origin(req.headers()) {
        return refuse(StatusCode::FORBIDDEN, "cross-origin request refused");
    }
    let mut viewer = Viewer::default();
    if sec.token_required() && !is_public(req.uri().path()) {
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| sec.token_matches(t.trim()));
        let session = cookie(req.headers(), SESSION_COOKIE).and_then(|id| sec.session_csrf(id));
        if !bearer && session.is_none() {
            let held = cookie(req.headers(), CSRF_COOKIE);
            return unauthenticated(
                req.uri().path(),
                req.uri().path_and_query().map(|p| p.as_str()),
                held,
            );
        }
        viewer.csrf = session;
    }
    req.extensions_mut().insert(viewer);
    let mut resp = next.run(req).await;
    harden(resp.headers_mut());
    resp
}

fn unauthenticated(path: &str, target: Option<&str>, held_csrf: Option<&str>) -> Response {
    if path.starts_with("/api/") {
        let mut resp = (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"error": "authentication required: send Authorization: Bearer <token>"})),
        )
            .into_response();
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"aimap\""),
        );
        harden(resp.headers_mut());
        return resp;
    }
    let mut resp = crate::pages::login::form(
        StatusCode::UNAUTHORIZED,
        target.unwrap_or("/"),
        None,
        held_csrf,
    );
    harden(resp.headers_mut());
    resp
}

fn refuse(status: StatusCode, why: &'static str) -> Response {
    let mut resp = (status, why).into_response();
    harden(resp.headers_mut());
    resp
}

/// Headers every response carries.
pub fn harden(h: &mut HeaderMap) {
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, "content-security-policy", CSP);
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    // same-origin, not no-referrer: with no-referrer, browsers send
    // `Origin: null` on our own form posts, which the gate refuses.
    set(h, "referrer-policy", "same-origin");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    set(h, "cache-control", "no-store");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for ok in [
            "localhost",
            "localhost:8717",
            "127.0.0.1:80",
            "127.67.0.1",
            "[::1]:8717",
            "[::1]",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8717",
            "10.0.0.1:80",
            "[2001:db8::1]:80",
            "",
            "localhost.evil.example",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn sessions_need_their_own_csrf_token() {
        let s = Security::new(Some("t".repeat(20)), true);
        let (id, csrf) = s.open_session();
        assert!(s.session_csrf(&id).is_some());
        assert!(!s.close_session(&id, "wrong"));
        assert!(s.close_session(&id, &csrf));
        assert!(s.session_csrf(&id).is_none());
        assert!(s.token_matches(&"t".repeat(20)));
        assert!(!s.token_matches("t"));
    }

    #[test]
    fn sessions_are_bounded() {
        let s = Security::new(Some("t".repeat(20)), true);
        for _ in 0..MAX_SESSIONS + 10 {
            s.open_session();
        }
        assert!(s.sessions.lock().unwrap().len() <= MAX_SESSIONS);
    }
}
