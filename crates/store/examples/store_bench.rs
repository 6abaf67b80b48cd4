//! Store benchmark (run by benches/store.sh): insert N findings through the
//! batch writer, then diff two runs of M services. Prints one JSON line.
//!
//!   cargo run --release -p aimap-store --example store_bench -- DB_URL [FINDINGS] [SERVICES]
use std::time::Instant;

use aimap_model::{AuthVerdict, Finding, FindingKind, Service, Severity, Subject};
use aimap_store::{Location, NewRun, RunKind, RunStatus, RunWriter, Store};

fn finding(i: u64) -> Finding {
    let host = format!("127.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    Finding {
        id: format!("rule-{}", i % 37),
        kind: FindingKind::Exposure,
        severity: Severity::ALL[(i % 5) as usize],
        title: "Ollama answers without authentication".into(),
        description: String::new(),
        subject: Subject::Service {
            host,
            port: 11434,
            service: "ollama".into(),
        },
        evidence: "GET /api/tags → 200: {\"models\":[{\"name\":\"llama3:8b\"}]}".into(),
        remediation: "Bind Ollama to loopback and put an authenticating proxy in front.".into(),
        references: vec!["https://github.com/ollama/ollama/blob/main/docs/faq.md".into()],
    }
}

fn service(i: u64, version: &str) -> Service {
    Service {
        host: format!("127.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
        port: 11434,
        service: "ollama".into(),
        product: "Ollama".into(),
        version: Some(version.into()),
        version_source: None,
        version_candidates: Vec::new(),
        confidence: Default::default(),
        labels: Vec::new(),
        purl: Some(format!("pkg:golang/github.com/ollama/ollama@{version}")),
        auth: AuthVerdict::None,
        capabilities: Default::default(),
        transport: "http".into(),
        tls: None,
        details: Default::default(),
        evidence: Vec::new(),
        findings: Vec::new(),
        vulnerabilities: Vec::new(),
        possible_vulnerabilities: Vec::new(),
    }
}

fn run(kind: &str) -> NewRun {
    NewRun {
        id: None,
        kind: RunKind::Scan,
        scope: format!("bench-{kind}"),
        label: kind.into(),
        params: serde_json::json!({}),
        shard_count: 1,
        parent: None,
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: store_bench DB_URL [FINDINGS] [SERVICES]")?;
    let findings: u64 = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let services: u64 = args.next().map_or(Ok(100_000), |s| s.parse())?;
    let store = Store::open(&Location::parse(&url)?).await?;

    let t0 = Instant::now();
    let r = store.begin_run(&run("insert")).await?;
    let mut w = RunWriter::new(&store, &r.id);
    for i in 0..findings {
        w.finding(&finding(i))?;
        if w.wants_flush() {
            w.flush().await?;
        }
    }
    w.finish(RunStatus::Done).await?;
    let insert_s = t0.elapsed().as_secs_f64();

    // Two runs of the same scope: 1% upgraded, 0.5% gone, 0.5% new.
    let mut ids = Vec::new();
    for (k, upgrade) in [(0u64, false), (1, true)] {
        let r = store.begin_run(&run("diff")).await?;
        let mut w = RunWriter::new(&store, &r.id);
        for i in 0..services {
            if k == 1 && i % 200 == 0 {
                continue; // gone
            }
            let v = if upgrade && i % 100 == 1 {
                "0.5.0"
            } else {
                "0.1.32"
            };
            w.service(&service(i, v))?;
            if w.wants_flush() {
                w.flush().await?;
            }
        }
        if k == 1 {
            for i in services..services + services / 200 {
                w.service(&service(i, "0.5.0"))?;
            }
        }
        w.finish(RunStatus::Done).await?;
        ids.push(store.resolve(&r.id).await?);
    }
    let t1 = Instant::now();
    let d = store.diff(&ids[0], &ids[1]).await?;
    let diff_s = t1.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "backend": format!("{:?}", store.backend()),
            "findings": findings,
            "insert_seconds": insert_s,
            "findings_per_second": findings as f64 / insert_s,
            "services_per_run": services,
            "diff_seconds": diff_s,
            "diff": {"new": d.services.new.len(), "gone": d.services.gone.len(), "changed": d.services.changed.len()},
            "peak_rss_mib": peak_rss_kib() as f64 / 1024.0,
        })
    );
    store.close().await;
    Ok(())
}
