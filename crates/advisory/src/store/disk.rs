//! The store's on-disk format.
//!
//! ```text
//! <dir>/state.json          sources, import times, counts (format 1)
//! <dir>/osv/<Family>.jsonl  one OSV JSON record per line, sorted by id
//! ```
//!
//! Records are the validated advisories written back as compact OSV JSON
//! (unused fields dropped), so every line is valid OSV and is validated
//! again when read. One file per ecosystem family (`Go`, `PyPI`, `Debian`)
//! means an update rewrites only what it touched; every write goes to a
//! temporary file first and is renamed into place, so a crash never leaves
//! half a file.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const FORMAT: u32 = 1;

/// What the store remembers about each source it imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceState {
    /// The path or URL, as given.
    pub source: String,
    /// `import` or `update`.
    pub kind: String,
    /// RFC 3339 time of the last import from it.
    pub imported_at: String,
    /// Valid advisories read from it the last time.
    pub advisories: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub format: u32,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub sources: Vec<SourceState>,
}

/// The few fields we need from a stored line without validating it.
#[derive(Deserialize)]
pub struct Header {
    pub id: String,
    #[serde(default)]
    pub modified: String,
    #[serde(default)]
    pub withdrawn: Option<String>,
}

pub fn state_path(dir: &Path) -> PathBuf {
    dir.join("state.json")
}

pub fn records_dir(dir: &Path) -> PathBuf {
    dir.join("osv")
}

/// The file of one ecosystem family, with a name safe on every platform.
pub fn family_path(dir: &Path, family: &str) -> PathBuf {
    let safe: String = family
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    records_dir(dir).join(format!("{safe}.jsonl"))
}

pub fn read_state(dir: &Path) -> Result<State> {
    let path = state_path(dir);
    match fs::read(&path) {
        Ok(bytes) => {
            let state: State = serde_json::from_slice(&bytes).map_err(|e| Error::Store {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            if state.format != FORMAT {
                return Err(Error::Store {
                    path,
                    reason: format!(
                        "format {} is not {FORMAT}; re-import into a new directory",
                        state.format
                    ),
                });
            }
            Ok(state)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State {
            format: FORMAT,
            ..State::default()
        }),
        Err(e) => Err(Error::io("reading", path, e)),
    }
}

pub fn write_state(dir: &Path, state: &State) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| Error::Store {
        path: state_path(dir),
        reason: e.to_string(),
    })?;
    write_atomic(&state_path(dir), &bytes)
}

/// Every family file: family name → its path.
pub fn family_files(dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let records = records_dir(dir);
    let mut out = BTreeMap::new();
    let entries = match fs::read_dir(&records) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io("listing", records, e)),
    };
    for entry in entries.filter_map(std::result::Result::ok) {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "jsonl") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                out.insert(stem.to_string(), path);
            }
        }
    }
    Ok(out)
}

/// The lines of one family file (empty lines skipped).
pub fn read_lines(path: &Path) -> Result<Vec<String>> {
    let text = fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect())
}

/// Rewrites one family file from id-sorted lines; removes it when empty.
pub fn write_family(path: &Path, lines: &BTreeMap<String, String>) -> Result<()> {
    if lines.is_empty() {
        return match fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io("removing", path, e))
            }
            _ => Ok(()),
        };
    }
    let mut out = Vec::with_capacity(lines.values().map(|l| l.len() + 1).sum());
    for line in lines.values() {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    write_atomic(path, &out)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::io("creating", parent, e))?;
    let tmp = path.with_extension("tmp");
    let mut file = fs::File::create(&tmp).map_err(|e| Error::io("creating", &tmp, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io("writing", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io("renaming", path, e))
}

/// FNV-1a: a stable content fingerprint (std's hasher may change between
/// Rust releases, and a changed hash would make every record "changed").
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Current time, RFC 3339.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Whether `a` is strictly older than `b`; unparseable stamps compare as text.
pub fn older(a: &str, b: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    match (
        time::OffsetDateTime::parse(a, &Rfc3339),
        time::OffsetDateTime::parse(b, &Rfc3339),
    ) {
        (Ok(a), Ok(b)) => a < b,
        _ => a < b,
    }
}
