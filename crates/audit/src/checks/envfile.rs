//! Compose `env_file:` (a string, a list of strings, or the long form
//! `- path: x` with `required:`): the referenced files are read relative to
//! the compose file (regular files under [`crate::MAX_FILE_BYTES`] only)
//! and their variables join the service's environment, each keeping its
//! own file and line so findings point into the env file.
use std::path::{Component, Path, PathBuf};

use super::{Item, Out};
use crate::yaml::{Node, Value};

/// The env files a service names, with whether each is `required: true`.
fn references(svc: &Node) -> Vec<(String, bool)> {
    let Some(ef) = svc.get("env_file") else {
        return Vec::new();
    };
    match &ef.value {
        Value::Scalar(_) => ef.text().map(|t| vec![(t, false)]).unwrap_or_default(),
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| match i.get("path") {
                Some(p) => Some((p.text()?, i.get("required").is_some_and(Node::is_true))),
                None => Some((i.text()?, false)),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `base/./x.env` → `base/x.env` (`..` is kept: the file may be anywhere).
fn joined(base: &Path, rel: &str) -> PathBuf {
    base.join(rel)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() >= crate::MAX_FILE_BYTES {
        return Err(format!("larger than {} bytes", crate::MAX_FILE_BYTES));
    }
    crate::read_text(path).map_err(|e| e.to_string())
}

/// Add the variables of the service's env files to `env` (already holding
/// `environment:`, which wins over env files).
pub fn load(svc: &Node, env: &mut Vec<(String, Item)>, out: &mut Out) {
    let Some(base) = out.base.clone() else {
        return;
    };
    for (rel, required) in references(svc) {
        let path = joined(&base, &rel);
        let shown = path.display().to_string();
        match read(&path) {
            Ok(text) => {
                // Values refer to earlier ones (`B=${A:-x}`): resolved, and
                // each keeps the line of the variable it came from.
                for (name, value) in crate::resolve::dotenv(&text, Some(&shown)) {
                    if env.iter().any(|(n, _)| *n == name) {
                        continue;
                    }
                    env.push((name, value));
                }
            }
            Err(e) if required || path.exists() => {
                out.notes.push(format!("env_file {shown}: {e}"));
            }
            Err(_) => {}
        }
    }
}
