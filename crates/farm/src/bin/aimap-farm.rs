//! Start a farm of emulators on consecutive loopback addresses, print one
//! `addr` per line once all listen, and run until killed. For benchmarks:
//!
//! ```text
//! aimap-farm --base 127.77.0.1 --count 20 --kind ollama
//! ```
//!
//! Options: `--kind` (ollama, ollama-auth-proxy, ollama-decoy, triton,
//! triton-restricted, triton-metrics, triton-grpc, triton-grpc-restricted,
//! mongodb (with --auth: access control on), plain, garbage, silent, endless,
//! honeypot, or
//! any landscape product by its lowercase name: vllm, qdrant, milvusrest,
//! kubelet, ...), `--auth` (a landscape product with its credential
//! switch on), `--port P` (default: the product's own port), `--version V`,
//! `--models a,b,c`. Only 127.0.0.0/8 and ::1 are accepted.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use aimap_farm::{is_allowed_bind, start, Emulator, Landscape, MongoDb, Product};

const USAGE: &str = "usage: aimap-farm --base <loopback ip> [--count N] [--kind KIND] [--auth] [--port P] [--version V] [--models a,b,c]
kinds: ollama ollama-auth-proxy ollama-decoy triton triton-restricted triton-metrics triton-grpc triton-grpc-restricted mongodb plain garbage silent endless honeypot,
       and the landscape products by lowercase name (vllm, tgi, qdrant, kubelet, ...)";

struct Options {
    base: IpAddr,
    count: u32,
    kind: String,
    port: Option<u16>,
    version: Option<String>,
    models: Option<Vec<String>>,
    auth: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        base: IpAddr::V4(Ipv4Addr::LOCALHOST),
        count: 1,
        kind: "ollama".into(),
        port: None,
        version: None,
        models: None,
        auth: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--base" => opts.base = value()?.parse().map_err(|e| format!("--base: {e}"))?,
            "--count" => opts.count = value()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--kind" => opts.kind = value()?,
            "--port" => opts.port = Some(value()?.parse().map_err(|e| format!("--port: {e}"))?),
            "--version" => opts.version = Some(value()?),
            "--models" => {
                opts.models = Some(
                    value()?
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                )
            }
            "--auth" => opts.auth = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(opts)
}

fn emulator(opts: &Options) -> Result<Emulator, String> {
    let version = |default: &str| opts.version.clone().unwrap_or_else(|| default.to_string());
    let models = |default: &[&str]| {
        opts.models
            .clone()
            .unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect())
    };
    let ollama_models = ["llama3.2:3b", "qwen2.5:7b", "nomic-embed-text"];
    let triton_models = ["densenet_onnx", "resnet50_trt", "tokenizer_python"];
    Ok(match opts.kind.as_str() {
        "ollama" => Emulator::Ollama {
            version: version("0.12.3"),
            models: models(&ollama_models),
        },
        "ollama-forwarded" => Emulator::OllamaForwarded {
            version: version("0.12.3"),
            models: models(&ollama_models),
        },
        "ollama-auth-proxy" => Emulator::OllamaBehindAuthProxy,
        "ollama-decoy" => Emulator::OllamaDecoy,
        "triton" | "triton-restricted" => Emulator::Triton {
            version: version("2.59.0"),
            models: models(&triton_models),
            restricted: opts.kind == "triton-restricted",
        },
        "triton-metrics" => Emulator::TritonMetrics {
            models: models(&triton_models),
        },
        "triton-grpc" | "triton-grpc-restricted" => Emulator::TritonGrpc {
            version: version("2.59.0"),
            models: models(&triton_models),
            restricted: opts.kind == "triton-grpc-restricted",
        },
        "mongodb" => Emulator::MongoDb(MongoDb {
            version: version("7.0.14"),
            auth: opts.auth,
            databases: models(&["rag"]),
        }),
        "plain" => Emulator::PlainHttp,
        "garbage" => Emulator::Garbage,
        "silent" => Emulator::Silent,
        "honeypot" => Emulator::Honeypot,
        "endless" => Emulator::EndlessBody,
        other => {
            let product = Product::all()
                .find(|p| format!("{p:?}").to_lowercase() == other)
                .ok_or_else(|| format!("unknown kind {other}"))?;
            let sample = Landscape::sample(product, opts.auth);
            Emulator::Landscape(Landscape {
                version: opts.version.clone().unwrap_or(sample.version),
                items: opts.models.clone().unwrap_or(sample.items),
                ..sample
            })
        }
    })
}

/// The `i`-th address after `base`, refusing to leave loopback.
fn nth(base: IpAddr, i: u32) -> Result<IpAddr, String> {
    let ip = match base {
        IpAddr::V4(v4) => u32::from(v4)
            .checked_add(i)
            .map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        IpAddr::V6(_) if i == 0 => Some(base),
        IpAddr::V6(_) => None,
    };
    ip.filter(|ip| ip.is_loopback())
        .ok_or_else(|| format!("address {i} after {base} is not loopback"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse(&args) {
        Ok(opts) => opts,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("aimap-farm: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let emulator = match emulator(&opts) {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("aimap-farm: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let port = opts.port.unwrap_or_else(|| emulator.default_port());
    let mut running = Vec::with_capacity(opts.count as usize);
    for i in 0..opts.count {
        let addr = match nth(opts.base, i) {
            Ok(ip) => SocketAddr::new(ip, port),
            Err(e) => {
                eprintln!("aimap-farm: {e}");
                return ExitCode::from(2);
            }
        };
        if !is_allowed_bind(&addr) {
            eprintln!("aimap-farm: refusing non-loopback address {addr}");
            return ExitCode::from(2);
        }
        match start(emulator.clone(), addr).await {
            Ok(server) => running.push(server),
            Err(e) => {
                eprintln!("aimap-farm: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    // Print only once every server listens, so a reader can start at once.
    let list: String = running.iter().map(|r| format!("{}\n", r.addr)).collect();
    print!("{list}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    drop(running);
    ExitCode::SUCCESS
}
