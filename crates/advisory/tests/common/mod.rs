//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared advisory snapshot (`../shared/advisories` from the repo
/// root), or `None` (with a message) when this checkout has none.
pub fn shared_advisories() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/advisories");
    if dir.join("go/data/osv").is_dir() && dir.join("pypa/vulns").is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var("AIMAP_REQUIRE_REAL").map_or(true, |v| v != "1"),
            "the shared advisory snapshot ({}) is required (AIMAP_REQUIRE_REAL=1)",
            dir.display()
        );
        eprintln!(
            "skipping: the shared advisory snapshot ({}) is absent",
            dir.display()
        );
        None
    }
}

/// The committed subset of real advisories.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A store in a fresh temp dir with the committed fixtures imported, and
/// its index (fixtures + curated advisories).
pub fn fixture_index() -> (tempfile::TempDir, aimap_advisory::Index) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = aimap_advisory::Store::new(tmp.path());
    let report = store.import(&[fixtures()]).expect("import fixtures");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let index = store.index().expect("index");
    (tmp, index)
}

/// Ids and aliases of the affected matches.
pub fn affected_names(result: &aimap_advisory::MatchResult) -> Vec<String> {
    result
        .affected
        .iter()
        .flat_map(|m| std::iter::once(m.id.clone()).chain(m.aliases.iter().cloned()))
        .collect()
}

pub fn has(result: &aimap_advisory::MatchResult, name: &str) -> bool {
    affected_names(result).iter().any(|n| n == name)
}
