//! Which files an audit looks at: every path named, and under each directory
//! every file that is recognisably a model (by extension or magic bytes).
//! Symlinks are not followed inside directories, so a link loop cannot trap
//! the walk.
use std::path::{Path, PathBuf};

use crate::formats::is_candidate;

/// One file to audit, or a path that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    File(PathBuf),
    Unreadable { path: PathBuf, reason: String },
}

/// Expand `paths` into the files to audit, sorted within each directory.
/// Files named explicitly are always audited; files found in directories
/// only when they look like models.
pub fn collect(paths: &[PathBuf]) -> Vec<Target> {
    let mut out = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk_dir(p, &mut out),
            Ok(_) => out.push(Target::File(p.clone())),
            Err(e) => out.push(Target::Unreadable {
                path: p.clone(),
                reason: e.to_string(),
            }),
        }
    }
    out
}

fn walk_dir(dir: &Path, out: &mut Vec<Target>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                out.push(Target::Unreadable {
                    path: d,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        let mut subdirs = Vec::new();
        for child in children {
            let Ok(meta) = std::fs::symlink_metadata(&child) else {
                continue;
            };
            if meta.is_dir() {
                subdirs.push(child);
            } else if meta.is_file() && looks_like_model(&child) {
                out.push(Target::File(child));
            }
        }
        // Depth-first, in name order.
        stack.extend(subdirs.into_iter().rev());
    }
}

fn looks_like_model(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::read_head(path).is_ok_and(|head| is_candidate(&name, &head))
}
