//! Multi-step probes: a probe may capture values from its answer into
//! named variables, and a later probe of the same rule may use them as
//! `{name}` in its path or header values (a route prefix read from
//! /openapi.json, a CSRF token and its cookie).
//!
//! What a target sends back is hostile input, and here it is turned into a
//! request, so every step is bounded: a rule captures at most
//! [`MAX_VARIABLES`] variables and at most [`MAX_TEMPLATED_PROBES`] of its
//! probes use them; a value is at most [`MAX_VALUE_LEN`] bytes of printable
//! ASCII and is refused (never cut or escaped into something else) when it
//! does not fit where it goes. A path value may hold only unreserved URL
//! characters and `/` between non-empty segments, none of them `.` or
//! `..`, so it can neither leave the path, add a query nor climb out of the
//! prefix the rule wrote. A probe whose variables are missing or unfit is
//! not sent. The method, and so read-only-ness, is fixed by the rule.
use std::collections::BTreeMap;

use crate::extract::Extractor;
use crate::request::Request;
use crate::response::Response;
use crate::schema::{RawCapture, RawExtractor};

/// The most variables one rule may capture.
pub const MAX_VARIABLES: usize = 8;
/// The most probes of one rule that may use variables.
pub const MAX_TEMPLATED_PROBES: usize = 4;
/// The longest value a variable may hold (a 64-byte CSRF token is 128 hex).
pub const MAX_VALUE_LEN: usize = 256;

/// One `capture` entry of a probe.
#[derive(Debug, Clone)]
pub struct Capture {
    pub name: String,
    /// When the value is absent, use "" (a header that renders empty is
    /// left out; a path never takes an empty value).
    pub optional: bool,
    from: Extractor,
}

impl Capture {
    pub fn compile(raw: &RawCapture) -> Result<Self, String> {
        let ok = !raw.name.is_empty()
            && raw.name.len() <= 32
            && raw.name.starts_with(|c: char| c.is_ascii_lowercase())
            && raw
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(format!(
                "capture name {:?} must be 1-32 lowercase letters, digits or '_', starting with a letter",
                raw.name
            ));
        }
        let as_extractor = RawExtractor {
            into: "capture".into(),
            json: raw.json.clone(),
            regex: raw.regex.clone(),
            header: raw.header.clone(),
            source: None,
            asset_hash: None,
        };
        let from = Extractor::compile(&as_extractor)
            .map_err(|e| format!("capture {:?}: {e}", raw.name))?;
        Ok(Self {
            name: raw.name.clone(),
            optional: raw.optional,
            from,
        })
    }

    /// The value this capture takes from `r`: the first one found, if it
    /// is short, printable ASCII.
    pub fn value(&self, r: &Response) -> Option<String> {
        let v = self.from.raw_values(r).into_iter().next()?;
        let fits = !v.is_empty()
            && v.len() <= MAX_VALUE_LEN
            && v.bytes().all(|b| (0x20..0x7f).contains(&b));
        fits.then_some(v)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Lit(String),
    Var(String),
}

/// A text with `{name}` holes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Text(Vec<Piece>);

impl Text {
    fn parse(s: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Lit(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("{s:?}: '{{' without '}}'"))?;
            let name = &rest[open + 1..open + close];
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(format!("{s:?}: {{{name}}} is not a variable name"));
            }
            pieces.push(Piece::Var(name.to_string()));
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("{s:?}: '}}' without '{{'"));
        }
        if !rest.is_empty() {
            pieces.push(Piece::Lit(rest.to_string()));
        }
        Ok(Self(pieces))
    }

    fn vars(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v.as_str()),
            Piece::Lit(_) => None,
        })
    }

    fn render(
        &self,
        vars: &BTreeMap<String, String>,
        fits: fn(&str) -> bool,
    ) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Var(name) => {
                    let v = vars
                        .get(name)
                        .ok_or_else(|| format!("{{{name}}} was not captured"))?;
                    if !fits(v) {
                        return Err(format!("{{{name}}} does not fit here"));
                    }
                    out.push_str(v);
                }
            }
        }
        Ok(out)
    }
}

/// Unreserved URL characters and `/` between non-empty segments, none of
/// them `.` or `..`.
fn path_safe(v: &str) -> bool {
    !v.is_empty()
        && v.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        })
}

/// Printable ASCII (already checked at capture), empty allowed.
fn header_safe(v: &str) -> bool {
    v.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// The variable parts of an HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTemplate {
    path: Text,
    headers: Vec<(String, Text)>,
}

impl RequestTemplate {
    /// The template in `req`, or `None` when it names no variable.
    pub fn of(req: &Request) -> Result<Option<Self>, String> {
        let Request::Http { path, headers, .. } = req else {
            return Ok(None);
        };
        let t = Self {
            path: Text::parse(path)?,
            headers: headers
                .iter()
                .map(|(k, v)| Ok((k.clone(), Text::parse(v)?)))
                .collect::<Result<_, String>>()?,
        };
        let uses_vars = t.vars().next().is_some();
        Ok(uses_vars.then_some(t))
    }

    /// Every variable the template uses.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.path
            .vars()
            .chain(self.headers.iter().flat_map(|(_, v)| v.vars()))
    }

    /// The request with its holes filled, or why it cannot be sent.
    pub fn render(
        &self,
        req: &Request,
        vars: &BTreeMap<String, String>,
    ) -> Result<Request, String> {
        let Request::Http { method, body, .. } = req else {
            return Err("only http requests take variables".into());
        };
        let path = self.path.render(vars, path_safe)?;
        let mut headers = Vec::with_capacity(self.headers.len());
        for (k, v) in &self.headers {
            let value = v.render(vars, header_safe)?;
            // An optional value that was absent leaves its header out.
            if !value.is_empty() {
                headers.push((k.clone(), value));
            }
        }
        Ok(Request::Http {
            method: method.clone(),
            path,
            headers,
            body: body.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(path: &str, headers: &[(&str, &str)]) -> Request {
        Request::Http {
            method: "GET".into(),
            path: path.into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: None,
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn renders_paths_and_headers() {
        let req = http(
            "/{prefix}/input_schema",
            &[("X-Token", "{token}"), ("Cookie", "{cookie}")],
        );
        let t = RequestTemplate::of(&req).unwrap().unwrap();
        assert_eq!(t.vars().collect::<Vec<_>>(), ["prefix", "token", "cookie"]);
        let got = t
            .render(
                &req,
                &vars(&[("prefix", "chat/v2"), ("token", "ab12"), ("cookie", "")]),
            )
            .unwrap();
        assert_eq!(got, http("/chat/v2/input_schema", &[("X-Token", "ab12")]));
        assert!(RequestTemplate::of(&http("/plain", &[])).unwrap().is_none());
    }

    #[test]
    fn hostile_values_never_reach_the_path() {
        let req = http("/{p}/input_schema", &[]);
        let t = RequestTemplate::of(&req).unwrap().unwrap();
        for bad in [
            "", "..", "a/../b", "a//b", "/abs", "a?x=1", "a#f", "a%2e", "a b", "a\\b", "é",
        ] {
            assert!(
                t.render(&req, &vars(&[("p", bad)])).is_err(),
                "{bad:?} accepted"
            );
        }
        assert!(t
            .render(&req, &vars(&[]))
            .unwrap_err()
            .contains("not captured"));
        assert!(t.render(&req, &vars(&[("p", "v1.2_x~y")])).is_ok());
    }

    #[test]
    fn malformed_templates_are_refused() {
        for bad in ["/{", "/}", "/{}", "/{Token}", "/{a-b}"] {
            assert!(RequestTemplate::of(&http(bad, &[])).is_err(), "{bad}");
        }
    }

    #[test]
    fn captures_are_bounded_and_printable() {
        let c = |src: &str| Capture::compile(&toml::from_str(src).unwrap());
        assert!(c("name = \"Bad\"\njson = \"/t\"").is_err());
        assert!(c("name = \"t\"").unwrap_err().contains("exactly one"));
        let token = c("name = \"t\"\njson = \"/token\"").unwrap();
        let r = |body: String| Response::new(Some(200), vec![], body.into_bytes(), false);
        assert_eq!(
            token.value(&r(r#"{"token":"abc"}"#.into())).as_deref(),
            Some("abc")
        );
        let long = format!(r#"{{"token":"{}"}}"#, "a".repeat(MAX_VALUE_LEN + 1));
        assert_eq!(token.value(&r(long)), None, "too long: refused, not cut");
        assert_eq!(token.value(&r(r#"{"token":"a\r\nX: y"}"#.into())), None);
    }
}
