//! A tiny JSON writer that keeps object keys in the order given.
//!
//! Emulated servers serialize structs field by field (Go's encoding/json,
//! rapidjson under Triton), so key order is part of their wire form;
//! `serde_json::Value` sorts keys, hence this writer. It prints compactly,
//! as both encoders do, and escapes strings either Go's way (HTML-safe:
//! `<`, `>`, `&`, U+2028 and U+2029 become `\uXXXX`, as
//! encoding/json's default encodeState does) or rapidjson's (only quotes,
//! backslash and control characters). Both write `\b`, `\f`, `\n`, `\r`,
//! `\t` short forms (Go since 1.22).

/// A JSON value with ordered object keys.
#[derive(Debug, Clone)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
    /// A number or literal written as given (floats: `1.2e-05`, `0.5`).
    Raw(String),
    /// An object whose keys are data (model names, index names).
    Map(Vec<(String, J)>),
}

/// How strings are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    Go,
    Rapid,
    /// Python's `json.dumps` defaults: `", "` and `": "` separators and
    /// `ensure_ascii` (every non-ASCII character as `\uXXXX`). aiohttp's
    /// `json_response` and plain `json.dumps` callers write this form.
    Python,
}

impl J {
    pub fn s(text: impl Into<String>) -> J {
        J::Str(text.into())
    }

    pub fn strs<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> J {
        J::Arr(items.into_iter().map(|s| J::Str(s.into())).collect())
    }

    pub fn render(&self, escape: Escape) -> String {
        let mut out = String::new();
        self.write(&mut out, escape);
        out
    }

    /// Indented form: two spaces a level, one member a line, `colon`
    /// between key and value. Gson's pretty printer (TorchServe) writes
    /// `": "`, Jackson's (Elasticsearch `?pretty`, the root answer) `" : "`,
    /// Kubernetes' (`json.MarshalIndent`) `": "`. Empty containers stay `[]`
    /// and `{}`.
    pub fn pretty(&self, colon: &str, escape: Escape) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0, colon, escape);
        out
    }

    fn write_pretty(&self, out: &mut String, depth: usize, colon: &str, escape: Escape) {
        let pad = |out: &mut String, depth: usize| out.push_str(&"  ".repeat(depth));
        let members: Vec<(Option<&str>, &J)> = match self {
            J::Arr(items) => items.iter().map(|v| (None, v)).collect(),
            J::Obj(fields) => fields.iter().map(|(k, v)| (Some(*k), v)).collect(),
            J::Map(fields) => fields.iter().map(|(k, v)| (Some(k.as_str()), v)).collect(),
            scalar => return scalar.write(out, escape),
        };
        let (open, close) = if matches!(self, J::Arr(_)) {
            ('[', ']')
        } else {
            ('{', '}')
        };
        out.push(open);
        if members.is_empty() {
            out.push(close);
            return;
        }
        for (i, (key, value)) in members.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            pad(out, depth + 1);
            if let Some(key) = key {
                write_str(out, key, escape);
                out.push_str(colon);
            }
            value.write_pretty(out, depth + 1, colon, escape);
        }
        out.push('\n');
        pad(out, depth);
        out.push(close);
    }

    fn write(&self, out: &mut String, escape: Escape) {
        let (comma, colon) = if escape == Escape::Python {
            (", ", ": ")
        } else {
            (",", ":")
        };
        match self {
            J::Raw(text) => out.push_str(text),
            J::Map(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    write_str(out, key, escape);
                    out.push_str(colon);
                    value.write(out, escape);
                }
                out.push('}');
            }
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Int(n) => out.push_str(&n.to_string()),
            J::Str(s) => write_str(out, s, escape),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    item.write(out, escape);
                }
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    write_str(out, key, escape);
                    out.push_str(colon);
                    value.write(out, escape);
                }
                out.push('}');
            }
        }
    }
}

fn write_str(out: &mut String, s: &str, escape: Escape) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if escape == Escape::Go => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if escape == Escape::Python && (c as u32) > 0x7f => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_escapes_per_flavour() {
        let v = J::Obj(vec![
            ("z", J::Int(1)),
            ("a", J::s("<b>&\"\n")),
            ("m", J::Arr(vec![J::Null, J::Bool(true)])),
        ]);
        assert_eq!(
            v.render(Escape::Go),
            r#"{"z":1,"a":"\u003cb\u003e\u0026\"\n","m":[null,true]}"#
        );
        assert_eq!(
            v.render(Escape::Rapid),
            r#"{"z":1,"a":"<b>&\"\n","m":[null,true]}"#
        );
        assert_eq!(J::s("\u{1}").render(Escape::Rapid), r#""\u0001""#);
    }

    #[test]
    fn pretty_and_python_forms() {
        let v = J::Obj(vec![
            ("a", J::Int(1)),
            ("b", J::Arr(vec![J::s("é"), J::Obj(vec![])])),
        ]);
        assert_eq!(
            v.pretty(": ", Escape::Rapid),
            "{\n  \"a\": 1,\n  \"b\": [\n    \"é\",\n    {}\n  ]\n}"
        );
        assert_eq!(v.render(Escape::Python), r#"{"a": 1, "b": ["\u00e9", {}]}"#);
    }
}
