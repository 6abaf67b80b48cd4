//! Resolution before any rule runs: compose variable interpolation
//! (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`,
//! `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, `$$`) from the project's
//! `.env`, and `.env`-style files whose values refer to earlier ones.
//!
//! Rules then see effective values, and a value that comes whole from one
//! variable keeps the file and line where that variable is set: nine
//! passwords in `.env` used by twenty services are nine places to change.
//! Syntax from the Compose specification's interpolation section
//! (compose-spec/compose-spec, `interpolation.md`) and docker/compose's
//! dotenv reader (`compose-go/dotenv`): a variable that is unset and has
//! no default is left as written, since the audit cannot know its value.
use std::path::Path;

use crate::checks::Item;
use crate::yaml::{Node, Value};

/// Deepest `${A:-${B:-...}}` nesting followed; real files use two.
const MAX_NESTING: usize = 8;
/// Longest resolved value kept; longer results stay unresolved.
const MAX_LEN: usize = 64 * 1024;

/// Variables by name, each with where it is set.
pub type Vars = Vec<(String, Item)>;

fn lookup<'a>(vars: &'a Vars, name: &str) -> Option<&'a Item> {
    // Later assignments win, as in a shell and in compose's dotenv.
    vars.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// The result of interpolating one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub text: String,
    /// The variable the whole value came from, when it came from exactly one.
    pub origin: Option<Item>,
}

/// Interpolate `s`; `None` when a variable is unset without a default (or
/// `${X:?}` fails), when nesting or length exceed the caps, or on bad syntax.
pub fn interpolate(s: &str, vars: &Vars) -> Option<Resolved> {
    if !s.contains('$') {
        return None;
    }
    let mut origins = Vec::new();
    let mut literal = false;
    let text = expand(s, vars, 0, &mut origins, &mut literal)?;
    let origin = match (origins.as_slice(), literal) {
        ([one], false) => Some(one.clone()),
        _ => None,
    };
    Some(Resolved { text, origin })
}

/// Length of the variable name `s` starts with (`[A-Za-z_][A-Za-z0-9_]*`).
fn name_len(s: &str) -> usize {
    let b = s.as_bytes();
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return 0;
    }
    b.iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count()
}

/// `literal` is set when the result holds text that is not a variable's.
fn expand(
    s: &str,
    vars: &Vars,
    depth: usize,
    origins: &mut Vec<Item>,
    literal: &mut bool,
) -> Option<String> {
    if depth > MAX_NESTING {
        return None;
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        if i > 0 {
            *literal = true;
            out.push_str(&rest[..i]);
        }
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            *literal = true;
            out.push('$');
            rest = r;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = closing_brace(body)?;
            let value = braced(&body[..end], vars, depth, origins, literal)?;
            out.push_str(&value);
            rest = &body[end + 1..];
        } else {
            let n = name_len(after);
            if n == 0 {
                // A lone `$` (`cost $5`) is literal text.
                *literal = true;
                out.push('$');
                rest = after;
                continue;
            }
            let v = lookup(vars, &after[..n])?;
            origins.push(v.clone());
            out.push_str(&v.text);
            rest = &after[n..];
        }
        if out.len() > MAX_LEN {
            return None;
        }
    }
    if !rest.is_empty() {
        *literal = true;
    }
    out.push_str(rest);
    (out.len() <= MAX_LEN).then_some(out)
}

/// Index of the `}` that closes a `${`, nested braces counted.
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The inside of `${...}`: a name, then an optional operator and word.
fn braced(
    body: &str,
    vars: &Vars,
    depth: usize,
    origins: &mut Vec<Item>,
    literal: &mut bool,
) -> Option<String> {
    let n = name_len(body);
    if n == 0 {
        return None;
    }
    let (name, op) = body.split_at(n);
    let set = lookup(vars, name);
    let non_empty = set.filter(|v| !v.text.is_empty());
    // What the operator picks: a variable, a word to expand, or nothing.
    enum Pick<'a> {
        Var(Option<&'a Item>),
        Word(&'a str),
        Empty,
    }
    let pick = if op.is_empty() {
        Pick::Var(set)
    } else if let Some(w) = op.strip_prefix(":-") {
        non_empty.map_or(Pick::Word(w), |v| Pick::Var(Some(v)))
    } else if let Some(w) = op.strip_prefix('-') {
        set.map_or(Pick::Word(w), |v| Pick::Var(Some(v)))
    } else if op.starts_with(":?") {
        Pick::Var(non_empty)
    } else if op.starts_with('?') {
        Pick::Var(set)
    } else if let Some(w) = op.strip_prefix(":+") {
        non_empty.map_or(Pick::Empty, |_| Pick::Word(w))
    } else if let Some(w) = op.strip_prefix('+') {
        set.map_or(Pick::Empty, |_| Pick::Word(w))
    } else {
        return None;
    };
    match pick {
        Pick::Var(v) => {
            let v = v?;
            origins.push(v.clone());
            Some(v.text.clone())
        }
        Pick::Word(w) => expand(w, vars, depth + 1, origins, literal),
        Pick::Empty => Some(String::new()),
    }
}

/// The `KEY=VALUE` lines of a dotenv file (`export`, quotes and inline
/// `# comments` after unquoted values handled), each value interpolated
/// with the variables before it; `file` names the file for the items.
pub fn dotenv(text: &str, file: Option<&str>) -> Vars {
    let mut vars: Vars = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let l = raw.trim();
        if l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l);
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || k.contains(char::is_whitespace) {
            continue;
        }
        let v = v.trim();
        let (value, single) = unquote(v);
        let mut item = Item::new(value.clone(), n, 1);
        item.file = file.map(str::to_string);
        // Single-quoted values are literal in compose's dotenv.
        if !single {
            if let Some(r) = interpolate(&value, &vars) {
                item = r.origin.unwrap_or(Item {
                    text: r.text.clone(),
                    ..item
                });
                item.text = r.text;
            }
        }
        vars.push((k.to_string(), item));
    }
    vars
}

/// A value without its quotes (and, unquoted, without a trailing
/// ` # comment`); true when it was single-quoted.
fn unquote(v: &str) -> (String, bool) {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q) {
            if let Some(end) = inner.find(q) {
                return (inner[..end].to_string(), q == '\'');
            }
        }
    }
    let v = v.split(" #").next().unwrap_or(v).trim_end();
    (v.to_string(), false)
}

/// The project's `.env` (the directory of the compose file), read under
/// the crate's file cap; empty when absent or unreadable.
pub fn project_env(base: &Path) -> Vars {
    let path = base.join(".env");
    if !path.is_file() {
        return Vec::new();
    }
    match crate::read_text(&path) {
        Ok(text) => dotenv(&text, Some(&path.display().to_string())),
        Err(_) => Vec::new(),
    }
}

/// Replace every interpolated scalar of the documents by its value; a
/// scalar whose value comes whole from one variable moves to where that
/// variable is set. Mapping keys are not interpolated (compose does not).
pub fn compose(docs: &mut [Node], vars: &Vars) {
    for d in docs {
        node(d, vars);
    }
}

fn node(n: &mut Node, vars: &Vars) {
    match &mut n.value {
        Value::Scalar(s) => {
            // `- NAME=${VAR}` (list-form environment): the value part alone
            // decides whether the whole entry comes from one variable.
            let n_len = name_len(s);
            let (prefix, rest) = match s.as_bytes().get(n_len) {
                Some(b'=') if n_len > 0 => s.split_at(n_len + 1),
                _ => ("", s.as_str()),
            };
            if let Some(r) = interpolate(rest, vars) {
                let whole = format!("{prefix}{}", r.text);
                *s = whole;
                if let Some(o) = r.origin {
                    n.line = o.line;
                    n.column = o.column;
                    n.file = o.file;
                }
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| node(i, vars)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| node(v, vars)),
        Value::Null | Value::Bool(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str, u32)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v, l)| {
                let mut i = Item::new(*v, *l, 1);
                i.file = Some(".env".into());
                (k.to_string(), i)
            })
            .collect()
    }

    fn text(s: &str, v: &Vars) -> Option<String> {
        interpolate(s, v).map(|r| r.text)
    }

    #[test]
    fn operators_follow_the_compose_spec() {
        let v = vars(&[("SET", "on", 3), ("EMPTY", "", 4)]);
        assert_eq!(text("${SET}", &v).as_deref(), Some("on"));
        assert_eq!(text("$SET/x", &v).as_deref(), Some("on/x"));
        assert_eq!(text("${UNSET:-d}", &v).as_deref(), Some("d"));
        assert_eq!(text("${EMPTY:-d}", &v).as_deref(), Some("d"));
        assert_eq!(text("${EMPTY-d}", &v).as_deref(), Some(""));
        assert_eq!(text("${UNSET-d}", &v).as_deref(), Some("d"));
        assert_eq!(text("${SET:-d}", &v).as_deref(), Some("on"));
        assert_eq!(text("${SET:+alt}", &v).as_deref(), Some("alt"));
        assert_eq!(text("${EMPTY:+alt}", &v).as_deref(), Some(""));
        assert_eq!(text("${EMPTY+alt}", &v).as_deref(), Some("alt"));
        assert_eq!(text("${UNSET+alt}", &v).as_deref(), Some(""));
        assert_eq!(text("${SET:?must}", &v).as_deref(), Some("on"));
        assert_eq!(text("${UNSET:?must be set}", &v), None);
        assert_eq!(text("${EMPTY:?must}", &v), None);
        assert_eq!(text("${EMPTY?must}", &v).as_deref(), Some(""));
        assert_eq!(text("${UNSET}", &v), None, "unknown stays as written");
        assert_eq!(text("$$SET", &v).as_deref(), Some("$SET"));
        assert_eq!(text("${UNSET:-${SET:-x}}:80", &v).as_deref(), Some("on:80"));
        assert_eq!(text("${BROKEN", &v), None);
        assert_eq!(text("no dollar", &v), None);
    }

    #[test]
    fn a_whole_value_points_at_its_variable() {
        let v = vars(&[("PW", "s3cret", 9)]);
        let r = interpolate("${PW}", &v).unwrap();
        assert_eq!(r.origin.map(|o| o.line), Some(9));
        assert_eq!(interpolate("x${PW}", &v).unwrap().origin, None);
        assert_eq!(interpolate("${NOPE:-lit}", &v).unwrap().origin, None);
        assert_eq!(
            interpolate("${NOPE:-${PW}}", &v)
                .unwrap()
                .origin
                .map(|o| o.line),
            Some(9)
        );
    }

    #[test]
    fn dotenv_values_see_earlier_ones() {
        let env = dotenv(
            "A=one # note\nexport B=${A:-x}\nC='${A}'\nD=\"two\"\n#E=no\nF=${MISSING:-dflt}\n",
            Some("p/.env"),
        );
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, i)| i.clone());
        assert_eq!(get("A").unwrap().text, "one");
        let b = get("B").unwrap();
        assert_eq!(
            (b.text.as_str(), b.line),
            ("one", 1),
            "B is A's value, set on line 1"
        );
        assert_eq!(get("C").unwrap().text, "${A}");
        assert_eq!(get("D").unwrap().text, "two");
        assert!(get("E").is_none());
        let f = get("F").unwrap();
        assert_eq!((f.text.as_str(), f.line), ("dflt", 6));
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = "${A:-".repeat(100) + &"}".repeat(100);
        assert_eq!(text(&deep, &Vec::new()), None);
        let big = vars(&[("X", &"y".repeat(40_000), 1)]);
        assert_eq!(text("${X}${X}", &big), None);
        assert_eq!(text("$", &Vec::new()).as_deref(), Some("$"));
        assert_eq!(text("${}", &Vec::new()), None);
        assert_eq!(text("${é}", &Vec::new()), None);
    }
}
