//! The curated advisories: lint-clean, every record's own ranges honoured
//! by the matcher, and right on the research notes' ground-truth vectors.

mod common;

use std::collections::BTreeMap;

use aimap_advisory::osv::EventKind;
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
    assert!(curated().len() >= 120);
}

/// A version just below `fixed` in every scheme the curated data uses: the
/// last non-zero number is decremented and the numbers after it become 999
/// (`2.2.1` → `2.2.0`, `5.0` → `4.999`, `b3561` → `b3560`, `0.4.0-ci1` →
/// `0.4.0-ci0`, `1.5.0.post0` → `1.4.999.post999`).
fn predecessor(fixed: &str) -> String {
    let runs: Vec<(usize, usize)> = {
        let b = fixed.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_digit() {
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                out.push((start, i));
            } else {
                i += 1;
            }
        }
        out
    };
    // The build metadata of `+incompatible` has no digits, so it is kept.
    let last = runs
        .iter()
        .rposition(|&(a, b)| fixed[a..b].bytes().any(|d| d != b'0'))
        .unwrap_or_else(|| panic!("{fixed}: no non-zero number to step below"));
    let mut out = String::new();
    let mut pos = 0;
    for (i, &(a, b)) in runs.iter().enumerate() {
        out.push_str(&fixed[pos..a]);
        let n: u128 = fixed[a..b].parse().unwrap();
        match i.cmp(&last) {
            std::cmp::Ordering::Less => out.push_str(&fixed[a..b]),
            std::cmp::Ordering::Equal => out.push_str(&(n - 1).to_string()),
            std::cmp::Ordering::Greater => out.push_str("999"),
        }
        pos = b;
    }
    out.push_str(&fixed[pos..]);
    out
}

#[test]
fn predecessor_steps_below_in_each_scheme() {
    for (fixed, want) in [
        ("2.2.1", "2.2.0"),
        ("5.0", "4.999"),
        ("b3561", "b3560"),
        ("0.4.0-ci1", "0.4.0-ci0"),
        ("1.5.0.post0", "1.4.999.post999"),
        ("25.0.6+incompatible", "25.0.5+incompatible"),
        ("1.38.0-rc.0", "1.37.999-rc.999"),
    ] {
        assert_eq!(predecessor(fixed), want);
    }
}

/// Every interval of every curated record, checked through the matcher
/// with the record's own purl: a version inside the interval (its
/// `introduced`, its `last_affected`, or just below its fix when it starts
/// at 0) is affected and reports that fix; the fixed version itself is
/// not. Nothing here is listed by hand, so a new record is covered the
/// moment it is added.
#[test]
fn every_curated_interval_matches_inside_and_not_at_its_fix() {
    let all = curated();
    let idx = index();
    let mut checked = 0;
    for a in &all {
        for af in &a.affected {
            let purl = af.package.purl.as_deref().expect("lint requires a purl");
            for range in &af.ranges {
                let mut open: Option<&str> = None;
                for e in &range.events {
                    match e.kind {
                        EventKind::Introduced => open = Some(&e.version),
                        EventKind::Fixed | EventKind::LastAffected => {
                            let intro = open.take().unwrap_or_else(|| {
                                panic!("{}: {:?} before any introduced", a.id, e)
                            });
                            let fix = (e.kind == EventKind::Fixed).then_some(e.version.as_str());
                            let inside = match (intro, fix) {
                                (_, None) => e.version.clone(),
                                ("0", Some(f)) => predecessor(f),
                                (i, Some(_)) => i.to_string(),
                            };
                            let r = idx.match_purl(purl, Some(&inside));
                            let m = r
                                .affected
                                .iter()
                                .find(|m| m.id == a.id || m.aliases.contains(&a.id))
                                .unwrap_or_else(|| {
                                    panic!("{} should affect {purl} {inside}: {:?}", a.id, r.note)
                                });
                            assert_eq!(m.fixed.as_deref(), fix, "{} at {inside}", a.id);
                            if let Some(f) = fix {
                                let r = idx.match_purl(purl, Some(f));
                                assert!(
                                    !r.affected.iter().any(|m| m.id == a.id),
                                    "{} should not affect {purl} {f}",
                                    a.id
                                );
                            }
                            checked += 1;
                        }
                        EventKind::Limit => open = None,
                    }
                }
            }
        }
    }
    assert!(
        checked >= all.len(),
        "{checked} intervals for {} records",
        all.len()
    );
}

/// docs/advisories.md lists, per package URL, how many curated records
/// cover it; the table must match the data.
#[test]
fn coverage_table_in_the_docs_matches_the_data() {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for a in curated() {
        let mut purls: Vec<String> = a
            .affected
            .iter()
            .filter_map(|af| af.package.purl.clone())
            .collect();
        purls.sort();
        purls.dedup();
        for p in purls {
            *counts.entry(p).or_default() += 1;
        }
    }
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/advisories.md"
    ))
    .expect("docs/advisories.md");
    let mut documented: BTreeMap<String, usize> = BTreeMap::new();
    for line in doc.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | product | `purl` | records |
        if let (Some(purl), Some(n)) = (cells.get(2), cells.get(3)) {
            if let (Some(purl), Ok(n)) = (
                purl.strip_prefix('`').and_then(|p| p.strip_suffix('`')),
                n.parse::<usize>(),
            ) {
                documented.insert(purl.to_string(), n);
            }
        }
    }
    assert_eq!(documented, counts, "update the table in docs/advisories.md");
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
