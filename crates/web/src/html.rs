//! The page frame and the few helpers every page needs. No template
//! engine: pages are small, and every value goes through [`esc`] on its
//! way in (the only way to put text into a page here).
use std::fmt::Write;

use aimap_model::Severity;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::redact::redact;
use crate::security::Viewer;

/// HTML-escape text (and redact any secret in it).
pub fn esc(s: &str) -> String {
    let s = redact(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encode one path segment or query value.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A query string from pairs, skipping empty values.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// `href` with `key=value` added (nothing when `value` is empty).
pub fn with_param(href: &str, key: &str, value: &str) -> String {
    if value.is_empty() {
        return href.to_string();
    }
    let sep = if href.contains('?') { '&' } else { '?' };
    format!("{href}{sep}{key}={}", enc(value))
}

pub fn when(ms: i64) -> String {
    aimap_store::rfc3339(ms)
        .replace('T', " ")
        .replace('Z', " UTC")
}

pub fn severity_badge(s: Severity) -> String {
    format!(r#"<span class="sev sev-{0}">{0}</span>"#, s.as_str())
}

pub fn auth_badge(auth: &str) -> String {
    let class = match auth {
        "none" => "open",
        "required" => "closed",
        // Some sensitive capability open, another guarded: still exposed.
        "partial" => "partial",
        _ => "unknown",
    };
    format!(r#"<span class="auth auth-{class}">{}</span>"#, esc(auth))
}

const NAV: [(&str, &str); 6] = [
    ("/", "Overview"),
    ("/services", "Services"),
    ("/findings", "Findings"),
    ("/components", "Components"),
    ("/runs", "Runs"),
    ("/diff", "Diff"),
];

/// A whole page: frame, navigation, `body`.
pub fn page(title: &str, active: &str, viewer: &Viewer, body: &str) -> Response {
    page_with_status(StatusCode::OK, title, active, viewer, body)
}

pub fn page_with_status(
    status: StatusCode,
    title: &str,
    active: &str,
    viewer: &Viewer,
    body: &str,
) -> Response {
    let mut nav = String::new();
    for (href, label) in NAV {
        let cls = if href == active {
            r#" class="active""#
        } else {
            ""
        };
        let _ = write!(nav, r#"<a href="{href}"{cls}>{label}</a>"#);
    }
    let logout = match &viewer.csrf {
        Some(csrf) => format!(
            r#"<form method="post" action="/logout" class="logout"><input type="hidden" name="csrf" value="{}"><button type="submit">Log out</button></form>"#,
            esc(csrf)
        ),
        None => String::new(),
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{} · aimap</title><link rel="stylesheet" href="/static/app.css"></head>
<body><header><span class="brand">aimap</span><nav>{nav}</nav>{logout}</header>
<main>{body}</main>
<footer>aimap {} · read-only view of the run store</footer></body></html>"#,
        esc(title),
        env!("CARGO_PKG_VERSION"),
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

pub fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        r#"<h1>{}</h1><p class="error">{}</p><p><a href="/">Back to the overview</a></p>"#,
        status.as_u16(),
        esc(message)
    );
    page_with_status(status, "Error", "", &Viewer::default(), &body)
}

/// "Rows 1–50 of 1,234" with previous/next links keeping the filters.
pub fn pager(base: &str, pairs: &[(&str, &str)], total: u64, offset: u64, limit: u32) -> String {
    let limit = u64::from(limit);
    let end = (offset + limit).min(total);
    let mut out = format!(
        r#"<p class="pager">{} {}–{} of {}"#,
        if total == 0 { "No rows" } else { "Rows" },
        if total == 0 { 0 } else { offset + 1 },
        end,
        thousands(total)
    );
    let link = |off: u64, label: &str| {
        let off = off.to_string();
        let mut p: Vec<(&str, &str)> = pairs.to_vec();
        p.push(("offset", &off));
        let href = format!("{base}{}", query(&p));
        format!(r#" <a href="{}">{label}</a>"#, esc(&href))
    };
    if offset > 0 {
        out.push_str(&link(offset.saturating_sub(limit), "← previous"));
    }
    if end < total {
        out.push_str(&link(end, "next →"));
    }
    out.push_str("</p>");
    out
}

pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `<select>` with the current value selected.
pub fn select(name: &str, current: &str, options: &[(&str, &str)]) -> String {
    let mut out = format!(r#"<select name="{name}" id="f-{name}">"#);
    for (value, label) in options {
        let sel = if *value == current { " selected" } else { "" };
        let _ = write!(
            out,
            r#"<option value="{}"{sel}>{}</option>"#,
            esc(value),
            esc(label)
        );
    }
    out.push_str("</select>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_encodes() {
        assert_eq!(
            esc(r#"<script>"x"&'y'"#),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;"
        );
        assert_eq!(enc("a b/c@d:1"), "a%20b%2Fc%40d%3A1");
        assert_eq!(
            query(&[("a", "1"), ("b", ""), ("c", "x y")]),
            "?a=1&c=x%20y"
        );
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
