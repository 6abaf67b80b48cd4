//! The BSON subset a MongoDB probe needs: write a flat command document,
//! and read a reply document into text lines. The reader is bounded
//! (depth, fields, string length) and rejects malformed input instead of
//! guessing: every byte comes from the target.

/// A command field's value: the probe sends only these two kinds.
pub enum Value<'a> {
    Int32(i32),
    Str(&'a str),
}

/// Encode `{k1: v1, k2: v2, ...}` in order.
pub fn encode(fields: &[(&str, Value<'_>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (key, value) in fields {
        match value {
            Value::Int32(n) => {
                body.push(0x10);
                cstring(&mut body, key);
                body.extend_from_slice(&n.to_le_bytes());
            }
            Value::Str(s) => {
                body.push(0x02);
                cstring(&mut body, key);
                body.extend_from_slice(&((s.len() + 1) as i32).to_le_bytes());
                body.extend_from_slice(s.as_bytes());
                body.push(0);
            }
        }
    }
    body.push(0);
    let mut out = ((body.len() + 4) as i32).to_le_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

fn cstring(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

/// Nesting followed; deeper documents are summarised.
const MAX_DEPTH: usize = 2;
/// Fields rendered per reply.
const MAX_FIELDS: usize = 96;
/// Longest value rendered.
const MAX_VALUE: usize = 200;
/// Array items (or document names) rendered.
const MAX_ITEMS: usize = 64;

/// One rendered field: a dotted path and its value as text.
pub type Field = (String, String);

/// Decode one document (`bytes` must be exactly its length) into fields:
/// scalars as themselves, sub-documents as `key.sub` paths, arrays as one
/// `key[]` field per item (a document item by its `name` field).
pub fn decode(bytes: &[u8]) -> Result<Vec<Field>, String> {
    let mut out = Vec::new();
    let used = document(bytes, "", 0, &mut out)?;
    if used != bytes.len() {
        return Err(format!(
            "document is {used} bytes but {} were given",
            bytes.len()
        ));
    }
    Ok(out)
}

/// Read the document at the start of `bytes`; return its length.
fn document(
    bytes: &[u8],
    prefix: &str,
    depth: usize,
    out: &mut Vec<Field>,
) -> Result<usize, String> {
    let len = i32_at(bytes, 0)?;
    let len = usize::try_from(len).map_err(|_| "negative document length")?;
    if len < 5 || len > bytes.len() {
        return Err(format!("document length {len} out of bounds"));
    }
    let doc = &bytes[..len];
    if doc[len - 1] != 0 {
        return Err("document does not end with NUL".into());
    }
    let mut pos = 4;
    while pos < len - 1 {
        let kind = doc[pos];
        pos += 1;
        let (key, after) = cstr(doc, pos)?;
        pos = after;
        let path = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        let rest = doc
            .get(pos..len - 1)
            .ok_or("key runs to the document end")?;
        let (value, size) = element(kind, rest, &path, depth, out)?;
        pos += size;
        if let Some(v) = value {
            if out.len() < MAX_FIELDS {
                out.push((path, v));
            }
        }
    }
    if pos != len - 1 {
        return Err("element runs past the document end".into());
    }
    Ok(len)
}

/// One element's value (None when rendered as sub-fields) and its size.
fn element(
    kind: u8,
    rest: &[u8],
    path: &str,
    depth: usize,
    out: &mut Vec<Field>,
) -> Result<(Option<String>, usize), String> {
    let fixed = |n: usize| -> Result<&[u8], String> {
        rest.get(..n)
            .ok_or_else(|| format!("truncated value of type 0x{kind:02x}"))
    };
    Ok(match kind {
        0x01 => {
            let b = fixed(8)?;
            let f = f64::from_le_bytes(b.try_into().map_err(|_| "short double")?);
            (Some(format_double(f)), 8)
        }
        0x02 | 0x0D | 0x0E => {
            let (s, size) = string(rest)?;
            (Some(clean(&s)), size)
        }
        0x03 => {
            if depth + 1 >= MAX_DEPTH {
                let size = skip_document(rest)?;
                (Some("{...}".into()), size)
            } else {
                (None, document(rest, path, depth + 1, out)?)
            }
        }
        // An array's document items are read for their `name`, and those
        // documents may hold arrays again: without this bound, arrays and
        // documents nested alternately recurse once per level, and a 1 MiB
        // reply overflows the stack.
        0x04 if depth >= MAX_DEPTH => {
            let size = skip_document(rest)?;
            (Some("[...]".into()), size)
        }
        0x04 => {
            let (items, size) = array(rest)?;
            let key = format!("{path}[]");
            for item in items {
                if out.len() < MAX_FIELDS {
                    out.push((key.clone(), item));
                }
            }
            (None, size)
        }
        0x05 => {
            let n = usize::try_from(i32_at(rest, 0)?).map_err(|_| "negative binary length")?;
            let total = n.checked_add(5).ok_or("binary length overflow")?;
            fixed(total)?;
            (Some(format!("(binary, {n} bytes)")), total)
        }
        0x06 | 0x0A | 0x7F | 0xFF => (Some("null".into()), 0),
        0x07 => {
            let b = fixed(12)?;
            (Some(b.iter().map(|x| format!("{x:02x}")).collect()), 12)
        }
        0x08 => {
            let b = fixed(1)?;
            (Some((b[0] != 0).to_string()), 1)
        }
        0x09 | 0x11 | 0x12 => {
            let b = fixed(8)?;
            let n = i64::from_le_bytes(b.try_into().map_err(|_| "short int64")?);
            (Some(n.to_string()), 8)
        }
        0x0B => {
            let (_, a) = cstr(rest, 0)?;
            let (_, b) = cstr(rest, a)?;
            (Some("(regex)".into()), b)
        }
        0x0F => {
            let n = usize::try_from(i32_at(rest, 0)?).map_err(|_| "negative code length")?;
            if n < 4 {
                return Err("code length below 4".into());
            }
            fixed(n)?;
            (Some("(code)".into()), n)
        }
        0x10 => {
            let b = fixed(4)?;
            let n = i32::from_le_bytes(b.try_into().map_err(|_| "short int32")?);
            (Some(n.to_string()), 4)
        }
        0x13 => {
            fixed(16)?;
            (Some("(decimal128)".into()), 16)
        }
        other => return Err(format!("unknown BSON type 0x{other:02x}")),
    })
}

/// An array's scalar items, or its documents' `name`s.
fn array(rest: &[u8]) -> Result<(Vec<String>, usize), String> {
    let size = skip_document(rest)?;
    let doc = &rest[..size];
    let mut items = Vec::new();
    let mut pos = 4;
    while pos < size - 1 {
        let kind = doc[pos];
        let (_, after) = cstr(doc, pos + 1)?;
        let value = doc
            .get(after..size - 1)
            .ok_or("array key runs to the end")?;
        let used = match kind {
            0x03 => {
                let len = skip_document(value)?;
                if items.len() < MAX_ITEMS {
                    if let Some(name) = name_field(&value[..len])? {
                        items.push(name);
                    }
                }
                len
            }
            0x04 => skip_document(value)?,
            _ => {
                let mut ignored = Vec::new();
                let (v, len) = element(kind, value, "", MAX_DEPTH, &mut ignored)?;
                if let Some(v) = v {
                    if items.len() < MAX_ITEMS {
                        items.push(v);
                    }
                }
                len
            }
        };
        pos = after + used;
    }
    Ok((items, size))
}

/// The `name` string of a document, if it has one.
fn name_field(doc: &[u8]) -> Result<Option<String>, String> {
    let mut fields = Vec::new();
    document(doc, "", MAX_DEPTH, &mut fields)?;
    Ok(fields
        .into_iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v))
}

/// The length of the document at the start of `bytes`, checked.
fn skip_document(bytes: &[u8]) -> Result<usize, String> {
    let len = usize::try_from(i32_at(bytes, 0)?).map_err(|_| "negative document length")?;
    if len < 5 || len > bytes.len() || bytes[len - 1] != 0 {
        return Err(format!("embedded document length {len} out of bounds"));
    }
    Ok(len)
}

fn i32_at(bytes: &[u8], at: usize) -> Result<i32, String> {
    let b = bytes
        .get(at..at + 4)
        .ok_or("truncated length")?
        .try_into()
        .map_err(|_| "truncated length")?;
    Ok(i32::from_le_bytes(b))
}

/// A NUL-terminated key starting at `at`: the text and the offset after it.
fn cstr(bytes: &[u8], at: usize) -> Result<(&str, usize), String> {
    let rest = bytes.get(at..).ok_or("key past the end")?;
    let end = rest.iter().position(|b| *b == 0).ok_or("key without NUL")?;
    let key = std::str::from_utf8(&rest[..end]).map_err(|_| "key is not UTF-8")?;
    Ok((key, at + end + 1))
}

/// A length-prefixed string: the text and the bytes it took.
fn string(rest: &[u8]) -> Result<(String, usize), String> {
    let n = usize::try_from(i32_at(rest, 0)?).map_err(|_| "negative string length")?;
    if n == 0 {
        return Err("string length 0".into());
    }
    let body = rest.get(4..4 + n).ok_or("truncated string")?;
    if body[n - 1] != 0 {
        return Err("string does not end with NUL".into());
    }
    Ok((String::from_utf8_lossy(&body[..n - 1]).into_owned(), 4 + n))
}

fn format_double(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A value stays on its line, length capped (see [`super::text`]).
fn clean(s: &str) -> String {
    super::text::clean_line(s, MAX_VALUE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(fields: &'a [Field], key: &str) -> Option<&'a str> {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn round_trips_a_command() {
        let doc = encode(&[("hello", Value::Int32(1)), ("$db", Value::Str("admin"))]);
        let fields = decode(&doc).unwrap();
        assert_eq!(field(&fields, "hello"), Some("1"));
        assert_eq!(field(&fields, "$db"), Some("admin"));
    }

    #[test]
    fn renders_nested_documents_and_arrays_of_names() {
        // {ok: 1.0, v: {major: 7}, databases: [{name: "admin"}, {name: "ml"}], tags: ["a", "b"]}
        let name_doc = |n: &str| encode(&[("name", Value::Str(n))]);
        let mut arr = Vec::new();
        for (i, d) in [name_doc("admin"), name_doc("ml")].iter().enumerate() {
            arr.push(0x03);
            arr.extend_from_slice(format!("{i}\0").as_bytes());
            arr.extend_from_slice(d);
        }
        let arr_doc = wrap(&arr);
        let sub = encode(&[("major", Value::Int32(7))]);
        let mut body = vec![0x01];
        body.extend_from_slice(b"ok\0");
        body.extend_from_slice(&1.0f64.to_le_bytes());
        body.push(0x03);
        body.extend_from_slice(b"v\0");
        body.extend_from_slice(&sub);
        body.push(0x04);
        body.extend_from_slice(b"databases\0");
        body.extend_from_slice(&arr_doc);
        let fields = decode(&wrap(&body)).unwrap();
        assert_eq!(field(&fields, "ok"), Some("1"));
        assert_eq!(field(&fields, "v.major"), Some("7"));
        let names: Vec<&str> = fields
            .iter()
            .filter(|(k, _)| k == "databases[]")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(names, ["admin", "ml"]);
    }

    fn wrap(body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 5) as i32).to_le_bytes().to_vec();
        out.extend_from_slice(body);
        out.push(0);
        out
    }

    #[test]
    fn rejects_malformed_documents() {
        assert!(decode(b"").is_err());
        assert!(decode(&[5, 0, 0, 0]).is_err());
        assert!(decode(&[0xff, 0xff, 0xff, 0x7f, 0]).is_err());
        assert!(decode(&[5, 0, 0, 0, 1]).is_err());
        // A string claiming 2 GB.
        let mut bad = vec![0x02];
        bad.extend_from_slice(b"k\0");
        bad.extend_from_slice(&i32::MAX.to_le_bytes());
        assert!(decode(&wrap(&bad)).is_err());
        // An unknown type byte.
        assert!(decode(&wrap(&[0x42, b'k', 0])).is_err());
    }

    #[test]
    fn arrays_and_documents_nested_alternately_stay_shallow() {
        // [{0: [{0: [ ... ]}]}] 60,000 levels deep, built front to back.
        let levels = 60_000usize;
        let mut bytes = Vec::new();
        for k in (1..=levels).rev() {
            bytes.extend_from_slice(&((5 + 8 * k) as i32).to_le_bytes());
            bytes.push(if k.is_multiple_of(2) { 0x03 } else { 0x04 });
            bytes.extend_from_slice(b"0\0");
        }
        bytes.extend_from_slice(&[5, 0, 0, 0, 0]);
        bytes.extend(std::iter::repeat_n(0u8, levels));
        // On a small stack, as a scan task would have.
        let fields = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || decode(&bytes))
            .unwrap()
            .join()
            .unwrap()
            .unwrap();
        assert!(fields.len() <= MAX_FIELDS, "{fields:?}");
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..3000usize {
            let mut bytes: Vec<u8> = (0..len % 200)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Mostly small values and type bytes, so parsing gets deep.
                    (x % 24) as u8
                })
                .collect();
            if bytes.len() >= 4 {
                let n = (bytes.len() as i32).to_le_bytes();
                bytes[..4].copy_from_slice(&n);
            }
            let _ = decode(&bytes);
        }
    }
}
