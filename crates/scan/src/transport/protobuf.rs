//! A schema-less protobuf reader for gRPC replies: every field as
//! `number: value` text, bounded. Without the .proto a length-delimited
//! field is ambiguous; it is shown as text when it is printable UTF-8,
//! otherwise read once more as an embedded message (`1.2: value`), and
//! failing that as its size.

/// Fields rendered per message (embedded ones included).
const MAX_FIELDS: usize = 128;
/// Longest value rendered.
const MAX_VALUE: usize = 200;
/// Embedded messages followed.
const MAX_DEPTH: usize = 2;

/// Render `bytes` as one `path: value` line per field.
pub fn render(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    message(bytes, "", 0, &mut out)?;
    Ok(out)
}

fn message(
    bytes: &[u8],
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let mut pos = 0;
    while pos < bytes.len() {
        let key = varint(bytes, &mut pos)?;
        let number = key >> 3;
        if number == 0 || number > 536_870_911 {
            return Err(format!("field number {number}"));
        }
        let path = if prefix.is_empty() {
            number.to_string()
        } else {
            format!("{prefix}.{number}")
        };
        let value = match key & 7 {
            0 => varint(bytes, &mut pos)?.to_string(),
            1 => {
                let b = take(bytes, &mut pos, 8)?;
                u64::from_le_bytes(b.try_into().map_err(|_| "short fixed64")?).to_string()
            }
            5 => {
                let b = take(bytes, &mut pos, 4)?;
                u32::from_le_bytes(b.try_into().map_err(|_| "short fixed32")?).to_string()
            }
            2 => {
                let len =
                    usize::try_from(varint(bytes, &mut pos)?).map_err(|_| "length overflow")?;
                let b = take(bytes, &mut pos, len)?;
                match printable(b) {
                    Some(text) => text,
                    None if depth + 1 < MAX_DEPTH => {
                        let mut inner = Vec::new();
                        if message(b, &path, depth + 1, &mut inner).is_ok() && !inner.is_empty() {
                            for f in inner {
                                if out.len() < MAX_FIELDS {
                                    out.push(f);
                                }
                            }
                            continue;
                        }
                        format!("({len} bytes)")
                    }
                    None => format!("({len} bytes)"),
                }
            }
            other => return Err(format!("wire type {other}")),
        };
        if out.len() < MAX_FIELDS {
            out.push((path, value));
        }
    }
    Ok(())
}

/// Text without control characters, capped; None if it is not.
fn printable(b: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(b).ok()?;
    if text.chars().any(char::is_control) {
        return None;
    }
    Some(text.chars().take(MAX_VALUE).collect())
}

fn take<'a>(bytes: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8], String> {
    let end = pos.checked_add(n).ok_or("length overflow")?;
    let b = bytes.get(*pos..end).ok_or("field runs past the message")?;
    *pos = end;
    Ok(b)
}

fn varint(bytes: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint longer than 10 bytes".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_field(number: u8, s: &str) -> Vec<u8> {
        let mut out = vec![number << 3 | 2, s.len() as u8];
        out.extend_from_slice(s.as_bytes());
        out
    }

    #[test]
    fn renders_strings_repeated_fields_and_embedded_messages() {
        let mut m = string_field(1, "triton");
        m.extend(string_field(2, "2.59.0"));
        m.extend(string_field(3, "classification"));
        m.extend(string_field(3, "sequence"));
        // An embedded message {1: "resnet", 3: "READY"} as field 4.
        let mut inner = string_field(1, "resnet");
        inner.extend(string_field(3, "READY"));
        m.push(4 << 3 | 2);
        m.push(inner.len() as u8);
        m.extend(inner);
        m.extend([5 << 3, 0x96, 0x01]); // varint 150
        let fields = render(&m).unwrap();
        let want: Vec<(String, String)> = [
            ("1", "triton"),
            ("2", "2.59.0"),
            ("3", "classification"),
            ("3", "sequence"),
            ("4.1", "resnet"),
            ("4.3", "READY"),
            ("5", "150"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(fields, want);
    }

    #[test]
    fn rejects_malformed_messages_and_never_panics() {
        assert!(render(&[0x0a, 0xff]).is_err(), "length past the end");
        assert!(render(&[0x0b]).is_err(), "group wire type");
        assert_eq!(
            render(&[0x08, 0x01]).unwrap(),
            [("1".to_string(), "1".to_string())]
        );
        assert!(render(&[0x00, 0x01]).is_err(), "field number 0");
        assert!(render(&[0x80; 12]).is_err(), "endless varint");
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..3000usize {
            let bytes: Vec<u8> = (0..len % 160)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let _ = render(&bytes);
        }
    }
}
