//! How a scan behaves: interruption, rate limit, logs, IPv6, TLS.
mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn ctrl_c_stops_cleanly_and_keeps_what_was_found() {
    use std::io::BufRead;
    let Some(_redis) = redis("127.0.64.1", 6379, None) else {
        return unavailable("redis-server");
    };
    // The redis hides in a range too large to finish at this rate; probes
    // go out in a pseudo-random order, so wait until its line streams out,
    // then interrupt.
    let mut child = common::aimap_cmd()
        .args([
            "scan",
            "127.0.64.1",
            "127.1.0.0/17",
            "-p",
            "6379",
            "--format",
            "jsonl",
            "--rate",
            "4000",
            "--fail-on",
            "none",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a line").unwrap();
    let found: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        (found["type"].as_str(), found["host"].as_str()),
        (Some("service"), Some("127.0.64.1"))
    );
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let t0 = Instant::now();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let out = child.wait_with_output().unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "stopping took {:?}",
        t0.elapsed()
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(rest.last().expect("a summary after Ctrl-C")).unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["stats"]["interrupted"], true);
    let sent = summary["stats"]["probes_sent"].as_u64().unwrap();
    assert!(sent < 32_768, "stopped before the end: {sent} probes");
    // The stored run is interrupted, holds the redis, and can be resumed.
    let run = summary["run"]["id"]
        .as_str()
        .expect("a stored run")
        .to_string();
    let shown = aimap(&["show", &run, "--format", "json"]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["status"], "interrupted");
    assert_eq!(shown["services"][0]["host"], "127.0.64.1");
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
fn rate_limit_paces_the_connects_themselves() {
    // 16 listeners, scanned at 8 probes/s with room for all 16 in flight:
    // the connects must arrive spread over ~2 s. (A driver that queued its
    // admitted probes while sleeping on the pacer once sent them all in
    // one burst at the end: same total time, no pacing at all.)
    use std::net::TcpListener;
    let listeners: Vec<TcpListener> = (0..16)
        .map(|i| {
            TcpListener::bind(("127.0.66.".to_string() + &(16 + i).to_string(), 4519)).unwrap()
        })
        .collect();
    let arrivals = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    for l in listeners {
        let arrivals = arrivals.clone();
        std::thread::spawn(move || {
            if let Ok((conn, _)) = l.accept() {
                arrivals.lock().unwrap().push(Instant::now());
                drop(conn);
            }
        });
    }
    let (report, _) = scan_json(&[
        "127.0.66.16/28",
        "-p",
        "4519",
        "--rate",
        "8",
        "--concurrency",
        "64",
    ]);
    assert_eq!(report["stats"]["probes_sent"], 16);
    let got = wait_until("every listener reached", Duration::from_secs(5), || {
        let a = arrivals.lock().unwrap();
        (a.len() == 16).then(|| a.clone())
    });
    let spread = *got.iter().max().unwrap() - *got.iter().min().unwrap();
    assert!(
        spread >= Duration::from_millis(1500),
        "16 connects at 8/s arrived within {spread:?}"
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
    let child = common::aimap_cmd()
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
    // Interrupt once the scan has installed its Ctrl-C handler (SIGINT in
    // the caught-signal mask), so a busy machine cannot make the signal
    // arrive before aimap listens for it.
    let pid = child.id();
    common::wait_until(
        "aimap installed its SIGINT handler",
        Duration::from_secs(60),
        || {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let mask = status.lines().find_map(|l| l.strip_prefix("SigCgt:"))?;
            let mask = u64::from_str_radix(mask.trim(), 16).ok()?;
            (mask & (1 << (libc::SIGINT - 1)) != 0).then_some(())
        },
    );
    // And once it is scanning: give the drivers a moment of real work.
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let t0 = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "stopping took {:?}",
        t0.elapsed()
    );
    assert_eq!(out.status.code(), Some(130));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stats"]["interrupted"], true);
}
