//! How a scan behaves: interruption, rate limit, logs, IPv6, TLS.
mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn ctrl_c_stops_cleanly_and_keeps_what_was_found() {
    let Some(_redis) = redis("127.0.64.1", 6379, None) else {
        return unavailable("redis-server");
    };
    // The redis sits at the start of a range far too large to finish.
    let child = Command::new(aimap_bin())
        .args([
            "scan",
            "127.0.64.1",
            "127.1.0.0/16",
            "-p",
            "6379",
            "--format",
            "json",
            "--rate",
            "2000",
            "--fail-on",
            "none",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let t0 = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "stopping took {:?}",
        t0.elapsed()
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("a full report after Ctrl-C");
    validate_against_schema(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(report["stats"]["interrupted"], true);
    assert!(
        service(&report, "127.0.64.1", 6379).is_some(),
        "the redis found before the interrupt is reported"
    );
    let sent = report["stats"]["probes_sent"].as_u64().unwrap();
    assert!(
        sent < 10_000,
        "the rate limit held before the interrupt: {sent} probes"
    );
}

#[test]
fn rate_limit_spaces_out_probes() {
    // 300 probes at 100/s cannot finish in under ~3 s (a lower bound, not a timing assertion).
    let t0 = Instant::now();
    let (report, _) = scan_json(&[
        "127.0.64.0/24",
        "-p",
        "1,2",
        "--rate",
        "100",
        "--concurrency",
        "50",
    ]);
    let limit_check = &report["stats"]["probes_sent"];
    assert_eq!(limit_check, 512);
    assert!(
        t0.elapsed() >= Duration::from_millis(5000),
        "512 probes at 100/s took only {:?}",
        t0.elapsed()
    );
}

#[test]
fn verbose_logs_show_each_exchange_and_quiet_shows_nothing() {
    let Some(_redis) = redis("127.0.64.2", 6379, None) else {
        return unavailable("redis-server");
    };
    let out = aimap(&[
        "scan",
        "127.0.64.2",
        "-p",
        "6379",
        "-vv",
        "--fail-on",
        "none",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("exchange") && err.contains("INFO server"),
        "{err}"
    );
    let out = aimap(&[
        "scan",
        "127.0.64.2",
        "-p",
        "6379",
        "-q",
        "--fail-on",
        "none",
    ]);
    assert!(
        out.stderr.is_empty(),
        "quiet, and no progress bar off a terminal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ipv6_loopback_is_scanned() {
    let Some(_redis) = redis("::1", 16401, None) else {
        return unavailable("redis-server");
    };
    let (report, _) = scan_json(&["::1", "-p", "16401"]);
    let s = service(&report, "::1", 16401).expect("redis on ::1");
    assert_eq!(s["service"], "redis");
    assert_eq!(s["findings"][0]["subject"]["host"], "::1");
}

#[test]
fn hostnames_resolve() {
    let (report, out) = scan_json(&["localhost", "-p", "1"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(report["stats"]["probes_planned"].as_u64().unwrap() >= 1);
}

#[test]
fn ctrl_c_stops_an_unthrottled_scan_too() {
    // Without --rate, connects to closed loopback ports finish inside the
    // syscall and never touch the reactor: the drivers must still yield so
    // the Ctrl-C listener runs. 6.5 million probes would take minutes.
    let child = Command::new(aimap_bin())
        .args([
            "scan",
            "127.92.0.0/16",
            "-p",
            "1-100",
            "--format",
            "json",
            "--fail-on",
            "none",
            "-q",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let t0 = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "stopping took {:?}",
        t0.elapsed()
    );
    assert_eq!(out.status.code(), Some(130));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stats"]["interrupted"], true);
}
