use regex::Regex;
use serde_json::Value;

use crate::response::{pointer_all, Response};
use crate::schema::RawMatcher;

/// A compiled test on one response. Built only through [`Matcher::compile`],
/// so every regex is valid and every matcher names exactly one thing.
#[derive(Debug, Clone)]
pub enum Matcher {
    Status {
        any_of: Vec<u16>,
        negate: bool,
    },
    Header {
        name: String,
        regex: Option<Regex>,
        negate: bool,
    },
    BodyContains {
        needle: String,
        negate: bool,
    },
    BodyRegex {
        regex: Regex,
        negate: bool,
    },
    Json {
        pointer: String,
        test: JsonTest,
        negate: bool,
    },
}

#[derive(Debug, Clone)]
pub enum JsonTest {
    Exists,
    Regex(Regex),
    Is(JsonType),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Array,
    Object,
    Bool,
}

fn regex(src: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(src)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("invalid regex {src:?}: {e}"))
}

impl Matcher {
    pub fn compile(raw: &RawMatcher) -> Result<Self, String> {
        let kinds = [
            raw.status.is_some(),
            raw.header.is_some(),
            raw.body_contains.is_some(),
            raw.body_regex.is_some(),
            raw.json.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err(
                "a matcher needs exactly one of status, header, body_contains, body_regex, json"
                    .into(),
            );
        }
        if raw.is.is_some() && raw.json.is_none() {
            return Err("`is` only applies to a json matcher".into());
        }
        if raw.regex.is_some() && raw.header.is_none() && raw.json.is_none() {
            return Err(
                "`regex` only applies to header or json matchers (use body_regex for the body)"
                    .into(),
            );
        }
        let negate = raw.negate;
        if let Some(any_of) = &raw.status {
            if any_of.is_empty() || any_of.iter().any(|s| !(100..=599).contains(s)) {
                return Err(format!(
                    "status list {any_of:?} must hold HTTP codes 100-599"
                ));
            }
            return Ok(Self::Status {
                any_of: any_of.clone(),
                negate,
            });
        }
        if let Some(name) = &raw.header {
            let regex = raw.regex.as_deref().map(regex).transpose()?;
            return Ok(Self::Header {
                name: name.to_ascii_lowercase(),
                regex,
                negate,
            });
        }
        if let Some(needle) = &raw.body_contains {
            if needle.is_empty() {
                return Err("body_contains must not be empty".into());
            }
            return Ok(Self::BodyContains {
                needle: needle.clone(),
                negate,
            });
        }
        if let Some(src) = &raw.body_regex {
            return Ok(Self::BodyRegex {
                regex: regex(src)?,
                negate,
            });
        }
        let pointer = raw.json.clone().unwrap_or_default();
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(format!("json pointer {pointer:?} must start with '/'"));
        }
        let test = match (&raw.regex, &raw.is) {
            (Some(_), Some(_)) => {
                return Err("a json matcher takes `regex` or `is`, not both".into())
            }
            (Some(src), None) => JsonTest::Regex(regex(src)?),
            (None, Some(t)) => JsonTest::Is(match t.as_str() {
                "string" => JsonType::String,
                "number" => JsonType::Number,
                "array" => JsonType::Array,
                "object" => JsonType::Object,
                "bool" => JsonType::Bool,
                other => return Err(format!("unknown json type {other:?}")),
            }),
            (None, None) => JsonTest::Exists,
        };
        Ok(Self::Json {
            pointer,
            test,
            negate,
        })
    }

    pub fn matches(&self, r: &Response) -> bool {
        let (hit, negate) = match self {
            Self::Status { any_of, negate } => {
                (r.status.is_some_and(|s| any_of.contains(&s)), *negate)
            }
            Self::Header {
                name,
                regex,
                negate,
            } => {
                let hit = r
                    .header(name)
                    .is_some_and(|v| regex.as_ref().is_none_or(|re| re.is_match(v)));
                (hit, *negate)
            }
            Self::BodyContains { needle, negate } => (r.text().contains(needle.as_str()), *negate),
            Self::BodyRegex { regex, negate } => (regex.is_match(r.text()), *negate),
            Self::Json {
                pointer,
                test,
                negate,
            } => {
                let hit = r.json().is_some_and(|root| {
                    pointer_all(root, pointer)
                        .into_iter()
                        .any(|v| json_test(test, v))
                });
                (hit, *negate)
            }
        };
        hit != negate
    }
}

fn json_test(test: &JsonTest, v: &Value) -> bool {
    match test {
        JsonTest::Exists => true,
        JsonTest::Regex(re) => match v {
            Value::String(s) => re.is_match(s),
            Value::Number(n) => re.is_match(&n.to_string()),
            Value::Bool(b) => re.is_match(&b.to_string()),
            _ => false,
        },
        JsonTest::Is(t) => matches!(
            (t, v),
            (JsonType::String, Value::String(_))
                | (JsonType::Number, Value::Number(_))
                | (JsonType::Array, Value::Array(_))
                | (JsonType::Object, Value::Object(_))
                | (JsonType::Bool, Value::Bool(_))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(toml_src: &str) -> RawMatcher {
        toml::from_str(toml_src).unwrap()
    }

    fn resp(status: u16, body: &str) -> Response {
        Response::new(
            Some(status),
            vec![("Server".into(), "uvicorn".into())],
            body.as_bytes().to_vec(),
            false,
        )
    }

    #[test]
    fn each_kind_matches_and_negates() {
        let r = resp(200, r#"{"version":"0.1.32","models":[]}"#);
        let m = |s: &str| Matcher::compile(&raw(s)).unwrap().matches(&r);
        assert!(m("status = [200, 204]"));
        assert!(!m("status = [401]"));
        assert!(m(r#"header = "server"
regex = "^uvi""#));
        assert!(!m(r#"header = "x-missing""#));
        assert!(m(r#"body_contains = "0.1.32""#));
        assert!(m(r#"body_regex = '"version":"\d+\.'"#));
        assert!(m(r#"json = "/version"
regex = '^\d+\.\d+'"#));
        assert!(m(r#"json = "/models"
is = "array""#));
        assert!(!m(r#"json = "/models"
is = "object""#));
        assert!(m(r#"body_contains = "Triton"
negate = true"#));
    }

    #[test]
    fn invalid_matchers_are_rejected_with_reasons() {
        let err = |s: &str| Matcher::compile(&raw(s)).unwrap_err();
        assert!(err("").contains("exactly one"));
        assert!(err("status = [200]\nbody_contains = \"x\"").contains("exactly one"));
        assert!(err("body_regex = \"(\"").contains("invalid regex"));
        assert!(err("json = \"version\"").contains("start with '/'"));
        assert!(err("status = [99]").contains("100-599"));
        assert!(err("body_contains = \"x\"\nregex = \"y\"").contains("only applies"));
    }

    #[test]
    fn unknown_keys_fail_to_parse() {
        assert!(toml::from_str::<RawMatcher>("stauts = [200]").is_err());
    }
}
