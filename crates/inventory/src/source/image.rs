//! Container images without a daemon: an OCI image layout (directory or
//! tar) or a `docker save` tarball. The outer tar is indexed once (names,
//! offsets, sizes); manifests and configs are small reads; each layer is
//! then streamed from its offset through [`super::tarfs`], in manifest order.
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::tarfs::{self, Declared, Overlay};
use crate::component::{FileError, Inventory};
use crate::error::{InventoryError, Result};
use crate::Limits;

/// Manifests and configs are small; a bigger "manifest" is hostile.
const MAX_JSON: u64 = 16 << 20;

enum Store {
    Dir(PathBuf),
    /// Entry name → (offset of its data, size) inside the outer tar.
    Tar(PathBuf, HashMap<String, (u64, u64)>),
}

impl Store {
    fn has(&self, name: &str) -> bool {
        match self {
            Self::Dir(d) => d.join(name).is_file(),
            Self::Tar(_, idx) => idx.contains_key(name),
        }
    }

    fn open(&self, name: &str) -> Result<(Box<dyn Read>, u64)> {
        let io = |e| InventoryError::io(name, e);
        match self {
            Self::Dir(d) => {
                let f = File::open(d.join(name)).map_err(io)?;
                let size = f.metadata().map_err(io)?.len();
                Ok((Box::new(f), size))
            }
            Self::Tar(path, idx) => {
                let (off, size) = *idx.get(name).ok_or_else(|| {
                    InventoryError::malformed(name, "named by the manifest but not in the archive")
                })?;
                let mut f = File::open(path).map_err(io)?;
                f.seek(SeekFrom::Start(off)).map_err(io)?;
                Ok((Box::new(f.take(size)), size))
            }
        }
    }

    fn json(&self, name: &str) -> Result<Value> {
        let (r, size) = self.open(name)?;
        if size > MAX_JSON {
            return Err(InventoryError::limit(
                name,
                "manifest or config over 16 MiB",
            ));
        }
        let mut buf = Vec::new();
        r.take(MAX_JSON)
            .read_to_end(&mut buf)
            .map_err(|e| InventoryError::io(name, e))?;
        serde_json::from_slice(&buf)
            .map_err(|e| InventoryError::malformed(name, format!("not JSON: {e}")))
    }
}

fn index_tar(path: &Path, limits: &Limits) -> Result<HashMap<String, (u64, u64)>> {
    let shown = path.display().to_string();
    let f = File::open(path).map_err(|e| InventoryError::io(&shown, e))?;
    let mut archive = tar::Archive::new(f);
    let mut idx = HashMap::new();
    let entries = archive
        .entries()
        .map_err(|e| InventoryError::io(&shown, e))?;
    for (n, entry) in entries.enumerate() {
        if n as u64 >= limits.max_entries {
            return Err(InventoryError::limit(&shown, "too many entries"));
        }
        let entry = entry.map_err(|e| {
            InventoryError::malformed(&shown, format!("truncated or corrupt archive: {e}"))
        })?;
        let name = String::from_utf8_lossy(&entry.path_bytes())
            .trim_start_matches("./")
            .to_string();
        if entry.header().entry_type().is_file() {
            idx.insert(name, (entry.raw_file_position(), entry.size()));
        }
    }
    Ok(idx)
}

/// A directory or tar that holds `index.json`+`oci-layout` or `manifest.json`.
pub fn is_image(path: &Path) -> bool {
    if path.is_dir() {
        return path.join("oci-layout").is_file()
            || path.join("manifest.json").is_file() && path.join("repositories").is_file();
    }
    // Any tar is taken for an image archive: a truncated or foreign one then
    // fails with a precise message instead of "unknown target".
    let mut head = [0u8; 262];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head[257..262] == b"ustar")
}

fn blob(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let safe = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    (safe(alg) && safe(hex)).then(|| format!("blobs/{alg}/{hex}"))
}

/// Layer blob names with what their media types declare.
type Layers = Vec<(String, Declared)>;

/// (layers, config blob name) from an OCI index, following nested indexes.
fn oci_layers(store: &Store) -> Result<(Layers, String)> {
    let mut doc = store.json("index.json")?;
    for _ in 0..4 {
        let manifests = doc
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if manifests.is_empty() {
            break;
        }
        // Prefer linux/amd64 when an index lists several platforms.
        let pick = manifests
            .iter()
            .find(|m| m.pointer("/platform/architecture").and_then(Value::as_str) == Some("amd64"))
            .or(manifests.first());
        let digest = pick
            .and_then(|m| m.get("digest"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = blob(digest)
            .ok_or_else(|| InventoryError::malformed("index.json", "bad manifest digest"))?;
        doc = store.json(&name)?;
    }
    let layers = doc
        .get("layers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let names = layers
        .iter()
        .filter_map(|l| {
            let declared = l
                .get("mediaType")
                .and_then(Value::as_str)
                .map_or(Declared::Unknown, Declared::from_media_type);
            Some((blob(l.get("digest")?.as_str()?)?, declared))
        })
        .collect();
    let config = doc
        .pointer("/config/digest")
        .and_then(Value::as_str)
        .and_then(blob);
    Ok((
        names,
        config.ok_or_else(|| InventoryError::malformed("manifest", "no config"))?,
    ))
}

fn docker_layers(store: &Store) -> Result<(Layers, String)> {
    let doc = store.json("manifest.json")?;
    let first = doc
        .get(0)
        .ok_or_else(|| InventoryError::malformed("manifest.json", "no images"))?;
    let layers = first
        .get("Layers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let config = first
        .get("Config")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok((
        layers
            .iter()
            .filter_map(|l| l.as_str().map(|n| (n.to_string(), Declared::Unknown)))
            .collect(),
        config,
    ))
}

pub fn inventory(path: &Path, limits: &Limits) -> Result<Inventory> {
    let store = if path.is_dir() {
        Store::Dir(path.to_path_buf())
    } else {
        Store::Tar(path.to_path_buf(), index_tar(path, limits)?)
    };
    // docker save (Docker 25+) writes both; its manifest.json names the layers directly.
    let (source, (layers, config)) = if store.has("manifest.json") {
        ("docker-archive", docker_layers(&store)?)
    } else {
        if !store.has("index.json") {
            return Err(InventoryError::malformed(
                path.display().to_string(),
                "a tar without manifest.json or index.json: not an image",
            ));
        }
        ("oci-layout", oci_layers(&store)?)
    };
    let diff_ids: Vec<String> = store
        .json(&config)
        .ok()
        .and_then(|c| {
            c.pointer("/rootfs/diff_ids")
                .and_then(Value::as_array)
                .cloned()
        })
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d.as_str().map(str::to_string))
        .collect();
    let mut inv = Inventory {
        target: path.display().to_string(),
        source: source.into(),
        ..Inventory::default()
    };
    let mut overlay = Overlay::default();
    for (i, (layer, declared)) in layers.iter().enumerate() {
        // The diff id (digest of the uncompressed layer) is the same in both formats.
        let id = diff_ids.get(i).cloned().unwrap_or_else(|| layer.clone());
        inv.layers.push(id.clone());
        match store.open(layer) {
            Ok((r, _)) => tarfs::apply(
                r,
                *declared,
                &id,
                layer,
                &mut overlay,
                limits,
                &mut inv.errors,
            ),
            Err(e) => inv.errors.push(FileError {
                path: layer.clone(),
                error: e.to_string(),
            }),
        }
    }
    for (_, found) in std::mem::take(&mut overlay.files) {
        inv.merge(found);
    }
    Ok(inv)
}
