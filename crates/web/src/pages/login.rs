//! The login form (only when a token is configured) and logout. The form
//! carries a CSRF token that must equal a cookie set with it (double
//! submit), so another site cannot log a browser in to its own session.
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::html::{esc, page_with_status};
use crate::security::{cookie, random_token, Viewer, CSRF_COOKIE, SESSION_COOKIE};
use crate::AppState;

/// Where to go after login: a local path only (no open redirect).
fn local_target(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

/// The login page with a CSRF token and its cookie. A token the browser
/// already holds is kept: a second page load (a favicon, another tab) must
/// not invalidate the form already on screen.
pub fn form(status: StatusCode, next: &str, error: Option<&str>, held: Option<&str>) -> Response {
    let csrf = held
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map_or_else(random_token, str::to_string);
    let body = format!(
        r#"<h1>Log in</h1><p class="sub">This aimap server requires its access token.</p>{}
<form method="post" action="/login" id="login"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="next" value="{}">
<label>Token <input type="password" name="token" id="token" autocomplete="current-password" required></label>
<button type="submit" id="login-submit">Log in</button></form>"#,
        error
            .map(|e| format!(r#"<p class="error">{}</p>"#, esc(e)))
            .unwrap_or_default(),
        esc(local_target(next))
    );
    let mut resp = page_with_status(status, "Log in", "", &Viewer::default(), &body);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}={csrf}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600"
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn show(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if !app.security.token_required() {
        return Redirect::to("/").into_response();
    }
    form(StatusCode::OK, "/", None, cookie(&headers, CSRF_COOKIE))
}

pub async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if !app.security.token_required() {
        return Redirect::to("/").into_response();
    }
    let csrf_ok = cookie(&headers, CSRF_COOKIE)
        .is_some_and(|c| !c.is_empty() && bool::from(c.as_bytes().ct_eq(f.csrf.as_bytes())));
    if !csrf_ok {
        return form(
            StatusCode::FORBIDDEN,
            &f.next,
            Some("The form expired or came from another site; try again."),
            None,
        );
    }
    if !app.security.token_matches(f.token.trim()) {
        tracing::warn!("failed login to aimap serve");
        return form(
            StatusCode::UNAUTHORIZED,
            &f.next,
            Some("Wrong token."),
            cookie(&headers, CSRF_COOKIE),
        );
    }
    let (session, _) = app.security.open_session();
    let mut resp = Redirect::to(local_target(&f.next)).into_response();
    for c in [
        format!("{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"),
        format!("{CSRF_COOKIE}=; HttpOnly; SameSite=Strict; Path=/login; Max-Age=0"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Response {
    let closed =
        cookie(&headers, SESSION_COOKIE).is_some_and(|id| app.security.close_session(id, &f.csrf));
    if !closed {
        return crate::html::error_page(StatusCode::FORBIDDEN, "Logout refused: bad CSRF token.");
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("aimap_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::local_target;

    #[test]
    fn only_local_redirects() {
        assert_eq!(
            local_target("/findings?severity=high"),
            "/findings?severity=high"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
        ] {
            assert_eq!(local_target(bad), "/", "{bad}");
        }
    }
}
