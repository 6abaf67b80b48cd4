//! No target vanishes: every hostile server of every transport (see
//! aimap_farm's `Hostile`) is scanned at once, and the scan must survive
//! them all: no panic, a clean exit, bounded time and memory, nothing sent
//! off the target, and every open port in the report exactly once, as a
//! service, an unidentified open port, or an error.
//!
//! Addresses: 127.118.0.1-17 (one per hostile server), and the off-target
//! canary at aimap_farm::OFF_TARGET (127.118.0.250), which is never scanned.
mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aimap_farm::{start, Emulator, Hostile, Running, OFF_TARGET};

/// Peak RSS the scan may reach among all of them (the bound).
const MAX_RSS_KIB: u64 = 256 * 1024;
/// Wall time for the whole scan: each hostile port costs at most a few
/// exchange timeouts (1 s here), and ports are identified concurrently.
const MAX_SCAN: Duration = Duration::from_secs(60);

fn address(i: usize, h: Hostile) -> SocketAddr {
    SocketAddr::from(([127, 118, 0, i as u8 + 1], h.default_port()))
}

#[test]
fn every_hostile_server_is_reported_and_none_harms_the_scan() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let servers: Vec<Running> = Hostile::ALL
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rt.block_on(start(Emulator::Hostile(*h), address(i, *h)))
                .unwrap_or_else(|e| panic!("{h:?}: {e}"))
        })
        .collect();
    // Counts connections to the off-target address the MCP endpoints name.
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(OFF_TARGET))
        .expect("bind the off-target canary");
    let counted = hits.clone();
    rt.spawn(async move {
        while listener.accept().await.is_ok() {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });

    let open: BTreeSet<String> = servers.iter().map(|s| s.addr.to_string()).collect();
    let ports: BTreeSet<String> = Hostile::ALL
        .iter()
        .map(|h| h.default_port().to_string())
        .collect();
    let ports = ports.into_iter().collect::<Vec<_>>().join(",");
    let last = format!("127.118.0.1-{}", Hostile::ALL.len());
    let mut cmd = common::aimap_cmd();
    cmd.args([
        "scan",
        &last,
        "-p",
        &ports,
        "--timeout",
        "1s",
        "--format",
        "json",
    ]);
    let t0 = Instant::now();
    let (out, peak_kib) = common::output_with_peak_rss(cmd);
    let elapsed = t0.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!stderr.contains("panicked"), "a probe panicked:\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}\nstderr: {stderr}"));
    common::validate_against_schema(&text);

    // Every open port probed is in the report, and nothing else is.
    let mut reported = Vec::new();
    for s in report["services"].as_array().unwrap() {
        reported.push(format!("{}:{}", s["host"].as_str().unwrap(), s["port"]));
    }
    for u in report["unidentified"].as_array().unwrap() {
        reported.push(u.as_str().unwrap().to_string());
    }
    let errors = report["errors"].as_array().unwrap();
    for e in errors {
        reported.push(e["target"].as_str().unwrap().to_string());
    }
    let distinct: BTreeSet<String> = reported.iter().cloned().collect();
    assert_eq!(
        distinct.len(),
        reported.len(),
        "a port reported twice: {reported:?}"
    );
    assert_eq!(
        distinct, open,
        "the report's ports are not the open ports\n{report:#}"
    );
    assert_eq!(report["stats"]["open_ports"], open.len(), "{report:#}");
    // None of them broke a probe: no errors. The exit status is 1, not 0:
    // the Ollama behind the hostile certificate is open, a finding at the
    // default --fail-on high; 2 would be an error, a signal a crash.
    assert!(errors.is_empty(), "probe errors: {errors:#?}");
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    let with_findings: Vec<&str> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["findings"].as_array().unwrap().is_empty())
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    // memcached is identified from its VERSION and STAT lines, and open.
    assert_eq!(with_findings, ["ollama", "memcached"], "{report:#}");

    assert!(elapsed < MAX_SCAN, "the scan took {elapsed:?}");
    assert!(
        peak_kib > 0 && peak_kib < MAX_RSS_KIB,
        "peak RSS {peak_kib} KiB"
    );
    // The SSE endpoints that name another host were never followed.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "something connected to {OFF_TARGET}"
    );
    eprintln!(
        "{} hostile servers scanned in {elapsed:?}, peak RSS {peak_kib} KiB; {} services",
        open.len(),
        report["services"].as_array().unwrap().len()
    );

    // The huge certificate subject is reported as one bounded line.
    let tls_at = Hostile::ALL
        .iter()
        .position(|h| *h == Hostile::TlsHugeSubject)
        .unwrap();
    let tls_addr = address(tls_at, Hostile::TlsHugeSubject);
    let svc = common::service(&report, &tls_addr.ip().to_string(), tls_addr.port())
        .unwrap_or_else(|| panic!("the Ollama behind the hostile certificate: {report:#}"));
    assert_eq!(svc["transport"], "https", "{svc:#}");
    let subject = svc["tls"]["subject"].as_str().unwrap();
    assert!(
        subject.chars().count() <= 512,
        "{} chars",
        subject.chars().count()
    );
    assert!(!subject.contains(['\n', '\r', '\u{202E}']), "{subject:?}");
    // Every rendered string in the report stays on its line.
    for s in report["services"].as_array().unwrap() {
        for e in s["evidence"].as_array().unwrap() {
            let excerpt = e["excerpt"].as_str().unwrap_or("");
            assert!(!excerpt.contains('\n'), "{excerpt:?}");
        }
    }
    drop(servers);
}
