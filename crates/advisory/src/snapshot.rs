//! The OSV snapshot built into the binary: every record of the real
//! advisory databases whose package aimap can name (a probe rule's purl, a
//! curated advisory's package, a mapped product), so that a fresh install
//! knows them offline. `data/osv-snapshot.jsonl.gz` holds the records (one
//! compact OSV JSON object per line, as the store writes them);
//! `data/osv-snapshot.json` says when and from what it was taken.
//! `scripts/gen-osv-snapshot.sh` regenerates both.
//!
//! Records in the store (`db import`, `db update`) replace these by id.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::osv::{raw::RawAdvisory, Advisory};

const DATA: &[u8] = include_bytes!("../data/osv-snapshot.jsonl.gz");
const MANIFEST: &str = include_str!("../data/osv-snapshot.json");

/// The largest decompressed snapshot read (it is a few hundred KiB).
const MAX_BYTES: u64 = 64 << 20;

/// What the snapshot is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// When the newest source was taken (RFC 3339 date, `YYYY-MM-DD`).
    pub date: String,
    /// The databases and commits it was taken from.
    pub sources: Vec<String>,
    /// Records in it.
    pub records: usize,
    /// The packages it was cut to, as `Ecosystem/name`.
    #[serde(default)]
    pub packages: Vec<String>,
}

/// The manifest of the built-in snapshot.
pub fn info() -> SnapshotInfo {
    serde_json::from_str(MANIFEST).unwrap_or_default()
}

/// The built-in records, validated like any import. Unreadable lines are
/// skipped (the crate's tests keep there being none).
pub fn advisories() -> Vec<Advisory> {
    let mut text = String::new();
    let read = flate2::read::GzDecoder::new(DATA)
        .take(MAX_BYTES)
        .read_to_string(&mut text);
    if read.is_err() {
        return Vec::new();
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<RawAdvisory>(l).ok())
        .filter_map(|r| Advisory::try_from(r).ok())
        .collect()
}

/// Writes a snapshot of `advisories`: the gzip-compressed records, sorted
/// by id, and the manifest. Used by `examples/gen_snapshot.rs`.
pub fn encode(advisories: &[Advisory], info: &SnapshotInfo) -> Result<(Vec<u8>, String), String> {
    use std::io::Write;
    let mut sorted: Vec<&Advisory> = advisories.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    sorted.dedup_by(|a, b| a.id == b.id);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    for a in &sorted {
        let line = serde_json::to_string(&RawAdvisory::from(*a)).map_err(|e| e.to_string())?;
        gz.write_all(line.as_bytes())
            .and_then(|()| gz.write_all(b"\n"))
            .map_err(|e| e.to_string())?;
    }
    let bytes = gz.finish().map_err(|e| e.to_string())?;
    let info = SnapshotInfo {
        records: sorted.len(),
        ..info.clone()
    };
    let manifest = serde_json::to_string_pretty(&info).map_err(|e| e.to_string())? + "\n";
    Ok((bytes, manifest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_snapshot_reads_back_whole() {
        let info = info();
        let records = advisories();
        assert_eq!(records.len(), info.records, "every line validates");
        assert!(
            !info.date.is_empty() && !info.sources.is_empty(),
            "{info:?}"
        );
    }

    #[test]
    fn encode_round_trips() {
        let raw = br#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#;
        let a = Advisory::try_from(crate::osv::raw::from_json(raw).unwrap().remove(0)).unwrap();
        let (gz, manifest) = encode(&[a.clone(), a.clone()], &SnapshotInfo::default()).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text.lines().count(), 1, "deduplicated by id");
        assert!(manifest.contains("\"records\": 1"));
    }
}
