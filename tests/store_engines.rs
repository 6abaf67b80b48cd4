//! The store's public API against both engines for real: a SQLite file in
//! a temp dir and a PostgreSQL server started on loopback (Debian's
//! postgresql, installed by scripts/test.sh). Every test runs once per
//! engine through the same code.
mod common;

use std::sync::OnceLock;

use aimap_model::{AuthVerdict, Checkpoint, Finding, FindingKind, Service, Severity, Subject};
use aimap_store::{
    ComponentRow, Location, NewRun, RunKind, RunStatus, RunWriter, ShardProgress, Store,
};

/// One PostgreSQL server per test binary; each test gets its own database.
fn postgres_server() -> Option<&'static str> {
    static PG: OnceLock<Option<(common::Server, &'static str)>> = OnceLock::new();
    PG.get_or_init(|| {
        let server = common::postgres("127.60.0.2", 54360, true)?;
        Some((server, "postgres://postgres@127.60.0.2:54360"))
    })
    .as_ref()
    .map(|(_, url)| *url)
}

/// A fresh, empty store on `engine`; `None` (skipped) when PostgreSQL is
/// not installed and real servers are not required.
async fn fresh(engine: &str, name: &str) -> Option<(Store, Location, Option<tempfile::TempDir>)> {
    match engine {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let loc = Location::Sqlite(dir.path().join("sub/aimap.db"));
            Some((Store::open(&loc).await.unwrap(), loc, Some(dir)))
        }
        _ => {
            let Some(base) = postgres_server() else {
                common::unavailable("PostgreSQL (Debian postgresql)");
                return None;
            };
            let admin = Store::open(&Location::parse(&format!("{base}/postgres")).unwrap())
                .await
                .unwrap();
            let db = format!("t_{name}");
            let drop = format!("DROP DATABASE IF EXISTS {db}");
            let create = format!("CREATE DATABASE {db}");
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(admin.raw_pool())
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(admin.raw_pool())
                .await
                .unwrap();
            admin.close().await;
            let loc = Location::parse(&format!("{base}/{db}")).unwrap();
            Some((Store::open(&loc).await.unwrap(), loc, None))
        }
    }
}

macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name("sqlite", concat!("s_", stringify!($name))).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name("postgres", stringify!($name)).await } )* }
    };
}

both_engines!(
    migrations_are_idempotent_and_concurrent,
    results_round_trip_and_keep_identity,
    shards_checkpoint_and_resume,
    probe_errors_are_kept_across_attempts_and_pruned,
    diff_names_exactly_the_changes,
    prune_keeps_everything_newer,
    runs_resolve_by_prefix_and_last,
    concurrent_writers_lose_nothing,
);

fn service(host: &str, port: u16, name: &str, version: Option<&str>, auth: AuthVerdict) -> Service {
    let mut findings = Vec::new();
    if auth == AuthVerdict::None {
        findings.push(finding(
            &format!("{name}-unauthenticated"),
            host,
            port,
            name,
            Severity::High,
        ));
    }
    Service {
        host: host.into(),
        port,
        service: name.into(),
        product: name.to_uppercase(),
        version: version.map(str::to_string),
        version_source: None,
        version_candidates: Vec::new(),
        confidence: Default::default(),
        labels: Vec::new(),
        purl: None,
        auth,
        capabilities: Default::default(),
        transport: "http".into(),
        tls: None,
        details: Default::default(),
        evidence: Vec::new(),
        findings,
        vulnerabilities: Vec::new(),
        possible_vulnerabilities: Vec::new(),
    }
}

fn finding(id: &str, host: &str, port: u16, service: &str, severity: Severity) -> Finding {
    Finding {
        id: id.into(),
        kind: FindingKind::Exposure,
        severity,
        title: format!("{service} answers without credentials"),
        description: String::new(),
        subject: Subject::Service {
            host: host.into(),
            port,
            service: service.into(),
        },
        evidence: "GET /api/tags → 200".into(),
        remediation: "bind to 127.0.0.1".into(),
        references: vec![],
    }
}

fn new_run(scope: &str) -> NewRun {
    NewRun {
        id: None,
        kind: RunKind::Scan,
        scope: scope.into(),
        label: format!("scan {scope}"),
        params: serde_json::json!({"targets": [scope]}),
        shard_count: 1,
        parent: None,
    }
}

async fn store_run(store: &Store, scope: &str, services: &[Service]) -> String {
    let run = store.begin_run(&new_run(scope)).await.unwrap();
    let mut w = RunWriter::new(store, &run.id);
    for s in services {
        w.service(s).unwrap();
    }
    w.finish(RunStatus::Done).await.unwrap();
    run.id
}

async fn migrations_are_idempotent_and_concurrent(engine: &str, name: &str) {
    let Some((store, loc, _dir)) = fresh(engine, name).await else {
        return;
    };
    store.close().await;
    // Eight openers at once on an already-migrated store, then again.
    let opens = (0..8).map(|_| {
        let loc = loc.clone();
        tokio::spawn(async move { Store::open(&loc).await.map(|_| ()) })
    });
    for r in futures_join(opens).await {
        r.unwrap();
    }
    let store = Store::open(&loc).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM aimap_schema")
        .fetch_one(store.raw_pool())
        .await
        .unwrap();
    assert_eq!(
        n as usize,
        aimap_store::MIGRATION_COUNT,
        "one row per migration, applied once"
    );
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn results_round_trip_and_keep_identity(engine: &str, name: &str) {
    let Some((store, _loc, _dir)) = fresh(engine, name).await else {
        return;
    };
    let services = vec![
        service(
            "127.0.0.1",
            11434,
            "ollama",
            Some("0.1.32"),
            AuthVerdict::None,
        ),
        service("::1", 6379, "redis", None, AuthVerdict::Required),
    ];
    let run = store.begin_run(&new_run("a")).await.unwrap();
    assert_eq!(run.status, RunStatus::Running);
    let mut w = RunWriter::new(&store, &run.id);
    for s in &services {
        w.service(s).unwrap();
    }
    // The same service twice (a re-probe after a resume) is stored once.
    w.service(&services[0]).unwrap();
    w.component(ComponentRow {
        key: "pkg:pypi/chromadb@0.4.0".into(),
        name: "chromadb".into(),
        version: Some("0.4.0".into()),
        purl: Some("pkg:pypi/chromadb@0.4.0".into()),
        ecosystem: "pypi".into(),
        body: serde_json::json!({"name": "chromadb", "note": "ünïcode ✓"}),
    });
    w.finish(RunStatus::Done).await.unwrap();

    let back = store.services(&run.id).await.unwrap();
    assert_eq!(back.len(), 2);
    assert!(back.contains(&services[0]) && back.contains(&services[1]));
    let findings = store.findings(&run.id).await.unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].fingerprint,
        "ollama-unauthenticated@127.0.0.1:11434"
    );
    assert_eq!(findings[0].finding, services[0].findings[0]);
    let first = findings[0].first_seen_ms.expect("first seen");
    let comps = store.components(&run.id).await.unwrap();
    assert_eq!(comps.len(), 1);
    assert_eq!(comps[0].body["note"], "ünïcode ✓");
    let summary = store
        .summarize(store.resolve(&run.id).await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        (summary.services, summary.components, summary.findings),
        (2, 1, 1)
    );
    assert_eq!(summary.by_severity[Severity::High.rank() as usize], 1);
    assert_eq!(summary.run.status, RunStatus::Done);
    assert!(summary.run.finished_ms.is_some());

    // A later run with the same finding keeps its first-seen time.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let later = store_run(&store, "a", &services[..1]).await;
    let again = store.findings(&later).await.unwrap();
    assert_eq!(again[0].first_seen_ms, Some(first));
}

async fn shards_checkpoint_and_resume(engine: &str, name: &str) {
    let Some((store, _loc, _dir)) = fresh(engine, name).await else {
        return;
    };
    let mut new = new_run("sharded");
    new.id = Some("run-shards".into());
    new.shard_count = 2;
    store.begin_run(&new).await.unwrap();
    // Another worker joins with the same parameters; a wrong shard count is refused.
    store.begin_run(&new).await.unwrap();
    let mut wrong = new.clone();
    wrong.shard_count = 3;
    let err = store.begin_run(&wrong).await.unwrap_err().to_string();
    assert!(err.contains("already exists"), "{err}");

    let start = store.begin_shard("run-shards", 0, 100).await.unwrap();
    assert_eq!((start.attempts, start.checkpoint.done_count()), (1, 0));
    let mut w = RunWriter::for_shard(&store, "run-shards", 0, start);
    w.service(&service("127.0.0.1", 1, "a", None, AuthVerdict::Unknown))
        .unwrap();
    let cp = Checkpoint {
        watermark: 40,
        ranges: vec![(50, 60)],
    };
    w.checkpoint(
        cp.clone(),
        ShardProgress {
            probes_sent: 50,
            open_ports: 1,
        },
    );
    w.flush().await.unwrap();
    drop(w); // the worker dies here

    let resumed = store.begin_shard("run-shards", 0, 100).await.unwrap();
    assert_eq!(resumed.checkpoint, cp);
    assert_eq!(
        (resumed.attempts, resumed.probes_sent, resumed.services),
        (2, 50, 1)
    );
    assert!(!resumed.already_done);
    let err = store
        .begin_shard("run-shards", 0, 99)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("differ"), "{err}");

    let mut w = RunWriter::for_shard(&store, "run-shards", 0, resumed);
    w.service(&service("127.0.0.1", 2, "b", None, AuthVerdict::Unknown))
        .unwrap();
    w.checkpoint(
        Checkpoint {
            watermark: 100,
            ranges: vec![],
        },
        ShardProgress {
            probes_sent: 50,
            open_ports: 1,
        },
    );
    w.finish(RunStatus::Done).await.unwrap();
    // One shard of two done: the run is not.
    assert_eq!(
        store.resolve("run-shards").await.unwrap().status,
        RunStatus::Running
    );
    let shards = store.shards("run-shards").await.unwrap();
    assert_eq!(shards.len(), 1);
    assert_eq!(
        (shards[0].done, shards[0].probes_sent, shards[0].services),
        (100, 100, 2)
    );

    let s1 = store.begin_shard("run-shards", 1, 100).await.unwrap();
    let mut w = RunWriter::for_shard(&store, "run-shards", 1, s1);
    w.checkpoint(
        Checkpoint {
            watermark: 100,
            ranges: vec![],
        },
        ShardProgress::default(),
    );
    w.finish(RunStatus::Done).await.unwrap();
    assert_eq!(
        store.resolve("run-shards").await.unwrap().status,
        RunStatus::Done
    );
    let again = store.begin_shard("run-shards", 1, 100).await.unwrap();
    assert!(again.already_done);
}

/// A failed probe is committed with the checkpoint that finishes its
/// position, so a resumed run (which will not probe it again) still
/// reports it; a second record of the same port does not duplicate it.
async fn probe_errors_are_kept_across_attempts_and_pruned(engine: &str, name: &str) {
    let Some((store, _loc, _dir)) = fresh(engine, name).await else {
        return;
    };
    let mut new = new_run("probe-errors");
    new.id = Some("run-perr".into());
    store.begin_run(&new).await.unwrap();
    let start = store.begin_shard("run-perr", 0, 10).await.unwrap();
    let mut w = RunWriter::for_shard(&store, "run-perr", 0, start);
    w.probe_error("127.0.0.2", 27017, "probe failed: not a char boundary");
    w.checkpoint(
        Checkpoint {
            watermark: 5,
            ranges: vec![],
        },
        ShardProgress::default(),
    );
    w.flush().await.unwrap();
    drop(w); // the worker dies here
    let resumed = store.begin_shard("run-perr", 0, 10).await.unwrap();
    let mut w = RunWriter::for_shard(&store, "run-perr", 0, resumed);
    w.probe_error("127.0.0.1", 8000, "probe did not finish within 16s");
    w.probe_error("127.0.0.2", 27017, "again");
    w.finish(RunStatus::Done).await.unwrap();
    assert_eq!(
        store.probe_errors("run-perr").await.unwrap(),
        [
            (
                "127.0.0.1".to_string(),
                8000,
                "probe did not finish within 16s".to_string()
            ),
            (
                "127.0.0.2".to_string(),
                27017,
                "probe failed: not a char boundary".to_string()
            ),
        ]
    );
    let later = aimap_store::now_ms() + 1000;
    assert_eq!(store.prune(later).await.unwrap().runs, 1);
    assert!(store.probe_errors("run-perr").await.unwrap().is_empty());
}

async fn diff_names_exactly_the_changes(engine: &str, name: &str) {
    let Some((store, _loc, _dir)) = fresh(engine, name).await else {
        return;
    };
    let a = store_run(
        &store,
        "net",
        &[
            service(
                "127.0.0.1",
                11434,
                "ollama",
                Some("0.1.32"),
                AuthVerdict::None,
            ),
            service("127.0.0.2", 6379, "redis", Some("7.0.0"), AuthVerdict::None),
            service(
                "127.0.0.3",
                8000,
                "chromadb",
                Some("1.0.0"),
                AuthVerdict::Required,
            ),
        ],
    )
    .await;
    let b = store_run(
        &store,
        "net",
        &[
            service(
                "127.0.0.1",
                11434,
                "ollama",
                Some("0.5.0"),
                AuthVerdict::None,
            ),
            service(
                "127.0.0.2",
                6379,
                "redis",
                Some("7.0.0"),
                AuthVerdict::Required,
            ),
            service("127.0.0.4", 8888, "jupyter", None, AuthVerdict::None),
        ],
    )
    .await;
    let (ra, rb) = (
        store.resolve(&a).await.unwrap(),
        store.resolve(&b).await.unwrap(),
    );
    assert_eq!(
        store.previous_comparable(&rb).await.unwrap().map(|r| r.id),
        Some(a.clone())
    );
    assert_eq!(store.previous_comparable(&ra).await.unwrap(), None);
    let d = store.diff(&ra, &rb).await.unwrap();
    let keys = |v: &[aimap_store::ServiceBrief]| {
        v.iter()
            .map(|s| format!("{}:{}", s.host, s.port))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&d.services.new), ["127.0.0.4:8888"]);
    assert_eq!(keys(&d.services.gone), ["127.0.0.3:8000"]);
    let changed: Vec<_> = d
        .services
        .changed
        .iter()
        .map(|c| (c.after.port, c.changed.clone()))
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(changed.contains(&(11434, vec!["version"])));
    assert!(changed.contains(&(6379, vec!["auth"])));
    let fps = |v: &[aimap_store::FindingBrief]| {
        v.iter().map(|f| f.fingerprint.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        fps(&d.findings.new),
        ["jupyter-unauthenticated@127.0.0.4:8888"]
    );
    assert_eq!(
        fps(&d.findings.gone),
        ["redis-unauthenticated@127.0.0.2:6379"]
    );
    assert!(d.findings.changed.is_empty());
    assert_eq!(d.worsened().count(), 1);
    assert_eq!(d.newly_open().map(|s| s.port).collect::<Vec<_>>(), [8888]);
    // A run against itself has no changes.
    assert!(store.diff(&rb, &rb).await.unwrap().is_empty());
}

async fn prune_keeps_everything_newer(engine: &str, name: &str) {
    let Some((store, _loc, _dir)) = fresh(engine, name).await else {
        return;
    };
    let svc = service("127.0.0.1", 11434, "ollama", None, AuthVerdict::None);
    let other = service("127.0.0.9", 8888, "jupyter", None, AuthVerdict::None);
    let old = store_run(&store, "p", &[svc.clone(), other]).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let cutoff = aimap_store::now_ms();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let new = store_run(&store, "p", &[svc]).await;
    let before = store.findings(&new).await.unwrap();
    let stats = store.prune(cutoff).await.unwrap();
    assert_eq!((stats.runs, stats.services, stats.findings), (1, 2, 2));
    assert!(matches!(
        store.resolve(&old).await,
        Err(aimap_store::StoreError::NoRun(_))
    ));
    // The kept run is whole, its finding still dates from the old run.
    assert_eq!(store.findings(&new).await.unwrap(), before);
    assert_eq!(store.services(&new).await.unwrap().len(), 1);
    let orphans: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM first_seen")
        .fetch_one(store.raw_pool())
        .await
        .unwrap();
    assert_eq!(
        orphans, 1,
        "the pruned-only finding's first-seen row is gone"
    );
    assert_eq!(store.prune(cutoff).await.unwrap().runs, 0);
}

async fn runs_resolve_by_prefix_and_last(engine: &str, name: &str) {
    let Some((store, _loc, _dir)) = fresh(engine, name).await else {
        return;
    };
    for id in ["abc-1", "abc-2", "xyz_1"] {
        let mut n = new_run(id);
        n.id = Some(id.into());
        store.begin_run(&n).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let mut inv = new_run("inv");
    inv.id = Some("inv-1".into());
    inv.kind = RunKind::Inventory;
    store.begin_run(&inv).await.unwrap();
    assert_eq!(store.resolve("xyz").await.unwrap().id, "xyz_1");
    assert_eq!(store.resolve("abc-1").await.unwrap().id, "abc-1");
    let err = store.resolve("abc").await.unwrap_err().to_string();
    assert!(
        err.contains("ambiguous") && err.contains("abc-1") && err.contains("abc-2"),
        "{err}"
    );
    // `_` and `%` are not wildcards.
    assert!(store.resolve("xyz%").await.is_err());
    assert!(store.resolve("abc_1").await.is_err());
    assert_eq!(store.resolve("last").await.unwrap().id, "inv-1");
    assert_eq!(store.resolve("last:scan").await.unwrap().id, "xyz_1");
    assert!(store.resolve("last:nope").await.is_err());
    let list = store.list_runs(10, Some(RunKind::Scan)).await.unwrap();
    assert_eq!(
        list.iter().map(|r| r.run.id.as_str()).collect::<Vec<_>>(),
        ["xyz_1", "abc-2", "abc-1"]
    );
}

async fn concurrent_writers_lose_nothing(engine: &str, name: &str) {
    let Some((store, loc, _dir)) = fresh(engine, name).await else {
        return;
    };
    store.close().await;
    // Separate pools (as separate processes would have), writing at once.
    let writers = (0..4u16).map(|k| {
        let loc = loc.clone();
        tokio::spawn(async move {
            let store = Store::open(&loc).await.unwrap();
            let run = store.begin_run(&new_run(&format!("w{k}"))).await.unwrap();
            let mut w = RunWriter::new(&store, &run.id);
            for i in 0..3000u16 {
                w.service(&service(
                    &format!("127.0.{k}.{}", i % 250),
                    1000 + i,
                    "ollama",
                    None,
                    AuthVerdict::None,
                ))
                .unwrap();
                if w.wants_flush() {
                    w.flush().await.unwrap();
                }
            }
            w.finish(RunStatus::Done).await.unwrap();
            run.id
        })
    });
    let ids = futures_join(writers).await;
    let store = Store::open(&loc).await.unwrap();
    for id in ids {
        let s = store
            .summarize(store.resolve(&id).await.unwrap())
            .await
            .unwrap();
        assert_eq!((s.services, s.findings), (3000, 3000), "{id}");
    }
}
