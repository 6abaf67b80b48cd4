//! Offline, from a fresh install (an empty advisory store), a scan of an
//! old Ollama (the Ollama emulator) and an old vLLM (the landscape
//! emulator) reports every advisory the real OSV data in
//! ../shared/advisories has for that version. MLflow and ChromaDB, which
//! the farm does not emulate, are checked at the same index in
//! crates/advisory/tests/snapshot.rs.
mod common;

use aimap_advisory::{Index, Source, Store};
use aimap_farm::{start, Emulator, Landscape, Product};
use common::*;
use std::collections::BTreeSet;

#[test]
fn a_fresh_install_reports_every_real_advisory_of_old_servers() {
    let Some(shared) = shared_advisories() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let real = Store::new(tmp.path().join("real"));
    real.import(&[&shared]).unwrap();
    let real = Index::build(
        real.load()
            .unwrap()
            .advisories
            .into_iter()
            .map(|a| (a, Source::Database)),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut vllm = Landscape::sample(Product::Vllm, false);
    vllm.version = "0.5.0".into();
    let servers = [
        (
            Emulator::Ollama {
                version: "0.1.32".into(),
                models: vec![],
            },
            "127.102.0.1:11434",
        ),
        (Emulator::Landscape(vllm), "127.102.0.2:8000"),
    ];
    let _running: Vec<_> = servers
        .into_iter()
        .map(|(e, addr)| rt.block_on(start(e, addr.parse().unwrap())).unwrap())
        .collect();
    let empty = tmp.path().join("empty");
    let (report, _) = scan_json(&[
        "127.102.0.1-2",
        "-p",
        "11434,8000",
        "--advisories",
        empty.to_str().unwrap(),
    ]);
    for (ip, port, purl, nonempty) in [
        (
            "127.102.0.1",
            11434,
            "pkg:golang/github.com/ollama/ollama",
            true,
        ),
        // PyPA's snapshot (2024-10) has no vLLM record; the comparison
        // still runs, so a newer snapshot is checked too.
        ("127.102.0.2", 8000, "pkg:pypi/vllm", false),
    ] {
        let s = service(&report, ip, port).unwrap_or_else(|| panic!("{ip}:{port} found"));
        let version = s["version"].as_str().expect("version read");
        let want: BTreeSet<String> = real
            .match_purl(purl, Some(version))
            .affected
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(!want.is_empty(), nonempty, "{purl}@{version}: {want:?}");
        // Reported under its own id or folded in as an alias.
        let got: BTreeSet<String> = s["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|v| {
                std::iter::once(v["id"].as_str().unwrap().to_string()).chain(
                    v["aliases"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|a| a.as_str().map(str::to_string)),
                )
            })
            .collect();
        let missing: Vec<&String> = want.difference(&got).collect();
        assert!(missing.is_empty(), "{purl}@{version} lacks {missing:?}");
    }
}
