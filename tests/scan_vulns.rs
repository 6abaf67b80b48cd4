//! Found versions matched against advisories: the Go vulnerability database
//! (real records, committed as fixtures by the advisory crate) imported into
//! a private store, plus the curated set built into the binary.
mod common;

use std::net::SocketAddr;

use aimap_farm::{start, Emulator};
use common::*;

fn store_with_go_fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/advisory/tests/fixtures/go"
    );
    let out = aimap(&[
        "db",
        "--advisories",
        dir.path().to_str().unwrap(),
        "import",
        fixtures,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn old_and_current_ollama_get_the_advisories_of_their_version() {
    let store = store_with_go_fixtures();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let old = Emulator::Ollama {
        version: "0.1.32".into(),
        models: vec!["llama3:8b".into()],
    };
    let new = Emulator::Ollama {
        version: "0.20.0".into(),
        models: vec![],
    };
    let _a = rt
        .block_on(start(
            old,
            "127.0.69.1:11434".parse::<SocketAddr>().unwrap(),
        ))
        .unwrap();
    let _b = rt
        .block_on(start(
            new,
            "127.0.69.2:11434".parse::<SocketAddr>().unwrap(),
        ))
        .unwrap();
    let (report, _) = scan_json(&[
        "127.0.69.1-2",
        "-p",
        "11434",
        "--advisories",
        store.path().to_str().unwrap(),
    ]);

    let old = service(&report, "127.0.69.1", 11434).unwrap();
    assert_eq!(old["purl"], "pkg:golang/github.com/ollama/ollama@0.1.32");
    let vulns = &old["vulnerabilities"];
    let probllama = vulns
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "GO-2024-2901")
        .expect("Probllama matched");
    assert_eq!(probllama["fixed"], "0.1.34");
    assert!(probllama["aliases"].to_string().contains("CVE-2024-37032"));
    // The curated record of the same CVE is folded in as an alias: the
    // database record keeps its id.
    assert!(probllama["aliases"].to_string().contains("AIMAP-2024-0500"));
    let finding = old["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "GO-2024-2901")
        .expect("a finding too");
    assert_eq!(finding["kind"], "vulnerability");
    assert!(finding["remediation"]
        .as_str()
        .unwrap()
        .contains("Upgrade Ollama to 0.1.34 or later"));

    let new = service(&report, "127.0.69.2", 11434).unwrap();
    let new_ids = ids(&new["vulnerabilities"]);
    assert!(
        !new_ids.contains(&"GO-2024-2901".to_string()),
        "fixed in 0.1.34: {new_ids:?}"
    );
    assert!(ids(vulns).len() > new_ids.len());
    // Advisories the database lists with no fixed version still apply, with
    // `fixed: null` and a remediation that says no fix is known.
    for v in new["vulnerabilities"].as_array().unwrap() {
        assert!(
            v["fixed"].is_null(),
            "0.20.0 only has unfixed advisories left: {v}"
        );
    }
    let unfixed = new["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "vulnerability")
        .expect("unfixed advisories are findings");
    assert!(
        unfixed["remediation"]
            .as_str()
            .unwrap()
            .contains("No fixed release"),
        "{unfixed}"
    );
}

#[test]
fn redis_banner_versions_match_with_version_only_confidence_and_unknown_versions_stay_possible() {
    let (Some(_open), Some(_locked)) = (
        redis("127.0.69.11", 6379, None),
        redis("127.0.69.12", 6379, Some("pw")),
    ) else {
        return unavailable("redis-server");
    };
    let empty = tempfile::tempdir().unwrap();
    let (report, _) = scan_json(&[
        "127.0.69.11-12",
        "-p",
        "6379",
        "--advisories",
        empty.path().to_str().unwrap(),
    ]);
    let open = service(&report, "127.0.69.11", 6379).unwrap();
    let version = open["version"].as_str().unwrap();
    let vulns = open["vulnerabilities"].as_array().unwrap();
    // Debian's redis-server (7.0.x) predates the 2025 Lua fixes of the curated set.
    if version.starts_with("7.0.") {
        assert!(
            vulns
                .iter()
                .any(|v| v["aliases"].to_string().contains("CVE-2025-49844")),
            "{vulns:?}"
        );
    }
    assert!(
        vulns.iter().all(|v| v["confidence"] == "version-only"),
        "banner versions cannot see backports"
    );

    let locked = service(&report, "127.0.69.12", 6379).unwrap();
    assert!(locked["version"].is_null());
    assert!(
        locked["vulnerabilities"].as_array().unwrap().is_empty(),
        "no version, no match"
    );
    assert!(
        !locked["possible_vulnerabilities"]
            .as_array()
            .unwrap()
            .is_empty(),
        "listed apart as possible"
    );
    assert!(
        locked["findings"].as_array().unwrap().is_empty(),
        "possible matches are not findings"
    );

    let (report, _) = scan_json(&["127.0.69.11", "-p", "6379", "--no-vulns"]);
    assert!(
        service(&report, "127.0.69.11", 6379).unwrap()["vulnerabilities"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn db_update_downloads_osv_exports_and_status_reports_them() {
    // A loopback server publishing the real Go records as an OSV `all.zip`,
    // the layout of the public export bucket.
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("Go")).unwrap();
    let zip = site.path().join("Go/all.zip");
    let fixtures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/advisory/tests/fixtures/go"
    );
    let made = std::process::Command::new("python3")
        .args(["-c", "import sys,zipfile,pathlib\nwith zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z:\n  [z.write(p, p.name) for p in pathlib.Path(sys.argv[2]).glob('*.json')]"])
        .arg(&zip)
        .arg(fixtures)
        .status()
        .unwrap();
    assert!(made.success());
    let mut cmd = std::process::Command::new("python3");
    cmd.args([
        "-m",
        "http.server",
        "--bind",
        "127.0.69.30",
        "18080",
        "--directory",
    ])
    .arg(site.path());
    let _server = start_command("127.0.69.30:18080".parse().unwrap(), cmd);

    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_str().unwrap();
    let out = aimap(&[
        "db",
        "--advisories",
        dir,
        "update",
        "--ecosystem",
        "Go",
        "--base-url",
        "http://127.0.69.30:18080",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = std::fs::read_dir(fixtures)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("{files} advisories ({files} new")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Idempotent: a second update changes nothing.
    let again = aimap(&[
        "db",
        "--advisories",
        dir,
        "update",
        "--ecosystem",
        "Go",
        "--base-url",
        "http://127.0.69.30:18080",
    ]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("(0 new, 0 changed)"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let status = aimap(&["db", "--advisories", dir, "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["ecosystems"]["Go"], files);
    assert!(status["sources"].to_string().contains("127.0.69.30"));
    // A missing export fails clearly, without touching what is stored.
    let out = aimap(&[
        "db",
        "--advisories",
        dir,
        "update",
        "--ecosystem",
        "PyPI",
        "--base-url",
        "http://127.0.69.30:18080",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PyPI: failed"));
}

/// A fresh install (an empty store: curated set plus built-in OSV snapshot): an old Ollama (the Ollama
/// emulator), an old vLLM and an old Qdrant (landscape emulators copied
/// from their sources) get the curated records of their versions, through
/// the probes' own package URLs. Qdrant's `pkg:github/...` purl is matched
/// as a generic product, so its matches are version-only.
#[test]
fn curated_records_reach_scans_of_old_ollama_vllm_and_qdrant() {
    use aimap_farm::{Landscape, Product};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let landscape = |product, version: &str| {
        let mut l = Landscape::sample(product, false);
        l.version = version.to_string();
        Emulator::Landscape(l)
    };
    let servers = [
        (
            Emulator::Ollama {
                version: "0.1.32".into(),
                models: vec![],
            },
            "127.101.0.1:11434",
        ),
        (landscape(Product::Vllm, "0.10.1"), "127.101.0.2:8000"),
        (landscape(Product::Qdrant, "1.8.4"), "127.101.0.3:6333"),
    ];
    let _running: Vec<_> = servers
        .into_iter()
        .map(|(e, addr)| rt.block_on(start(e, addr.parse().unwrap())).unwrap())
        .collect();
    let empty = tempfile::tempdir().unwrap();
    let (report, _) = scan_json(&[
        "127.101.0.1-3",
        "-p",
        "11434,8000,6333",
        "--advisories",
        empty.path().to_str().unwrap(),
    ]);
    // What a fresh install knows: the curated set and the built-in OSV
    // snapshot (which folds curated records of the same CVE in as aliases).
    let curated = aimap_advisory::Store::new(empty.path()).index().unwrap();
    let check = |ip: &str, port: u16, purl: &str, yes: &[(&str, &str)], no: &[&str]| {
        let s = service(&report, ip, port).unwrap_or_else(|| panic!("{ip}:{port} found"));
        let version = s["version"].as_str().expect("version read");
        assert_eq!(s["purl"], format!("{purl}@{version}"));
        let mut got = ids(&s["vulnerabilities"]);
        got.sort();
        // The scan reports exactly what the matcher says for that version.
        let mut want: Vec<String> = curated
            .match_purl(purl, Some(version))
            .affected
            .iter()
            .map(|m| m.id.clone())
            .collect();
        want.sort();
        assert_eq!(got, want, "{ip}:{port}");
        for (id, fixed) in yes {
            let v = s["vulnerabilities"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["id"] == *id || v["aliases"].to_string().contains(&format!("\"{id}\"")))
                .unwrap_or_else(|| panic!("{id} missing at {ip}: {got:?}"));
            assert_eq!(v["fixed"], *fixed, "{id}");
            assert!(
                s["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["id"] == v["id"] && f["kind"] == "vulnerability"),
                "{id} is a finding"
            );
        }
        for id in no {
            assert!(!got.contains(&id.to_string()), "{id} at {ip}: {got:?}");
        }
        s.clone()
    };
    check(
        "127.101.0.1",
        11434,
        "pkg:golang/github.com/ollama/ollama",
        &[
            ("AIMAP-2024-0500", "0.1.34"),
            ("AIMAP-2024-0502", "0.1.47"),
            ("AIMAP-2026-0500", "0.17.1"),
        ],
        // DNS rebinding was fixed in 0.1.29.
        &["AIMAP-2024-0501"],
    );
    check(
        "127.101.0.2",
        8000,
        "pkg:pypi/vllm",
        &[
            ("AIMAP-2025-1003", "0.11.1"),
            ("AIMAP-2026-1000", "0.14.1"),
            ("AIMAP-2026-1001", "0.22.0"),
        ],
        // Fixed in 0.8.5, and introduced only in 0.10.2.
        &["AIMAP-2025-1000", "AIMAP-2025-1004"],
    );
    let qdrant = check(
        "127.101.0.3",
        6333,
        "pkg:github/qdrant/qdrant",
        &[("AIMAP-2024-1201", "1.9.0"), ("AIMAP-2024-1202", "1.9.0")],
        // Fixed in 1.8.0.
        &["AIMAP-2024-1200"],
    );
    assert!(qdrant["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["confidence"] == "version-only"));
}
