//! Zip-based model files: PyTorch checkpoints (`*/data.pkl`, whatever the
//! extension), NumPy `.npz`, Keras `.keras`, and zips that hold any of these.
//! Entries are read one at a time with size caps; only entries that can
//! carry code (pickles, object arrays, configs, nested models) are read.
use std::io::{Read, Seek};

use zip::CompressionMethod;

use super::{detect, keras, pickled, scan_bytes, Ctx, Origin, Outcome};
use crate::report::ModelFormat;
use crate::ModelScanError;

/// What the zip turned out to hold.
fn classify(names: &[String], hinted: ModelFormat) -> ModelFormat {
    if names
        .iter()
        .any(|n| n == "data.pkl" || n.ends_with("/data.pkl"))
    {
        ModelFormat::TorchZip
    } else if names.iter().any(|n| n == "config.json") && hinted == ModelFormat::Keras
        || names.iter().any(|n| n == "config.json")
            && names
                .iter()
                .any(|n| n == "metadata.json" || n.ends_with(".weights.h5"))
    {
        ModelFormat::Keras
    } else if hinted == ModelFormat::Npz
        || (!names.is_empty() && names.iter().all(|n| n.ends_with(".npy")))
    {
        ModelFormat::Npz
    } else {
        ModelFormat::Zip
    }
}

/// Entries worth reading: they can hold code or a nested model.
fn wanted(name: &str, kind: ModelFormat) -> bool {
    let lower = name.to_ascii_lowercase();
    if kind == ModelFormat::Keras && name == "config.json" {
        return true;
    }
    // Storage blobs of a torch checkpoint are raw tensor bytes.
    if kind == ModelFormat::TorchZip && (lower.contains("/data/") || lower.contains("/.data/")) {
        return false;
    }
    [
        ".pkl",
        ".pickle",
        ".npy",
        ".npz",
        ".pt",
        ".pth",
        ".bin",
        ".ckpt",
        ".joblib",
        ".keras",
        ".onnx",
        ".gguf",
        ".safetensors",
        ".h5",
        ".zip",
    ]
    .iter()
    .any(|e| lower.ends_with(e))
}

pub fn scan_zip<R: Read + Seek>(
    reader: R,
    hinted: ModelFormat,
    origin: &Origin,
    ctx: &mut Ctx<'_>,
) -> Outcome {
    let mut zip = match zip::ZipArchive::new(reader) {
        Ok(z) => z,
        Err(e) => return Outcome::failed(hinted, ModelScanError::Zip(origin.tag(e.to_string()))),
    };
    if zip.len() > ctx.limits.max_zip_entries {
        return Outcome::failed(
            hinted,
            ModelScanError::Limit(origin.tag(format!(
                "{} zip entries (limit {})",
                zip.len(),
                ctx.limits.max_zip_entries
            ))),
        );
    }
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        match zip.by_index_raw(i) {
            Ok(f) => names.push(f.name().map(|n| n.into_owned()).unwrap_or_default()),
            Err(e) => {
                return Outcome::failed(hinted, ModelScanError::Zip(origin.tag(e.to_string())))
            }
        }
    }
    let kind = classify(&names, hinted);
    let mut out = Outcome::new(kind);
    for (i, entry_name) in names.iter().enumerate() {
        if !wanted(entry_name, kind) {
            continue;
        }
        let (data, base) = match read_entry(&mut zip, i, entry_name, origin, ctx) {
            Ok(Some(v)) => v,
            Ok(None) => continue,
            Err(e) => {
                out.absorb(Outcome::failed(kind, e));
                continue;
            }
        };
        let child = origin.child(entry_name, base);
        if kind == ModelFormat::Keras && entry_name == "config.json" {
            out.absorb(keras::scan_config(&data, &child, ModelFormat::Keras));
        } else if [".pkl", ".pickle"]
            .iter()
            .any(|e| entry_name.to_ascii_lowercase().ends_with(e))
        {
            // torch.load unpickles these whatever their first byte says.
            out.absorb(pickled::scan(
                &data,
                ModelFormat::Pickle,
                &child,
                ctx.limits,
            ));
        } else if detect(entry_name, &data[..data.len().min(512)]) != ModelFormat::Unknown {
            out.absorb(scan_bytes(entry_name, &data, &child, ctx));
        }
    }
    out
}

/// An entry's bytes and, when stored as-is, where they start in the file.
type Entry = (Vec<u8>, Option<u64>);

/// Read one entry within the per-entry and per-archive caps. `None` for
/// directories; the second value is where its bytes sit in the file when
/// stored uncompressed (torch writes checkpoints that way).
fn read_entry<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    index: usize,
    entry_name: &str,
    origin: &Origin,
    ctx: &mut Ctx<'_>,
) -> Result<Option<Entry>, ModelScanError> {
    let zerr =
        |e: zip::result::ZipError| ModelScanError::Zip(origin.tag(format!("{entry_name}: {e}")));
    let f = zip.by_index(index).map_err(zerr)?;
    if f.is_dir() {
        return Ok(None);
    }
    let declared = f.size();
    let cap = ctx.limits.max_read_bytes;
    let budget = ctx.limits.max_unzipped_bytes.saturating_sub(ctx.unzipped);
    let limit = cap.min(budget);
    if declared > limit {
        return Err(ModelScanError::Limit(origin.tag(format!(
            "{entry_name} declares {declared} bytes (limit {limit})"
        ))));
    }
    let base = match (f.compression(), f.data_start(), origin.file_base) {
        (CompressionMethod::Stored, Some(start), Some(parent)) => {
            Some(parent.saturating_add(start))
        }
        _ => None,
    };
    let mut data = Vec::new();
    // The declared size can lie: the cap applies to what actually inflates.
    f.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| ModelScanError::Zip(origin.tag(format!("{entry_name}: {e}"))))?;
    if data.len() as u64 > limit {
        return Err(ModelScanError::Limit(
            origin.tag(format!("{entry_name} inflates past {limit} bytes")),
        ));
    }
    ctx.unzipped += data.len() as u64;
    Ok(Some((data, base)))
}
