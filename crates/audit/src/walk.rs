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
    /// Files met in a directory walk that are not configuration, with the
    /// reason (the model auditor may still take some of them).
    pub skipped: Vec<(PathBuf, &'static str)>,
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
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => match kind_of(e.path()) {
                Some(k) => out.configs.push((e.into_path(), k)),
                None => {
                    let why = if detect::is_yaml_name(e.path()) {
                        "YAML, but neither a compose file nor a Kubernetes manifest"
                    } else {
                        "not a configuration file by name or content"
                    };
                    out.skipped.push((e.into_path(), why));
                }
            },
            Ok(_) => {}
            Err(e) => out.unreadable.push((dir.to_path_buf(), e.to_string())),
        }
    }
}

/// How much of an unnamed, extensionless file is read to tell a
/// Dockerfile or a systemd unit.
const PEEK_TEXT: u64 = 4 * 1024;

/// The kind of a file by name, then by content: YAML by its first 64 KiB,
/// a file without an extension (`build/Containerfile-gpu`, `llama`) by its
/// first 4 KiB.
pub fn kind_of(path: &Path) -> Option<DocKind> {
    if let Some(k) = detect::by_name(path) {
        return Some(k);
    }
    let yaml = detect::is_yaml_name(path);
    if !yaml && path.extension().is_some() {
        return None;
    }
    let mut head = Vec::new();
    File::open(path)
        .ok()?
        .take(if yaml { PEEK } else { PEEK_TEXT })
        .read_to_end(&mut head)
        .ok()?;
    if yaml {
        return detect::yaml_by_content(&String::from_utf8_lossy(&head));
    }
    // Binary (a model file, an executable): never a configuration.
    // The 4 KiB cut may split a character: keep the valid prefix then.
    let text = match std::str::from_utf8(&head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    detect::text_by_content(text)
}
