//! Which files an audit reads: every path named, and under each directory
//! every configuration file, honouring .gitignore/.ignore (ripgrep's
//! walker) but not skipping dotfiles such as `.env`. Symlinks are not
//! followed, so a link loop cannot trap the walk.
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::detect::{self, DocKind};

/// How much of an unnamed YAML file is read to tell a manifest.
const PEEK: u64 = 64 * 1024;

/// The result of expanding the paths given on the command line.
#[derive(Debug, Default)]
pub struct Collected {
    /// Configuration files and their kind.
    pub configs: Vec<(PathBuf, DocKind)>,
    /// Files named explicitly that are not configuration (model files, say).
    pub others: Vec<PathBuf>,
    /// Paths that could not be read, with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

pub fn collect(paths: &[PathBuf]) -> Collected {
    let mut out = Collected::default();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut out),
            Ok(_) => match kind_of(p) {
                Some(k) => out.configs.push((p.clone(), k)),
                None => out.others.push(p.clone()),
            },
            Err(e) => out.unreadable.push((p.clone(), e.to_string())),
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Collected) {
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                if let Some(k) = kind_of(e.path()) {
                    out.configs.push((e.into_path(), k));
                }
            }
            Ok(_) => {}
            Err(e) => out.unreadable.push((dir.to_path_buf(), e.to_string())),
        }
    }
}

/// The kind of a file by name, then (for YAML) by its first 64 KiB.
pub fn kind_of(path: &Path) -> Option<DocKind> {
    if let Some(k) = detect::by_name(path) {
        return Some(k);
    }
    if !detect::is_yaml_name(path) {
        return None;
    }
    let mut head = Vec::new();
    File::open(path)
        .ok()?
        .take(PEEK)
        .read_to_end(&mut head)
        .ok()?;
    detect::yaml_by_content(&String::from_utf8_lossy(&head))
}
