//! Known answers on real data, checked by hand against the advisory files
//! (and the research notes' ground-truth vectors).

mod common;

use aimap_advisory::{to_finding, Confidence, Index, Source};
use aimap_model::{FindingKind, Subject};
use common::{fixture_index, has};

const OLLAMA: &str = "pkg:golang/github.com/ollama/ollama";

#[test]
fn ollama_0_1_29_gets_probllama_with_its_fix() {
    let (_tmp, index) = fixture_index();
    let r = index.match_purl(OLLAMA, Some("0.1.29"));
    let m = r
        .affected
        .iter()
        .find(|m| m.id == "GO-2024-2901")
        .expect("GO-2024-2901");
    assert_eq!(m.fixed.as_deref(), Some("0.1.34"));
    assert!(m.aliases.contains(&"CVE-2024-37032".to_string()));
    assert_eq!(m.confidence, Confidence::Package);
    assert_eq!(m.source, Source::Database);
    // CVE-2024-28224 was fixed in 0.1.29 (and is filed under the old module path).
    assert!(!has(&r, "GO-2024-2699"));
    // The Go module's own spelling gives the same answer.
    let ids = |r: &aimap_advisory::MatchResult| {
        r.affected
            .iter()
            .map(|m| (m.id.clone(), m.fixed.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&index.match_purl(OLLAMA, Some("v0.1.29"))), ids(&r));
    assert_eq!(
        ids(&index.match_purl(&format!("{OLLAMA}@v0.1.29"), None)),
        ids(&r)
    );
}

#[test]
fn ollama_0_1_20_gets_every_advisory_with_fixed_versions() {
    let (_tmp, index) = fixture_index();
    let r = index.match_purl(OLLAMA, Some("0.1.20"));
    let fixed = |id: &str| {
        r.affected
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .fixed
            .clone()
    };
    assert_eq!(
        fixed("GO-2024-2699").as_deref(),
        Some("0.1.29"),
        "old module path github.com/jmorganca/ollama"
    );
    assert_eq!(fixed("GO-2024-2901").as_deref(), Some("0.1.34"));
    assert_eq!(fixed("GO-2025-3851").as_deref(), Some("0.1.34"));
    assert_eq!(fixed("GO-2024-3245").as_deref(), Some("0.1.46"));
    assert_eq!(fixed("GO-2024-3104").as_deref(), Some("0.1.47"));
    assert_eq!(fixed("GO-2025-3548").as_deref(), Some("0.4.0-ci1"));
    assert_eq!(fixed("GO-2026-5748").as_deref(), Some("0.17.1"));
    // No fix recorded: still reported, without inventing one.
    for id in [
        "GO-2025-3557",
        "GO-2025-3558",
        "GO-2025-3559",
        "GO-2025-3582",
        "GO-2025-3689",
        "GO-2025-3695",
        "GO-2025-3824",
        "GO-2025-4251",
        "GO-2026-5750",
    ] {
        assert_eq!(fixed(id), None, "{id}");
    }
    assert_eq!(r.affected.len(), 16);
    assert!(r.possible.is_empty());
}

#[test]
fn current_ollama_gets_only_what_still_affects_it() {
    let (_tmp, index) = fixture_index();
    let r = index.match_purl(OLLAMA, Some("0.20.0"));
    let mut ids: Vec<&str> = r.affected.iter().map(|m| m.id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "GO-2025-3557",
            "GO-2025-3558",
            "GO-2025-3559",
            "GO-2025-3582",
            "GO-2025-3689",
            "GO-2025-3695",
            "GO-2025-3824",
            "GO-2025-4251",
            "GO-2026-5750"
        ]
    );
    assert!(r.affected.iter().all(|m| m.fixed.is_none()));
    let finding = to_finding(
        &r.affected[0],
        Subject::Component {
            purl: format!("{OLLAMA}@0.20.0"),
        },
        "ollama",
    );
    assert_eq!(finding.kind, FindingKind::Vulnerability);
    assert!(
        finding
            .remediation
            .starts_with("No fixed release of ollama is known"),
        "{}",
        finding.remediation
    );
}

#[test]
fn research_vectors_for_ollama() {
    let (_tmp, index) = fixture_index();
    let check = |v: &str, yes: &[&str], no: &[&str]| {
        let r = index.match_purl(OLLAMA, Some(v));
        for c in yes {
            assert!(has(&r, c), "{v} should have {c}");
        }
        for c in no {
            assert!(!has(&r, c), "{v} should not have {c}");
        }
    };
    check(
        "0.1.28",
        &[
            "CVE-2024-28224",
            "CVE-2024-37032",
            "CVE-2024-39720",
            "CVE-2024-45436",
            "CVE-2025-44779",
            "CVE-2024-12886",
        ],
        &[],
    );
    check(
        "0.1.34",
        &["CVE-2024-39720", "CVE-2024-45436", "CVE-2024-12886"],
        &["CVE-2024-28224", "CVE-2024-37032", "CVE-2025-44779"],
    );
    check(
        "0.1.47",
        &["CVE-2024-12886"],
        &["CVE-2024-39720", "CVE-2024-45436"],
    );
    check("0.4.0", &[], &["CVE-2024-12886"]);
    check("0.17.0", &["CVE-2026-7482"], &[]);
    check("0.17.1", &[], &["CVE-2026-7482"]);
}

#[test]
fn unknown_version_only_claims_what_affects_every_version() {
    let (_tmp, index) = fixture_index();
    let r = index.match_purl(OLLAMA, None);
    assert!(r
        .affected
        .iter()
        .all(|m| m.fixed.is_none() && m.version.is_none()));
    assert!(
        has(&r, "GO-2025-4251"),
        "missing authentication affects every version"
    );
    assert!(!has(&r, "GO-2024-2901"));
    let possible = r
        .possible
        .iter()
        .find(|m| m.id == "GO-2024-2901")
        .expect("GO-2024-2901 is possible");
    assert_eq!(&*possible.affected_versions, "< 0.1.34");
    assert!(
        possible
            .note
            .as_deref()
            .unwrap_or("")
            .contains("reading the installed version"),
        "{:?}",
        possible.note
    );
    let unreadable = index.match_purl(OLLAMA, Some("not-a-version"));
    assert!(unreadable.possible.iter().any(|m| m
        .note
        .as_deref()
        .unwrap_or("")
        .contains("could not be read")));
}

#[test]
fn pypa_answers() {
    let (_tmp, index) = fixture_index();
    let mlflow = index.match_purl("pkg:pypi/mlflow", Some("2.2.0"));
    for cve in [
        "CVE-2023-1177",
        "CVE-2023-1176",
        "CVE-2023-2356",
        "CVE-2023-6831",
        "CVE-2023-6909",
        "CVE-2024-4263",
    ] {
        assert!(has(&mlflow, cve), "mlflow 2.2.0 should have {cve}");
    }
    let m = mlflow
        .affected
        .iter()
        .find(|m| m.id == "PYSEC-2023-29")
        .unwrap();
    assert_eq!(m.fixed.as_deref(), Some("2.2.1"));
    assert!(has(
        &index.match_purl("pkg:pypi/gradio", Some("4.10.0")),
        "CVE-2023-51449"
    ));
    assert!(!has(
        &index.match_purl("pkg:pypi/gradio", Some("4.11.0")),
        "CVE-2023-51449"
    ));
    let js = index.match_purl("pkg:pypi/jupyter_server", Some("2.7.1"));
    assert!(has(&js, "CVE-2023-39968") && has(&js, "CVE-2023-40170"));
    let js = index.match_purl("pkg:pypi/jupyter-server", Some("2.7.2"));
    assert!(!has(&js, "CVE-2023-39968") && !has(&js, "CVE-2023-40170"));
}

#[test]
fn go_database_vectors_for_weaviate_and_the_container_toolkit() {
    let (_tmp, index) = fixture_index();
    let weaviate = "pkg:golang/github.com/weaviate/weaviate";
    let r = index.match_purl(weaviate, Some("1.29.5"));
    assert!(has(&r, "CVE-2025-67818") && !has(&r, "CVE-2025-67819"));
    let r = index.match_purl(weaviate, Some("1.33.4"));
    assert!(!has(&r, "CVE-2025-67818") && !has(&r, "CVE-2025-67819"));

    // Go database records plus the curated ones it lacks.
    let ctk = "pkg:golang/github.com/NVIDIA/nvidia-container-toolkit";
    let r = index.match_purl(ctk, Some("1.16.1"));
    for cve in [
        "CVE-2024-0132",
        "CVE-2024-0133",
        "CVE-2024-0134",
        "CVE-2024-0135",
        "CVE-2024-0136",
        "CVE-2024-0137",
        "CVE-2025-23359",
        "CVE-2025-23266",
        "CVE-2025-23267",
    ] {
        assert!(has(&r, cve), "ctk 1.16.1 should have {cve}");
    }
    let r = index.match_purl(ctk, Some("1.17.4"));
    assert!(has(&r, "CVE-2025-23266") && has(&r, "CVE-2025-23267"));
    assert!(!has(&r, "CVE-2024-0132") && !has(&r, "CVE-2025-23359"));
    assert!(index.match_purl(ctk, Some("1.17.8")).affected.is_empty());
}

#[test]
fn one_vulnerability_is_reported_once() {
    // The same CVE from two databases: the imported record wins, the other
    // id becomes an alias.
    use aimap_advisory::osv::raw::from_json;
    let record = |id: &str, alias: &str| {
        let doc = format!(
            r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","aliases":["{alias}"],"affected":[{{"package":{{"ecosystem":"PyPI","name":"demo"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#
        );
        aimap_advisory::Advisory::try_from(from_json(doc.as_bytes()).unwrap().remove(0)).unwrap()
    };
    let index = Index::build([
        (record("PYSEC-1", "CVE-2024-1"), Source::Database),
        (record("GHSA-1", "CVE-2024-1"), Source::Database),
        (record("AIMAP-2024-9999", "CVE-2024-1"), Source::Curated),
    ]);
    let r = index.match_purl("pkg:pypi/demo", Some("1.0"));
    assert_eq!(r.affected.len(), 1);
    assert_eq!(r.affected[0].id, "GHSA-1");
    for alias in ["CVE-2024-1", "PYSEC-1", "AIMAP-2024-9999"] {
        assert!(
            r.affected[0].aliases.contains(&alias.to_string()),
            "{alias}"
        );
    }
}

#[test]
fn purls_without_a_source_say_so() {
    let (_tmp, index) = fixture_index();
    let r = index.match_purl("pkg:maven/org.apache/log4j", Some("2.14.0"));
    assert!(r.is_empty() && r.note.as_deref().unwrap_or("").contains("maven"));
    assert!(index.match_purl("nonsense", None).note.is_some());
    assert!(index
        .match_purl("pkg:pypi/not-a-known-package", Some("1.0"))
        .is_empty());
}
