//! A local simulation of the Kubernetes Indexed Job (deploy/kubernetes):
//! N worker processes, each told its shard by JOB_COMPLETION_INDEX, scan a
//! loopback farm of real redis-servers (plus emulators of servers that
//! cannot be installed here) into one real PostgreSQL. One worker is
//! killed with SIGKILL mid-shard and started again, as the Job would.
//! The stored run must equal an unsharded scan, with no duplicates.
mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aimap_farm::{start, Emulator};
use common::*;
use serde_json::Value;

fn pg_base() -> Option<&'static str> {
    static PG: OnceLock<Option<(Server, &'static str)>> = OnceLock::new();
    PG.get_or_init(|| {
        let server = postgres("127.60.2.2", 54362, true)?;
        Some((server, "postgres://postgres@127.60.2.2:54362/postgres"))
    })
    .as_ref()
    .map(|(_, u)| *u)
}

fn services(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{} {} {} {}",
                s["host"], s["port"], s["service"], s["version"], s["auth"]
            )
        })
        .collect()
}

/// The command one pod of the Job runs (deploy/kubernetes/job.yaml).
fn worker(db: &str, run: &str, range: &[&str; 3], shards: u64, index: u64, rate: &str) -> Child {
    aimap_cmd()
        .args([
            "--db",
            db,
            "scan",
            range[0],
            "-p",
            "6379,11434",
            range[1],
            range[2],
            "--shard-count",
            &shards.to_string(),
            "--run-id",
            run,
            "--rate",
            rate,
            "--format",
            "jsonl",
            "--fail-on",
            "none",
            "-q",
        ])
        .env("JOB_COMPLETION_INDEX", index.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn simulate(shards: u64, third: u8, rate: &str) {
    let Some(base) = pg_base() else {
        return unavailable("PostgreSQL (Debian postgresql)");
    };
    let net = format!("127.65.{third}");
    let last = format!("127.65.{}", third + 3);
    // The farm's .250-.255 hosts are excluded: the server there must never
    // be reported, whichever shard its probes fall in.
    let (cidr, excluded) = (format!("{net}.0/22"), format!("{last}.250-{last}.255"));
    let range = [cidr.as_str(), "--exclude", excluded.as_str()];
    let (Some(_r1), Some(_r2), Some(_r3), Some(_excluded)) = (
        redis(&format!("{net}.7"), 6379, None),
        redis(&format!("127.65.{}.130", third + 1), 6379, Some("s3cret")),
        redis(&format!("127.65.{}.66", third + 2), 6379, None),
        redis(&format!("{last}.251"), 6379, None),
    ) else {
        return unavailable("redis-server");
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _ollama: Vec<_> = [format!("{net}.200:11434"), format!("{last}.9:11434")]
        .iter()
        .map(|a| {
            rt.block_on(start(
                Emulator::Ollama {
                    version: "0.1.32".into(),
                    models: vec!["llama3:8b".into()],
                },
                a.parse::<SocketAddr>().unwrap(),
            ))
            .unwrap()
        })
        .collect();

    let reference = aimap(&[
        "--no-store",
        "scan",
        range[0],
        "-p",
        "6379,11434",
        range[1],
        range[2],
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let reference = json_of(&reference);
    let want = services(&reference["services"]);
    assert_eq!(want.len(), 5, "{want:?}");
    assert!(!want.iter().any(|s| s.contains(".251")), "exclusions hold");

    let run = format!("sim-{shards}");
    // Pod 1's first attempt runs at a quarter of the rate (the rate is not
    // part of what workers must agree on), so the test sees it mid-shard
    // however busy the machine is; its restart runs at the common rate.
    let slow = (rate.parse::<u64>().unwrap() / 4).max(1).to_string();
    let mut workers: Vec<Child> = (0..shards)
        .map(|i| {
            worker(
                base,
                &run,
                &range,
                shards,
                i,
                if i == 1 { &slow } else { rate },
            )
        })
        .collect();
    // Pod 1 dies mid-shard, once its shard row shows progress (a committed
    // checkpoint, not a guessed delay); the Job starts it again.
    // None until the run exists (the workers create it as they start).
    let status_of = |run: &str| -> Option<Value> {
        let out = aimap(&["--db", base, "run", "status", run, "--format", "json"]);
        serde_json::from_slice(&out.stdout).ok()
    };
    let shard1 = |status: &Value| -> Option<Value> {
        status["shards"]
            .as_array()?
            .iter()
            .find(|s| s["shard"] == 1)
            .cloned()
    };
    wait_until(
        "shard 1 stored with some probes done",
        Duration::from_secs(90),
        || {
            let s = shard1(&status_of(&run)?)?;
            (s["done"].as_u64()? > 0 || s["status"] != "running").then_some(())
        },
    );
    workers[1].kill().unwrap();
    workers[1].wait().unwrap();
    let shard1 = status_of(&run)
        .and_then(|s| shard1(&s))
        .expect("shard 1 stored");
    assert_eq!(
        shard1["status"], "running",
        "killed before its end: {shard1}"
    );
    assert!(
        shard1["done"].as_u64() < shard1["total"].as_u64(),
        "{shard1}"
    );
    workers[1] = worker(base, &run, &range, shards, 1, rate);
    let t0 = Instant::now();
    for (i, w) in workers.into_iter().enumerate() {
        let out = w.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "worker {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(t0.elapsed() < Duration::from_secs(120));

    let status: Value = json_of(&aimap(&[
        "--db", base, "run", "status", &run, "--format", "json",
    ]));
    assert_eq!(status["run"]["status"], "done", "{status}");
    assert_eq!(status["shards_done"], shards);
    let all = status["shards"].as_array().unwrap();
    assert_eq!(all.len() as u64, shards);
    for s in all {
        assert_eq!(s["done"], s["total"], "{s}");
        let attempts = if s["shard"] == 1 { 2 } else { 1 };
        assert_eq!(s["attempts"], attempts, "{s}");
    }
    // Every probe of the space was sent once, apart from what was in
    // flight when the worker died (at most its concurrency).
    let sent: u64 = all.iter().map(|s| s["probes_sent"].as_u64().unwrap()).sum();
    let probes = reference["stats"]["probes_planned"].as_u64().unwrap();
    assert!(
        sent >= probes && sent <= probes + 1024,
        "{sent} probes for a space of {probes}"
    );

    let shown = json_of(&aimap(&["--db", base, "show", &run, "--format", "json"]));
    assert_eq!(
        services(&shown["services"]),
        want,
        "the sharded run equals the unsharded scan"
    );
    assert_eq!(
        shown["services"].as_array().unwrap().len(),
        want.len(),
        "no duplicates"
    );
    let want_findings: usize = reference["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["findings"].as_array().unwrap().len())
        .sum();
    assert_eq!(shown["findings"].as_array().unwrap().len(), want_findings);
    let listed = json_of(&aimap(&["--db", base, "runs", "--format", "json"]));
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["id"] == run.as_str())
            .count(),
        1,
        "one run, not {shards}"
    );
}

#[test]
fn four_workers_with_one_killed_equal_an_unsharded_scan() {
    // 1,018 hosts x 2 ports over 4 shards: ~500 probes per shard at 60/s,
    // about 8 s each: time enough to see shard 1 mid-way on a busy machine.
    simulate(4, 0, "60");
}

#[test]
fn sixteen_workers_with_one_killed_equal_an_unsharded_scan() {
    // ~127 probes per shard at 16/s, about 8 s each.
    simulate(16, 8, "16");
}

#[test]
fn workers_that_disagree_are_refused() {
    let Some(base) = pg_base() else {
        return unavailable("PostgreSQL (Debian postgresql)");
    };
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "--db",
            base,
            "scan",
            "127.65.20.0/30",
            "-p",
            "1",
            "--run-id",
            "sim-bad",
            "-q",
            "--fail-on",
            "none",
        ];
        args.extend_from_slice(extra);
        aimap(&args)
    };
    assert_eq!(scan(&["--shard", "0/2"]).status.code(), Some(0));
    let other_seed = scan(&["--shard", "1/2", "--seed", "7"]);
    assert_eq!(other_seed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&other_seed.stderr).contains("another probe order"));
    let other_count = scan(&["--shard", "1/3"]);
    assert_eq!(other_count.status.code(), Some(2));
    let no_id = aimap(&[
        "--db",
        base,
        "scan",
        "127.65.20.0/30",
        "-p",
        "1",
        "--shard",
        "0/2",
    ]);
    assert_eq!(no_id.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_id.stderr).contains("--run-id"));
    let no_index = aimap_cmd()
        .args([
            "--db",
            base,
            "scan",
            "127.65.20.0/30",
            "-p",
            "1",
            "--shard-count",
            "2",
            "--run-id",
            "x",
        ])
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    assert_eq!(no_index.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_index.stderr).contains("JOB_COMPLETION_INDEX"));
}
