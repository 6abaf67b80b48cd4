//! The symbolic values the pickle walker keeps on its stack and memo. Only
//! what is needed to name imports (strings, built through the memo) and to
//! size joblib's inline arrays (tuples, dicts, calls) keeps its content;
//! everything else is a placeholder. `Rc` makes memo copies free, so a
//! pickle that duplicates values cannot multiply memory.
use std::rc::Rc;

/// Most entries a dict keeps; more are counted, not stored.
pub const DICT_KEEP: usize = 64;

#[derive(Debug, Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Str(Rc<str>),
    /// Any other scalar or container whose content does not matter.
    Other,
    Global(Rc<Global>),
    Tuple(Rc<[Value]>),
    Dict(Rc<Vec<(Value, Value)>>),
    /// The result of calling `.0` with `.1` (REDUCE, NEWOBJ, INST, OBJ).
    Call(Rc<(Value, Value)>),
    PersistentId,
}

#[derive(Debug)]
pub struct Global {
    pub module: String,
    pub name: String,
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            Self::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// The global a call was made on, if it called one directly.
    pub fn callee(&self) -> Option<&Global> {
        match self {
            Self::Call(call) => match &call.0 {
                Self::Global(g) => Some(g),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn call_args(&self) -> Option<&Value> {
        match self {
            Self::Call(call) => Some(&call.1),
            _ => None,
        }
    }

    pub fn tuple(&self) -> Option<&[Value]> {
        match self {
            Self::Tuple(t) => Some(t),
            _ => None,
        }
    }

    /// Look a string key up in a dict value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Self::Dict(items) => items
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_call(&self) -> bool {
        matches!(self, Self::Call(_))
    }
}

/// Decode the body of a protocol-0 `STRING` as Python's `escape_decode` does
/// for the escapes a name could be hidden behind (`\x6f\x73` is `os`).
pub fn escape_decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' || i + 1 >= raw.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = raw[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\n' => {}
            b'x' => {
                let hex = raw.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.extend_from_slice(b"\\x"),
                }
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 && i < raw.len() && (b'0'..=b'7').contains(&raw[i]) {
                    v = v * 8 + u32::from(raw[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decode protocol-0 `UNICODE` (raw-unicode-escape: only `\uXXXX` and
/// `\UXXXXXXXX` are escapes; other bytes are Latin-1).
pub fn raw_unicode_decode(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let width = match (raw[i], raw.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            _ => 0,
        };
        let code = raw
            .get(i + 2..i + 2 + width)
            .filter(|_| width > 0)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                out.push(c);
                i += 2 + width;
            }
            None => {
                out.push(char::from(raw[i]));
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_hidden_names() {
        assert_eq!(escape_decode(br"\x6f\163"), "os");
        assert_eq!(raw_unicode_decode(br"\u0073ystem"), "system");
        assert_eq!(raw_unicode_decode(br"\u00"), "\\u00");
    }
}
