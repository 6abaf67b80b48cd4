//! Recognising a model file and sending it to the parser for its format.
//! Every parser works on bounded input and returns an [`Outcome`]: issues,
//! and the reason it could not finish, if any.
pub mod archive;
pub mod gguf;
pub mod h5;
pub mod keras;
pub mod npy;
pub mod onnx;
pub mod pickled;
pub mod safetensors;
pub mod tar;

use crate::report::ModelFormat;
use crate::rules::Issue;
use crate::{Limits, ModelScanError};

/// Where the bytes a parser sees come from: an archive entry or the file
/// itself, and where they start in the file on disk (when they are stored
/// there as-is), so findings can carry real file offsets.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub entry: Option<String>,
    pub file_base: Option<u64>,
}

impl Origin {
    pub fn file() -> Self {
        Self {
            entry: None,
            file_base: Some(0),
        }
    }

    pub fn file_offset(&self, offset: usize) -> Option<u64> {
        self.file_base.map(|b| b.saturating_add(offset as u64))
    }

    /// The offset in the file when known, else within the entry.
    pub fn describe_offset(&self, offset: usize) -> u64 {
        self.file_offset(offset).unwrap_or(offset as u64)
    }

    /// "byte 12" or "byte 12 of archive/data.pkl (file byte 76)".
    pub fn where_is(&self, offset: usize) -> String {
        match (&self.entry, self.file_offset(offset)) {
            (None, _) => format!("byte {offset}"),
            (Some(e), Some(f)) => format!("byte {offset} of {e} (file byte {f})"),
            (Some(e), None) => format!("byte {offset} of {e}"),
        }
    }

    pub fn tag(&self, reason: String) -> String {
        match &self.entry {
            Some(e) => format!("{reason} (in {e})"),
            None => reason,
        }
    }

    pub fn child(&self, entry: &str, file_base: Option<u64>) -> Self {
        let entry = match &self.entry {
            Some(parent) => format!("{parent}!{entry}"),
            None => entry.to_string(),
        };
        Self {
            entry: Some(entry),
            file_base,
        }
    }
}

/// What one parser made of its input.
#[derive(Debug)]
pub struct Outcome {
    pub format: ModelFormat,
    pub issues: Vec<Issue>,
    pub error: Option<ModelScanError>,
}

impl Outcome {
    pub fn new(format: ModelFormat) -> Self {
        Self {
            format,
            issues: Vec::new(),
            error: None,
        }
    }

    pub fn failed(format: ModelFormat, error: ModelScanError) -> Self {
        Self {
            format,
            issues: Vec::new(),
            error: Some(error),
        }
    }

    /// Fold a nested outcome (an archive entry) into this one.
    pub fn absorb(&mut self, inner: Outcome) {
        self.issues.extend(inner.issues);
        if self.error.is_none() {
            self.error = inner.error;
        }
    }
}

/// State shared by one file's parsers, including nested archive entries.
pub struct Ctx<'l> {
    pub limits: &'l Limits,
    pub depth: u32,
    /// Decompressed bytes read so far from this file's archives.
    pub unzipped: u64,
}

/// File-name endings that say "pickle inside" even without a PROTO opcode
/// (protocol 0 and 1, compressed joblib). Not `.bin`/`.pt`: those are zips or
/// protocol-2 pickles when they are models, and raw weights otherwise.
const PICKLE_EXTS: &[&str] = &["pkl", "pickle", "joblib", "dat", "sav", "p", "gz", "z"];
/// Endings under which a zip is a model (torch, NumPy, Keras).
const ZIP_EXTS: &[&str] = &[
    "pt", "pth", "bin", "ckpt", "npz", "keras", "pkl", "tar", "mar", "nemo", "zip",
];

fn ext(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

const HDF5_MAGIC: &[u8] = b"\x89HDF\r\n\x1a\n";

/// Recognise a format from the first bytes (up to 512) and the file name.
pub fn detect(name: &str, head: &[u8]) -> ModelFormat {
    let ext = ext(name);
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return match ext.as_str() {
            "npz" => ModelFormat::Npz,
            "keras" => ModelFormat::Keras,
            _ => ModelFormat::Zip,
        };
    }
    if head.starts_with(b"\x93NUMPY") {
        return ModelFormat::Npy;
    }
    if head.starts_with(b"GGUF") {
        return ModelFormat::Gguf;
    }
    if head.starts_with(HDF5_MAGIC) {
        return ModelFormat::KerasH5;
    }
    if head.get(257..262) == Some(b"ustar") {
        return ModelFormat::TorchLegacyTar;
    }
    if head.starts_with(crate::pickle::TORCH_LEGACY_PREFIX) {
        return ModelFormat::TorchLegacy;
    }
    if crate::pickle::starts_pickle(head) {
        return if ext == "joblib" {
            ModelFormat::Joblib
        } else {
            ModelFormat::Pickle
        };
    }
    if pickled::compressed(head).is_some() && PICKLE_EXTS.contains(&ext.as_str()) {
        return ModelFormat::Joblib;
    }
    if ext == "safetensors" || safetensors::sniff(head) {
        return ModelFormat::Safetensors;
    }
    if ext == "onnx" {
        return ModelFormat::Onnx;
    }
    // Protocol 0 and 1 pickles have no PROTO opcode: trust the name, and
    // require a first byte that is an opcode.
    if PICKLE_EXTS.contains(&ext.as_str())
        && head.first().is_some_and(|b| b"(c]}NI)KJSVX".contains(b))
    {
        return ModelFormat::Pickle;
    }
    ModelFormat::Unknown
}

/// Whether a file met while walking a directory should be audited.
pub fn is_candidate(name: &str, head: &[u8]) -> bool {
    match detect(name, head) {
        ModelFormat::Unknown => false,
        ModelFormat::Zip => ZIP_EXTS.contains(&ext(name).as_str()),
        ModelFormat::KerasH5 => matches!(ext(name).as_str(), "h5" | "hdf5" | "keras"),
        _ => true,
    }
}

/// Judge bytes already in memory (a small file, or an archive entry).
pub fn scan_bytes(name: &str, data: &[u8], origin: &Origin, ctx: &mut Ctx<'_>) -> Outcome {
    let head = &data[..data.len().min(512)];
    let format = detect(name, head);
    match format {
        ModelFormat::Zip | ModelFormat::Npz | ModelFormat::Keras => {
            if ctx.depth >= ctx.limits.max_depth {
                return Outcome::failed(
                    format,
                    ModelScanError::Limit(origin.tag(format!(
                        "archives nested deeper than {}",
                        ctx.limits.max_depth
                    ))),
                );
            }
            ctx.depth += 1;
            let out = archive::scan_zip(std::io::Cursor::new(data), format, origin, ctx);
            ctx.depth -= 1;
            out
        }
        ModelFormat::Npy => npy::scan(data, origin, ctx.limits),
        ModelFormat::Gguf => gguf::scan(data, data.len() as u64, origin),
        ModelFormat::KerasH5 => h5::scan(data, origin),
        ModelFormat::TorchLegacyTar => tar::scan(data, origin, ctx.limits),
        ModelFormat::Safetensors => safetensors::scan_bytes(data),
        ModelFormat::Onnx => onnx::scan(data, origin),
        ModelFormat::Pickle
        | ModelFormat::Joblib
        | ModelFormat::TorchLegacy
        | ModelFormat::TorchZip => pickled::scan(data, format, origin, ctx.limits),
        ModelFormat::Unknown => Outcome::failed(format, ModelScanError::Unrecognised),
    }
}
