//! Python: installed distributions (`*.dist-info/METADATA`,
//! `*.egg-info/PKG-INFO`) and declared dependencies (requirements files,
//! poetry.lock, uv.lock, Pipfile.lock, pyproject.toml).
use crate::component::{Component, Ecosystem};
use crate::error::{InventoryError, Result};

fn pkg(name: &str, version: Option<&str>, analyzer: &str) -> Component {
    Component::package(Ecosystem::Pypi, name, version, analyzer)
}

/// `Name:` and `Version:` from the RFC 822 header of a METADATA file.
pub fn metadata(text: &str) -> Option<Component> {
    let (mut name, mut version) = (None, None);
    for line in text.lines() {
        // The header ends at the first blank line; the body is the README.
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Name:") {
            name.get_or_insert(v.trim());
        } else if let Some(v) = line.strip_prefix("Version:") {
            version.get_or_insert(v.trim());
        }
    }
    Some(pkg(name?, version, "python-installed"))
}

/// `name==1.2.3` lines; other specifiers give the name without a version.
pub fn requirements(text: &str) -> Vec<Component> {
    text.lines()
        .filter_map(|line| {
            let line = line.split(" #").next().unwrap_or(line).trim();
            if line.is_empty() || line.starts_with(['#', '-']) || line.contains("://") {
                return None;
            }
            requirement(line, "python-requirements")
        })
        .collect()
}

/// One PEP 508 requirement: the name, and the version when pinned with `==`.
fn requirement(spec: &str, analyzer: &str) -> Option<Component> {
    let spec = spec.split(';').next().unwrap_or(spec).trim();
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = &spec[..end];
    if name.is_empty() {
        return None;
    }
    let rest = spec[end..].trim_start();
    // Skip extras: `pkg[extra]==1.0`.
    let rest = match rest.strip_prefix('[') {
        Some(r) => r
            .split_once(']')
            .map_or("", |(_, after)| after.trim_start()),
        None => rest,
    };
    let version = rest
        .strip_prefix("===")
        .or_else(|| rest.strip_prefix("=="))
        .map(|v| v.split(',').next().unwrap_or(v).trim())
        .filter(|v| !v.contains('*') && !v.is_empty());
    Some(pkg(name, version, analyzer))
}

fn toml_doc(path: &str, text: &str) -> Result<toml::Table> {
    text.parse::<toml::Table>()
        .map_err(|e| InventoryError::malformed(path, format!("not TOML: {e}")))
}

/// `[[package]]` name and version: poetry.lock and uv.lock share the shape.
pub fn toml_lock(path: &str, text: &str, uv: bool) -> Result<Vec<Component>> {
    let doc = toml_doc(path, text)?;
    let analyzer = if uv {
        "python-uv-lock"
    } else {
        "python-poetry-lock"
    };
    let packages = doc.get("package").and_then(|p| p.as_array());
    Ok(packages
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?;
            let version = p.get("version").and_then(|v| v.as_str());
            // uv lists the project itself as a virtual/editable package.
            let local = p
                .get("source")
                .and_then(|s| s.as_table())
                .is_some_and(|s| s.contains_key("editable") || s.contains_key("virtual"));
            (!local).then(|| pkg(name, version, analyzer))
        })
        .collect())
}

/// Pipfile.lock: `default` and `develop` maps of name → `{"version": "==x"}`.
pub fn pipfile_lock(path: &str, text: &str) -> Result<Vec<Component>> {
    let doc: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| InventoryError::malformed(path, format!("not JSON: {e}")))?;
    let mut out = Vec::new();
    for section in ["default", "develop"] {
        let Some(map) = doc.get(section).and_then(|m| m.as_object()) else {
            continue;
        };
        for (name, entry) in map {
            let version = entry
                .get("version")
                .and_then(|v| v.as_str())
                .map(|v| v.trim_start_matches("=="));
            out.push(pkg(name, version, "python-pipfile-lock"));
        }
    }
    Ok(out)
}

/// pyproject.toml: PEP 621 `project.dependencies` and Poetry's table.
pub fn pyproject(path: &str, text: &str) -> Result<Vec<Component>> {
    let doc = toml_doc(path, text)?;
    let mut out = Vec::new();
    let project_deps = doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array());
    for dep in project_deps
        .into_iter()
        .flatten()
        .filter_map(|d| d.as_str())
    {
        out.extend(requirement(dep, "python-pyproject"));
    }
    let poetry = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table());
    for (name, spec) in poetry.into_iter().flatten() {
        if name == "python" {
            continue;
        }
        let version = spec
            .as_str()
            .and_then(|s| s.strip_prefix("=="))
            .or_else(|| {
                spec.as_str()
                    .filter(|s| s.starts_with(|c: char| c.is_ascii_digit()))
            });
        out.push(pkg(name, version, "python-pyproject"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_lines() {
        let c = requirements(
            "# x\nrequests[socks]==2.19.0 ; python_version>'3'\nflask>=1\n-r other.txt\n",
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].purl.as_deref(), Some("pkg:pypi/requests@2.19.0"));
        assert_eq!(c[1].version, None);
    }

    #[test]
    fn metadata_header() {
        let c =
            metadata("Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\n\nVersion: 9\n").unwrap();
        assert_eq!(c.purl.as_deref(), Some("pkg:pypi/jinja2@2.10"));
    }
}
