//! The legacy torch.save tar format (PyTorch before 0.4): a tar with
//! `sys_info`, `pickle`, `storages` and `tensors`. All four are pickles
//! (`storages` and `tensors` interleave pickled records with raw bytes),
//! and torch unpickled every one of them without restriction.
use super::{Origin, Outcome};
use crate::bytes::Cursor;
use crate::pickle::{self, Pickles};
use crate::report::ModelFormat;
use crate::{Limits, ModelScanError};

fn octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?;
    let t = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if t.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(t, 8).ok()
}

/// (name, start, len) of each regular file in a ustar archive.
fn entries(data: &[u8]) -> Result<Vec<(String, usize, usize)>, String> {
    let mut c = Cursor::new(data);
    let mut out = Vec::new();
    while c.remaining() >= 512 {
        let at = c.pos();
        let header = c.take(512).ok_or("truncated header")?;
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let name_end = header[..100].iter().position(|&b| b == 0).unwrap_or(100);
        let name = String::from_utf8_lossy(&header[..name_end]).into_owned();
        let size =
            octal(&header[124..136]).ok_or_else(|| format!("bad size in header at byte {at}"))?;
        let start = c.pos();
        let padded = size
            .div_ceil(512)
            .checked_mul(512)
            .ok_or("size overflows")?;
        c.skip(padded.min(c.remaining() as u64))
            .ok_or("truncated")?;
        if size > (data.len() - start) as u64 {
            return Err(format!("{name}: {size} bytes run past the end"));
        }
        if matches!(header[156], 0 | b'0') {
            out.push((name, start, size as usize));
        }
    }
    Ok(out)
}

fn element_size(storage: &str) -> Option<u64> {
    Some(match storage.trim_end_matches("Storage") {
        "Double" | "Long" | "ComplexFloat" => 8,
        "Float" | "Int" | "QInt32" => 4,
        "Half" | "BFloat16" | "Short" => 2,
        "Char" | "Byte" | "Bool" | "QUInt8" | "QInt8" | "QUInt4x2" | "QUInt2x4" => 1,
        "ComplexDouble" => 16,
        _ => return None,
    })
}

pub fn scan(data: &[u8], origin: &Origin, limits: &Limits) -> Outcome {
    let mut out = Outcome::new(ModelFormat::TorchLegacyTar);
    let list = match entries(data) {
        Ok(l) => l,
        Err(e) => {
            return Outcome::failed(out.format, ModelScanError::malformed("tar", origin.tag(e)))
        }
    };
    for (name, start, len) in list {
        let body = &data[start..start + len];
        let child = origin.child(&name, origin.file_offset(start));
        let base = name.rsplit('/').next().unwrap_or("");
        let result = match base {
            "sys_info" | "pickle" => {
                let s = pickle::scan(body, 0, &child, limits, Pickles::Exactly(1));
                out.issues.extend(s.issues);
                s.error.map_or(Ok(()), Err)
            }
            "storages" | "tensors" => records(body, base == "storages", &child, limits, &mut out),
            _ => Ok(()),
        };
        if let Err(e) = result {
            out.error.get_or_insert(e);
        }
    }
    out
}

/// A count pickle, then per record a pickle and raw bytes whose length the
/// record gives (storages: element count × element size; tensors: sizes,
/// strides and offset).
fn records(
    body: &[u8],
    storages: bool,
    origin: &Origin,
    limits: &Limits,
    out: &mut Outcome,
) -> Result<(), ModelScanError> {
    let bad = |r: String| ModelScanError::malformed("torch legacy tar", origin.tag(r));
    let head = pickle::scan(body, 0, origin, limits, Pickles::Exactly(1));
    out.issues.extend(head.issues);
    if let Some(e) = head.error {
        return Err(e);
    }
    let mut pos = head.end;
    while pos < body.len() {
        let rec = pickle::scan(body, pos, origin, limits, Pickles::Exactly(1));
        out.issues.extend(rec.issues);
        if let Some(e) = rec.error {
            return Err(e);
        }
        let mut c = Cursor::at(body, rec.end);
        if storages {
            let class = rec.last_import.map(|(_, n)| n).unwrap_or_default();
            let size = element_size(&class)
                .ok_or_else(|| bad(format!("unknown storage class {class:?}")))?;
            let n = c.u64_le().ok_or_else(|| bad("truncated storage".into()))?;
            let bytes = n
                .checked_mul(size)
                .ok_or_else(|| bad("storage size overflows".into()))?;
            c.skip(bytes)
                .ok_or_else(|| bad("storage runs past the end".into()))?;
        } else {
            let ndim = c
                .i32_le()
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| bad("bad tensor ndim".into()))?;
            c.skip(ndim.saturating_mul(16).saturating_add(8))
                .ok_or_else(|| bad("tensor record runs past the end".into()))?;
        }
        pos = c.pos();
    }
    Ok(())
}
