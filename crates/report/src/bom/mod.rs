//! BOM writers: one neutral [`Inventory`](aimap_inventory::Inventory) →
//! CycloneDX JSON (1.6 or 1.7) or SPDX 2.3 JSON, each with its own serde
//! types. They live here, not in aimap-inventory, so that `aimap inventory`,
//! `aimap show` and the dashboard render a run with the same code.
pub mod cyclonedx;
mod scan;
mod scan_spdx;
pub mod spdx;
mod stored;

pub use scan::write_scan;
pub use scan_spdx::write_scan_spdx;
pub use stored::{render_stored, stored_inventory, StoredBom};

use aimap_model::Severity;
use sha2::{Digest, Sha256};

/// A matched advisory, as the BOM writers need it (the binary builds
/// these from aimap-advisory matches).
#[derive(Debug, Clone, PartialEq)]
pub struct Vulnerability {
    pub id: String,
    pub aliases: Vec<String>,
    pub severity: Severity,
    pub score: Option<f64>,
    pub summary: String,
    pub recommendation: String,
    pub references: Vec<String>,
    /// Keys ([`aimap_inventory::Component::key`]) of the affected components.
    pub affects: Vec<String>,
}

/// Document-level facts the caller supplies (the clock lives in the binary).
#[derive(Debug, Clone)]
pub struct DocInfo {
    /// RFC 3339 UTC, e.g. `2026-01-01T00:00:00Z`.
    pub timestamp: String,
    pub tool_version: String,
}

/// A deterministic UUID-shaped id from the inputs: same run, same id.
pub fn uuid_from(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let mut b: [u8; 16] = [0; 16];
    b.copy_from_slice(&h.finalize()[..16]);
    // Version 4 and RFC 4122 variant bits, so validators accept it.
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
