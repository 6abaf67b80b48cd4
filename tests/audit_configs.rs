//! End-to-end tests of `aimap audit` on configuration: the real binary on
//! the crate's fixtures (compose stacks, Kubernetes manifests, Dockerfiles,
//! service configs), suppression, advisory matching of image tags, SARIF
//! validity and hostile files.
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{aimap, unavailable, venv_bin};
use serde_json::Value;

fn fixtures(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/audit/tests/fixtures")
        .join(dir)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs `aimap audit --format json` with no advisory store of the user's.
fn audit(args: &[&str]) -> (Value, Output) {
    let mut full = vec![
        "audit",
        "--format",
        "json",
        "--advisories",
        "/nonexistent-aimap-advisories",
    ];
    full.extend_from_slice(args);
    let out = aimap(&full);
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out)
}

fn findings(report: &Value) -> Vec<(String, String, u64)> {
    report["configs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().unwrap().iter())
        .map(|f| {
            let path = f["subject"]["path"].as_str().unwrap_or_default();
            let name = Path::new(path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (
                f["id"].as_str().unwrap().to_string(),
                name,
                f["subject"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn risky_stack_is_flagged_at_the_lines_to_change() {
    let (report, out) = audit(&[s(&fixtures("risky"))]);
    assert_eq!(out.status.code(), Some(1), "high findings: exit 1");
    let f = findings(&report);
    for (id, file, line) in [
        ("port-all-interfaces", "compose.yaml", 7),
        ("ollama-host-all-interfaces", "compose.yaml", 86),
        ("secret-in-env", "compose.yaml", 21),
        ("docker-socket", "compose.yaml", 25),
        ("k8s-service-exposed", "vllm-k8s.yaml", 53),
        ("vllm-no-api-key", "vllm-k8s.yaml", 22),
        ("triton-explicit-model-control", "triton-gpu.Dockerfile", 18),
        ("redis-bind-all-no-auth", "redis.conf", 3),
        ("ollama-host-all-interfaces", "override.conf", 3),
        ("jupyter-no-token", "jupyter_server_config.py", 3),
    ] {
        assert!(
            f.contains(&(id.to_string(), file.to_string(), line)),
            "{id} at {file}:{line} missing from {f:#?}"
        );
    }
    // Known-vulnerable image tags are matched against the curated advisories.
    let vulns: Vec<&Value> = report["configs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().unwrap().iter())
        .filter(|f| f["kind"] == "vulnerability")
        .collect();
    let triton = vulns
        .iter()
        .find(|f| {
            f["evidence"]
                .as_str()
                .unwrap()
                .contains("tritonserver:24.01-py3")
        })
        .expect("triton 24.01 matched");
    assert!(
        triton["evidence"].as_str().unwrap().contains("2.42.0"),
        "{triton}"
    );
    // chromadb/chroma:1.0.12 is in the curated ChromaToast range (1.0.0 to 1.5.9).
    assert!(vulns.iter().any(|f| f["evidence"]
        .as_str()
        .unwrap()
        .contains("pkg:pypi/chromadb@1.0.12")));
    // Secrets never appear in the report.
    let text = report.to_string();
    assert!(
        !text.contains("Abc123Def456Ghi789"),
        "secret leaked into the report"
    );
    assert!(!text.contains("AKIAIOSFODNN7EXAMPLE"));
}

#[test]
fn hardened_stack_has_no_error_level_result() {
    let (report, out) = audit(&["--fail-on", "high", s(&fixtures("hardened"))]);
    assert_eq!(out.status.code(), Some(0), "{}", report["configs"]);
    assert_eq!(report["config_summary"]["error"], 0);
    assert!(report["config_summary"]["files"].as_u64().unwrap() >= 8);
    // Ray 2.52 with token auth: ShadowRay is kept, suppressed by the line
    // that turns the control on, never dropped.
    let ray = report["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"].as_str().unwrap().ends_with("ray-cluster.yaml"))
        .expect("ray-cluster.yaml audited");
    let by_config: Vec<_> = ray["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["by"] == "configuration")
        .collect();
    assert_eq!(by_config.len(), 1, "{ray}");
    assert!(
        by_config[0]["reason"]
            .as_str()
            .unwrap()
            .contains("spec.authOptions.mode: token"),
        "{ray}"
    );
}

#[test]
fn ollama_tag_matches_an_imported_advisory() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let osv = tmp.path().join("ollama-osv.json");
    // A test record shaped like the Go vulnerability database's. No real
    // CVE alias: the built-in snapshot's GO-2024-2901 would absorb it.
    std::fs::write(&osv, r#"{"schema_version":"1.6.0","id":"TEST-OLLAMA-0001","modified":"2024-06-01T00:00:00Z","summary":"Path traversal in model pulls (test record)","affected":[{"package":{"ecosystem":"Go","name":"github.com/ollama/ollama"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.1.34"}]}]}],"database_specific":{"severity":"HIGH"}}"#).unwrap();
    let out = aimap(&["db", "--advisories", s(&store), "import", s(&osv)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let compose = tmp.path().join("compose.yaml");
    std::fs::write(&compose, "services:\n  ollama:\n    image: ollama/ollama:0.1.29\n    ports: [\"127.0.0.1:11434:11434\"]\n    mem_limit: 8g\n").unwrap();
    let out = aimap(&[
        "audit",
        "--format",
        "json",
        "--advisories",
        s(&store),
        s(&compose),
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&report);
    assert!(
        f.contains(&("TEST-OLLAMA-0001".into(), "compose.yaml".into(), 3)),
        "{f:#?}"
    );
    // The same image at a fixed release is clean.
    std::fs::write(
        &compose,
        "services:\n  ollama:\n    image: ollama/ollama:0.1.34\n",
    )
    .unwrap();
    let out = aimap(&[
        "audit",
        "--format",
        "json",
        "--advisories",
        s(&store),
        s(&compose),
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!findings(&report)
        .iter()
        .any(|(id, _, _)| id == "TEST-OLLAMA-0001"));
}

#[test]
fn suppression_is_reported_never_silent() {
    let tmp = tempfile::tempdir().unwrap();
    let compose = tmp.path().join("compose.yaml");
    std::fs::write(
        &compose,
        "services:\n  dind:\n    image: docker:27.3-dind\n    # aimap:ignore privileged docker-in-docker CI runner\n    privileged: true\n    pid: host\n",
    )
    .unwrap();
    let (report, out) = audit(&[s(&compose)]);
    assert_eq!(out.status.code(), Some(1), "host-pid is still active");
    let c = &report["configs"][0];
    assert_eq!(c["suppressed"][0]["id"], "privileged");
    assert_eq!(c["suppressed"][0]["by"], "inline");
    assert_eq!(c["suppressed"][0]["reason"], "docker-in-docker CI runner");
    assert_eq!(report["config_summary"]["suppressed"], 1);

    let baseline = tmp.path().join("baseline.json");
    let (_, out) = audit(&["--write-baseline", s(&baseline), s(&compose)]);
    assert_eq!(out.status.code(), Some(1));
    let (report, out) = audit(&["--baseline", s(&baseline), s(&compose)]);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["config_summary"]["findings"], 0);
    let by: Vec<&str> = report["configs"][0]["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["by"].as_str().unwrap())
        .collect();
    assert!(by.contains(&"baseline") && by.contains(&"inline"), "{by:?}");
    // Table output counts them too.
    let out = aimap(&["audit", "--baseline", s(&baseline), s(&compose)]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("SUPPRESSED") && table.contains("suppressed"),
        "{table}"
    );
}

#[test]
fn hostile_files_get_errors_and_the_run_completes() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("compose.yaml"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    std::fs::write(
        tmp.path().join("Dockerfile"),
        b"FROM alpine:3.20\nLABEL a=\"\xff\xfe\"\n",
    )
    .unwrap();
    let lol = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\nservices:\n  x:\n    image: nginx:1.27\n    labels: *f\n";
    std::fs::write(tmp.path().join("docker-compose.yml"), lol).unwrap();
    std::fs::create_dir(tmp.path().join("ok")).unwrap();
    std::fs::write(
        tmp.path().join("ok/compose.yaml"),
        "services:\n  r:\n    image: redis:7.4.1\n    mem_limit: 1g\n",
    )
    .unwrap();
    let (report, out) = audit(&["--fail-on", "none", s(tmp.path())]);
    assert_eq!(out.status.code(), Some(2), "unreadable files: exit 2");
    let configs = report["configs"].as_array().unwrap();
    assert_eq!(configs.len(), 4, "{configs:#?}");
    assert_eq!(report["config_summary"]["error"], 3);
    assert!(configs
        .iter()
        .any(|c| c["path"].as_str().unwrap().ends_with("ok/compose.yaml")
            && c.get("error").is_none()));
    // In SARIF the unread files are tool notifications, not silence.
    let out = aimap(&[
        "audit",
        "--format",
        "sarif",
        "--advisories",
        "/nonexistent-aimap-advisories",
        "--fail-on",
        "none",
        s(tmp.path()),
    ]);
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false, "{inv}");
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 3, "{notes:#?}");
    assert!(notes.iter().all(|n| n["level"] == "error"
        && n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("file://"))));
}

#[test]
fn gitignored_configs_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".gitignore"), "vendor/\n").unwrap();
    std::fs::create_dir(tmp.path().join("vendor")).unwrap();
    std::fs::write(
        tmp.path().join("vendor/compose.yaml"),
        "services:\n  o:\n    image: ollama/ollama\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  o:\n    image: ollama/ollama\n",
    )
    .unwrap();
    let (report, _) = audit(&[s(tmp.path())]);
    let configs = report["configs"].as_array().unwrap();
    assert_eq!(configs.len(), 1, "{configs:#?}");
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0_with_regions_and_suppressions() {
    let tmp = tempfile::tempdir().unwrap();
    let out_file = tmp.path().join("configs.sarif");
    let compose = tmp.path().join("compose.yaml");
    std::fs::write(&compose, "services:\n  o:\n    image: ollama/ollama:0.6.8\n    ports:\n      - 11434:11434 # aimap:ignore port-all-interfaces behind the VPN\n    privileged: true\n").unwrap();
    let out = aimap(&[
        "audit",
        "--format",
        "sarif",
        "-o",
        s(&out_file),
        "--advisories",
        "/nonexistent",
        s(&fixtures("risky")),
        s(&compose),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let privileged = results
        .iter()
        .find(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            r["ruleId"] == "privileged"
                && (loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with("tmp/compose.yaml")
                    || loc["region"]["startLine"] == 6)
        })
        .expect("privileged result");
    assert_eq!(privileged["level"], "error");
    assert_eq!(
        privileged["locations"][0]["physicalLocation"]["region"]["startLine"],
        6
    );
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    let Some(python) = venv_bin("python") else {
        return unavailable("jsonschema (venv .venv-test)");
    };
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/schemas/sarif-schema-2.1.0.json"
    );
    let check = "import json,sys,jsonschema\nd=json.load(open(sys.argv[1]));s=json.load(open(sys.argv[2]))\njsonschema.validate(d,s)";
    let v = Command::new(python)
        .args(["-c", check])
        .arg(&out_file)
        .arg(schema)
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "SARIF does not match the schema:\n{}",
        String::from_utf8_lossy(&v.stderr)
    );
}

#[test]
fn kinds_by_content_and_every_skipped_file_is_listed() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("build")).unwrap();
    // No name says Dockerfile: its first instruction does.
    std::fs::write(
        tmp.path().join("build/gpu"),
        "# syntax=docker/dockerfile:1\nARG V=24.01-py3\nFROM nvcr.io/nvidia/tritonserver:latest\nCMD [\"tritonserver\"]\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("README.md"), "# notes\nFROM here on\n").unwrap();
    std::fs::write(tmp.path().join("values.yaml"), "replicas: 2\n").unwrap();
    let (report, out) = audit(&["--fail-on", "none", s(tmp.path())]);
    assert_eq!(out.status.code(), Some(0), "{report}");
    let configs = report["configs"].as_array().unwrap();
    let gpu = configs
        .iter()
        .find(|c| c["path"].as_str().unwrap().ends_with("build/gpu"))
        .unwrap_or_else(|| panic!("unnamed Dockerfile not audited: {report}"));
    assert_eq!(gpu["kind"], "dockerfile");
    assert!(
        gpu["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "unpinned-image"),
        "{gpu}"
    );
    assert_eq!(report["config_summary"]["skipped"], 2, "{report}");
    let skipped = report["skipped"].as_array().unwrap();
    let reason = |name: &str| {
        skipped
            .iter()
            .find(|s| s["path"].as_str().unwrap().ends_with(name))
            .map(|s| s["reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{name} not listed: {skipped:?}"))
    };
    assert!(reason("README.md").contains("not a configuration file"));
    assert!(reason("values.yaml").contains("neither a compose file nor a Kubernetes manifest"));
}
