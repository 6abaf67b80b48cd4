//! Model-file auditing: tells a safe model file from one that runs code when
//! loaded, without loading it.
//!
//! Pipeline position: the `unsafe-model` half of audit —
//! `files → parsers → imports/headers → rules → Finding(unsafe-model)` — used
//! by `aimap audit` and, later, by inventory when it lists models. Input is
//! a path or bytes; output is one [`FileReport`] per file with a [`Verdict`]
//! and shared [`aimap_model::Finding`]s. Nothing here executes, imports or
//! deserialises the model: pickles are walked opcode by opcode
//! ([`pickle`]), other formats have their headers parsed with bounds
//! ([`formats`]), and every read is capped by [`Limits`].
#![forbid(unsafe_code)]

mod bytes;
mod error;
pub mod formats;
mod limits;
pub mod pickle;
mod policy;
mod report;
mod rules;
mod walk;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

pub use error::{ModelScanError, Result};
pub use formats::{detect, is_candidate, Origin};
pub use limits::Limits;
pub use policy::{judge, Judgement};
pub use report::{FileReport, ModelFinding, ModelFormat, Verdict};
pub use walk::{collect, Target};

use formats::{Ctx, Outcome};

/// How much of a file is read to recognise its format.
const HEAD: usize = 512;

/// Audit one file on disk. Never panics on file content; unreadable or
/// hostile files come back with the `error` verdict and the reason.
pub fn scan_file(path: &Path, limits: &Limits) -> FileReport {
    let shown = path.display().to_string();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match scan_file_inner(path, &name, limits) {
        Ok(out) => finish(&shown, out),
        Err(e) => FileReport::build(
            &shown,
            ModelFormat::Unknown,
            Vec::new(),
            Some(e.to_string()),
        ),
    }
}

/// Audit bytes in memory as if they were a file called `name`.
pub fn scan_bytes(name: &str, data: &[u8], limits: &Limits) -> FileReport {
    let mut ctx = Ctx {
        limits,
        depth: 0,
        unzipped: 0,
    };
    finish(
        name,
        formats::scan_bytes(name, data, &Origin::file(), &mut ctx),
    )
}

fn finish(path: &str, out: Outcome) -> FileReport {
    FileReport::build(
        path,
        out.format,
        out.issues,
        out.error.map(|e| e.to_string()),
    )
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ModelScanError + '_ {
    move |source| ModelScanError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Read the first `HEAD` bytes (fewer for a short file).
pub fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD);
    File::open(path)?.take(HEAD as u64).read_to_end(&mut head)?;
    Ok(head)
}

fn scan_file_inner(path: &Path, name: &str, limits: &Limits) -> Result<Outcome> {
    let err = io_err(path);
    let mut file = File::open(path).map_err(&err)?;
    let size = file.metadata().map_err(&err)?.len();
    let mut head = Vec::with_capacity(HEAD);
    (&mut file)
        .take(HEAD as u64)
        .read_to_end(&mut head)
        .map_err(&err)?;
    let format = detect(name, &head);
    let mut ctx = Ctx {
        limits,
        depth: 1,
        unzipped: 0,
    };
    // One open per file: rewind for readers that start at byte 0, and
    // continue after the head for formats read whole.
    let mut rewound = || -> Result<File> {
        file.seek(SeekFrom::Start(0)).map_err(&err)?;
        file.try_clone().map_err(&err)
    };
    Ok(match format {
        // Zips are read entry by entry from disk: checkpoints can be huge.
        ModelFormat::Zip | ModelFormat::Npz | ModelFormat::Keras => {
            let reader = std::io::BufReader::new(rewound()?);
            formats::archive::scan_zip(reader, format, &Origin::file(), &mut ctx)
        }
        // safetensors: only the header is read.
        ModelFormat::Safetensors => formats::safetensors::scan_file(&mut rewound()?, size, limits),
        ModelFormat::Gguf => {
            let data = read_rest(head, &mut file, limits.max_gguf_header_bytes).map_err(&err)?;
            formats::gguf::scan(&data, size, &Origin::file())
        }
        ModelFormat::Unknown => Outcome::failed(format, ModelScanError::Unrecognised),
        _ => {
            let data = read_rest(head, &mut file, limits.max_read_bytes).map_err(&err)?;
            if (data.len() as u64) < size && format == ModelFormat::Onnx {
                return Err(ModelScanError::Limit(format!(
                    "ONNX file of {size} bytes is larger than the {}-byte read limit",
                    limits.max_read_bytes
                )));
            }
            ctx.depth = 0;
            let mut out = formats::scan_bytes(name, &data, &Origin::file(), &mut ctx);
            // A pickle that runs past the cap was cut short, not malformed.
            if (data.len() as u64) < size {
                if let Some(e) = out.error.take() {
                    out.error = Some(ModelScanError::Limit(format!(
                        "only the first {} of {size} bytes were read: {e}",
                        data.len()
                    )));
                }
            }
            out
        }
    })
}

/// The head already read, then the rest of the file, `cap` bytes in all.
fn read_rest(mut data: Vec<u8>, file: &mut File, cap: u64) -> std::io::Result<Vec<u8>> {
    data.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
    let left = cap.saturating_sub(data.len() as u64);
    file.take(left).read_to_end(&mut data)?;
    Ok(data)
}
