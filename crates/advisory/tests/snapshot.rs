//! The OSV snapshot built into the binary: a fresh install (an empty
//! store) reports, offline, every advisory the real OSV data
//! (../shared/advisories) has for an old Ollama, vLLM, MLflow or ChromaDB,
//! and for the vendor products inventory maps packages to.
mod common;

use std::collections::BTreeSet;

use aimap_advisory::{Index, Source, Store};

fn names(index: &Index, purl: &str, version: &str) -> BTreeSet<String> {
    index
        .match_purl(purl, Some(version))
        .affected
        .iter()
        .flat_map(|m| std::iter::once(m.id.clone()).chain(m.aliases.iter().cloned()))
        .collect()
}

fn ids(index: &Index, purl: &str, version: &str) -> BTreeSet<String> {
    index
        .match_purl(purl, Some(version))
        .affected
        .iter()
        .map(|m| m.id.clone())
        .collect()
}

#[test]
fn a_fresh_install_knows_every_real_advisory_of_old_versions() {
    let Some(dir) = common::shared_advisories() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let real = Store::new(tmp.path().join("real"));
    real.import(&[&dir]).unwrap();
    // The real data alone: no curated records, no snapshot.
    let real = Index::build(
        real.load()
            .unwrap()
            .advisories
            .into_iter()
            .map(|a| (a, Source::Database)),
    );
    let fresh = Store::new(tmp.path().join("empty")).index().unwrap();
    let cases = [
        ("pkg:golang/github.com/ollama/ollama", "0.1.32", true),
        ("pkg:golang/github.com/ollama/ollama", "0.0.17", true),
        ("pkg:golang/github.com/ollama/ollama", "0.6.0", true),
        ("pkg:pypi/mlflow", "2.9.2", true),
        ("pkg:pypi/mlflow", "1.23.1", true),
        ("pkg:pypi/vllm", "0.5.0", false),
        ("pkg:pypi/chromadb", "0.4.0", false),
        (
            "pkg:golang/github.com/NVIDIA/nvidia-container-toolkit",
            "1.16.1",
            true,
        ),
        ("pkg:golang/github.com/docker/docker", "20.10.0", true),
        ("pkg:golang/github.com/containerd/containerd", "1.6.0", true),
    ];
    for (purl, version, nonempty) in cases {
        let want = ids(&real, purl, version);
        // PyPA's snapshot predates vLLM's and ChromaDB's advisories; where
        // it has some, the test must see them.
        assert_eq!(!want.is_empty(), nonempty, "{purl}@{version}: {want:?}");
        let got = names(&fresh, purl, version);
        let missing: Vec<&String> = want.iter().filter(|id| !got.contains(*id)).collect();
        assert!(
            missing.is_empty(),
            "{purl}@{version}: the built-in snapshot lacks {missing:?}; run scripts/gen-osv-snapshot.sh"
        );
    }
    // The headline toolkit CVEs, with the fixed version, from the Go records.
    let toolkit = fresh.match_purl(
        "pkg:golang/github.com/NVIDIA/nvidia-container-toolkit",
        Some("1.16.1"),
    );
    for (id, cve) in [
        ("GO-2024-3239", "CVE-2024-0132"),
        ("GO-2024-3237", "CVE-2024-0133"),
    ] {
        let m = toolkit.affected.iter().find(|m| m.id == id).expect(id);
        assert!(m.aliases.iter().any(|a| a == cve));
        assert_eq!(m.fixed.as_deref(), Some("1.16.2"));
    }
}

#[test]
fn the_snapshot_is_dated_and_stored_records_replace_it() {
    let info = aimap_advisory::snapshot::info();
    assert!(info.records > 100, "{info:?}");
    assert_eq!(info.date.len(), 10, "YYYY-MM-DD: {}", info.date);
    assert!(info.sources.iter().any(|s| s.contains("vulndb")));
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path());
    assert_eq!(store.status().unwrap().snapshot, info);
    // A newer copy of a built-in record, imported: it alone is matched.
    let newer = r#"{"id":"GO-2024-3239","modified":"2030-01-01T00:00:00Z","aliases":["CVE-2024-0132"],"affected":[{"package":{"ecosystem":"Go","name":"github.com/NVIDIA/nvidia-container-toolkit"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.16.9"}]}]}]}"#;
    let file = tmp.path().join("newer.json");
    std::fs::write(&file, newer).unwrap();
    store.import(&[&file]).unwrap();
    let index = store.index().unwrap();
    let r = index.match_purl(
        "pkg:golang/github.com/NVIDIA/nvidia-container-toolkit",
        Some("1.16.1"),
    );
    let hits: Vec<_> = r
        .affected
        .iter()
        .filter(|m| m.id == "GO-2024-3239")
        .collect();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].fixed.as_deref(), Some("1.16.9"));
}
