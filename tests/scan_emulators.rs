//! Ollama and NVIDIA Triton cannot be installed here, so these tests scan
//! the emulators in crates/farm, which copy the real servers' routes,
//! status codes, headers and JSON shapes from their source (each emulator
//! module lists the facts it copies and where from).
mod common;

use std::net::SocketAddr;

use aimap_farm::{start, Emulator, Running};
use common::*;

fn farm(servers: Vec<(Emulator, &str)>) -> (tokio::runtime::Runtime, Vec<Running>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = servers
        .into_iter()
        .map(|(e, addr)| {
            rt.block_on(start(e, addr.parse::<SocketAddr>().unwrap()))
                .unwrap()
        })
        .collect();
    (rt, running)
}

#[test]
fn ollama_open_decoy_and_behind_auth() {
    let (_rt, _servers) = farm(vec![
        (
            Emulator::Ollama {
                version: "0.1.32".into(),
                models: vec!["llama3:8b".into(), "qwen2:7b".into()],
            },
            "127.0.66.1:11434",
        ),
        (Emulator::OllamaDecoy, "127.0.66.2:11434"),
        (Emulator::OllamaBehindAuthProxy, "127.0.66.3:11434"),
    ]);
    let (report, out) = scan_json(&["127.0.66.1-3", "-p", "11434"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a high finding fails at the default threshold"
    );

    let open = service(&report, "127.0.66.1", 11434).expect("open ollama");
    assert_eq!(open["service"], "ollama");
    assert_eq!(open["version"], "0.1.32");
    assert_eq!(open["version_source"], "api");
    assert_eq!(open["auth"], "none");
    assert_eq!(
        open["details"]["models"],
        serde_json::json!(["llama3:8b", "qwen2:7b"])
    );
    let f = &open["findings"][0];
    assert_eq!(
        (f["id"].as_str(), f["severity"].as_str()),
        (Some("ollama-unauthenticated"), Some("high"))
    );
    let evidence = f["evidence"].as_str().unwrap();
    assert!(
        evidence.starts_with(
            "inference: POST /api/generate → 400: {\"error\":\"missing request body\"}"
        ) && evidence.contains("\ndata: GET /api/tags → 200"),
        "each open capability, then its proof: {f}"
    );
    assert_eq!(open["capabilities"]["inference"]["auth"], "none");
    assert!(!f["remediation"].as_str().unwrap().is_empty());

    // A copied banner is not an Ollama; a proxy that refuses everything hides what is behind it.
    assert!(
        service(&report, "127.0.66.2", 11434).is_none(),
        "decoy reported: {report}"
    );
    assert!(service(&report, "127.0.66.3", 11434).is_none());
    let unidentified = report["unidentified"].to_string();
    assert!(
        unidentified.contains("127.0.66.2:11434") && unidentified.contains("127.0.66.3:11434"),
        "{unidentified}"
    );
}

#[test]
fn triton_open_restricted_and_metrics() {
    let models = vec!["densenet_onnx".to_string(), "simple".to_string()];
    let (_rt, _servers) = farm(vec![
        (
            Emulator::Triton {
                version: "2.41.0".into(),
                models: models.clone(),
                restricted: false,
            },
            "127.0.67.1:8000",
        ),
        (
            Emulator::Triton {
                version: "2.59.0".into(),
                models: models.clone(),
                restricted: true,
            },
            "127.0.67.2:8000",
        ),
        (Emulator::TritonMetrics { models }, "127.0.67.3:8002"),
    ]);
    let (report, _) = scan_json(&["127.0.67.1-3", "-p", "8000,8002"]);

    let open = service(&report, "127.0.67.1", 8000).expect("open triton");
    assert_eq!(
        open["service"], "triton",
        "not taken for ChromaDB on the shared port"
    );
    assert_eq!(open["version"], "2.41.0");
    assert_eq!(open["auth"], "none");
    assert_eq!(
        open["details"]["models"],
        serde_json::json!(["densenet_onnx", "simple"])
    );
    assert!(open["details"]["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "model_repository"));
    assert_eq!(open["findings"][0]["id"], "triton-unauthenticated");

    let restricted = service(&report, "127.0.67.2", 8000).expect("restricted triton");
    assert_eq!(
        restricted["version"], "2.59.0",
        "server metadata stays readable"
    );
    // The docs' restriction example guards the repository but not
    // inference: part of the API is open, and the finding says which.
    assert_eq!(restricted["auth"], "partial", "{restricted}");
    assert_eq!(restricted["capabilities"]["data"]["auth"], "required");
    assert_eq!(restricted["capabilities"]["inference"]["auth"], "none");
    assert!(restricted["evidence"]
        .to_string()
        .contains("This API is restricted"));
    let findings = restricted["findings"].as_array().unwrap();
    let exposure: Vec<_> = findings
        .iter()
        .filter(|f| f["kind"] == "exposure")
        .collect();
    assert_eq!(exposure.len(), 1, "{findings:?}");
    assert!(
        exposure[0]["title"]
            .as_str()
            .unwrap()
            .contains("open: inference; credentials required: data"),
        "{exposure:?}"
    );
    // 2.59.0 is container 25.06, before NVIDIA's 25.07 fixes (curated advisories).
    assert!(
        restricted["vulnerabilities"]
            .to_string()
            .contains("CVE-2025-23319"),
        "{restricted}"
    );

    let metrics = service(&report, "127.0.67.3", 8002).expect("triton metrics");
    assert_eq!(metrics["service"], "triton");
    assert_eq!(metrics["auth"], "none");
    assert!(metrics["details"]["models"]
        .to_string()
        .contains("densenet_onnx"));
}

/// Peak resident memory of a process, from /proc.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[test]
fn hostile_and_plain_servers_are_not_ai_services() {
    let (_rt, _servers) = farm(vec![
        (Emulator::PlainHttp, "127.0.68.1:8000"),
        (Emulator::Garbage, "127.0.68.2:8000"),
        (Emulator::Silent, "127.0.68.3:8000"),
        (Emulator::EndlessBody, "127.0.68.4:8000"),
        (Emulator::Garbage, "127.0.68.5:6379"),
        (Emulator::PlainHttp, "127.0.68.6:11434"),
    ]);
    let child = common::aimap_cmd()
        .args([
            "scan",
            "127.0.68.1-7",
            "-p",
            "6379,8000,11434",
            "--timeout",
            "1s",
            "--format",
            "json",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let peak = std::thread::spawn(move || {
        let mut peak = 0;
        while let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        peak
    });
    let t0 = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    let elapsed = t0.elapsed();
    let peak_kib = peak.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    validate_against_schema(&text);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();

    assert_eq!(
        out.status.code(),
        Some(0),
        "no findings: nothing here is an AI service"
    );
    assert_eq!(report["services"].as_array().unwrap().len(), 0, "{report}");
    let open: Vec<&str> = report["unidentified"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for addr in [
        "127.0.68.1:8000",
        "127.0.68.2:8000",
        "127.0.68.3:8000",
        "127.0.68.4:8000",
        "127.0.68.5:6379",
        "127.0.68.6:11434",
    ] {
        assert!(open.contains(&addr), "{addr} missing from {open:?}");
    }
    assert_eq!(
        report["stats"]["open_ports"], 6,
        "closed ports are not open"
    );
    // The silent server costs at most one timeout per transport, not one per probe.
    assert!(
        elapsed < std::time::Duration::from_secs(8),
        "scan took {elapsed:?}"
    );
    // The endless body is read up to the cap and no further.
    assert!(
        peak_kib > 0 && peak_kib < 64 * 1024,
        "peak RSS {peak_kib} KiB"
    );
}

#[test]
fn rules_from_a_directory_extend_the_scan_and_output_goes_to_a_file() {
    let (_rt, _servers) = farm(vec![(Emulator::PlainHttp, "127.0.68.20:8080")]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("welcome.toml"),
        r#"
id = "nginx-welcome"
product = "nginx default page"
ports = [8080]
transport = "http"
exposure_severity = "low"
risk = "A default page says nobody configured this server."
remediation = "Remove the default site."
[[probes]]
name = "page"
request = { path = "/" }
identify = 1
auth = "none"
matchers = [{ status = [200] }, { body_contains = "Welcome to nginx" }]
extract = [{ into = "version", header = "server", regex = 'nginx/([0-9.]+)', source = "header" }]
"#,
    )
    .unwrap();
    let out_file = dir.path().join("report.json");
    let out = aimap(&[
        "scan",
        "127.0.68.20",
        "-p",
        "8080",
        "--rules",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out_file.to_str().unwrap(),
        "--fail-on",
        "low",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the low finding meets --fail-on low: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the report went to the file");
    let text = std::fs::read_to_string(&out_file).unwrap();
    validate_against_schema(&text);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let s = service(&report, "127.0.68.20", 8080).expect("the custom rule identified it");
    assert_eq!(s["service"], "nginx-welcome");
    assert_eq!(s["version_source"], "header");
    assert!(s["version"].as_str().unwrap().starts_with("1."));
}

#[test]
fn services_on_unusual_ports_are_still_identified() {
    // No rule claims these ports, so every rule is tried within the larger budget.
    let (_rt, _servers) = farm(vec![
        (
            Emulator::Triton {
                version: "2.60.0".into(),
                models: vec!["simple".into()],
                restricted: false,
            },
            "127.0.68.30:18000",
        ),
        (
            Emulator::Ollama {
                version: "0.6.2".into(),
                models: vec![],
            },
            "127.0.68.31:31337",
        ),
    ]);
    let (report, _) = scan_json(&["127.0.68.30-31", "-p", "18000,31337"]);
    assert_eq!(
        service(&report, "127.0.68.30", 18000).map(|s| s["service"].clone()),
        Some("triton".into()),
        "{report}"
    );
    assert_eq!(
        service(&report, "127.0.68.31", 31337).map(|s| s["service"].clone()),
        Some("ollama".into()),
        "{report}"
    );
}

/// Ollama bound to loopback and published through a forwarder: its
/// allowed-hosts check answers 403 with no body to the forwarder's address.
/// That is not authentication; `Host: localhost` is served in full, so the
/// service is identified, open for data and inference, and labelled.
#[test]
fn ollama_host_check_is_not_authentication() {
    let (_rt, _servers) = farm(vec![
        (
            Emulator::OllamaForwarded {
                version: "0.12.3".into(),
                models: vec!["llama3:8b".into()],
            },
            "127.0.66.40:11434",
        ),
        (
            Emulator::Ollama {
                version: "0.12.3".into(),
                models: vec!["llama3:8b".into()],
            },
            "127.0.66.41:11434",
        ),
    ]);
    let (report, _) = scan_json(&["127.0.66.40-41", "-p", "11434"]);
    let s = service(&report, "127.0.66.40", 11434)
        .unwrap_or_else(|| panic!("a host check hid Ollama: {report:#}"));
    assert_eq!(s["service"], "ollama", "{s:#}");
    assert_eq!(s["version"], "0.12.3", "{s:#}");
    assert_eq!(s["auth"], "none", "{s:#}");
    assert_eq!(s["capabilities"]["data"]["auth"], "none", "{s:#}");
    assert_eq!(s["capabilities"]["inference"]["auth"], "none", "{s:#}");
    assert!(
        s["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "host-check"),
        "{s:#}"
    );
    let f = s["findings"][0]["evidence"].as_str().unwrap();
    assert!(
        f.contains("Host: localhost"),
        "the proof names the Host it took: {f}"
    );

    // Reached directly, the same server has no host check to pass.
    let s = service(&report, "127.0.66.41", 11434).expect("direct ollama");
    assert_eq!(s["auth"], "none");
    assert_eq!(s["capabilities"]["inference"]["auth"], "none", "{s:#}");
    assert!(
        s["labels"]
            .as_array()
            .is_none_or(|l| l.iter().all(|l| l != "host-check")),
        "{s:#}"
    );
}
