//! Services whose answers contradict each other: a honeypot that answers
//! every path with one JSON document stitched from Ollama's, vLLM's and
//! OpenAI's answers (crates/farm honeypot.rs), and an "Ollama" reporting a
//! version no Ollama release has. Both are still reported (something is
//! listening and answering), but labelled `contradictory`, with confidence
//! `low` and the reasons as evidence. Real products that copy routes by
//! design (KoboldCpp, Open WebUI) and the banner-only decoy are the
//! negatives. Servers bind 127.103.1.x.
mod common;

use std::net::SocketAddr;

use aimap_farm::{start, Emulator, Landscape, Product, Running};
use common::*;
use serde_json::Value;

fn farm(servers: Vec<(Emulator, &str)>) -> (tokio::runtime::Runtime, Vec<Running>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = servers
        .into_iter()
        .map(|(e, addr)| {
            rt.block_on(start(e, addr.parse::<SocketAddr>().unwrap()))
                .unwrap_or_else(|err| panic!("{addr}: {err}"))
        })
        .collect();
    (rt, running)
}

/// The excerpts of a service's contradiction evidence.
fn reasons(s: &Value) -> Vec<String> {
    s["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["probe"] == "contradiction")
        .map(|e| {
            format!(
                "{}: {}",
                e["request"].as_str().unwrap(),
                e["excerpt"].as_str().unwrap()
            )
        })
        .collect()
}

fn assert_trusted(s: &Value) {
    assert_eq!(s["confidence"], "high", "{s:#}");
    assert!(s.get("labels").is_none(), "{s:#}");
    assert!(reasons(s).is_empty(), "{s:#}");
}

fn assert_contradictory(s: &Value) -> Vec<String> {
    assert_eq!(s["labels"], serde_json::json!(["contradictory"]), "{s:#}");
    assert_eq!(s["confidence"], "low", "{s:#}");
    let r = reasons(s);
    assert!(!r.is_empty(), "{s:#}");
    r
}

#[test]
fn honeypot_answering_everything_is_labelled() {
    let ollama = Emulator::Ollama {
        version: "0.1.32".into(),
        models: vec!["llama3:8b".into()],
    };
    let (_rt, _servers) = farm(vec![
        (Emulator::Honeypot, "127.103.1.1:11434"),
        // On a port no rule claims every rule is tried: the honeypot
        // satisfies Ollama's and vLLM's at once.
        (Emulator::Honeypot, "127.103.1.2:9911"),
        (ollama.clone(), "127.103.1.3:11434"),
        (ollama, "127.103.1.4:9911"),
        (Emulator::OllamaDecoy, "127.103.1.5:11434"),
    ]);
    let (r, _) = scan_json(&["127.103.1.1-5", "-p", "11434,9911"]);

    let s = service(&r, "127.103.1.1", 11434).expect("honeypot reported");
    assert_eq!(s["service"], "ollama", "{s:#}");
    let why = assert_contradictory(s);
    assert!(
        why.iter().any(|w| w.starts_with("GET /aimap-canary-")
            && w.contains("a path no product serves answered like Ollama")),
        "{why:#?}"
    );

    let s = service(&r, "127.103.1.2", 9911).expect("honeypot reported");
    let why = assert_contradictory(s);
    let other = if s["service"] == "ollama" {
        "vLLM"
    } else {
        "Ollama"
    };
    assert!(
        why.iter()
            .any(|w| w.contains(&format!("it also answers as {other}"))),
        "{why:#?}"
    );
    assert!(
        why.iter().any(|w| w.starts_with("GET /aimap-canary-")),
        "{why:#?}"
    );

    // The real thing, on its port and off it, contradicts nothing: its 404s
    // are gin's, and no other rule matches it.
    for (ip, port) in [("127.103.1.3", 11434), ("127.103.1.4", 9911)] {
        let s = service(&r, ip, port).expect("ollama");
        assert_eq!(s["service"], "ollama");
        assert_trusted(s);
    }
    // The table says so too.
    let out = aimap(&["scan", "127.103.1.1", "-p", "11434", "--timeout", "2s"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Ollama [contradictory]"), "{text}");

    // A copied banner alone is not identified at all (and so not labelled).
    assert!(service(&r, "127.103.1.5", 11434).is_none(), "{r:#}");
    assert!(r["unidentified"].to_string().contains("127.103.1.5:11434"));
}

#[test]
fn impossible_version_is_not_reported() {
    let (_rt, _servers) = farm(vec![(
        Emulator::Ollama {
            // A vLLM-style dev version: no Ollama release looks like this.
            version: "0.5.7-vllm".into(),
            models: vec!["llama3:8b".into()],
        },
        "127.103.1.10:11434",
    )]);
    let (r, _) = scan_json(&["127.103.1.10", "-p", "11434"]);
    let s = service(&r, "127.103.1.10", 11434).expect("reported");
    assert_eq!(s["service"], "ollama");
    assert!(s["version"].is_null(), "{s:#}");
    assert!(s["version_source"].is_null(), "{s:#}");
    assert_eq!(s["purl"], "pkg:golang/github.com/ollama/ollama", "{s:#}");
    let why = assert_contradictory(s);
    assert!(
        why.iter()
            .any(|w| w.contains("\"0.5.7-vllm\" is not a version Ollama releases")),
        "{why:#?}"
    );
}

#[test]
fn products_that_copy_routes_by_design_are_not_labelled() {
    let emu = |p| Emulator::Landscape(Landscape::sample(p, false));
    let (_rt, _servers) = farm(vec![
        // KoboldCpp serves OpenAI's /v1/models and Ollama's /api/tags.
        (emu(Product::KoboldCpp), "127.103.1.20:5001"),
        (emu(Product::KoboldCpp), "127.103.1.21:9911"),
        // Open WebUI's /api/version answers as Ollama's does (declared
        // with `imitates`); LiteLLM-style OpenAI servers match the
        // generic OpenAI rule too.
        (emu(Product::OpenWebUi), "127.103.1.22:8080"),
        (emu(Product::Vllm), "127.103.1.23:8000"),
        // LM Studio answers unknown paths with 200: its rule reads the
        // path echoed back, so the canary does not satisfy it.
        (emu(Product::LmStudio), "127.103.1.24:1234"),
    ]);
    let (r, _) = scan_json(&["127.103.1.20-24", "-p", "5001,9911,8080,8000,1234"]);
    for (ip, port, id) in [
        ("127.103.1.20", 5001, "koboldcpp"),
        ("127.103.1.21", 9911, "koboldcpp"),
        ("127.103.1.22", 8080, "open-webui"),
        ("127.103.1.23", 8000, "vllm"),
        ("127.103.1.24", 1234, "lmstudio"),
    ] {
        let s = service(&r, ip, port).unwrap_or_else(|| panic!("{ip}:{port} missing: {r:#}"));
        assert_eq!(s["service"], id, "{s:#}");
        assert_trusted(s);
    }
}
