//! A directory or unpacked root filesystem. Symlinks are never followed
//! (so a link loop cannot trap the walk; loops are still reported), and
//! files are analysed on all cores.
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::analyze::{self, FileMeta, Kind};
use crate::component::{FileError, Inventory, Location};
use crate::error::{InventoryError, Result};
use crate::Limits;

struct Candidate {
    disk: PathBuf,
    path: String,
    kind: Kind,
    size: u64,
    executable: bool,
    sparse: bool,
}

#[cfg(unix)]
fn mode_info(md: &fs::Metadata) -> (bool, u64) {
    use std::os::unix::fs::MetadataExt;
    (md.mode() & 0o111 != 0, md.blocks().saturating_mul(512))
}

#[cfg(not(unix))]
fn mode_info(md: &fs::Metadata) -> (bool, u64) {
    (false, md.len())
}

pub fn inventory(root: &Path, limits: &Limits) -> Result<Inventory> {
    let root_shown = root.display().to_string();
    fs::read_dir(root).map_err(|e| InventoryError::io(&root_shown, e))?;
    let mut inv = Inventory {
        target: root_shown,
        source: "directory".into(),
        ..Inventory::default()
    };
    let candidates = walk(root, limits, &mut inv.errors);
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(candidates.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = candidates.get(i) else { break };
                let r = analyze_one(c, limits);
                if let Ok(mut all) = results.lock() {
                    all.push((i, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    for (i, r) in results {
        match r {
            Ok(found) => inv.merge(found),
            Err(e) => inv.errors.push(FileError {
                path: candidates
                    .get(i)
                    .map(|c| c.path.clone())
                    .unwrap_or_default(),
                error: e.to_string(),
            }),
        }
    }
    Ok(inv)
}

fn analyze_one(c: &Candidate, limits: &Limits) -> Result<Vec<crate::Component>> {
    let meta = FileMeta {
        path: &c.path,
        size: c.size,
        executable: c.executable,
        sparse: c.sparse,
    };
    let mut file = File::open(&c.disk).map_err(|e| InventoryError::io(&c.path, e))?;
    let mut found = analyze::run_file(c.kind, &meta, &mut file, limits)?;
    for comp in &mut found {
        comp.locations = vec![Location {
            path: c.path.clone(),
            layer: None,
        }];
    }
    Ok(found)
}

fn walk(root: &Path, limits: &Limits, errors: &mut Vec<FileError>) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    let mut visited: u64 = 0;
    // Pseudo-filesystems are only skipped when the target is a whole system root.
    let system_root = root == Path::new("/");
    while let Some((dir, rel, depth)) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                errors.push(FileError {
                    path: format!("{rel}/"),
                    error: e.to_string(),
                });
                continue;
            }
        };
        for entry in entries.flatten() {
            visited += 1;
            if visited > limits.max_files {
                errors.push(FileError {
                    path: rel.clone(),
                    error: format!("stopped after {} files (limit)", limits.max_files),
                });
                return out;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{rel}/{name}");
            let Ok(md) = entry.metadata() else { continue };
            let ft = md.file_type();
            if ft.is_symlink() {
                // Not followed, except to a runtime named by the link (Debian's
                // redis-server links to redis-check-rdb); a loop is worth a line.
                match fs::metadata(entry.path()) {
                    Err(e) if e.raw_os_error() == Some(40) => {
                        errors.push(FileError {
                            path,
                            error: "symlink loop (not followed)".into(),
                        });
                    }
                    Ok(md) if md.is_file() && analyze::is_runtime_binary(&name) => {
                        let size = md.len();
                        out.push(Candidate {
                            disk: entry.path(),
                            kind: Kind::Binary,
                            size,
                            executable: true,
                            sparse: false,
                            path,
                        });
                    }
                    _ => {}
                }
            } else if ft.is_dir() {
                if depth + 1 > limits.max_depth {
                    errors.push(FileError {
                        path,
                        error: "directory nesting over the depth limit".into(),
                    });
                } else if !(system_root
                    && depth == 0
                    && matches!(name.as_str(), "proc" | "sys" | "dev"))
                {
                    stack.push((entry.path(), path, depth + 1));
                }
            } else if ft.is_file() {
                let (executable, allocated) = mode_info(&md);
                let sparse = analyze::is_sparse_hint(md.len(), allocated);
                let meta = FileMeta {
                    path: &path,
                    size: md.len(),
                    executable,
                    sparse,
                };
                if let Some(kind) = analyze::classify(&meta) {
                    out.push(Candidate {
                        disk: entry.path(),
                        kind,
                        size: md.len(),
                        executable,
                        sparse,
                        path,
                    });
                }
            }
        }
    }
    out
}
