//! Bounded header readers for model metadata: GGUF key/values and tensor
//! infos, the safetensors JSON header, and ONNX's top-level protobuf
//! fields. Truncated or hostile headers yield whatever was read so far.
use std::io::Read;

use crate::component::ModelInfo;

struct Cur<'a> {
    d: &'a [u8],
    p: usize,
}

impl<'a> Cur<'a> {
    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let end = self.p.checked_add(usize::try_from(n).ok()?)?;
        let s = self.d.get(self.p..end)?;
        self.p = end;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u64()?;
        self.take(n)
    }
    /// Skip one GGUF value of type `t`, or return it as a string/u64.
    fn value(&mut self, t: u32, depth: u8) -> Option<Value<'a>> {
        let fixed = match t {
            0 | 1 | 7 => 1,
            2 | 3 => 2,
            4..=6 => 4,
            10..=12 => 8,
            _ => 0,
        };
        if fixed > 0 {
            let b = self.take(fixed)?;
            let mut v = [0u8; 8];
            v[..b.len()].copy_from_slice(b);
            return Some(Value::Int(u64::from_le_bytes(v)));
        }
        match t {
            8 => self.string().map(Value::Str),
            9 if depth < 2 => {
                let (inner, count) = (self.u32()?, self.u64()?);
                for _ in 0..count {
                    self.value(inner, depth + 1)?;
                }
                Some(Value::Other)
            }
            _ => None,
        }
    }
}

enum Value<'a> {
    Int(u64),
    Str(&'a [u8]),
    Other,
}

/// llama.cpp's `general.file_type` numbering.
fn file_type(n: u64) -> Option<&'static str> {
    const NAMES: &[&str] = &[
        "F32",
        "F16",
        "Q4_0",
        "Q4_1",
        "Q4_1_SOME_F16",
        "Q4_2",
        "Q4_3",
        "Q8_0",
        "Q5_0",
        "Q5_1",
        "Q2_K",
        "Q3_K_S",
        "Q3_K_M",
        "Q3_K_L",
        "Q4_K_S",
        "Q4_K_M",
        "Q5_K_S",
        "Q5_K_M",
        "Q6_K",
    ];
    NAMES.get(usize::try_from(n).ok()?).copied()
}

pub fn gguf(data: &[u8], info: &mut ModelInfo) {
    let mut c = Cur { d: data, p: 4 };
    let Some(version) = c.u32() else { return };
    let counts = if version == 1 {
        c.u32()
            .zip(c.u32())
            .map(|(a, b)| (u64::from(a), u64::from(b)))
    } else {
        c.u64().zip(c.u64())
    };
    let Some((tensors, kvs)) = counts else { return };
    info.tensors = Some(tensors);
    for _ in 0..kvs {
        let Some(key) = c.string() else { return };
        let Some(t) = c.u32() else { return };
        let Some(v) = c.value(t, 0) else { return };
        match (key, v) {
            (b"general.architecture", Value::Str(s)) => {
                info.architecture = Some(String::from_utf8_lossy(s).into_owned())
            }
            (b"general.file_type", Value::Int(n)) => {
                info.quantization = file_type(n).map(Into::into)
            }
            _ => {}
        }
    }
    // Tensor infos: the parameter count is the sum of their element counts.
    let mut params: u64 = 0;
    for _ in 0..tensors {
        let Some(_) = c.string() else { return };
        let Some(dims) = c.u32() else { return };
        let mut n: u64 = 1;
        for _ in 0..dims.min(8) {
            let Some(d) = c.u64() else { return };
            n = n.saturating_mul(d);
        }
        if c.take(12).is_none() {
            return;
        }
        params = params.saturating_add(n);
    }
    info.parameters = Some(params);
}

pub fn safetensors(data: &[u8], info: &mut ModelInfo) {
    let Some(len) = data
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
    else {
        return;
    };
    let Some(json) = usize::try_from(len)
        .ok()
        .and_then(|l| data.get(8..8usize.checked_add(l)?))
    else {
        return;
    };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(json) else {
        return;
    };
    let mut dtypes: Vec<String> = Vec::new();
    let (mut tensors, mut params) = (0u64, 0u64);
    for (name, t) in &map {
        if name == "__metadata__" {
            continue;
        }
        tensors += 1;
        if let Some(d) = t.get("dtype").and_then(|d| d.as_str()) {
            if !dtypes.iter().any(|x| x == d) {
                dtypes.push(d.to_string());
            }
        }
        let shape = t.get("shape").and_then(|s| s.as_array());
        let n = shape
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_u64())
            .fold(1u64, u64::saturating_mul);
        params = params.saturating_add(n);
    }
    dtypes.sort();
    info.tensors = Some(tensors);
    info.parameters = Some(params);
    info.dtypes = dtypes;
}

fn varint(r: &mut dyn Read) -> std::io::Result<Option<u64>> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let mut b = [0u8];
        if r.read(&mut b)? == 0 {
            return Ok(None);
        }
        v |= u64::from(b[0] & 0x7f) << shift;
        if b[0] & 0x80 == 0 {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// ONNX ModelProto, streamed: producer_name (2) and opset_import (8) are
/// read; the graph (7), however large, is skipped without being held.
pub fn onnx(head: &[u8], rest: &mut dyn Read, info: &mut ModelInfo) -> std::io::Result<()> {
    let mut r = head.chain(rest);
    while let Some(tag) = varint(&mut r)? {
        let (field, wire) = (tag >> 3, tag & 7);
        let len = match wire {
            0 => {
                varint(&mut r)?;
                continue;
            }
            1 => 8,
            5 => 4,
            2 => match varint(&mut r)? {
                Some(l) => l,
                None => return Ok(()),
            },
            _ => return Ok(()),
        };
        if wire == 2 && matches!(field, 2 | 8) && len <= 4096 {
            let mut buf = Vec::new();
            (&mut r).take(len).read_to_end(&mut buf)?;
            if field == 2 {
                info.producer = Some(String::from_utf8_lossy(&buf).into_owned());
            } else {
                opset(&buf, info);
            }
        } else {
            std::io::copy(&mut (&mut r).take(len), &mut std::io::sink())?;
        }
    }
    Ok(())
}

/// OperatorSetIdProto: the default domain's version is the opset.
fn opset(buf: &[u8], info: &mut ModelInfo) {
    let mut r: &[u8] = buf;
    let (mut domain_empty, mut version) = (true, None);
    while let Ok(Some(tag)) = varint(&mut r) {
        match (tag >> 3, tag & 7) {
            (1, 2) => {
                let Ok(Some(l)) = varint(&mut r) else { return };
                domain_empty = l == 0;
                let Some(rest) = r.get(usize::try_from(l).unwrap_or(usize::MAX)..) else {
                    return;
                };
                r = rest;
            }
            (2, 0) => version = varint(&mut r).ok().flatten(),
            _ => return,
        }
    }
    if domain_empty {
        info.opset = info.opset.max(version);
    }
}
