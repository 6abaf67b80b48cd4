//! Inventory: what software and which models a target contains.
//!
//! Pipeline position: `source → analyzers → Components → BOM`, the
//! inventory branch of aimap. A source (a directory or root filesystem,
//! a `docker save` tarball or OCI image layout, or the running host)
//! yields files; one analyzer per ecosystem or file kind turns each into
//! [`Component`]s; aimap-report's `bom` writes CycloneDX or SPDX. Matching components
//! against advisories happens in the binary, which alone sees both this
//! crate and aimap-advisory. Nothing here executes, loads or extracts what
//! it reads: archives are streamed in memory and every read is capped.
#![forbid(unsafe_code)]

pub mod analyze;
mod component;
mod distro;
mod error;
pub mod purl;
pub mod source;

pub use component::{
    Component, ComponentKind, Ecosystem, FileError, Inventory, Listener, Location, ModelInfo,
    Process,
};
pub use error::{InventoryError, Result};

/// Caps on everything a hostile target could make large.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Lock files, metadata, status databases.
    pub max_manifest_bytes: u64,
    /// rpm's SQLite database, loaded whole into memory.
    pub max_rpmdb_bytes: u64,
    /// Executables read whole to find build info.
    pub max_binary_bytes: u64,
    /// Model files are streamed; larger ones are not hashed.
    pub max_model_bytes: u64,
    /// Bytes of a GGUF/safetensors header held in memory.
    pub max_model_header_bytes: u64,
    /// Uncompressed bytes of one image layer (decompression bombs stop here).
    pub max_layer_bytes: u64,
    /// Entries in one tar (layer or image archive).
    pub max_entries: u64,
    /// Files visited in a directory walk.
    pub max_files: u64,
    /// Directory depth.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_manifest_bytes: 64 << 20,
            max_rpmdb_bytes: 1 << 30,
            max_binary_bytes: 512 << 20,
            max_model_bytes: 1 << 40,
            max_model_header_bytes: 64 << 20,
            max_layer_bytes: 32 << 30,
            max_entries: 2_000_000,
            max_files: 10_000_000,
            max_depth: 128,
        }
    }
}

/// Inventory a directory, or an image archive/layout (detected by content).
pub fn inventory_path(path: &std::path::Path, limits: &Limits) -> Result<Inventory> {
    let mut inv = if source::image::is_image(path) {
        source::image::inventory(path, limits)?
    } else if path.is_dir() {
        source::dir::inventory(path, limits)?
    } else {
        return Err(InventoryError::UnknownTarget(path.display().to_string()));
    };
    distro::apply(&mut inv);
    inv.sort();
    Ok(inv)
}
