//! Fills a store for benches/serve.sh: one large scan run (FINDINGS
//! findings over FINDINGS/5 services) after nine small ones, so the
//! overview has a trend to draw.
//!
//!   cargo run --release -p aimap-web --example fill_store -- DB_URL [FINDINGS]
use aimap_model::{AuthVerdict, Evidence, Finding, FindingKind, Service, Severity, Subject};
use aimap_store::{Location, NewRun, RunKind, RunStatus, RunWriter, Store};

fn host(i: u64) -> String {
    format!("127.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

fn service(i: u64) -> Service {
    let product = ["Ollama", "ChromaDB", "Redis", "NVIDIA Triton", "vLLM"][(i % 5) as usize];
    Service {
        host: host(i),
        port: 11434,
        service: product.to_lowercase(),
        product: product.into(),
        version: Some(format!("0.{}.{}", i % 7, i % 11)),
        version_source: None,
        version_candidates: Vec::new(),
        confidence: Default::default(),
        labels: Vec::new(),
        purl: None,
        auth: if i.is_multiple_of(3) {
            AuthVerdict::Required
        } else {
            AuthVerdict::None
        },
        capabilities: Default::default(),
        transport: "http".into(),
        tls: None,
        details: Default::default(),
        evidence: vec![Evidence {
            probe: "models".into(),
            request: "GET /api/tags".into(),
            status: Some(200),
            excerpt: "{\"models\":[{\"name\":\"llama3:8b\"}]}".into(),
        }],
        findings: Vec::new(),
        vulnerabilities: Vec::new(),
        possible_vulnerabilities: Vec::new(),
    }
}

fn finding(i: u64, k: u64) -> Finding {
    Finding {
        id: if k == 0 {
            "ollama-unauthenticated".into()
        } else {
            format!("GO-2024-{:04}", k * 97 % 1000)
        },
        kind: if k == 0 {
            FindingKind::Exposure
        } else {
            FindingKind::Vulnerability
        },
        severity: Severity::ALL[((i + k) % 5) as usize],
        title: format!("Finding {k} on service {i}"),
        description: String::new(),
        subject: Subject::Service {
            host: host(i),
            port: 11434,
            service: "ollama".into(),
        },
        evidence: "GET /api/tags → 200: {\"models\":[{\"name\":\"llama3:8b\"}]}".into(),
        remediation: "Upgrade, and bind to loopback behind an authenticating proxy.".into(),
        references: vec!["https://example.invalid/advisory".into()],
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: fill_store DB_URL [FINDINGS]")?;
    let findings: u64 = args.next().map_or(Ok(100_000), |s| s.parse())?;
    let store = Store::open(&Location::parse(&url)?).await?;
    for round in 0..10u64 {
        let n = if round == 9 {
            findings
        } else {
            1_000 * (round + 1)
        };
        let run = store
            .begin_run(&NewRun {
                id: None,
                kind: RunKind::Scan,
                scope: "bench".into(),
                label: "bench farm".into(),
                params: serde_json::json!({}),
                shard_count: 1,
                parent: None,
            })
            .await?;
        let mut w = RunWriter::new(&store, &run.id);
        for i in 0..n.div_ceil(5) {
            w.service(&service(i))?;
            for k in 0..5 {
                if i * 5 + k < n {
                    w.finding(&finding(i, k))?;
                }
            }
            if w.wants_flush() {
                w.flush().await?;
            }
        }
        w.finish(RunStatus::Done).await?;
    }
    store.close().await;
    println!("filled {url}: {findings} findings in the newest run");
    Ok(())
}
