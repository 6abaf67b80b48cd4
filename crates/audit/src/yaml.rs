//! YAML documents as a small tree where every node knows its line and
//! column. serde-saphyr does the parsing under a budget (aliases, depth,
//! nodes), and a per-parse node counter stops alias replay from expanding a
//! "billion laughs" file past what any real manifest needs.
use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Budget, Options, Spanned};

use crate::error::AuditError;

/// Nodes one file may expand to, aliases replayed included. Real compose
/// files and manifests have a few thousand.
const MAX_NODES: usize = 200_000;
/// Nesting deeper than any real config; keeps recursion shallow.
const MAX_DEPTH: usize = 64;

thread_local! {
    static NODES: Cell<usize> = const { Cell::new(0) };
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// One YAML node with where its value is written (1-based line and
/// column). A value replayed through an alias or a merge key (`<<: *x`)
/// keeps the line of its anchor: the place to change, shared by every user.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: u32,
    pub column: u32,
    pub value: Value,
    /// Another file the value comes from after variable resolution
    /// (`${PASSWORD}` set in `.env`); `None` for the parsed file itself.
    pub file: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Strings and numbers, as text: `8080:80` and `11434` are both ports.
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follow a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The key node of `key` (its line is where the setting is written).
    pub fn key(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, _)| k),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// Scalar text, booleans included (`true`), for flag-like values.
    pub fn text(&self) -> Option<String> {
        match &self.value {
            Value::Scalar(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn is_true(&self) -> bool {
        match &self.value {
            Value::Bool(b) => *b,
            Value::Scalar(s) => s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }
}

/// Parse every document of a YAML stream.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, AuditError> {
    check_nesting(text)?;
    NODES.with(|n| n.set(0));
    DEPTH.with(|d| d.set(0));
    let mut budget = Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    budget.max_aliases = 10_000;
    budget.flow_nesting_limit = MAX_DEPTH;
    let mut options = Options::default();
    options.budget = Some(budget);
    let docs: Vec<Option<Spanned<Value>>> = serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|e| AuditError::Yaml(first_line(&e.to_string())))?;
    if NODES.with(Cell::get) > MAX_NODES {
        return Err(AuditError::Yaml(format!(
            "more than {MAX_NODES} nodes after expanding aliases (a YAML bomb?)"
        )));
    }
    Ok(docs.into_iter().flatten().map(node).collect())
}

/// Block nesting measured from indentation before the parser sees the
/// text: its recursion on deep block structure runs out of stack before its
/// own depth budget is consulted. Block scalars may over-count; nothing real
/// comes near the limit.
fn check_nesting(text: &str) -> Result<(), AuditError> {
    let mut stack: Vec<usize> = Vec::new();
    for line in text.lines() {
        let body = line.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        while stack.last().is_some_and(|&top| top >= indent) {
            stack.pop();
        }
        stack.push(indent);
        // `- - - x` nests sequences on one line.
        let dashes = body
            .as_bytes()
            .chunks(2)
            .take_while(|c| *c == b"- ")
            .count();
        if stack.len() + dashes > MAX_DEPTH {
            return Err(AuditError::Yaml(format!(
                "nesting deeper than {MAX_DEPTH} levels"
            )));
        }
    }
    Ok(())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).chars().take(300).collect()
}

fn node(s: Spanned<Value>) -> Node {
    // `defined` is the anchor for aliased values and equals `referenced`
    // otherwise; a zero line (no location known) falls back to the use.
    let at = if s.defined.line() > 0 {
        s.defined
    } else {
        s.referenced
    };
    Node {
        line: u32::try_from(at.line()).unwrap_or(u32::MAX),
        column: u32::try_from(at.column()).unwrap_or(u32::MAX),
        value: s.value,
        file: None,
    }
}

/// Counts a node; past the cap the visitor returns an error so replayed
/// aliases stop expanding at once.
fn count<E: de::Error>() -> Result<(), E> {
    let n = NODES.with(|c| {
        let n = c.get() + 1;
        c.set(n);
        n
    });
    if n > MAX_NODES {
        Err(E::custom(format!(
            "more than {MAX_NODES} nodes after expanding aliases (a YAML bomb?)"
        )))
    } else {
        Ok(())
    }
}

/// One level of collection nesting, released on drop: our own recursion
/// guard, independent of where the parser checks its depth budget.
struct Nested;

impl Nested {
    fn enter<E: de::Error>() -> Result<Self, E> {
        let d = DEPTH.with(|c| {
            let d = c.get() + 1;
            c.set(d);
            d
        });
        let guard = Nested;
        if d > MAX_DEPTH {
            return Err(E::custom(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(guard)
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        DEPTH.with(|c| c.set(c.get().saturating_sub(1)));
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        count::<E>()?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        count::<E>()?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.visit_string(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.visit_string(v.to_string())
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        self.visit_string(v.to_string())
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        self.visit_string(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.visit_string(v.to_string())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.visit_string(v.to_string())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        count::<E>()?;
        Ok(Value::Scalar(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        self.visit_string(String::from_utf8_lossy(v).into_owned())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        count::<A::Error>()?;
        let _depth = Nested::enter::<A::Error>()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Value>>()? {
            items.push(node(item));
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        count::<A::Error>()?;
        let _depth = Nested::enter::<A::Error>()?;
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Spanned<Value>>()? {
            let v = map.next_value::<Spanned<Value>>()?;
            entries.push((node(k), node(v)));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_lines_and_columns() {
        let docs = parse_documents(
            "services:\n  ollama:\n    image: ollama/ollama\n    ports:\n      - \"11434:11434\"\n---\nkind: Pod\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let ports = docs[0].path(&["services", "ollama", "ports"]).unwrap();
        assert_eq!(ports.items()[0].line, 5);
        assert_eq!(ports.items()[0].column, 9);
        assert_eq!(ports.items()[0].as_str(), Some("11434:11434"));
        assert_eq!(docs[1].get("kind").unwrap().as_str(), Some("Pod"));
        assert_eq!(docs[0].key("services").unwrap().line, 1);
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut y = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (i, c) in "bcdefghi".chars().enumerate() {
            let prev = (b'a' + i as u8) as char;
            y.push_str(&format!(
                "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        assert!(parse_documents(&y).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let y = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse_documents(&y).is_err());
        let mut block = String::new();
        for i in 0..500 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(parse_documents(&block).is_err());
    }
}
