//! The parts of gin-gonic/gin's router that show on the wire (v1.10.0,
//! the version ollama/ollama's go.mod pins), as used with
//! `HandleMethodNotAllowed = true` and the default `RedirectTrailingSlash`.
//!
//! Facts copied (gin-gonic/gin v1.10.0):
//! - gin.go `handleHTTPRequest`: a route of the request's method wins;
//!   else, in that method's tree, the path with/without a trailing slash
//!   redirects (`redirectTrailingSlash`: 301 for GET, 307 otherwise, via
//!   Go's `http.Redirect`); else, when other method trees hold the path,
//!   405 with `Allow` listing them in tree order; else 404.
//! - gin.go `default404Body` "404 page not found", `default405Body` "405
//!   method not allowed", `serveError` sets `Content-Type: text/plain`.
//! - context.go `ShouldBindJSON` → binding/json.go decodes with
//!   encoding/json: an empty body is `io.EOF` (the handlers report "missing
//!   request body"), syntax errors read "invalid character 'x' looking for
//!   beginning of value", a wrong top-level type "json: cannot unmarshal
//!   <kind> into Go value of type <T>".
//! - golang/go src/net/http/server.go `Redirect`: `Location`, an HTML
//!   type for GET and HEAD, a one-line `<a href>` body for GET; a HEAD
//!   handler that wrote nothing gets no `Content-Length`.

use http::{Method, Response};

/// gin's own answer (boxed: a response is large next to a pattern).
pub(crate) type Answer = Box<Response<Body>>;

use crate::http::{self as h, Body, Req};

/// Route `req` through `routes` ((method, pattern) pairs, patterns with
/// `:param` segments); `methods` lists the method trees in registration
/// order. Ok is the matched pattern; Err is gin's own answer.
pub(crate) fn dispatch(
    methods: &[&str],
    routes: &'static [(&'static str, &'static str)],
    req: &Req,
) -> Result<&'static str, Answer> {
    let method = req.method.as_str();
    let path = req.path.as_str();
    let routed = |m: &str, p: &str| routes.iter().find(|(rm, rp)| *rm == m && matches(rp, p));
    if let Some((_, pattern)) = routed(method, path) {
        return Ok(pattern);
    }
    if methods.contains(&method) && path != "/" {
        if let Some(trimmed) = path.strip_suffix('/') {
            if routed(method, trimmed).is_some() {
                return Err(Box::new(redirect(req, trimmed)));
            }
        }
    }
    let allowed: Vec<&str> = methods
        .iter()
        .copied()
        .filter(|m| *m != method && routed(m, path).is_some())
        .collect();
    if !allowed.is_empty() {
        let headers = vec![
            ("allow", allowed.join(", ")),
            ("content-type", "text/plain".into()),
        ];
        return Err(Box::new(h::go(405, headers, "405 method not allowed")));
    }
    Err(Box::new(h::go(
        404,
        vec![("content-type", "text/plain".into())],
        "404 page not found",
    )))
}

/// gin's tree match: literal segments, `:param` takes one non-empty segment.
pub(crate) fn matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with(':') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// Go's http.Redirect as gin calls it: 301 for GET, 307 otherwise; GET and
/// HEAD get an HTML content type, GET a one-line body.
fn redirect(req: &Req, to: &str) -> Response<Body> {
    let location = match &req.query {
        Some(q) => format!("{to}?{q}"),
        None => to.to_string(),
    };
    let get = req.method == Method::GET;
    let head = req.method == Method::HEAD;
    let (status, text) = if get {
        (301, "Moved Permanently")
    } else {
        (307, "Temporary Redirect")
    };
    let mut headers = vec![("location", location.clone())];
    if get || head {
        headers.push(("content-type", "text/html; charset=utf-8".into()));
    }
    let body = if get {
        format!("<a href=\"{}\">{text}</a>.\n\n", html_escape(&location))
    } else {
        String::new()
    };
    let mut response = h::go(status, headers, body);
    if head {
        // net/http omits Content-Length when a HEAD handler wrote nothing.
        response.headers_mut().remove("content-length");
    }
    response
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// gin's `c.ShouldBindJSON` outcome as the handlers report it.
pub(crate) fn bind_json(
    body: &[u8],
    type_name: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let Some(&first) = first else {
        return Err("missing request body".into());
    };
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!(
            "json: cannot unmarshal {} into Go value of type api.{type_name}",
            go_kind(&other)
        )),
        Err(_) if !b"{[\"-0123456789tfn".contains(&first) => Err(format!(
            "invalid character '{}' looking for beginning of value",
            first as char
        )),
        Err(_) => Err("unexpected EOF".into()),
    }
}

fn go_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Array(_) => "array",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::Bool(_) => "bool",
        _ => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_take_one_segment() {
        assert!(matches("/api/blobs/:digest", "/api/blobs/sha256:abc"));
        assert!(!matches("/api/blobs/:digest", "/api/blobs/"));
        assert!(!matches("/api/blobs/:digest", "/api/blobs/a/b"));
        assert!(matches("/", "/"));
    }

    #[test]
    fn bind_json_errors_read_like_go() {
        assert_eq!(bind_json(b"  ", "X").unwrap_err(), "missing request body");
        assert_eq!(
            bind_json(b"x", "X").unwrap_err(),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            bind_json(b"[1]", "ShowRequest").unwrap_err(),
            "json: cannot unmarshal array into Go value of type api.ShowRequest"
        );
        assert_eq!(bind_json(br#"{"model":"m"}"#, "X").unwrap()["model"], "m");
    }
}
