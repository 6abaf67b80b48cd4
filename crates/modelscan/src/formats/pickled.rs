//! Files that are pickle streams: raw pickles, joblib dumps (optionally
//! zlib- or gzip-compressed) and the legacy torch.save format.
use std::io::Read;

use super::{Origin, Outcome};
use crate::pickle::{self, Pickles, TORCH_LEGACY_PREFIX};
use crate::report::ModelFormat;
use crate::{Limits, ModelScanError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Zlib,
    Gzip,
}

/// joblib's `compress=` writes zlib or gzip streams around the pickle.
pub fn compressed(head: &[u8]) -> Option<Compression> {
    match head {
        [0x1f, 0x8b, ..] => Some(Compression::Gzip),
        [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..] => Some(Compression::Zlib),
        _ => None,
    }
}

pub fn scan(data: &[u8], format: ModelFormat, origin: &Origin, limits: &Limits) -> Outcome {
    if let Some(kind) = compressed(data) {
        return match inflate(data, kind, limits) {
            // Offsets inside a compressed stream are not file offsets.
            Ok(plain) => {
                let inner = Origin {
                    entry: Some(origin.entry.clone().map_or_else(
                        || "decompressed stream".to_string(),
                        |e| format!("{e} (decompressed)"),
                    )),
                    file_base: None,
                };
                scan(&plain, ModelFormat::Joblib, &inner, limits)
            }
            Err(e) => Outcome::failed(format, e),
        };
    }
    let count = if data.starts_with(TORCH_LEGACY_PREFIX) {
        // magic, protocol version, sys_info, the object, storage keys.
        Pickles::Exactly(5)
    } else {
        Pickles::One
    };
    let walked = pickle::scan(data, 0, origin, limits, count);
    Outcome {
        format,
        issues: walked.issues,
        error: walked.error,
    }
}

fn inflate(data: &[u8], kind: Compression, limits: &Limits) -> Result<Vec<u8>, ModelScanError> {
    let cap = limits.max_read_bytes;
    let reader: Box<dyn Read + '_> = match kind {
        Compression::Zlib => Box::new(flate2::read::ZlibDecoder::new(data)),
        Compression::Gzip => Box::new(flate2::read::GzDecoder::new(data)),
    };
    let mut out = Vec::new();
    reader
        .take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| ModelScanError::malformed("compressed pickle", e.to_string()))?;
    if out.len() as u64 > cap {
        return Err(ModelScanError::Limit(format!(
            "decompresses to more than {cap} bytes"
        )));
    }
    Ok(out)
}
