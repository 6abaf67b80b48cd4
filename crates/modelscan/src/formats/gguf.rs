//! GGUF (llama.cpp): header, metadata key/values and tensor infos, parsed
//! with every count and length checked against the bytes that remain. The
//! metadata that can run code is the Jinja chat template.
use aimap_model::Severity;

use super::{Origin, Outcome};
use crate::bytes::Cursor;
use crate::report::ModelFormat;
use crate::rules::{Issue, Level, Rule};
use crate::ModelScanError;

const MAX_ARRAY_NESTING: u32 = 4;

struct Reader<'a> {
    c: Cursor<'a>,
    big_endian: bool,
    /// Version 1 used 32-bit counts and lengths.
    v1: bool,
}

type R<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn u32(&mut self) -> R<u32> {
        let v = if self.big_endian {
            self.c.u32_be()
        } else {
            self.c.u32_le()
        };
        v.ok_or_else(|| self.short())
    }

    fn u64(&mut self) -> R<u64> {
        let v = if self.big_endian {
            self.c.u64_be()
        } else {
            self.c.u64_le()
        };
        v.ok_or_else(|| self.short())
    }

    fn count(&mut self) -> R<u64> {
        if self.v1 {
            self.u32().map(u64::from)
        } else {
            self.u64()
        }
    }

    fn short(&self) -> String {
        format!("truncated at byte {}", self.c.pos())
    }

    fn string(&mut self) -> R<&'a [u8]> {
        let len = self.count()?;
        let at = self.c.pos();
        self.c
            .take(len)
            .ok_or_else(|| format!("string of {len} bytes at byte {at} runs past the end"))
    }

    /// Check that `count` items of at least `min` bytes each can fit.
    fn fits(&self, count: u64, min: u64, what: &str) -> R<()> {
        if count.saturating_mul(min) > self.c.remaining() as u64 {
            return Err(format!("{what} count {count} cannot fit in the file"));
        }
        Ok(())
    }

    /// Skip (or, for strings, return) one value of `ty`.
    fn value(&mut self, ty: u32, depth: u32) -> R<Option<&'a [u8]>> {
        let fixed = match ty {
            0 | 1 | 7 => 1,
            2 | 3 => 2,
            4..=6 => 4,
            10..=12 => 8,
            8 => return self.string().map(Some),
            9 => {
                if depth >= MAX_ARRAY_NESTING {
                    return Err("arrays nested too deep".into());
                }
                let item = self.u32()?;
                let n = self.count()?;
                let min = match item {
                    0 | 1 | 7 => 1,
                    2 | 3 => 2,
                    4..=6 => 4,
                    8..=12 => 8,
                    t => return Err(format!("unknown array item type {t}")),
                };
                self.fits(n, min, "array")?;
                if matches!(item, 8 | 9) {
                    for _ in 0..n {
                        self.value(item, depth + 1)?;
                    }
                } else {
                    self.c.skip(n * min).ok_or_else(|| self.short())?;
                }
                return Ok(None);
            }
            t => return Err(format!("unknown value type {t}")),
        };
        self.c.skip(fixed).ok_or_else(|| self.short())?;
        Ok(None)
    }
}

pub fn scan(data: &[u8], file_size: u64, origin: &Origin) -> Outcome {
    let mut out = Outcome::new(ModelFormat::Gguf);
    if let Err(e) = parse(data, file_size, origin, &mut out.issues) {
        let e = if (data.len() as u64) < file_size {
            format!("{e} (metadata read up to the {}-byte limit)", data.len())
        } else {
            e
        };
        out.error = Some(ModelScanError::malformed("gguf", origin.tag(e)));
    }
    out
}

fn parse(data: &[u8], file_size: u64, origin: &Origin, issues: &mut Vec<Issue>) -> R<()> {
    let mut c = Cursor::new(data);
    if c.take(4) != Some(b"GGUF") {
        return Err("bad magic".into());
    }
    let raw = c.u32_le().ok_or("truncated")?;
    // A big-endian file has its version byte-swapped.
    let (version, big_endian) = if raw & 0xffff == 0 {
        (raw.swap_bytes(), true)
    } else {
        (raw, false)
    };
    if !(1..=3).contains(&version) {
        return Err(format!("unknown version {version}"));
    }
    let mut r = Reader {
        c,
        big_endian,
        v1: version == 1,
    };
    let tensors = r.count()?;
    let kvs = r.count()?;
    r.fits(kvs, 13, "metadata")?;
    r.fits(tensors, 24, "tensor")?;
    let mut alignment = 32u64;
    for _ in 0..kvs {
        let key_at = r.c.pos();
        let key = String::from_utf8_lossy(r.string()?).into_owned();
        let ty = r.u32()?;
        let value_at = r.c.pos();
        let value = r.value(ty, 0)?;
        if key == "general.alignment" && ty == 4 {
            let mut c = Cursor::at(data, value_at);
            alignment = u64::from(if big_endian { c.u32_be() } else { c.u32_le() }.unwrap_or(32));
        }
        if key == "tokenizer.chat_template" || key.starts_with("tokenizer.chat_template.") {
            if let Some(text) = value {
                check_template(&key, &String::from_utf8_lossy(text), key_at, origin, issues);
            }
        }
    }
    if alignment == 0 || !alignment.is_power_of_two() {
        return Err(format!(
            "general.alignment {alignment} is not a power of two"
        ));
    }
    let mut offsets = Vec::new();
    for _ in 0..tensors {
        let name = String::from_utf8_lossy(r.string()?).into_owned();
        let dims = r.u32()?;
        if dims > 8 {
            return Err(format!("tensor {name:?} has {dims} dimensions"));
        }
        for _ in 0..dims {
            r.u64()?;
        }
        r.u32()?;
        offsets.push((name, r.u64()?));
    }
    let data_start = (r.c.pos() as u64).div_ceil(alignment) * alignment;
    let data_len = file_size.saturating_sub(data_start);
    if let Some((name, off)) = offsets.iter().find(|(_, off)| *off > data_len) {
        return Err(format!(
            "tensor {name:?} starts at {off}, past the {data_len} data bytes"
        ));
    }
    Ok(())
}

/// Patterns a chat template has no business containing: they reach Python
/// internals from Jinja (the CVE-2024-34359 payload walks
/// `__init__.__globals__` to `os.popen`).
fn template_escapes(t: &str) -> Vec<String> {
    let lower = t.to_ascii_lowercase();
    let mut hits: Vec<String> = Vec::new();
    // Any dunder identifier: __class__, __globals__, __subclasses__ …
    let bytes = lower.as_bytes();
    let mut i = 0;
    while let Some(p) = lower[i..].find("__") {
        let start = i + p + 2;
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
        let word = &lower[start..end];
        if let Some(name) = word
            .strip_suffix("__")
            .filter(|n| !n.is_empty() && !n.contains("__"))
        {
            let hit = format!("__{name}__");
            if !hits.contains(&hit) {
                hits.push(hit);
            }
        }
        i = end.max(start);
        if i >= lower.len() {
            break;
        }
    }
    for needle in [
        "popen",
        "subprocess",
        "os.system",
        "eval(",
        "exec(",
        "\\x5f",
        "\\u005f",
        "\\137",
        "|attr(",
        "| attr(",
    ] {
        if lower.contains(needle) {
            hits.push(needle.to_string());
        }
    }
    // `import` as a word (a Jinja `{% import %}` or Python's), not "important".
    let is_word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    let mut from = 0;
    while let Some(p) = lower[from..].find("import") {
        let at = from + p;
        if !is_word(at.checked_sub(1).and_then(|i| bytes.get(i))) && !is_word(bytes.get(at + 6)) {
            hits.push("import".into());
            break;
        }
        from = at + 6;
    }
    hits
}

fn check_template(key: &str, text: &str, at: usize, origin: &Origin, issues: &mut Vec<Issue>) {
    let hits = template_escapes(text);
    if hits.is_empty() {
        return;
    }
    let excerpt: String = text
        .chars()
        .take(160)
        .collect::<String>()
        .replace('\n', "\\n");
    issues.push(
        Issue::new(
            Rule::GgufTemplateInjection,
            Level::Unsafe,
            Severity::High,
            format!(
                "GGUF {key} escapes the template sandbox ({})",
                hits.join(", ")
            ),
        )
        .evidence(format!("{key} at {}: {excerpt}", origin.where_is(at)))
        .at(origin.file_offset(at)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_sandbox_escapes_only() {
        let bad =
            "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('id').read() }}";
        let hits = template_escapes(bad);
        assert!(hits.contains(&"__globals__".to_string()), "{hits:?}");
        assert!(hits.contains(&"popen".to_string()));
        let good =
            "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }} important{% endfor %}";
        assert!(template_escapes(good).is_empty());
        assert_eq!(
            template_escapes("{% import 'x' as y %}"),
            vec!["import".to_string()]
        );
    }
}
