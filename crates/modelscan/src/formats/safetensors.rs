//! safetensors: an 8-byte little-endian header length, a JSON header, then
//! the tensor bytes. Only the header is read. Checked: the length is sane
//! and within the file, the header is a JSON object, every tensor's offsets
//! lie inside the data region without overlapping, and each tensor's byte
//! count matches its dtype and shape.
use std::io::Read;

use aimap_model::Severity;
use serde_json::Value;

use super::Outcome;
use crate::report::ModelFormat;
use crate::rules::{Issue, Level, Rule};
use crate::{Limits, ModelScanError};

/// Whether the first bytes look like a safetensors header (`{` after the length).
pub fn sniff(head: &[u8]) -> bool {
    head.len() > 9
        && head[8] == b'{'
        && head
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .is_some_and(|n| n > 1 && n < 100 << 20)
}

/// Bits per element; sub-byte float formats pack several per byte.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        _ => return None,
    })
}

/// Scan a safetensors file on disk, reading only its header.
pub fn scan_file(file: &mut std::fs::File, file_size: u64, limits: &Limits) -> Outcome {
    let mut len = [0u8; 8];
    if let Err(e) = file.read_exact(&mut len) {
        return bad(format!("no header length: {e}"));
    }
    let n = u64::from_le_bytes(len);
    if let Err(e) = check_len(n, file_size, limits) {
        return e;
    }
    let mut header = Vec::new();
    if let Err(e) = file.take(n).read_to_end(&mut header) {
        return bad(format!("cannot read header: {e}"));
    }
    judge(&header, file_size - 8 - n)
}

/// Scan a safetensors file already in memory (archive entries, fuzzing).
pub fn scan_bytes(data: &[u8]) -> Outcome {
    let Some(len) = data
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
    else {
        return bad("no header length".into());
    };
    if let Err(e) = check_len(len, data.len() as u64, &Limits::default()) {
        return e;
    }
    let end = 8 + len as usize;
    judge(&data[8..end], (data.len() - end) as u64)
}

fn bad(reason: String) -> Outcome {
    Outcome::failed(
        ModelFormat::Safetensors,
        ModelScanError::malformed("safetensors", reason),
    )
}

fn check_len(n: u64, file_size: u64, limits: &Limits) -> Result<(), Outcome> {
    if n > limits.max_safetensors_header {
        return Err(bad(format!(
            "header length {n} exceeds {}",
            limits.max_safetensors_header
        )));
    }
    if n < 2 || n > file_size.saturating_sub(8) {
        return Err(bad(format!(
            "header length {n} does not fit the {file_size}-byte file"
        )));
    }
    Ok(())
}

fn judge(header: &[u8], data_len: u64) -> Outcome {
    let map = match serde_json::from_slice::<Value>(header) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return bad("header is not a JSON object".into()),
        Err(e) => return bad(format!("header is not JSON: {e}")),
    };
    let mut problems = Vec::new();
    let mut spans = Vec::new();
    for (name, info) in &map {
        if name == "__metadata__" {
            if !info
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_string))
            {
                problems.push("__metadata__ is not a map of strings".to_string());
            }
            continue;
        }
        let dtype = info.get("dtype").and_then(Value::as_str).unwrap_or("");
        let shape: Option<Vec<u64>> = info
            .get("shape")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect());
        let offsets: Option<Vec<u64>> = info
            .get("data_offsets")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect());
        let (Some(shape), Some([begin, end])) = (
            shape,
            offsets
                .as_deref()
                .and_then(|o| <[u64; 2]>::try_from(o).ok()),
        ) else {
            problems.push(format!("{name:?}: missing or invalid shape/data_offsets"));
            continue;
        };
        if begin > end || end > data_len {
            problems.push(format!(
                "{name:?}: data_offsets [{begin}, {end}] outside the {data_len} data bytes"
            ));
            continue;
        }
        let Some(bits) = dtype_bits(dtype) else {
            problems.push(format!("{name:?}: unknown dtype {dtype:?}"));
            continue;
        };
        let elements = shape.iter().try_fold(1u64, |acc, d| acc.checked_mul(*d));
        let want = elements
            .and_then(|e| e.checked_mul(bits))
            .map(|b| b.div_ceil(8));
        if want != Some(end - begin) {
            problems.push(format!(
                "{name:?}: {dtype} {shape:?} needs {} bytes, offsets give {}",
                want.map_or("overflowing".into(), |w| w.to_string()),
                end - begin
            ));
        }
        spans.push((begin, end, name.clone()));
    }
    spans.sort();
    for pair in spans.windows(2) {
        if pair[1].0 < pair[0].1 {
            problems.push(format!("{:?} overlaps {:?}", pair[1].2, pair[0].2));
        }
    }
    let mut out = Outcome::new(ModelFormat::Safetensors);
    if !problems.is_empty() {
        let shown: Vec<&str> = problems.iter().take(5).map(String::as_str).collect();
        let more = if problems.len() > 5 {
            format!(" (+{} more)", problems.len() - 5)
        } else {
            String::new()
        };
        out.issues.push(
            Issue::new(
                Rule::SafetensorsMalformed,
                Level::Suspicious,
                Severity::High,
                "safetensors header is inconsistent",
            )
            .evidence(format!("{}{more}", shown.join("; ")))
            .at(Some(8)),
        );
    }
    out
}
