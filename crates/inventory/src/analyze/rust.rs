//! Rust: Cargo.lock, and binaries built with cargo-auditable (a
//! zlib-compressed JSON dependency list in the `.dep-v0` section).
use std::io::Read;

use crate::component::{Component, ComponentKind, Ecosystem};
use crate::error::{InventoryError, Result};

/// The auditable JSON is small; a larger inflated size is a bomb.
const MAX_DEP_JSON: u64 = 8 << 20;

pub fn cargo_lock(path: &str, text: &str) -> Result<Vec<Component>> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e| InventoryError::malformed(path, format!("not TOML: {e}")))?;
    let packages = doc.get("package").and_then(|p| p.as_array());
    Ok(packages
        .into_iter()
        .flatten()
        .filter_map(|p| {
            // Workspace members have no source: they are the project, not a dependency.
            p.get("source")?;
            let name = p.get("name")?.as_str()?;
            let version = p.get("version").and_then(|v| v.as_str());
            Some(Component::package(
                Ecosystem::Cargo,
                name,
                version,
                "cargo-lock",
            ))
        })
        .collect())
}

pub fn auditable(section: &[u8]) -> Vec<Component> {
    let mut json = Vec::new();
    let inflated = flate2::read::ZlibDecoder::new(section)
        .take(MAX_DEP_JSON)
        .read_to_end(&mut json);
    if inflated.is_err() {
        return Vec::new();
    }
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&json) else {
        return Vec::new();
    };
    let packages = doc.get("packages").and_then(|p| p.as_array());
    packages
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?;
            let version = p.get("version").and_then(|v| v.as_str());
            let mut c = Component::package(Ecosystem::Cargo, name, version, "cargo-auditable");
            if p.get("root").and_then(|r| r.as_bool()) == Some(true) {
                c.kind = ComponentKind::Application;
            }
            Some(c)
        })
        .collect()
}
