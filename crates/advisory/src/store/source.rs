//! Reading OSV records from what the user points us at: directories
//! (recursively), single JSON/YAML files, and OSV ecosystem exports
//! (`all.zip`). Every read is bounded; a bad file becomes an error entry
//! and the walk goes on.

use std::fs::{self, File};
use std::io::{Read, Seek};
use std::path::Path;

use crate::osv::{raw, Advisory};

/// The largest single advisory file we read.
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// The largest zip entry we decompress (OSV records are a few KiB).
pub const MAX_ENTRY_BYTES: u64 = 16 << 20;
/// The most uncompressed bytes we take from one archive.
pub const MAX_ARCHIVE_BYTES: u64 = 8 << 30;
/// The most entries we read from one archive.
pub const MAX_ENTRIES: usize = 2_000_000;
/// How deep a directory walk goes.
const MAX_DEPTH: usize = 32;

/// One record read, or why a file could not be read; `origin` names the
/// file (`all.zip!GO-2024-2901.json` for archive entries).
pub struct Item {
    pub origin: String,
    pub result: Result<Advisory, String>,
}

/// Calls `sink` for every advisory (or error) under `path`, and counts the
/// files it opened.
pub fn read_path(path: &Path, files: &mut usize, sink: &mut dyn FnMut(Item)) {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return sink(fail(path, format!("cannot read: {e}"))),
    };
    if meta.is_dir() {
        walk(path, 0, files, sink);
    } else if has_ext(path, &["zip"]) {
        match File::open(path) {
            Ok(f) => read_zip(f, &path.display().to_string(), files, sink),
            Err(e) => sink(fail(path, format!("cannot open: {e}"))),
        }
    } else {
        *files += 1;
        read_file(path, sink);
    }
}

fn walk(dir: &Path, depth: usize, files: &mut usize, sink: &mut dyn FnMut(Item)) {
    if depth > MAX_DEPTH {
        return sink(fail(
            dir,
            format!("deeper than {MAX_DEPTH} levels; not read"),
        ));
    }
    let mut entries: Vec<_> = match fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(Result::ok).collect(),
        Err(e) => return sink(fail(dir, format!("cannot list: {e}"))),
    };
    // Sorted, so that reports and duplicate handling are deterministic.
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        // file_type() does not follow symlinks: a link cannot make us loop.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if hidden {
            continue;
        }
        if kind.is_dir() {
            walk(&path, depth + 1, files, sink);
        } else if kind.is_file() && has_ext(&path, &["json", "yaml", "yml"]) {
            *files += 1;
            read_file(&path, sink);
        } else if kind.is_file() && has_ext(&path, &["zip"]) {
            // A folder of downloaded exports (`PyPI/all.zip`, `Go/all.zip`).
            match File::open(&path) {
                Ok(f) => read_zip(f, &path.display().to_string(), files, sink),
                Err(e) => sink(fail(&path, format!("cannot open: {e}"))),
            }
        }
    }
}

fn read_file(path: &Path, sink: &mut dyn FnMut(Item)) {
    let origin = path.display().to_string();
    let bytes = match File::open(path).and_then(|f| read_capped(f, MAX_FILE_BYTES)) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return sink(fail(
                path,
                format!("larger than {MAX_FILE_BYTES} bytes; not read"),
            ))
        }
        Err(e) => return sink(fail(path, format!("cannot read: {e}"))),
    };
    parse_into(&origin, &bytes, has_ext(path, &["yaml", "yml"]), sink);
}

/// Reads an OSV export archive. Entry names are only used as labels: we
/// never write them as paths, so a hostile name cannot traverse anything.
pub fn read_zip<R: Read + Seek>(
    reader: R,
    label: &str,
    files: &mut usize,
    sink: &mut dyn FnMut(Item),
) {
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(a) => a,
        Err(e) => {
            return sink(Item {
                origin: label.to_string(),
                result: Err(format!("not a readable zip archive: {e}")),
            })
        }
    };
    if archive.len() > MAX_ENTRIES {
        return sink(Item {
            origin: label.to_string(),
            result: Err(format!(
                "{} entries, more than the {MAX_ENTRIES} we read",
                archive.len()
            )),
        });
    }
    let mut budget = MAX_ARCHIVE_BYTES;
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                sink(Item {
                    origin: format!("{label}!#{i}"),
                    result: Err(e.to_string()),
                });
                continue;
            }
        };
        // Names that are not valid text are still labelled by position.
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{i}.json"));
        let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        if entry.is_dir() || !(name.ends_with(".json") || yaml) {
            continue;
        }
        *files += 1;
        let origin = format!("{label}!{name}");
        // The size in the header is the archive's claim; the cap on the
        // actual read is what protects us.
        match read_capped(&mut entry, MAX_ENTRY_BYTES.min(budget)) {
            Ok(Some(bytes)) => {
                budget = budget.saturating_sub(bytes.len() as u64);
                parse_into(&origin, &bytes, yaml, sink);
            }
            Ok(None) if budget < MAX_ENTRY_BYTES => {
                return sink(Item {
                    origin,
                    result: Err(format!(
                        "archive expands beyond {MAX_ARCHIVE_BYTES} bytes; stopped"
                    )),
                });
            }
            Ok(None) => sink(Item {
                origin,
                result: Err(format!(
                    "entry larger than {MAX_ENTRY_BYTES} bytes; not read"
                )),
            }),
            Err(e) => sink(Item {
                origin,
                result: Err(format!("cannot decompress: {e}")),
            }),
        }
    }
}

fn parse_into(origin: &str, bytes: &[u8], yaml: bool, sink: &mut dyn FnMut(Item)) {
    let raws = if yaml {
        match std::str::from_utf8(bytes) {
            Ok(text) => raw::from_yaml(text),
            Err(e) => Err(format!("not UTF-8: {e}")),
        }
    } else {
        raw::from_json(bytes)
    };
    match raws {
        Ok(list) if list.is_empty() => sink(Item {
            origin: origin.to_string(),
            result: Err("no advisory in file".into()),
        }),
        Ok(list) => {
            for r in list {
                sink(Item {
                    origin: origin.to_string(),
                    result: Advisory::try_from(r).map_err(|e| e.to_string()),
                });
            }
        }
        Err(e) => sink(Item {
            origin: origin.to_string(),
            result: Err(e),
        }),
    }
}

/// Reads at most `cap` bytes: `Ok(None)` when there is more.
pub fn read_capped(reader: impl Read, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut buf)?;
    Ok((buf.len() as u64 <= cap).then_some(buf))
}

fn has_ext(path: &Path, exts: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn fail(path: &Path, message: String) -> Item {
    Item {
        origin: path.display().to_string(),
        result: Err(message),
    }
}
