//! `aimap scan --format cyclonedx|spdx`: the AI-BOM of what a scan found.
//! An Ollama (0.1.32, with known advisories) and a vLLM, both farm
//! emulators with models installed, on 127.119.0.x: each is a CycloneDX
//! service with its endpoint and auth verdict, each model it listed a
//! `machine-learning-model` component, the advisories link to the service.
//! Validated against the official CycloneDX 1.6 and 1.7 schemas (and SPDX
//! with spdx-tools).
mod common;
#[path = "fixtures/inventory/support.rs"]
mod support;

use std::net::SocketAddr;

use aimap_farm::{start, Emulator, Landscape, Product};
use common::aimap;
use serde_json::Value;
use support::{validate_cyclonedx, validate_spdx};

const OLLAMA: &str = "127.119.0.1:11434";
const VLLM: &str = "127.119.0.2:8000";

fn scan(format: &[&str]) -> Vec<u8> {
    let mut args = vec![
        "--no-store",
        "scan",
        "127.119.0.1-2",
        "-p",
        "8000,11434",
        "--timeout",
        "2s",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(format);
    let out = aimap(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn service<'a>(bom: &'a Value, reference: &str) -> &'a Value {
    bom["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["bom-ref"] == reference)
        .unwrap_or_else(|| panic!("no service {reference} in {bom:#}"))
}

fn property<'a>(s: &'a Value, name: &str) -> Vec<&'a str> {
    s["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == name)
        .map(|p| p["value"].as_str().unwrap())
        .collect()
}

#[test]
fn a_scan_is_an_ai_bom_of_services_models_and_vulnerabilities() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let at = |a: &str| a.parse::<SocketAddr>().unwrap();
    let _ollama = rt
        .block_on(start(
            Emulator::Ollama {
                version: "0.1.32".into(),
                models: vec!["llama3:8b".into(), "qwen2:7b".into()],
            },
            at(OLLAMA),
        ))
        .unwrap();
    let _vllm = rt
        .block_on(start(
            Emulator::Landscape(Landscape {
                product: Product::Vllm,
                version: Product::Vllm.sample_version().into(),
                auth: false,
                items: vec!["meta-llama/Llama-3.1-8B-Instruct".into()],
            }),
            at(VLLM),
        ))
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    for spec in ["1.6", "1.7"] {
        let text = scan(&["--format", "cyclonedx", "--spec", spec]);
        let bom: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(bom["bomFormat"], "CycloneDX");
        assert_eq!(bom["specVersion"], spec);
        let file = dir.path().join(format!("scan-{spec}.cdx.json"));
        std::fs::write(&file, &text).unwrap();
        validate_cyclonedx(&file, spec);

        let ollama = service(&bom, "service:127.119.0.1:11434");
        assert_eq!(ollama["name"], "Ollama");
        assert_eq!(ollama["version"], "0.1.32");
        assert_eq!(ollama["endpoints"][0], "http://127.119.0.1:11434");
        assert_eq!(ollama["authenticated"], false);
        assert_eq!(property(ollama, "aimap:auth"), ["none"]);
        assert_eq!(property(ollama, "aimap:service"), ["ollama"]);
        assert!(
            !property(ollama, "aimap:capability:data").is_empty(),
            "{ollama:#}"
        );
        let vllm = service(&bom, "service:127.119.0.2:8000");
        assert_eq!(property(vllm, "aimap:service"), ["vllm"]);

        // The models each listed, as components the service depends on.
        let models: Vec<(&str, &str)> = bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!(c["type"], "machine-learning-model");
                (c["name"].as_str().unwrap(), c["bom-ref"].as_str().unwrap())
            })
            .collect();
        for (name, host) in [
            ("llama3:8b", "127.119.0.1:11434"),
            ("qwen2:7b", "127.119.0.1:11434"),
            ("meta-llama/Llama-3.1-8B-Instruct", "127.119.0.2:8000"),
        ] {
            let want = format!("model:{host}/{name}");
            assert!(models.contains(&(name, want.as_str())), "{models:?}");
        }
        let deps = bom["dependencies"].as_array().unwrap();
        let of_ollama = deps
            .iter()
            .find(|d| d["ref"] == "service:127.119.0.1:11434")
            .unwrap();
        assert_eq!(of_ollama["dependsOn"].as_array().unwrap().len(), 2);

        // Ollama 0.1.32's advisories (the curated set) are linked to it;
        // every advisory affects one of the services found.
        let vulns = bom["vulnerabilities"].as_array().unwrap();
        let mut on_ollama = 0;
        for v in vulns {
            let affects: Vec<&str> = v["affects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["ref"].as_str().unwrap())
                .collect();
            assert!(
                affects
                    .iter()
                    .all(|a| ["service:127.119.0.1:11434", "service:127.119.0.2:8000"].contains(a)),
                "{v:#}"
            );
            on_ollama += usize::from(affects.contains(&"service:127.119.0.1:11434"));
        }
        assert!(
            on_ollama > 0,
            "Ollama 0.1.32 has known advisories: {vulns:#?}"
        );
    }

    let text = scan(&["--format", "spdx"]);
    let doc: Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    let names: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for want in ["Ollama", "llama3:8b", "meta-llama/Llama-3.1-8B-Instruct"] {
        assert!(names.contains(&want), "{names:?}");
    }
    let file = dir.path().join("scan.spdx.json");
    std::fs::write(&file, &text).unwrap();
    validate_spdx(&file);
}
