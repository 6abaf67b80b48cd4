//! The Kubernetes manifests under deploy/: valid against the Kubernetes
//! schemas (kubernetes-validate, offline, from the test venv), rendered
//! by kustomize into the committed deploy/kubernetes/rendered/all.yaml,
//! consistent with how aimap shards, and clean under aimap's own audit.
mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/kubernetes");
const MANIFESTS: [&str; 5] = [
    "namespace.yaml",
    "serviceaccount.yaml",
    "secret.yaml",
    "networkpolicy.yaml",
    "job.yaml",
];

#[test]
fn manifests_validate_against_the_kubernetes_schemas() {
    let Some(validate) = venv_bin("kubernetes-validate") else {
        return unavailable("kubernetes-validate (venv .venv-test)");
    };
    let rendered = Path::new(DIR).join("rendered/all.yaml");
    let out = Command::new(validate)
        .arg("--strict")
        .args(MANIFESTS.iter().map(|m| Path::new(DIR).join(m)))
        .arg(&rendered)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert_eq!(
        text.matches(" passed ").count(),
        2 * MANIFESTS.len(),
        "{text}"
    );
}

#[test]
fn the_kustomization_lists_every_manifest_and_renders_to_the_committed_yaml() {
    let k = std::fs::read_to_string(Path::new(DIR).join("kustomization.yaml")).unwrap();
    for m in MANIFESTS {
        assert!(
            k.contains(&format!("- {m}")),
            "{m} missing from kustomization.yaml"
        );
    }
    // kubectl is not on every machine; where it is, the committed
    // rendering must be what kustomize makes today.
    let Some(kubectl) = find_program("kubectl") else {
        eprintln!("kubectl not installed: the committed rendering is validated as is");
        return;
    };
    let out = Command::new(kubectl)
        .args(["kustomize", DIR])
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!(
            "kubectl kustomize unavailable: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let committed = std::fs::read_to_string(Path::new(DIR).join("rendered/all.yaml")).unwrap();
    let body: String = committed
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        body,
        String::from_utf8_lossy(&out.stdout),
        "re-render deploy/kubernetes/rendered/all.yaml"
    );
}

#[test]
fn the_job_shards_the_way_aimap_does() {
    let job = std::fs::read_to_string(Path::new(DIR).join("job.yaml")).unwrap();
    let field = |name: &str| -> u64 {
        job.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(job.contains("completionMode: Indexed"));
    let completions = field("completions");
    assert_eq!(field("parallelism"), completions);
    let args: Vec<&str> = job
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("- "))
        .collect();
    let after = |flag: &str| {
        args.iter()
            .position(|a| *a == flag)
            .map(|i| args[i + 1].trim_matches('"'))
    };
    assert_eq!(
        after("--shard-count"),
        Some(completions.to_string()).as_deref()
    );
    assert_eq!(after("--run-id"), Some("$(RUN_ID)"));
    assert_eq!(
        after("--fail-on"),
        Some("none"),
        "findings must not fail the pod (it would be restarted)"
    );
    for must in [
        "runAsNonRoot: true",
        "readOnlyRootFilesystem: true",
        "allowPrivilegeEscalation: false",
        "drop: [\"ALL\"]",
        "automountServiceAccountToken: false",
    ] {
        assert!(job.contains(must), "{must}");
    }
}

#[test]
fn aimaps_own_audit_finds_nothing_unsuppressed_in_deploy() {
    let deploy = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");
    let out = aimap(&[
        "--no-store",
        "audit",
        deploy,
        "--format",
        "json",
        "--fail-on",
        "info",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let configs = report["configs"].as_array().unwrap();
    assert!(configs.len() >= 7, "{configs:?}");
    for c in configs {
        assert_eq!(c["findings"].as_array().unwrap().len(), 0, "{c}");
    }
    assert_eq!(out.status.code(), Some(0));
}
