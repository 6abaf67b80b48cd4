//! The on-disk advisory store: import OSV data once, load it into an
//! [`Index`] for every scan.

mod disk;
mod source;
mod update;

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use disk::SourceState;
pub use source::{MAX_ARCHIVE_BYTES, MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_FILE_BYTES};
pub use update::{EcosystemUpdate, UpdateReport, DEFAULT_BASE_URL, MAX_DOWNLOAD_BYTES};

use crate::curated::curated;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::matching::Source;
use crate::osv::{raw::RawAdvisory, Advisory};
use source::Item;

/// An advisory store in one directory. Cheap to create: nothing is read
/// until asked.
///
/// Storage format (version 1):
///
/// ```text
/// <dir>/state.json          sources, import times, counts
/// <dir>/osv/<Family>.jsonl  one OSV JSON record per line, sorted by id
/// ```
///
/// Each line is a validated advisory written back as compact OSV JSON
/// (fields aimap does not use are dropped), one file per ecosystem family
/// (`Go`, `PyPI`, `Debian`...), so an update rewrites only the families it
/// touched; files are written to a temporary name and renamed into place.
/// A record counts as unchanged when its id and content are already
/// stored, as changed when its content differs (unless its `modified` is
/// older than the stored copy's, which is then kept). The Go database's
/// exports carry a zero `modified`, so content, not the timestamp, decides.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// What one import did. Records are keyed by id: a record whose id and
/// content are already stored counts as unchanged, so importing the same
/// data twice reports 0 new and 0 changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Files (and archive entries) opened.
    pub files: usize,
    /// Valid advisories read.
    pub advisories: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Records older (by `modified`) than the stored copy, which was kept.
    pub older: usize,
    /// Files or records that could not be used, by name; the rest of the
    /// import went ahead.
    pub errors: Vec<ImportError>,
    /// Ranges left out of otherwise imported advisories (a version their
    /// scheme cannot read); one warning each in [`ImportReport::warnings`].
    pub skipped_ranges: usize,
    /// What was imported with a part left out, by name and reason.
    pub warnings: Vec<ImportError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// The file, or `archive!entry`.
    pub origin: String,
    pub message: String,
}

/// What `aimap db status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub dir: PathBuf,
    /// Stored advisories, withdrawn ones included.
    pub advisories: usize,
    pub withdrawn: usize,
    /// Stored advisories per ecosystem family.
    pub ecosystems: BTreeMap<String, usize>,
    pub sources: Vec<SourceState>,
    /// When the store last changed (RFC 3339); `None` when never imported.
    pub updated_at: Option<String>,
    /// Curated advisories built into this binary.
    pub curated: usize,
    /// The OSV snapshot built into this binary (records the store holds
    /// under the same id replace it).
    pub snapshot: crate::snapshot::SnapshotInfo,
}

/// The store read back: advisories plus lines that no longer validate.
#[derive(Debug, Default)]
pub struct Loaded {
    pub advisories: Vec<Advisory>,
    pub errors: Vec<String>,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$XDG_DATA_HOME/aimap/advisories`, else
    /// `~/.local/share/aimap/advisories`; `None` without either variable.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| PathBuf::from(h).join(".local/share"))
            })?;
        Some(base.join("aimap").join("advisories"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Imports OSV JSON/YAML files, directories of them (recursively) and
    /// OSV `all.zip` exports.
    pub fn import<P: AsRef<Path>>(&self, paths: &[P]) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        let mut incoming = Vec::new();
        let mut sources = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let before = incoming.len();
            let mut files = 0;
            source::read_path(path, &mut files, &mut |item| {
                collect(item, &mut incoming, &mut report)
            });
            report.files += files;
            sources.push(source_state(
                &path.display().to_string(),
                "import",
                incoming.len() - before,
            ));
        }
        self.apply(incoming, sources, &mut report)?;
        Ok(report)
    }

    /// Imports an OSV export archive already in memory (what `update`
    /// downloads); `source` names it in the report and the status.
    pub fn import_zip_bytes(&self, source: &str, bytes: &[u8]) -> Result<ImportReport> {
        self.import_zip_as(source, "import", bytes)
    }

    fn import_zip_as(&self, source: &str, kind: &str, bytes: &[u8]) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        let mut incoming = Vec::new();
        let mut files = 0;
        source::read_zip(Cursor::new(bytes), source, &mut files, &mut |item| {
            collect(item, &mut incoming, &mut report)
        });
        report.files = files;
        let sources = vec![source_state(source, kind, incoming.len())];
        self.apply(incoming, sources, &mut report)?;
        Ok(report)
    }

    /// Downloads `{base_url}/{ecosystem}/all.zip` for each ecosystem and
    /// imports it. A failed ecosystem is reported; the others go ahead.
    pub fn update(&self, ecosystems: &[&str], base_url: &str) -> Result<UpdateReport> {
        update::run(self, ecosystems, base_url)
    }

    pub(crate) fn import_download(&self, url: &str, bytes: &[u8]) -> Result<ImportReport> {
        self.import_zip_as(url, "update", bytes)
    }

    pub fn status(&self) -> Result<Status> {
        let state = disk::read_state(&self.dir)?;
        let mut status = Status {
            dir: self.dir.clone(),
            advisories: 0,
            withdrawn: 0,
            ecosystems: BTreeMap::new(),
            sources: state.sources,
            updated_at: state.updated_at,
            curated: curated().len(),
            snapshot: crate::snapshot::info(),
        };
        for (family, path) in disk::family_files(&self.dir)? {
            let lines = disk::read_lines(&path)?;
            for line in &lines {
                if let Ok(h) = serde_json::from_str::<disk::Header>(line) {
                    status.withdrawn += usize::from(h.withdrawn.is_some_and(|w| !w.is_empty()));
                }
            }
            status.advisories += lines.len();
            status.ecosystems.insert(family, lines.len());
        }
        Ok(status)
    }

    /// Reads and validates every stored advisory.
    pub fn load(&self) -> Result<Loaded> {
        let mut loaded = Loaded::default();
        for (family, path) in disk::family_files(&self.dir)? {
            for (n, line) in disk::read_lines(&path)?.iter().enumerate() {
                let parsed = serde_json::from_str::<RawAdvisory>(line).map_err(|e| e.to_string());
                match parsed.and_then(|r| Advisory::try_from(r).map_err(|e| e.to_string())) {
                    Ok(a) => loaded.advisories.push(a),
                    Err(e) => loaded
                        .errors
                        .push(format!("{family}.jsonl line {}: {e}", n + 1)),
                }
            }
        }
        Ok(loaded)
    }

    /// The index a scan matches against: stored advisories, the built-in
    /// OSV snapshot's records the store does not hold (by id: an imported
    /// or updated record is fresher), and the curated ones built into the
    /// binary. Unreadable store lines are skipped (see [`Store::load`] to
    /// list them).
    pub fn index(&self) -> Result<Index> {
        let loaded = self.load()?;
        let ids: std::collections::HashSet<String> =
            loaded.advisories.iter().map(|a| a.id.clone()).collect();
        let built_in = crate::snapshot::advisories()
            .into_iter()
            .filter(|a| !ids.contains(&a.id));
        let stored = loaded.advisories.into_iter().chain(built_in);
        Ok(Index::build(stored.map(|a| (a, Source::Database)).chain(
            curated().into_iter().map(|a| (a, Source::Curated)),
        )))
    }

    /// Applies validated records to the store files.
    fn apply(
        &self,
        incoming: Vec<Advisory>,
        sources: Vec<SourceState>,
        report: &mut ImportReport,
    ) -> Result<()> {
        // Stored records: family → id → line, and id → (family, modified, fingerprint).
        let mut families: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut known: HashMap<String, (String, String, u64)> = HashMap::new();
        for (family, path) in disk::family_files(&self.dir)? {
            let lines = families.entry(family.clone()).or_default();
            for line in disk::read_lines(&path)? {
                let Ok(h) = serde_json::from_str::<disk::Header>(&line) else {
                    continue;
                };
                known.insert(
                    h.id.clone(),
                    (family.clone(), h.modified, disk::fingerprint(&line)),
                );
                lines.insert(h.id, line);
            }
        }
        let mut touched: Vec<String> = Vec::new();
        for advisory in incoming {
            let line =
                serde_json::to_string(&RawAdvisory::from(&advisory)).map_err(|e| Error::Store {
                    path: self.dir.clone(),
                    reason: e.to_string(),
                })?;
            let family = file_family(&advisory);
            match known.get(&advisory.id) {
                Some((_, _, fp)) if *fp == disk::fingerprint(&line) => {
                    report.unchanged += 1;
                    continue;
                }
                Some((_, modified, _)) if disk::older(&advisory.modified, modified) => {
                    report.older += 1;
                    continue;
                }
                Some((old_family, _, _)) => {
                    report.changed += 1;
                    if *old_family != family {
                        families
                            .entry(old_family.clone())
                            .or_default()
                            .remove(&advisory.id);
                        touched.push(old_family.clone());
                    }
                }
                None => report.new += 1,
            }
            known.insert(
                advisory.id.clone(),
                (
                    family.clone(),
                    advisory.modified.clone(),
                    disk::fingerprint(&line),
                ),
            );
            families
                .entry(family.clone())
                .or_default()
                .insert(advisory.id.clone(), line);
            touched.push(family);
        }
        touched.sort();
        touched.dedup();
        for family in &touched {
            if let Some(lines) = families.get(family) {
                disk::write_family(&disk::family_path(&self.dir, family), lines)?;
            }
        }
        let mut state = disk::read_state(&self.dir)?;
        if !touched.is_empty() {
            state.updated_at = Some(disk::now());
        }
        state.sources.extend(sources);
        dedupe_sources(&mut state.sources);
        disk::write_state(&self.dir, &state)
    }
}

fn source_state(source: &str, kind: &str, advisories: usize) -> SourceState {
    SourceState {
        source: source.to_string(),
        kind: kind.to_string(),
        imported_at: disk::now(),
        advisories,
    }
}

/// Keeps the newest entry per (source, kind).
fn dedupe_sources(sources: &mut Vec<SourceState>) {
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<SourceState> = sources
        .drain(..)
        .rev()
        .filter(|s| seen.insert((s.source.clone(), s.kind.clone())))
        .collect();
    kept.reverse();
    *sources = kept;
}

fn file_family(a: &Advisory) -> String {
    a.primary_ecosystem().family()
}

fn collect(item: Item, incoming: &mut Vec<Advisory>, report: &mut ImportReport) {
    match item.result {
        Ok(mut a) => {
            report.advisories += 1;
            report.skipped_ranges += a.skipped_ranges.len();
            for why in std::mem::take(&mut a.skipped_ranges) {
                report.warnings.push(ImportError {
                    origin: item.origin.clone(),
                    message: format!("{}: {why}", a.id),
                });
            }
            incoming.push(a);
        }
        Err(message) => report.errors.push(ImportError {
            origin: item.origin,
            message,
        }),
    }
}
