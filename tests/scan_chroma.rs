//! Real ChromaDB (PyPI chromadb): the 1.x server without auth, and Chroma's
//! Python server with token authentication. Both start once for this file.
mod common;

use std::sync::OnceLock;

use common::*;

fn servers() -> Option<&'static (Server, Server)> {
    static SERVERS: OnceLock<Option<(Server, Server)>> = OnceLock::new();
    SERVERS
        .get_or_init(|| {
            Some((
                chroma("127.0.62.1", 8000, None)?,
                chroma("127.0.62.2", 8000, Some("test-token-1"))?,
            ))
        })
        .as_ref()
}

/// The release scripts/test-requirements.txt installs.
fn pinned_chromadb() -> String {
    let pins = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/test-requirements.txt"
    ))
    .unwrap();
    pins.lines()
        .find_map(|l| l.trim().strip_prefix("chromadb=="))
        .expect("chromadb pinned")
        .trim()
        .to_string()
}

#[test]
fn open_chroma_is_exposed_and_token_chroma_requires_auth() {
    if servers().is_none() {
        return unavailable("chromadb (venv .venv-test)");
    }
    let (report, _) = scan_json(&["127.0.62.1-2", "-p", "8000"]);

    let open = service(&report, "127.0.62.1", 8000).expect("open chroma found");
    assert_eq!(
        open["service"], "chromadb",
        "not confused with Triton on the shared port: {open}"
    );
    assert_eq!(open["auth"], "none");
    // `chroma run` is the Rust server: /api/v2/version says "1.0.0" in
    // every release, so no version is reported, and the evidence says why.
    assert!(open["version"].is_null(), "{open}");
    let evidence = open["evidence"].to_string();
    assert!(
        evidence.contains("hard-coded 1.0.0") && evidence.contains("410"),
        "{evidence}"
    );
    assert_eq!(open["findings"][0]["id"], "chromadb-unauthenticated");
    assert!(open["findings"][0]["evidence"]
        .as_str()
        .unwrap()
        .contains("/collections"));

    let locked = service(&report, "127.0.62.2", 8000).expect("token chroma found");
    assert_eq!(locked["service"], "chromadb");
    assert_eq!(locked["auth"], "required", "{locked}");
    // Chroma's Python server reports its real release, open with auth on.
    assert_eq!(
        locked["version"].as_str(),
        Some(pinned_chromadb().as_str()),
        "{locked}"
    );
    let findings = locked["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["kind"] != "exposure"),
        "{findings:?}"
    );
    // ChromaToast (CVE-2026-45829) is pre-auth in 1.0.0-1.5.9 and has no fixed release.
    let toast = locked["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["aliases"].to_string().contains("CVE-2026-45829"));
    assert!(toast.is_some_and(|v| v["fixed"].is_null()), "{locked}");
}

#[test]
fn jsonl_streams_one_line_per_service_then_a_summary() {
    if servers().is_none() {
        return unavailable("chromadb (venv .venv-test)");
    }
    let out = aimap(&[
        "scan",
        "127.0.62.1",
        "-p",
        "8000",
        "--format",
        "jsonl",
        "--fail-on",
        "none",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["type"], "service");
    assert_eq!(lines[0]["service"], "chromadb");
    assert_eq!(lines[1]["type"], "summary");
    assert_eq!(lines[1]["stats"]["services"], 1);
}
