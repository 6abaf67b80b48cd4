//! Remembering runs, end to end through the binary, on both engines: a
//! SQLite file and a real PostgreSQL server (Debian postgresql, started on
//! loopback by the test). Servers are a real redis-server plus emulators
//! from crates/farm (Ollama and Triton cannot be installed here).
mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aimap_farm::{start, Emulator, Running};
use common::*;
use serde_json::Value;

/// One PostgreSQL server for this test binary; each test its own database.
fn pg_base() -> Option<&'static str> {
    static PG: OnceLock<Option<(Server, &'static str)>> = OnceLock::new();
    PG.get_or_init(|| {
        let server = postgres("127.60.1.2", 54361, true)?;
        Some((server, "postgres://postgres@127.60.1.2:54361"))
    })
    .as_ref()
    .map(|(_, u)| *u)
}

/// A fresh store URL for `engine`, with what keeps it alive.
fn fresh_db(engine: &str, name: &str) -> Option<(String, Option<tempfile::TempDir>)> {
    if engine == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("runs.db").display().to_string();
        return Some((url, Some(dir)));
    }
    let Some(base) = pg_base() else {
        unavailable("PostgreSQL (Debian postgresql)");
        return None;
    };
    let psql = postgres_bin("psql").expect("psql");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        let out = std::process::Command::new(&psql)
            .args([&format!("{base}/postgres"), "-qc", &sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some((format!("{base}/{name}"), None))
}

macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[test] fn $name() { super::$name("sqlite", concat!("h_", stringify!($name))) } )* }
        mod postgres { $( #[test] fn $name() { super::$name("postgres", concat!("h_", stringify!($name))) } )* }
    };
}

both_engines!(
    kill_9_then_resume_equals_an_uninterrupted_scan,
    diff_names_exactly_what_changed,
    concurrent_processes_lose_nothing,
    rematch_reports_what_newly_became_vulnerable,
);

fn with_db(db: &str, args: &[&str]) -> std::process::Output {
    let mut full = vec!["--db", db];
    full.extend_from_slice(args);
    aimap(&full)
}

/// (endpoint, service, version, auth) of every service in a report.
fn service_set(services: &Value) -> BTreeSet<String> {
    services
        .as_array()
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

fn emulators(rt: &tokio::runtime::Runtime, list: Vec<(Emulator, &str)>) -> Vec<Running> {
    list.into_iter()
        .map(|(e, a)| {
            rt.block_on(start(e, a.parse::<SocketAddr>().unwrap()))
                .unwrap()
        })
        .collect()
}

fn ollama(version: &str) -> Emulator {
    Emulator::Ollama {
        version: version.into(),
        models: vec!["llama3:8b".into()],
    }
}

fn kill_9_then_resume_equals_an_uninterrupted_scan(engine: &str, name: &str) {
    let Some((db, _keep)) = fresh_db(engine, name) else {
        return;
    };
    let octet = if engine == "sqlite" { 1 } else { 2 };
    // A /20 of its own per engine (127.62.16.0/20 and 127.62.32.0/20), away
    // from the other tests' servers.
    let net = format!("127.62.{}", octet * 16);
    let Some(_redis) = redis(&format!("{net}.99"), 6379, None) else {
        return unavailable("redis-server");
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let a = format!("{net}.17:11434");
    let b = format!("127.62.{}.200:11434", octet * 16 + 9);
    let c = format!("127.62.{}.5:8000", octet * 16 + 12);
    let d = format!("127.62.{}.7:11434", octet * 16 + 15);
    let _farm = emulators(
        &rt,
        vec![
            (ollama("0.1.32"), &a),
            (ollama("0.5.0"), &b),
            (
                Emulator::Triton {
                    version: "2.40.0".into(),
                    models: vec!["resnet".into()],
                    restricted: false,
                },
                &c,
            ),
            (Emulator::OllamaDecoy, &d),
        ],
    );
    // 4,096 hosts x 3 ports: about 12 s at this rate, killed at its first
    // committed checkpoint.
    let range = format!("{net}.0/20");
    let ports = "6379,8000,11434";
    let reference = aimap(&[
        "--no-store",
        "scan",
        &range,
        "-p",
        ports,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let reference = json_of(&reference);
    // The decoy only copies Ollama's banner: an open port, not a service.
    assert_eq!(
        reference["services"].as_array().unwrap().len(),
        4,
        "{}",
        reference["services"]
    );
    assert_eq!(reference["unidentified"], serde_json::json!([d]));

    let mut child = aimap_cmd()
        .args([
            "--db",
            &db,
            "scan",
            &range,
            "-p",
            ports,
            "--rate",
            "1000",
            "--format",
            "jsonl",
            "--fail-on",
            "none",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once a checkpoint is committed (progress stored), not after a
    // guessed delay: on a busy machine the first one can come late.
    wait_until(
        "the scan committed a checkpoint",
        Duration::from_secs(60),
        || {
            let out = with_db(&db, &["run", "status", "last", "--format", "json"]);
            let status: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
            (status["shards"][0]["done"].as_u64()? > 0).then_some(())
        },
    );
    child.kill().unwrap(); // SIGKILL: no handler runs
    let streamed = child.wait_with_output().unwrap();
    let lines = String::from_utf8_lossy(&streamed.stdout).lines().count();
    assert!(
        lines < 5,
        "the scan was killed before it ended ({lines} lines)"
    );

    let status = json_of(&with_db(
        &db,
        &["run", "status", "last", "--format", "json"],
    ));
    assert_eq!(
        status["run"]["status"], "running",
        "a killed run stays running: {status}"
    );
    let shard = &status["shards"][0];
    let (done, total) = (
        shard["done"].as_u64().unwrap(),
        shard["total"].as_u64().unwrap(),
    );
    assert!(done > 0 && done < total, "killed mid-shard: {done}/{total}");
    let run = status["run"]["id"].as_str().unwrap().to_string();

    let resumed = with_db(
        &db,
        &[
            "scan",
            "--resume",
            &run,
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let report = json_of(&resumed);
    validate_against_schema(&String::from_utf8_lossy(&resumed.stdout));
    assert_eq!(report["run"]["id"], run.as_str());
    assert_eq!(report["run"]["resumed"], true);
    // Nothing finished before the kill was probed again.
    let sent = report["stats"]["probes_sent"].as_u64().unwrap();
    assert!(
        sent <= total - done,
        "re-probed finished positions: {sent} > {total} - {done}"
    );

    // The union equals the uninterrupted scan, with no duplicates.
    assert_eq!(
        service_set(&report["services"]),
        service_set(&reference["services"])
    );
    let shown = json_of(&with_db(&db, &["show", &run, "--format", "json"]));
    assert_eq!(shown["status"], "done");
    assert_eq!(
        service_set(&shown["services"]),
        service_set(&reference["services"])
    );
    assert_eq!(shown["services"].as_array().unwrap().len(), 4);
    let want_findings: usize = reference["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["findings"].as_array().unwrap().len())
        .sum();
    assert_eq!(shown["findings"].as_array().unwrap().len(), want_findings);
    let status = json_of(&with_db(&db, &["run", "status", &run, "--format", "json"]));
    let shard = &status["shards"][0];
    assert_eq!(
        (shard["done"].as_u64(), shard["attempts"].as_u64()),
        (Some(total), Some(2))
    );
    assert_eq!(shard["services"], 4, "the shard's counter matches its rows");
    if engine == "sqlite" {
        let check = std::process::Command::new("python3")
            .args(["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", &db])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "ok");
    }
    // Resuming a finished run has nothing left to do.
    let again = json_of(&with_db(
        &db,
        &[
            "scan",
            "--resume",
            &run,
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
    ));
    assert_eq!(again["stats"]["probes_sent"], 0);
}

fn diff_names_exactly_what_changed(engine: &str, name: &str) {
    let Some((db, _keep)) = fresh_db(engine, name) else {
        return;
    };
    let n = if engine == "sqlite" { 40 } else { 41 };
    let (r1, r3) = (format!("127.61.{n}.1"), format!("127.61.{n}.3"));
    let Some(redis_a) = redis(&r1, 6379, None) else {
        return unavailable("redis-server");
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ollama_at = format!("127.61.{n}.2:11434");
    let farm = emulators(&rt, vec![(ollama("0.1.32"), &ollama_at)]);
    let range = format!("127.61.{n}.1-3");
    let scan = |db: &str| {
        with_db(
            db,
            &[
                "scan",
                &range,
                "-p",
                "6379,11434",
                "-q",
                "--fail-on",
                "none",
            ],
        )
    };
    assert_eq!(scan(&db).status.code(), Some(0));

    // Between the runs: redis A goes away, a password-protected redis
    // appears elsewhere, and Ollama is upgraded in place.
    drop(redis_a);
    drop(farm);
    let _redis_b = redis(&r3, 6379, Some("s3cret")).unwrap();
    let _farm = emulators(&rt, vec![(ollama("0.5.0"), &ollama_at)]);
    assert_eq!(scan(&db).status.code(), Some(0));

    let d = json_of(&with_db(&db, &["diff", "--format", "json"]));
    let eps = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{}:{}", s["host"].as_str().unwrap(), s["port"]))
            .collect()
    };
    assert_eq!(eps(&d["services"]["new"]), [format!("{r3}:6379")]);
    assert_eq!(eps(&d["services"]["gone"]), [format!("{r1}:6379")]);
    let changed = d["services"]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["after"]["port"], 11434);
    // The upgrade also changes which curated advisories apply.
    assert_eq!(
        changed[0]["changed"],
        serde_json::json!(["version", "vulnerabilities"])
    );
    assert_eq!(changed[0]["before"]["version"], "0.1.32");
    assert_eq!(changed[0]["after"]["version"], "0.5.0");
    // The open redis's findings are resolved; the locked one brings none
    // of them; Ollama's exposure finding keeps its identity.
    let fps = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let resolved = fps(&d["findings"]["gone"]);
    assert!(
        resolved.contains(&format!("redis-unauthenticated@{r1}:6379")),
        "{resolved:?}"
    );
    assert!(
        resolved
            .iter()
            .all(|f| f.ends_with(&format!("{r1}:6379")) || f.ends_with(":11434")),
        "{resolved:?}"
    );
    assert!(!fps(&d["findings"]["new"])
        .iter()
        .any(|f| f.starts_with("ollama-unauthenticated")));
    assert!(!resolved
        .iter()
        .any(|f| f.starts_with("ollama-unauthenticated")));

    // The same diff, named explicitly, in the other formats.
    let runs = json_of(&with_db(&db, &["runs", "--format", "json"]));
    let ids: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    let md = with_db(&db, &["diff", ids[1], ids[0], "--format", "markdown"]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("## Services: 1 new, 1 gone, 1 changed"), "{md}");
    assert!(md.contains("version 0.1.32 → 0.5.0"), "{md}");
    let table =
        String::from_utf8_lossy(&with_db(&db, &["diff", ids[1], ids[0]]).stdout).to_string();
    assert!(table.contains(&format!("+ {r3}:6379 redis")), "{table}");
}

fn concurrent_processes_lose_nothing(engine: &str, name: &str) {
    let Some((db, _keep)) = fresh_db(engine, name) else {
        return;
    };
    let n = if engine == "sqlite" { 50 } else { 51 };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addrs: Vec<String> = (1..=30).map(|i| format!("127.61.{n}.{i}:11434")).collect();
    let _farm = emulators(
        &rt,
        addrs
            .iter()
            .map(|a| (ollama("0.1.32"), a.as_str()))
            .collect(),
    );
    let workers = if engine == "sqlite" { 2 } else { 4 };
    let range = format!("127.61.{n}.0/24");
    let children: Vec<_> = (0..workers)
        .map(|_| {
            aimap_cmd()
                .args([
                    "--db",
                    &db,
                    "scan",
                    &range,
                    "-p",
                    "11434,11435",
                    "-q",
                    "--fail-on",
                    "none",
                    "--format",
                    "json",
                ])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ids = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let report = json_of(&out);
        assert_eq!(out.status.code(), Some(0), "errors: {}", report["errors"]);
        ids.push(report["run"]["id"].as_str().unwrap().to_string());
    }
    let runs = json_of(&with_db(&db, &["runs", "--format", "json"]));
    assert_eq!(runs.as_array().unwrap().len(), workers);
    for id in ids {
        let s = json_of(&with_db(&db, &["show", &id, "--format", "json"]));
        assert_eq!(s["status"], "done");
        assert_eq!(s["services"].as_array().unwrap().len(), 30, "{id}");
        // One exposure finding per Ollama; the curated advisories of 0.1.32
        // add vulnerability findings on top.
        let findings = s["findings"].as_array().unwrap();
        let exposures = findings
            .iter()
            .filter(|f| f["kind"] != "vulnerability")
            .count();
        assert_eq!(exposures, 30, "{id}");
        assert_eq!(findings.len() % 30, 0, "{id}: the same set on every server");
    }
}

fn rematch_reports_what_newly_became_vulnerable(engine: &str, name: &str) {
    let Some((db, _keep)) = fresh_db(engine, name) else {
        return;
    };
    let n = if engine == "sqlite" { 60 } else { 61 };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let at = format!("127.61.{n}.1:11434");
    let _farm = emulators(&rt, vec![(ollama("0.1.32"), &at)]);
    let advisories = tempfile::tempdir().unwrap();
    let adv = advisories.path().to_str().unwrap();
    let first = with_db(
        &db,
        &[
            "scan",
            &format!("127.61.{n}.1"),
            "-p",
            "11434",
            "--advisories",
            adv,
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
    );
    let first = json_of(&first);
    let before: Vec<&str> = first["services"][0]["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    // A fresh install knows Probllama from the built-in OSV snapshot (the
    // Go database's record, the curated one folded in as an alias).
    assert!(before.contains(&"GO-2024-2901"), "{before:?}");

    // A new advisory arrives (one no built-in data has), then rematch.
    let record = advisories.path().join("new.json");
    std::fs::write(
        &record,
        r#"{"id":"TEST-2026-0001","modified":"2026-11-01T00:00:00Z","summary":"test record","affected":[{"package":{"ecosystem":"Go","name":"github.com/ollama/ollama"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.2.0"}]}]}]}"#,
    )
    .unwrap();
    assert_eq!(
        aimap(&[
            "db",
            "--advisories",
            adv,
            "import",
            record.to_str().unwrap()
        ])
        .status
        .code(),
        Some(0)
    );
    let out = with_db(&db, &["rematch", "--advisories", adv, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = json_of(&out);
    let new: Vec<&str> = d["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(new, ["TEST-2026-0001"], "only the new record is new");
    let gone = d["findings"]["gone"].as_array().unwrap();
    assert!(gone.is_empty(), "{gone:?}");
    assert_eq!(d["to"]["parent"], first["run"]["id"]);
    let changed = d["services"]["changed"].as_array().unwrap();
    assert_eq!(
        changed[0]["changed"],
        serde_json::json!(["vulnerabilities"])
    );
    // The rematched run is stored, scanned nothing, and is the newest.
    let shown = json_of(&with_db(&db, &["show", "last", "--format", "json"]));
    assert_eq!(shown["id"], d["to"]["id"]);
    assert!(shown["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "TEST-2026-0001"));
}

#[test]
fn history_commands_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db").display().to_string();
    for (args, want) in [
        (vec!["show", "nope"], "no run matches"),
        (vec!["diff"], "no run matches"),
        (vec!["run", "status", "nope"], "no run matches"),
        (vec!["runs", "--kind", "boat"], "unknown run kind"),
    ] {
        let out = with_db(&db, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let out = aimap(&["--db", "mysql://x", "runs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
    // An explicit store that cannot be opened stops a scan before it probes.
    let out = aimap(&[
        "--db",
        "/proc/aimap/none.db",
        "scan",
        "127.61.70.1",
        "-p",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot"));
    // --no-store remembers nothing; --resume needs the store.
    let out = aimap(&[
        "--db",
        &db,
        "--no-store",
        "scan",
        "127.61.70.1",
        "-p",
        "1",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&with_db(&db, &["runs"]).stdout).contains("No runs"));
    let out = aimap(&["--no-store", "scan", "--resume", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn runs_show_and_prune() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db").display().to_string();
    for _ in 0..2 {
        assert_eq!(
            with_db(&db, &["scan", "127.61.71.1", "-p", "1", "-q"])
                .status
                .code(),
            Some(0)
        );
    }
    let table = String::from_utf8_lossy(&with_db(&db, &["runs"]).stdout).to_string();
    assert!(
        table.starts_with("RUN") && table.lines().count() == 3,
        "{table}"
    );
    let md = String::from_utf8_lossy(&with_db(&db, &["runs", "--format", "markdown"]).stdout)
        .to_string();
    assert!(md.starts_with("| RUN |"), "{md}");
    let out = with_db(&db, &["prune", "--keep", "1h"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("pruned 0 run(s)"));
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(1100));
    let out = with_db(&db, &["prune", "--keep", "1s"]);
    assert!(t0.elapsed() >= Duration::from_secs(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("pruned 2 run(s)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&with_db(&db, &["runs"]).stdout).contains("No runs"));
    assert_eq!(
        with_db(&db, &["prune", "--keep", "1y"]).status.code(),
        Some(2)
    );
}
