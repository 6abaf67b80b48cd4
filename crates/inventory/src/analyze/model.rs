//! Model files as `machine-learning-model` components: SHA-256 over the
//! whole file (streamed, never held), size, format (from magic bytes and
//! extension) and what the header says. Format detection and the header
//! readers are local: aimap-modelscan keeps its parsers' metadata private,
//! and this crate must build while that one changes.
use std::io::Read;

use sha2::{Digest, Sha256};

use super::{header, FileMeta};
use crate::component::{Component, ComponentKind, Ecosystem, ModelInfo};
use crate::error::{InventoryError, Result};
use crate::Limits;

const EXTS: &[&str] = &[
    ".gguf",
    ".safetensors",
    ".onnx",
    ".pt",
    ".pth",
    ".bin",
    ".keras",
    ".h5",
];

pub fn is_model_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    EXTS.iter().any(|e| lower.ends_with(e))
}

/// A file whose allocated blocks cover far less than its length is sparse:
/// reading it would hash gigabytes of holes. Sources compute this.
pub fn is_sparse_hint(size: u64, allocated: u64) -> bool {
    size > (64 << 20) && allocated < size / 8
}

/// Hashes everything read through it.
struct Hashing<'a> {
    inner: &'a mut dyn Read,
    hash: Sha256,
    read: u64,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

pub fn analyze(
    meta: &FileMeta<'_>,
    reader: &mut dyn Read,
    limits: &Limits,
) -> Result<Option<Component>> {
    if meta.sparse {
        return Err(InventoryError::limit(
            meta.path,
            format!(
                "sparse file of {} bytes (mostly holes): not read or hashed",
                meta.size
            ),
        ));
    }
    if meta.size > limits.max_model_bytes {
        return Err(InventoryError::limit(
            meta.path,
            format!(
                "{} bytes is over the {}-byte model limit",
                meta.size, limits.max_model_bytes
            ),
        ));
    }
    let io = |e| InventoryError::io(meta.path, e);
    let mut r = Hashing {
        inner: reader,
        hash: Sha256::new(),
        read: 0,
    };
    let mut head = Vec::new();
    (&mut r).take(512).read_to_end(&mut head).map_err(io)?;
    let name = meta.path.rsplit('/').next().unwrap_or(meta.path);
    let Some(format) = detect(name, &head) else {
        return Ok(None);
    };
    let mut info = ModelInfo {
        format: format.into(),
        ..ModelInfo::default()
    };
    match format {
        "onnx" => header::onnx(&head, &mut r, &mut info).map_err(io)?,
        "gguf" | "safetensors" => {
            let cap = limits
                .max_model_header_bytes
                .saturating_sub(head.len() as u64);
            (&mut r).take(cap).read_to_end(&mut head).map_err(io)?;
            if format == "gguf" {
                header::gguf(&head, &mut info);
            } else {
                header::safetensors(&head, &mut info);
            }
        }
        _ => {}
    }
    std::io::copy(&mut r, &mut std::io::sink()).map_err(io)?;
    let mut c = Component::package(Ecosystem::Model, name, None, "model-header");
    c.kind = ComponentKind::MachineLearningModel;
    c.sha256 = Some(hex(&r.hash.finalize()));
    c.size = Some(r.read);
    c.model = Some(info);
    Ok(Some(c))
}

/// The format from magic bytes, checked against the extension so a random
/// `.bin` is not called a model.
fn detect(name: &str, head: &[u8]) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or_default();
    if head.starts_with(b"GGUF") {
        return Some("gguf");
    }
    if head.starts_with(b"PK\x03\x04") {
        return match ext {
            "keras" => Some("keras"),
            "pt" | "pth" | "bin" => Some("pytorch-zip"),
            _ => None,
        };
    }
    if head.starts_with(b"\x89HDF\r\n\x1a\n") {
        return matches!(ext, "h5" | "keras").then_some("keras-h5");
    }
    // Legacy (pre-1.6) torch.save files are bare pickles: protocol 2+ opcode.
    if head.first() == Some(&0x80) && matches!(ext, "pt" | "pth" | "bin") {
        return Some("pytorch-pickle");
    }
    match ext {
        // safetensors: an 8-byte header length, then a JSON object.
        "safetensors" if head.get(8) == Some(&b'{') => Some("safetensors"),
        // ONNX ModelProto starts with ir_version (field 1, varint): 0x08.
        "onnx" if head.first() == Some(&0x08) => Some("onnx"),
        _ => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
