//! NumPy `.npy`: a magic string, a header that is a Python dict literal, then
//! the array. Numeric arrays are raw bytes; arrays with an object dtype are a
//! pickle (that is what `np.load(allow_pickle=True)` unpickles).
use super::{pickled, Origin, Outcome};
use crate::bytes::Cursor;
use crate::report::ModelFormat;
use crate::{Limits, ModelScanError};

pub fn scan(data: &[u8], origin: &Origin, limits: &Limits) -> Outcome {
    match header(data) {
        Ok((descr, end)) => {
            if !has_object(&descr) {
                return Outcome::new(ModelFormat::Npy);
            }
            let body = Origin {
                entry: origin.entry.clone(),
                file_base: origin.file_base.map(|b| b + end as u64),
            };
            let mut out = pickled::scan(&data[end..], ModelFormat::Npy, &body, limits);
            out.format = ModelFormat::Npy;
            out
        }
        Err(e) => Outcome::failed(ModelFormat::Npy, e),
    }
}

/// The `descr` value of the header and where the array data starts.
fn header(data: &[u8]) -> Result<(String, usize), ModelScanError> {
    let bad = |r: &str| ModelScanError::malformed("npy", r);
    let mut c = Cursor::new(data);
    if c.take(6) != Some(b"\x93NUMPY") {
        return Err(bad("bad magic"));
    }
    let major = c.u8().ok_or_else(|| bad("truncated"))?;
    c.u8().ok_or_else(|| bad("truncated"))?;
    let len = match major {
        1 => c.u16_le().map(u64::from),
        2 | 3 => c.u32_le().map(u64::from),
        v => return Err(bad(&format!("unknown version {v}"))),
    }
    .ok_or_else(|| bad("truncated"))?;
    let text = c.take(len).ok_or_else(|| bad("header runs past the end"))?;
    let text = String::from_utf8_lossy(text);
    let start = text
        .find("'descr'")
        .or_else(|| text.find("\"descr\""))
        .ok_or_else(|| bad("header has no descr"))?;
    let after = &text[start + 7..];
    let after = after.trim_start().trim_start_matches(':').trim_start();
    // The descr ends where the next key starts.
    let end = [
        "'fortran_order'",
        "'shape'",
        "\"fortran_order\"",
        "\"shape\"",
    ]
    .iter()
    .filter_map(|k| after.find(k))
    .min()
    .unwrap_or(after.len());
    Ok((after[..end].to_string(), c.pos()))
}

/// Whether a descr (`'|O'`, or a structured `[('a', '<f8'), ('b', '|O')]`)
/// contains an object field. In a structured descr the first string of each
/// tuple is a field name, not a type.
fn has_object(descr: &str) -> bool {
    let is_obj = |s: &str| {
        let t = s.trim_start_matches(['|', '<', '>', '=']);
        t.starts_with('O') && t[1..].chars().all(|c| c.is_ascii_digit())
    };
    let strings = quoted(descr);
    if !descr.trim_start().starts_with('[') {
        return strings.first().is_some_and(|s| is_obj(s));
    }
    // Split on tuple openings; skip the first string (the name) of each.
    descr
        .split('(')
        .skip(1)
        .any(|tuple| quoted(tuple).iter().skip(1).any(|s| is_obj(s)))
}

fn quoted(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['\'', '"']) {
        let q = &rest[open..open + 1];
        let after = &rest[open + 1..];
        let Some(close) = after.find(q) else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_object_dtypes() {
        assert!(has_object("'|O', "));
        assert!(has_object("[('a', '<f8'), ('b', '|O')], "));
        assert!(!has_object("[('O', '<f8')], "));
        assert!(!has_object("'<f8', "));
    }
}
