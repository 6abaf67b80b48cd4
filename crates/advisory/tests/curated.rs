//! The curated advisories: lint-clean, and right on the research notes'
//! ground-truth vectors.

mod common;

use aimap_advisory::{curated, lint_curated, Confidence, Index, MatchResult, Source};
use common::has;

fn index() -> Index {
    Index::build(curated().into_iter().map(|a| (a, Source::Curated)))
}

fn check(index: &Index, purl: &str, version: &str, yes: &[&str], no: &[&str]) -> MatchResult {
    let r = index.match_purl(purl, Some(version));
    for c in yes {
        assert!(has(&r, c), "{purl} {version} should have {c}");
    }
    for c in no {
        assert!(!has(&r, c), "{purl} {version} should not have {c}");
    }
    r
}

#[test]
fn curated_data_passes_lint() {
    assert_eq!(lint_curated(), Vec::<String>::new());
    assert!(curated().len() >= 55);
}

const REDIS: &str = "pkg:generic/redis";
const LUA: [&str; 4] = [
    "CVE-2025-49844",
    "CVE-2025-46817",
    "CVE-2025-46818",
    "CVE-2025-46819",
];

#[test]
fn redis_vectors() {
    let idx = index();
    let six = [&LUA[..], &["CVE-2025-32023", "CVE-2025-48367"]].concat();
    let r = check(&idx, REDIS, "7.2.4", &six, &[]);
    let rce = r
        .affected
        .iter()
        .find(|m| m.aliases.contains(&"CVE-2025-49844".to_string()))
        .unwrap();
    assert_eq!(rce.fixed.as_deref(), Some("7.2.11"));
    assert_eq!(
        rce.confidence,
        Confidence::VersionOnly,
        "banner version of a generic product"
    );
    assert!(rce.remediation("redis").contains("backported"));
    check(&idx, REDIS, "7.2.11", &[], &six);
    check(&idx, REDIS, "8.2.1", &LUA, &["CVE-2025-32023"]);
    check(&idx, REDIS, "8.2.2", &[], &LUA);
    let r = check(&idx, REDIS, "7.0.15", &LUA, &[]);
    assert!(r
        .affected
        .iter()
        .filter(|m| LUA.iter().any(|c| m.aliases.contains(&c.to_string())))
        .all(|m| m.fixed.as_deref() == Some("7.2.11")));
    let r = check(
        &idx,
        REDIS,
        "6.2.17",
        &[&LUA[..], &["CVE-2025-21605", "CVE-2025-32023"]].concat(),
        &["CVE-2024-31449", "CVE-2022-24834"],
    );
    let dos = r
        .affected
        .iter()
        .find(|m| m.aliases.contains(&"CVE-2025-21605".to_string()))
        .unwrap();
    assert_eq!(dos.fixed.as_deref(), Some("6.2.18"));
    // CVE-2025-21605 per branch: 7.0 (end of life) and 7.2 get 7.2.8, 7.4 gets 7.4.3.
    for (version, fixed) in [("7.0.15", "7.2.8"), ("7.2.7", "7.2.8"), ("7.4.2", "7.4.3")] {
        let r = check(&idx, REDIS, version, &["CVE-2025-21605"], &[]);
        let dos = r
            .affected
            .iter()
            .find(|m| m.aliases.contains(&"CVE-2025-21605".to_string()))
            .unwrap();
        assert_eq!(dos.fixed.as_deref(), Some(fixed), "{version}");
    }
    for version in ["7.2.8", "7.2.9", "7.4.3", "8.0.0"] {
        check(&idx, REDIS, version, &[], &["CVE-2025-21605"]);
    }
    check(
        &idx,
        REDIS,
        "6.2.12",
        &["CVE-2022-24834", "CVE-2024-31449"],
        &[],
    );
    check(
        &idx,
        REDIS,
        "7.4.0",
        &["CVE-2024-31449"],
        &["CVE-2022-24834"],
    );
    check(&idx, REDIS, "7.4.1", &[], &["CVE-2024-31449"]);
}

const TRITON: &str = "pkg:generic/nvidia/triton-inference-server";

#[test]
fn triton_vectors() {
    let idx = index();
    check(
        &idx,
        TRITON,
        "2.59.0",
        &[
            "CVE-2025-23319",
            "CVE-2025-23320",
            "CVE-2025-23334",
            "CVE-2025-23310",
            "CVE-2025-23311",
            "CVE-2025-23317",
            "CVE-2025-23316",
        ],
        &["CVE-2025-23322", "CVE-2025-23331"],
    );
    check(
        &idx,
        TRITON,
        "2.60.0",
        &[
            "CVE-2025-23316",
            "CVE-2025-23328",
            "CVE-2025-23329",
            "CVE-2025-23336",
            "CVE-2025-33201",
        ],
        &["CVE-2025-23319", "CVE-2025-23320", "CVE-2025-23334"],
    );
    check(
        &idx,
        TRITON,
        "2.63.0",
        &["CVE-2026-24207", "CVE-2026-24206"],
        &["CVE-2025-33201", "CVE-2025-23316"],
    );
    check(
        &idx,
        TRITON,
        "2.44.0",
        &["CVE-2024-0087", "CVE-2024-0100", "CVE-2024-0088"],
        &[],
    );
    check(
        &idx,
        TRITON,
        "2.25.0",
        &["CVE-2024-0088"],
        &["CVE-2024-0087"],
    );
    let r = check(&idx, TRITON, "2.68.0", &[], &["CVE-2026-24207"]);
    assert!(r.affected.is_empty());
}

#[test]
fn other_products() {
    let idx = index();
    let r = check(&idx, "pkg:pypi/chromadb", "1.5.9", &["CVE-2026-45829"], &[]);
    assert_eq!(r.affected[0].fixed, None);
    assert!(r.affected[0]
        .remediation("chromadb")
        .starts_with("No fixed release of chromadb is known"));
    check(&idx, "pkg:pypi/chromadb", "0.6.3", &[], &["CVE-2026-45829"]);
    check(
        &idx,
        "pkg:generic/milvus-io/milvus",
        "2.5.20",
        &["CVE-2025-64513", "CVE-2026-26190"],
        &[],
    );
    check(
        &idx,
        "pkg:generic/milvus-io/milvus",
        "2.5.21",
        &["CVE-2026-26190"],
        &["CVE-2025-64513"],
    );
    check(
        &idx,
        "pkg:generic/milvus-io/milvus",
        "2.4.24",
        &["CVE-2026-26190"],
        &["CVE-2025-64513"],
    );
    check(&idx, "pkg:pypi/langflow", "1.2.0", &["CVE-2025-3248"], &[]);
    check(&idx, "pkg:pypi/langflow", "1.3.0", &[], &["CVE-2025-3248"]);
    check(
        &idx,
        "pkg:pypi/langflow-base",
        "0.2.9",
        &["CVE-2025-3248"],
        &[],
    );
    check(
        &idx,
        "pkg:pypi/torchserve",
        "0.10.0",
        &["CVE-2024-35198", "CVE-2024-35199"],
        &["CVE-2023-43654"],
    );
    check(
        &idx,
        "pkg:pypi/torchserve",
        "0.11.0",
        &[],
        &["CVE-2024-35198", "CVE-2024-35199"],
    );
    check(
        &idx,
        "pkg:npm/mcp-remote",
        "0.1.15",
        &["CVE-2025-6514"],
        &[],
    );
    check(
        &idx,
        "pkg:npm/mcp-remote",
        "0.1.16",
        &[],
        &["CVE-2025-6514"],
    );
    check(
        &idx,
        "pkg:npm/%40modelcontextprotocol/inspector",
        "0.14.0",
        &["CVE-2025-49596"],
        &[],
    );
    check(
        &idx,
        "pkg:npm/@modelcontextprotocol/inspector",
        "0.14.1",
        &[],
        &["CVE-2025-49596"],
    );
    // Ray: no fix, every version, even when the version is unknown.
    let r = idx.match_purl("pkg:pypi/ray", None);
    assert!(has(&r, "CVE-2023-48022"));
    assert!(r.affected[0]
        .remediation("ray")
        .contains("RAY_AUTH_MODE=token"));
}
