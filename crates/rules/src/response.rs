use std::sync::OnceLock;

/// One answer from a target, already bounded by the transport. Text and
/// JSON views are computed once, on first use, however many matchers ask.
#[derive(Debug, Default)]
pub struct Response {
    /// HTTP status; `None` for RESP and raw TCP.
    pub status: Option<u16>,
    /// Header names are lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The transport stopped reading at its cap.
    pub truncated: bool,
    text: OnceLock<String>,
    json: OnceLock<Option<serde_json::Value>>,
}

impl Response {
    pub fn new(
        status: Option<u16>,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        truncated: bool,
    ) -> Self {
        let headers = headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        Self {
            status,
            headers,
            body,
            truncated,
            ..Default::default()
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> &str {
        self.text
            .get_or_init(|| String::from_utf8_lossy(&self.body).into_owned())
    }

    /// The body as JSON, or `None` when it is not JSON (or was cut short).
    pub fn json(&self) -> Option<&serde_json::Value> {
        self.json
            .get_or_init(|| {
                if self.truncated {
                    None
                } else {
                    serde_json::from_slice(&self.body).ok()
                }
            })
            .as_ref()
    }

    /// A short printable excerpt of the body for evidence.
    pub fn excerpt(&self, max_chars: usize) -> String {
        let mut out = String::new();
        for c in self.text().chars() {
            if out.chars().count() >= max_chars {
                out.push('…');
                break;
            }
            match c {
                '\r' => {}
                '\n' | '\t' => out.push(' '),
                c if c.is_control() => out.push('.'),
                c => out.push(c),
            }
        }
        out.trim_end().to_string()
    }
}

/// Resolve an RFC 6901 pointer where a `*` segment walks every element of
/// an array (or value of an object); returns every value reached.
pub(crate) fn pointer_all<'a>(
    root: &'a serde_json::Value,
    pointer: &str,
) -> Vec<&'a serde_json::Value> {
    let mut current = vec![root];
    if pointer.is_empty() {
        return current;
    }
    for raw in pointer.trim_start_matches('/').split('/') {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        let mut next = Vec::new();
        for v in current {
            match (v, seg.as_str()) {
                (serde_json::Value::Array(items), "*") => next.extend(items.iter()),
                (serde_json::Value::Object(map), "*") => next.extend(map.values()),
                (serde_json::Value::Array(items), idx) => {
                    next.extend(idx.parse::<usize>().ok().and_then(|i| items.get(i)))
                }
                (serde_json::Value::Object(map), key) => next.extend(map.get(key)),
                _ => {}
            }
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointer_walks_arrays() {
        let v = json!({"models": [{"name": "a"}, {"name": "b"}, {"x": 1}]});
        let names: Vec<_> = pointer_all(&v, "/models/*/name")
            .into_iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(pointer_all(&v, "/models/1/name")[0], "b");
        assert!(pointer_all(&v, "/nothing/*").is_empty());
    }

    #[test]
    fn excerpt_is_bounded_and_printable() {
        let r = Response::new(
            Some(200),
            vec![],
            b"line1\r\nline2\x01\x02 and more".to_vec(),
            false,
        );
        assert_eq!(r.excerpt(8), "line1 li…");
        assert!(!r.excerpt(100).contains('\x01'));
    }

    #[test]
    fn truncated_body_is_not_json() {
        let r = Response::new(Some(200), vec![], br#"{"a":1}"#.to_vec(), true);
        assert!(r.json().is_none());
    }
}
