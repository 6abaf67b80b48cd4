//! JavaScript: package-lock.json (v1–v3), yarn.lock (classic and berry),
//! pnpm-lock.yaml (read line by line: only package keys are needed, so no
//! YAML parser), and installed `node_modules/*/package.json`.
use crate::component::{Component, Ecosystem};
use crate::error::{InventoryError, Result};

fn pkg(name: &str, version: &str, analyzer: &str) -> Component {
    Component::package(Ecosystem::Npm, name, Some(version), analyzer)
}

fn json(path: &str, text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text)
        .map_err(|e| InventoryError::malformed(path, format!("not JSON: {e}")))
}

/// v2/v3 `packages` keyed by `node_modules/...` paths; v1 nested `dependencies`.
pub fn package_lock(path: &str, text: &str) -> Result<Vec<Component>> {
    let doc = json(path, text)?;
    let mut out = Vec::new();
    if let Some(packages) = doc.get("packages").and_then(|p| p.as_object()) {
        for (key, entry) in packages {
            // "" is the project itself; links point at workspace folders.
            let Some(idx) = key.rfind("node_modules/") else {
                continue;
            };
            if entry.get("link").and_then(|l| l.as_bool()) == Some(true) {
                continue;
            }
            let name = entry
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or(&key[idx + "node_modules/".len()..]);
            if let Some(v) = entry.get("version").and_then(|v| v.as_str()) {
                out.push(pkg(name, v, "npm-package-lock"));
            }
        }
        return Ok(out);
    }
    let mut stack: Vec<&serde_json::Value> = doc.get("dependencies").into_iter().collect();
    // Bounded by the document itself: each map is visited once.
    while let Some(deps) = stack.pop() {
        for (name, entry) in deps.as_object().into_iter().flatten() {
            if let Some(v) = entry.get("version").and_then(|v| v.as_str()) {
                out.push(pkg(name, v, "npm-package-lock"));
            }
            stack.extend(entry.get("dependencies"));
        }
    }
    Ok(out)
}

/// The package name in a yarn.lock key like `"@s/n@^1.0.0, @s/n@^1.1.0":`.
fn yarn_name(key: &str) -> Option<&str> {
    let first = key
        .trim()
        .trim_end_matches(':')
        .split(',')
        .next()?
        .trim()
        .trim_matches('"');
    let at = first.get(1..)?.find('@')? + 1;
    Some(&first[..at])
}

pub fn yarn_lock(text: &str) -> Vec<Component> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') && !line.starts_with('#') {
            current = yarn_name(line).map(str::to_string);
            // Berry lists the project as `name@workspace:.`.
            if line.contains("@workspace:") {
                current = None;
            }
        } else if let Some(name) = &current {
            let t = line.trim();
            let v = t
                .strip_prefix("version ")
                .or_else(|| t.strip_prefix("version: "));
            if let Some(v) = v {
                out.push(pkg(name, v.trim().trim_matches('"'), "yarn-lock"));
                current = None;
            }
        }
    }
    out
}

/// pnpm keys: `/name@1.0.0:` (v6), `/name/1.0.0:` (v5), `name@1.0.0:` (v9),
/// with optional peer suffixes in parentheses.
pub fn pnpm_lock(text: &str) -> Vec<Component> {
    let mut out = Vec::new();
    let mut in_packages = false;
    for line in text.lines() {
        // Real lock files put a blank line after `packages:` and between
        // entries: it ends nothing.
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            in_packages = matches!(line.trim_end(), "packages:" | "snapshots:");
            continue;
        }
        let indented_two = line.starts_with("  ") && !line.starts_with("   ");
        if !in_packages || !indented_two || !line.trim_end().ends_with(':') {
            continue;
        }
        let key = line.trim().trim_end_matches(':').trim_matches(['\'', '"']);
        let key = key.split('(').next().unwrap_or(key).trim_start_matches('/');
        let split = key.get(1..).and_then(|k| k.rfind('@')).map(|i| i + 1);
        let (name, version) = match split {
            Some(i) => (&key[..i], &key[i + 1..]),
            None => match key.rsplit_once('/') {
                Some(pair) => pair,
                None => continue,
            },
        };
        if version.starts_with(|c: char| c.is_ascii_digit()) {
            out.push(pkg(name, version, "pnpm-lock"));
        }
    }
    out.sort_by(|a, b| a.purl.cmp(&b.purl));
    out.dedup_by(|a, b| a.purl == b.purl);
    out
}

pub fn package_json(path: &str, text: &str) -> Result<Option<Component>> {
    let doc = json(path, text)?;
    let name = doc.get("name").and_then(|n| n.as_str());
    let version = doc.get("version").and_then(|v| v.as_str());
    Ok(match (name, version) {
        (Some(n), Some(v)) => Some(pkg(n, v, "node-modules")),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yarn_and_pnpm() {
        let y = yarn_lock("\"@babel/core@^7.0.0\":\n  version \"7.1.0\"\n\nleft-pad@^1.0.0:\n  version \"1.3.0\"\n");
        assert_eq!(y[0].purl.as_deref(), Some("pkg:npm/%40babel/core@7.1.0"));
        assert_eq!(y[1].purl.as_deref(), Some("pkg:npm/left-pad@1.3.0"));
        let p = pnpm_lock("lockfileVersion: '9.0'\npackages:\n  '@types/node@20.1.0':\n    resolution: {}\n  lodash@4.17.20:\n    resolution: {}\n");
        let spaced = pnpm_lock("lockfileVersion: '9.0'\n\npackages:\n\n  lodash@4.17.20:\n    resolution: {}\n\n  express@4.18.2:\n    resolution: {}\n");
        assert_eq!(spaced.len(), 2, "blank lines end no section");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].purl.as_deref(), Some("pkg:npm/%40types/node@20.1.0"));
    }
}
