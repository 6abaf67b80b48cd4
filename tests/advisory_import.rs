//! `aimap db import` of the real advisory databases (../shared/advisories:
//! the PyPA and Go OSV exports) exits 0: a version one range cannot parse
//! is a warning naming the record, not a failed import.
mod common;

use common::{aimap, shared_advisories};

#[test]
fn importing_every_shared_osv_export_exits_0_and_counts_skipped_ranges() {
    let Some(shared) = shared_advisories() else {
        return;
    };
    let store = tempfile::tempdir().unwrap();
    let store = store.path().to_str().unwrap();
    // Each export on its own, as a CI job would import them, then both.
    for part in ["pypa", "go", ""] {
        let path = shared.join(part);
        let out = aimap(&[
            "db",
            "--advisories",
            store,
            "import",
            path.to_str().unwrap(),
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{part}: {stdout}\n{stderr}");
        assert!(stdout.contains(", 0 skipped,"), "{part}: {stdout}");
        if part == "go" {
            assert!(stdout.contains(" 0 ranges skipped"), "{stdout}");
            continue;
        }
        // PyPA's two non-PEP 440 versions, named with their records.
        assert!(stdout.contains(" 2 ranges skipped"), "{part}: {stdout}");
        for (id, version) in [
            ("PYSEC-2021-371", "0.2.0-n653"),
            ("PYSEC-2019-125", "2019-09-12"),
        ] {
            let line = stderr
                .lines()
                .find(|l| l.starts_with("warning: ") && l.contains(id))
                .unwrap_or_else(|| panic!("{id} warned about: {stderr}"));
            assert!(line.contains(version), "{line}");
        }
    }
    let status = aimap(&["db", "--advisories", store, "status", "--json"]);
    assert_eq!(status.status.code(), Some(0));
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let count = |dir: &str| walk(&shared.join(dir));
    assert_eq!(status["ecosystems"]["PyPI"], count("pypa/vulns"));
    assert_eq!(status["ecosystems"]["Go"], count("go/data/osv"));
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            if p.is_dir() {
                walk(&p)
            } else {
                usize::from(p.extension().is_some_and(|x| x == "json" || x == "yaml"))
            }
        })
        .sum()
}
