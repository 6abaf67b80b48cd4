//! The landscape rules (LLM servers, vector stores, ML platforms, chat
//! front ends, infrastructure) against the emulators in crates/farm, which
//! copy each product's routes, status codes, headers and JSON shapes from
//! its source (every emulator module names the files it copies).
//!
//! Every rule gets a positive test (service, version, auth verdict,
//! details) and a negative one (its secured twin answers `required`, or a
//! look-alike is not claimed). `every_emulator_is_claimed_by_exactly_one_rule`
//! runs every built-in HTTP rule against every emulator through the
//! library, so no two rules can claim the same server.
//!
//! Addresses: 127.70.0.0/16 - 127.76.0.0/16 and 127.102.1.0/24 (127.77.13.x
//! belongs to the farm binary's tests).
mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use aimap_farm::{start, Emulator, Landscape, Product, Running};
use aimap_rules::{assess, builtin_rules, Request, Response, Rule, Transport};
use aimap_scan::transport::{http_exchange, tls_connector, Limits};
use common::*;
use serde_json::Value;

/// Emulators running on their own runtime until dropped.
struct Farm {
    _rt: tokio::runtime::Runtime,
    _servers: Vec<Running>,
}

fn farm(servers: Vec<(Emulator, String)>) -> Farm {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = servers
        .into_iter()
        .map(|(e, addr)| {
            let addr: SocketAddr = addr.parse().unwrap();
            rt.block_on(start(e, addr))
                .unwrap_or_else(|err| panic!("{addr}: {err}"))
        })
        .collect();
    Farm {
        _rt: rt,
        _servers: running,
    }
}

fn emu(product: Product, auth: bool) -> Emulator {
    Emulator::Landscape(Landscape::sample(product, auth))
}

/// `(emulator, "ip:port")` on the product's own port.
fn at(product: Product, auth: bool, ip: &str) -> (Emulator, String) {
    (
        emu(product, auth),
        format!("{ip}:{}", product.default_port()),
    )
}

/// The service at ip:port, which must be `id` with this version and verdict.
fn expect<'a>(
    report: &'a Value,
    ip: &str,
    port: u16,
    id: &str,
    version: Option<&str>,
    auth: &str,
) -> &'a Value {
    let s = service(report, ip, port)
        .unwrap_or_else(|| panic!("nothing reported at {ip}:{port}: {report:#}"));
    assert_eq!(s["service"], id, "{ip}:{port}: {s:#}");
    assert_eq!(s["version"].as_str(), version, "{ip}:{port} version: {s:#}");
    assert_eq!(s["auth"], auth, "{ip}:{port} auth: {s:#}");
    if auth == "none" || auth == "partial" {
        let f = &s["findings"][0];
        assert_eq!(f["id"], format!("{id}-unauthenticated"), "{s:#}");
        assert!(!f["remediation"].as_str().unwrap_or("").is_empty());
    } else {
        // A secured service has no exposure finding; the curated advisories
        // may still report its version as vulnerable (kind `vulnerability`).
        assert!(
            s["findings"]
                .as_array()
                .is_none_or(|f| f.iter().all(|f| f["kind"] == "vulnerability")),
            "{s:#}"
        );
    }
    s
}

fn detail(s: &Value, key: &str) -> Vec<String> {
    s["details"][key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn llm_servers_open_and_secured() {
    use Product::*;
    let ip = |n: u8| format!("127.70.1.{n}");
    let _farm = farm(vec![
        at(Vllm, false, &ip(1)),
        at(Vllm, true, &ip(2)),
        at(Sglang, false, &ip(3)),
        at(Sglang, true, &ip(4)),
        at(Tgi, false, &ip(5)),
        at(Tgi, true, &ip(6)),
        at(LlamaCpp, false, &ip(7)),
        at(LlamaCpp, true, &ip(8)),
        at(LocalAi, false, &ip(9)),
        at(LocalAi, true, &ip(10)),
        at(KoboldCpp, false, &ip(11)),
        at(KoboldCpp, true, &ip(12)),
        at(LmStudio, false, &ip(13)),
        at(LmStudio, true, &ip(14)),
        at(OpenAiCompatible, false, &ip(15)),
        // A release before /invocations: the key guards all inference.
        (
            Emulator::Landscape(Landscape {
                version: "0.6.6".into(),
                ..Landscape::sample(Vllm, true)
            }),
            format!("{}:8000", ip(16)),
        ),
        // /invocations without the Content-Type check (500), then with it
        // as FastAPI's 415, then as vLLM's nested 400.
        (
            Emulator::Landscape(Landscape {
                version: "0.7.1".into(),
                ..Landscape::sample(Vllm, true)
            }),
            format!("{}:8000", ip(17)),
        ),
        (
            Emulator::Landscape(Landscape {
                version: "0.8.5".into(),
                ..Landscape::sample(Vllm, true)
            }),
            format!("{}:8000", ip(18)),
        ),
        (
            Emulator::Landscape(Landscape {
                version: "0.34.0".into(),
                ..Landscape::sample(Vllm, true)
            }),
            format!("{}:8000", ip(19)),
        ),
    ]);
    let llama = |n: u8, build: &str, auth: bool| {
        (
            Emulator::Landscape(Landscape {
                version: build.into(),
                ..Landscape::sample(LlamaCpp, auth)
            }),
            format!("{}:8080", ip(n)),
        )
    };
    // The four ways llama.cpp has enforced --api-key (see the rule).
    let _llamas = farm(vec![
        llama(20, "b2400", true),
        llama(21, "b3800", true),
        llama(22, "b8000", true),
        llama(23, "b8000", false),
        // TGI before v2.0.3: /info without `router`.
        (
            Emulator::Landscape(Landscape {
                version: "1.4.5".into(),
                ..Landscape::sample(Tgi, false)
            }),
            format!("{}:8080", ip(24)),
        ),
    ]);
    let (r, _) = scan_json(&["127.70.1.1-24", "-p", "8000,8080,30000,5001,1234"]);
    let model = "Qwen/Qwen2.5-7B-Instruct";

    let s = expect(&r, &ip(1), 8000, "vllm", Some("0.10.1"), "none");
    assert_eq!(detail(s, "models"), [model]);
    assert_eq!(detail(s, "max_model_len"), ["32768"]);
    assert_eq!(s["capabilities"]["inference"]["auth"], "none", "{s:#}");
    // A key guards /v1 and the like only: the version still shows, the
    // listing and /v1 inference are refused, /invocations runs models
    // without the key.
    let s = expect(&r, &ip(2), 8000, "vllm", Some("0.10.1"), "partial");
    assert!(s["evidence"].to_string().contains("Unauthorized"), "{s:#}");
    assert_eq!(s["capabilities"]["data"]["auth"], "required", "{s:#}");
    assert_eq!(s["capabilities"]["inference"]["auth"], "none", "{s:#}");
    let proof = s["capabilities"]["inference"]["evidence"]["request"].as_str();
    assert_eq!(proof, Some("POST /invocations"), "{s:#}");
    let f = s["findings"][0]["evidence"].as_str().unwrap();
    assert!(f.contains("inference: POST /invocations → 400"), "{f}");
    assert!(f.contains("Only 'application/json' is allowed"), "{f}");
    // Before /invocations existed, the key guarded every inference route.
    let s = expect(&r, &ip(16), 8000, "vllm", Some("0.6.6"), "required");
    assert_eq!(s["capabilities"]["inference"]["auth"], "required", "{s:#}");
    for (n, version, status) in [(17, "0.7.1", 500), (18, "0.8.5", 415), (19, "0.34.0", 400)] {
        let s = expect(&r, &ip(n), 8000, "vllm", Some(version), "partial");
        let inference = &s["capabilities"]["inference"];
        assert_eq!(inference["auth"], "none", "{s:#}");
        assert_eq!(
            inference["evidence"]["request"], "POST /invocations",
            "{s:#}"
        );
        assert_eq!(inference["evidence"]["status"], status, "{s:#}");
        assert_eq!(s["capabilities"]["data"]["auth"], "required", "{s:#}");
    }

    let s = expect(&r, &ip(3), 30000, "sglang", Some("0.4.10"), "none");
    assert_eq!(detail(s, "models"), [model]);
    expect(&r, &ip(4), 30000, "sglang", None, "required");

    let s = expect(&r, &ip(5), 8080, "tgi", Some("3.3.4"), "none");
    assert_eq!(detail(s, "models"), [model]);
    let s = expect(&r, &ip(6), 8080, "tgi", Some("3.3.4"), "required");
    assert_eq!(detail(s, "models"), [model], "/info stays readable");

    let s = expect(&r, &ip(7), 8080, "llamacpp", Some("b6123"), "none");
    assert_eq!(detail(s, "models"), [model]);
    assert!(detail(s, "model_path")[0].ends_with(".gguf"));
    assert_eq!(s["capabilities"]["inference"]["auth"], "none", "{s:#}");
    assert_eq!(s["capabilities"]["admin"]["auth"], "none", "{s:#}");
    // The model list is public with a key; /props, inference and the LoRA
    // adapters are what a key guards; /slots is off by default.
    let s = expect(&r, &ip(8), 8080, "llamacpp", None, "required");
    assert_eq!(detail(s, "models"), [model]);
    assert_eq!(s["capabilities"]["inference"]["auth"], "required", "{s:#}");
    assert_eq!(s["capabilities"]["admin"]["auth"], "required", "{s:#}");
    // Per-handler checks: the settings and the slots stay open.
    let s = expect(&r, &ip(20), 8080, "llamacpp", None, "partial");
    assert_eq!(s["capabilities"]["data"]["auth"], "none", "{s:#}");
    assert_eq!(s["capabilities"]["inference"]["auth"], "required", "{s:#}");
    // The protected list: /props refuses, the slots and the LoRA
    // adapters do not.
    let s = expect(&r, &ip(21), 8080, "llamacpp", None, "partial");
    assert_eq!(
        s["capabilities"]["data"]["evidence"]["request"], "GET /slots",
        "{s:#}"
    );
    assert_eq!(s["capabilities"]["admin"]["auth"], "none", "{s:#}");
    assert_eq!(s["capabilities"]["inference"]["auth"], "required", "{s:#}");
    // Newest: nothing but /health public, identified by its refusal.
    let s = expect(&r, &ip(22), 8080, "llamacpp", None, "required");
    assert!(detail(s, "models").is_empty(), "{s:#}");
    let s = expect(&r, &ip(24), 8080, "tgi", Some("1.4.5"), "none");
    assert_eq!(s["capabilities"]["inference"]["auth"], "none", "{s:#}");
    let s = expect(&r, &ip(23), 8080, "llamacpp", Some("b8000"), "none");
    assert_eq!(detail(s, "models"), [model]);

    let s = expect(&r, &ip(9), 8080, "localai", Some("3.4.0"), "none");
    assert_eq!(detail(s, "models"), [model]);
    // v3.4.0 guards /version too: only its login page names it.
    let s = expect(&r, &ip(10), 8080, "localai", None, "required");
    assert!(s["evidence"].to_string().contains("LocalAI Logo"), "{s:#}");

    let s = expect(&r, &ip(11), 5001, "koboldcpp", Some("1.76"), "none");
    assert_eq!(detail(s, "models"), ["koboldcpp/Qwen2.5-7B-Instruct"]);
    let s = expect(&r, &ip(12), 5001, "koboldcpp", Some("1.76"), "required");
    assert!(
        detail(s, "models").is_empty(),
        "the masked name is no model"
    );

    let s = expect(&r, &ip(13), 1234, "lmstudio", None, "none");
    assert_eq!(detail(s, "models"), [model]);
    expect(&r, &ip(14), 1234, "lmstudio", None, "required");

    let s = expect(&r, &ip(15), 8000, "openai-compatible", None, "none");
    assert_eq!(detail(s, "models"), [model]);
    assert_eq!(detail(s, "owned_by"), ["openai"]);
}

/// Look-alikes: servers that copy Ollama's or OpenAI's routes, and two
/// OpenAI servers on one port, each go to their own rule.
/// LocalAI's five ways of refusing without its key, one release each
/// (crates/farm/src/landscape/localai.rs cites the tags).
#[test]
fn localai_per_release() {
    let ip = |n: u8| format!("127.70.9.{n}");
    let local = |n: u8, version: &str, auth: bool| {
        (
            Emulator::Landscape(Landscape {
                version: version.into(),
                ..Landscape::sample(Product::LocalAi, auth)
            }),
            format!("{}:8080", ip(n)),
        )
    };
    let _farm = farm(vec![
        local(1, "v2.20.1", true),
        local(2, "v2.22.0", true),
        local(3, "v2.25.0", true),
        local(4, "v3.10.0", true),
        local(5, "v4.5.0", true),
        local(6, "v4.9.0", true),
        local(7, "v4.5.0", false),
        local(8, "v2.20.1", false),
    ]);
    let (r, _) = scan_json(&["127.70.9.1-8", "-p", "8080"]);
    // Before v2.24 a keyed LocalAI says nothing that names it: an open port
    // that no rule claims, never another product.
    for n in [1, 2] {
        let s = service(&r, &ip(n), 8080);
        assert!(
            s.is_none_or(|s| s["service"].is_null() || s["service"] == "unknown"),
            "{n}: {s:#?}"
        );
    }
    // The bare login page of v2.24-v2.27, then the branded one.
    for n in [3, 4] {
        let s = expect(&r, &ip(n), 8080, "localai", None, "required");
        assert_eq!(s["capabilities"]["data"]["auth"], "required", "{s:#}");
    }
    // v4.1.1-v4.8: the key guards /v1 but not the MCP chat route.
    let s = expect(&r, &ip(5), 8080, "localai", Some("4.5.0"), "partial");
    assert_eq!(s["capabilities"]["data"]["auth"], "required", "{s:#}");
    let inference = &s["capabilities"]["inference"];
    assert_eq!(inference["auth"], "none", "{s:#}");
    assert_eq!(
        inference["evidence"]["request"], "POST /mcp/chat/completions",
        "{s:#}"
    );
    assert_eq!(inference["evidence"]["status"], 400, "{s:#}");
    // v4.9.0 guards everything but its public list.
    let s = expect(&r, &ip(6), 8080, "localai", Some("4.9.0"), "required");
    assert_eq!(s["capabilities"]["inference"]["auth"], "required", "{s:#}");
    let s = expect(&r, &ip(7), 8080, "localai", Some("4.5.0"), "none");
    assert_eq!(s["capabilities"]["inference"]["auth"], "none", "{s:#}");
    let s = expect(&r, &ip(8), 8080, "localai", Some("2.20.1"), "none");
    assert_eq!(detail(s, "models"), ["Qwen/Qwen2.5-7B-Instruct"]);
}

#[test]
fn look_alikes_go_to_their_own_rule() {
    use Product::*;
    let ip = |n: u8| format!("127.70.2.{n}");
    let _farm = farm(vec![
        // KoboldCpp and llama.cpp both answer Ollama's /api/tags.
        (emu(KoboldCpp, false), format!("{}:11434", ip(1))),
        (emu(LlamaCpp, false), format!("{}:11434", ip(2))),
        // vLLM and SGLang on the port they share.
        (emu(Vllm, false), format!("{}:8000", ip(3))),
        (emu(Sglang, false), format!("{}:8000", ip(4))),
        // KoboldCpp's and LM Studio's OpenAI listings are not "generic".
        at(KoboldCpp, false, &ip(5)),
        at(LmStudio, false, &ip(6)),
        // The generic server on vLLM's port is no vLLM.
        (emu(OpenAiCompatible, false), format!("{}:8000", ip(7))),
    ]);
    let (r, _) = scan_json(&["127.70.2.1-7", "-p", "11434,8000,5001,1234"]);
    for n in [1, 2] {
        assert!(
            service(&r, &ip(n), 11434).is_none_or(|s| s["service"] != "ollama"),
            "{} taken for Ollama: {r:#}",
            ip(n)
        );
    }
    expect(&r, &ip(3), 8000, "vllm", Some("0.10.1"), "none");
    expect(&r, &ip(4), 8000, "sglang", Some("0.4.10"), "none");
    expect(&r, &ip(5), 5001, "koboldcpp", Some("1.76"), "none");
    expect(&r, &ip(6), 1234, "lmstudio", None, "none");
    expect(&r, &ip(7), 8000, "openai-compatible", None, "none");
}

#[test]
fn vector_stores_open_and_secured() {
    use Product::*;
    let ip = |n: u8| format!("127.70.3.{n}");
    let _farm = farm(vec![
        at(Qdrant, false, &ip(1)),
        at(Qdrant, true, &ip(2)),
        at(Weaviate, false, &ip(3)),
        at(Weaviate, true, &ip(4)),
        // A build of the default branch after 1.39, whose root links
        // docs.weaviate.io instead of every release's weaviate.io/developers.
        (
            Emulator::Landscape(Landscape {
                version: "1.40.0".into(),
                ..Landscape::sample(Weaviate, false)
            }),
            format!("{}:8080", ip(5)),
        ),
        // v1.0-v1.12 link the SeMI Technologies docs.
        (
            Emulator::Landscape(Landscape {
                version: "1.12.2".into(),
                ..Landscape::sample(Weaviate, false)
            }),
            format!("{}:8080", ip(6)),
        ),
    ]);
    let (r, _) = scan_json(&["127.70.3.1-6", "-p", "6333,8080"]);

    let s = expect(&r, &ip(1), 6333, "qdrant", Some("1.15.1"), "none");
    assert_eq!(detail(s, "collections"), ["docs", "faq"]);
    let s = expect(&r, &ip(2), 6333, "qdrant", Some("1.15.1"), "required");
    assert!(detail(s, "collections").is_empty());

    let s = expect(&r, &ip(3), 8080, "weaviate", Some("1.32.4"), "none");
    assert_eq!(detail(s, "collections"), ["Article", "Author"]);
    expect(&r, &ip(4), 8080, "weaviate", None, "required");
    expect(&r, &ip(5), 8080, "weaviate", Some("1.40.0"), "none");
    expect(&r, &ip(6), 8080, "weaviate", Some("1.12.2"), "none");
}

#[test]
fn chat_front_ends_and_ml_platforms() {
    use Product::*;
    let ip = |n: u8| format!("127.70.4.{n}");
    let _farm = farm(vec![
        at(OpenWebUi, false, &ip(1)),
        at(OpenWebUi, true, &ip(2)),
        at(ComfyUi, false, &ip(3)),
        at(TorchServe, false, &ip(4)),
        at(TorchServe, true, &ip(5)),
        at(TorchServeManagement, false, &ip(6)),
        at(TorchServeManagement, true, &ip(7)),
        at(TensorBoard, false, &ip(8)),
        // Products without their own login, behind an authenticating
        // proxy: nothing of them shows, so nothing is claimed.
        (Emulator::OllamaBehindAuthProxy, format!("{}:8188", ip(9))),
        (Emulator::OllamaBehindAuthProxy, format!("{}:6006", ip(10))),
    ]);
    let (r, _) = scan_json(&["127.70.4.1-10", "-p", "8080,8081,8188,6006"]);

    let s = expect(&r, &ip(1), 8080, "open-webui", Some("0.6.22"), "none");
    assert_eq!(detail(s, "signup_enabled"), ["true"]);
    let s = expect(&r, &ip(2), 8080, "open-webui", Some("0.6.22"), "required");
    assert_eq!(detail(s, "signup_enabled"), ["false"]);

    let s = expect(&r, &ip(3), 8188, "comfyui", Some("0.3.50"), "none");
    assert_eq!(detail(s, "models"), ["sd_xl_base_1.0.safetensors"]);
    assert!(detail(s, "gpus")[0].contains("RTX 4090"));

    expect(&r, &ip(4), 8080, "torchserve", Some("0.12.0"), "none");
    expect(&r, &ip(5), 8080, "torchserve", Some("0.12.0"), "required");
    let s = expect(&r, &ip(6), 8081, "torchserve", Some("0.12.0"), "none");
    assert_eq!(detail(s, "models"), ["resnet-18"]);
    let s = expect(&r, &ip(7), 8081, "torchserve", Some("0.12.0"), "required");
    assert!(s["evidence"].to_string().contains("InvalidKeyException"));

    let s = expect(&r, &ip(8), 6006, "tensorboard", Some("2.20.0"), "none");
    assert_eq!(detail(s, "runs"), ["train", "validation"]);
    assert_eq!(detail(s, "logdir"), ["/logs"]);

    assert!(service(&r, &ip(9), 8188).is_none(), "{r:#}");
    assert!(service(&r, &ip(10), 6006).is_none(), "{r:#}");
}

#[test]
fn search_engines_and_milvus() {
    use Product::*;
    let ip = |n: u8| format!("127.70.5.{n}");
    let _farm = farm(vec![
        at(Elasticsearch, false, &ip(1)),
        at(Elasticsearch, true, &ip(2)),
        at(OpenSearch, false, &ip(3)),
        at(OpenSearch, true, &ip(4)),
        at(MilvusRest, false, &ip(5)),
        at(MilvusRest, true, &ip(6)),
        at(MilvusMetrics, false, &ip(7)),
    ]);
    let (r, _) = scan_json(&["127.70.5.1-7", "-p", "9200,19530,9091"]);

    // OpenSearch copies Elasticsearch's root answer: each keeps its name.
    let s = expect(&r, &ip(1), 9200, "elasticsearch", Some("8.18.3"), "none");
    assert_eq!(detail(s, "indices"), ["docs", "embeddings"]);
    let s = expect(&r, &ip(2), 9200, "elasticsearch", None, "required");
    assert!(s["evidence"].to_string().contains("security_exception"));
    let s = expect(&r, &ip(3), 9200, "opensearch", Some("2.19.2"), "none");
    assert_eq!(detail(s, "indices"), ["docs", "embeddings"]);
    expect(&r, &ip(4), 9200, "opensearch", None, "required");

    let s = expect(&r, &ip(5), 19530, "milvus", None, "none");
    assert_eq!(detail(s, "collections"), ["docs"]);
    expect(&r, &ip(6), 19530, "milvus", None, "required");
    // The metrics port names Milvus but proves nothing about access.
    expect(&r, &ip(7), 9091, "milvus", None, "unknown");
}

#[test]
fn infrastructure_around_ai() {
    use Product::*;
    let ip = |n: u8| format!("127.70.6.{n}");
    let _farm = farm(vec![
        at(Docker, false, &ip(1)),
        at(Docker, true, &ip(2)),
        at(Kubelet, false, &ip(3)),
        at(Kubelet, true, &ip(4)),
        at(KubeApiServer, false, &ip(5)),
        at(KubeApiServer, true, &ip(6)),
        at(DcgmExporter, false, &ip(7)),
        at(DcgmExporter, true, &ip(8)),
        at(Minio, true, &ip(9)),
    ]);
    let (r, _) = scan_json(&["127.70.6.1-9", "-p", "2375,10250,6443,9400,9000"]);

    let s = expect(&r, &ip(1), 2375, "docker", Some("28.3.3"), "none");
    assert_eq!(s["version_source"], "api");
    assert_eq!(
        detail(s, "images"),
        ["vllm/vllm-openai:v0.10.1", "postgres:16"]
    );
    assert_eq!(s["findings"][0]["severity"], "critical");
    let s = expect(&r, &ip(2), 2375, "docker", Some("28.3.3"), "required");
    assert!(s["evidence"]
        .to_string()
        .contains("authorization denied by plugin"));

    // TLS only: found over HTTPS, certificate recorded.
    let s = expect(&r, &ip(3), 10250, "kubelet", Some("1.33.3"), "none");
    assert_eq!(s["transport"], "https");
    assert!(s["tls"].to_string().contains("farm-node"), "{s:#}");
    assert_eq!(detail(s, "pods"), ["vllm-0"]);
    expect(&r, &ip(4), 10250, "kubelet", None, "required");
    let s = expect(&r, &ip(5), 6443, "kubernetes-api", Some("1.33.3"), "none");
    assert_eq!(detail(s, "namespaces"), ["default", "kube-system", "ml"]);
    let s = expect(
        &r,
        &ip(6),
        6443,
        "kubernetes-api",
        Some("1.33.3"),
        "required",
    );
    assert!(s["evidence"].to_string().contains("system:anonymous"));

    let s = expect(&r, &ip(7), 9400, "dcgm-exporter", None, "none");
    assert_eq!(detail(s, "gpus"), ["NVIDIA H100 80GB HBM3"]);
    assert_eq!(detail(s, "driver"), ["570.148.08"]);
    // Basic auth in front of the exporter leaves nothing to name it by.
    assert!(service(&r, &ip(8), 9400).is_none(), "{r:#}");

    let s = expect(&r, &ip(9), 9000, "minio", None, "required");
    assert!(s["evidence"].to_string().contains("AccessDenied"));
}

#[test]
fn agents_front_ends_and_smaller_llm_servers() {
    use Product::*;
    let ip = |n: u8| format!("127.70.7.{n}");
    let _farm = farm(vec![
        at(AnythingLlm, false, &ip(1)),
        at(AnythingLlm, true, &ip(2)),
        at(Flowise, false, &ip(3)),
        at(Flowise, true, &ip(4)),
        at(SillyTavern, false, &ip(5)),
        at(SillyTavern, true, &ip(6)),
        at(Langflow, false, &ip(7)),
        at(Langflow, true, &ip(8)),
        at(FastChat, false, &ip(9)),
        at(FastChat, true, &ip(19)),
        at(LmDeploy, false, &ip(10)),
        at(Xinference, false, &ip(11)),
        at(Xinference, true, &ip(12)),
        at(TabbyApi, false, &ip(13)),
        at(TabbyApi, true, &ip(14)),
        at(TextGenWebUi, false, &ip(15)),
        at(TextGenWebUi, true, &ip(16)),
        // 3.x: auth on by default, "Could not validate credentials", a
        // version without a revision id.
        (
            Emulator::Landscape(Landscape {
                version: "3.2.1".into(),
                ..Landscape::sample(Xinference, true)
            }),
            format!("{}:9997", ip(17)),
        ),
        (
            Emulator::Landscape(Landscape {
                version: "3.2.1".into(),
                ..Landscape::sample(Xinference, false)
            }),
            format!("{}:9997", ip(18)),
        ),
        // Before 1.8.2: no /api/v1/ping; before 2.2.0 the basic-auth pair
        // guards /api/v1/version too.
        (
            Emulator::Landscape(Landscape {
                version: "1.8.1".into(),
                ..Landscape::sample(Flowise, false)
            }),
            format!("{}:3000", ip(20)),
        ),
        (
            Emulator::Landscape(Landscape {
                version: "1.8.1".into(),
                ..Landscape::sample(Flowise, true)
            }),
            format!("{}:3000", ip(21)),
        ),
    ]);
    let ports = "3001,3000,8000,7860,23333,9997,5000";
    let (r, _) = scan_json(&["127.70.7.1-21", "-p", ports]);
    let model = "Qwen/Qwen2.5-7B-Instruct";

    let s = expect(&r, &ip(1), 3001, "anythingllm", None, "none");
    assert_eq!(detail(s, "workspaces"), ["Support docs"]);
    assert_eq!(detail(s, "llm_provider"), ["ollama"]);
    expect(&r, &ip(2), 3001, "anythingllm", None, "required");

    let s = expect(&r, &ip(3), 3000, "flowise", Some("2.2.8"), "none");
    assert_eq!(detail(s, "chatflows"), ["RAG chatbot"]);
    expect(&r, &ip(4), 3000, "flowise", Some("2.2.8"), "required");
    let s = expect(&r, &ip(20), 3000, "flowise", Some("1.8.1"), "none");
    assert_eq!(detail(s, "chatflows"), ["RAG chatbot"]);
    expect(&r, &ip(21), 3000, "flowise", None, "required");

    // Its data sits behind a CSRF token: GET /csrf-token, then the
    // character list with the token and its cookie.
    let s = expect(&r, &ip(5), 8000, "sillytavern", Some("1.12.6"), "none");
    assert_eq!(detail(s, "characters"), ["Seraphina"]);
    assert_eq!(
        s["findings"][0]["evidence"]
            .as_str()
            .unwrap()
            .split(": ")
            .nth(1),
        Some("POST /api/characters/all → 200"),
        "{s:#}"
    );
    expect(&r, &ip(6), 8000, "sillytavern", None, "required");

    let s = expect(&r, &ip(7), 7860, "langflow", Some("1.4.3"), "none");
    assert_eq!(detail(s, "flows"), ["RAG chatbot"]);
    assert_eq!(s["findings"][0]["severity"], "critical");
    expect(&r, &ip(8), 7860, "langflow", Some("1.4.3"), "required");

    let s = expect(&r, &ip(9), 8000, "fastchat", None, "none");
    assert_eq!(detail(s, "models"), [model]);
    // --api-keys guards /v1, not /api/v1/chat/completions.
    let s = expect(&r, &ip(19), 8000, "fastchat", None, "partial");
    assert_eq!(s["capabilities"]["data"]["auth"], "required", "{s:#}");
    assert_eq!(
        s["capabilities"]["inference"]["evidence"]["request"], "POST /api/v1/chat/completions",
        "{s:#}"
    );
    let s = expect(&r, &ip(10), 23333, "lmdeploy", None, "none");
    assert_eq!(detail(s, "models"), [model]);

    let s = expect(&r, &ip(11), 9997, "xinference", Some("1.8.0"), "none");
    assert_eq!(detail(s, "models"), [model]);
    expect(&r, &ip(12), 9997, "xinference", None, "required");
    expect(&r, &ip(17), 9997, "xinference", None, "required");
    expect(&r, &ip(18), 9997, "xinference", Some("3.2.1"), "none");

    let s = expect(&r, &ip(13), 5000, "tabbyapi", None, "none");
    assert_eq!(detail(s, "models"), [model]);
    expect(&r, &ip(14), 5000, "tabbyapi", None, "required");

    let s = expect(&r, &ip(15), 5000, "text-generation-webui", None, "none");
    assert_eq!(detail(s, "models"), [model]);
    // A plain FastAPI 401 names nothing: not claimed by any product rule.
    assert!(
        service(&r, &ip(16), 5000).is_none(),
        "secured text-generation-webui claimed: {r:#}"
    );
}

/// Platforms whose data always needs a login still name themselves, and
/// say when their owner account is unclaimed.
#[test]
fn gated_platforms_and_compute_front_ends() {
    use Product::*;
    let ip = |n: u8| format!("127.70.8.{n}");
    let _farm = farm(vec![
        at(Dify, false, &ip(1)),
        at(Dify, true, &ip(2)),
        at(LabelStudio, true, &ip(3)),
        at(N8n, false, &ip(4)),
        at(N8n, true, &ip(5)),
        at(Langfuse, true, &ip(6)),
        at(Typesense, true, &ip(7)),
        at(Nim, false, &ip(8)),
        at(PrivateGpt, false, &ip(9)),
        at(PrivateGpt, true, &ip(10)),
        at(Dask, false, &ip(11)),
        at(Kubeflow, false, &ip(12)),
        // The dashboard behind its auth proxy shows nothing of itself.
        (Emulator::OllamaBehindAuthProxy, format!("{}:8082", ip(13))),
        at(LangServe, false, &ip(14)),
        at(LangServe, true, &ip(15)),
        // v1.0 moved the document list to /v1/artifacts/list.
        (
            Emulator::Landscape(Landscape {
                version: "1.0.1".into(),
                ..Landscape::sample(PrivateGpt, false)
            }),
            format!("{}:8001", ip(16)),
        ),
    ]);
    let ports = "5001,8080,5678,3000,8108,8000,8001,8787,8082";
    let (r, _) = scan_json(&["127.70.8.1-16", "-p", ports]);

    let s = expect(&r, &ip(1), 5001, "dify", Some("1.7.1"), "required");
    assert_eq!(detail(s, "setup_step"), ["not_started"]);
    let s = expect(&r, &ip(2), 5001, "dify", Some("1.7.1"), "required");
    assert_eq!(detail(s, "setup_step"), ["finished"]);

    expect(&r, &ip(3), 8080, "label-studio", Some("1.20.0"), "required");

    let s = expect(&r, &ip(4), 5678, "n8n", Some("1.105.3"), "required");
    assert_eq!(detail(s, "owner_setup_pending"), ["true"]);
    let s = expect(&r, &ip(5), 5678, "n8n", Some("1.105.3"), "required");
    assert!(detail(s, "owner_setup_pending").is_empty());

    expect(&r, &ip(6), 3000, "langfuse", Some("3.95.2"), "required");
    expect(&r, &ip(7), 8108, "typesense", None, "required");

    // NIM wraps vLLM (its cards say owned_by "vllm") but is named NIM.
    let s = expect(&r, &ip(8), 8000, "nvidia-nim", Some("2.0.4"), "none");
    assert_eq!(detail(s, "models"), ["meta/llama-3.1-8b-instruct"]);

    let s = expect(&r, &ip(9), 8001, "privategpt", None, "none");
    assert_eq!(detail(s, "documents"), ["handbook.pdf"]);
    assert!(
        service(&r, &ip(10), 8001).is_none_or(|s| s["service"] != "privategpt"),
        "{r:#}"
    );
    let s = expect(&r, &ip(16), 8001, "privategpt", None, "none");
    assert_eq!(detail(s, "documents"), ["handbook.pdf"]);
    assert!(
        s["evidence"].to_string().contains("/v1/artifacts/list"),
        "{s:#}"
    );

    let s = expect(&r, &ip(11), 8787, "dask", None, "none");
    assert_eq!(detail(s, "workers"), ["10.0.0.12"]);

    let s = expect(&r, &ip(12), 8082, "kubeflow", Some("1.10.0"), "none");
    assert_eq!(detail(s, "namespaces"), ["kubeflow-user-example-com"]);
    assert_eq!(detail(s, "user"), ["anonymous@kubeflow.org"]);
    assert!(service(&r, &ip(13), 8082).is_none(), "{r:#}");

    // Identified with its runnables; the first runnable's input schema,
    // a path read from /openapi.json, settles the verdict.
    let s = expect(&r, &ip(14), 8000, "langserve", None, "none");
    assert_eq!(detail(s, "runnables"), ["/joke", "/rag"]);
    assert!(
        s["findings"][0]["evidence"]
            .as_str()
            .unwrap()
            .starts_with("data: GET /joke/input_schema → 200"),
        "{s:#}"
    );
    // add_routes(dependencies=...) guards that route too: FastAPI names
    // the missing credential header.
    let s = expect(&r, &ip(15), 8000, "langserve", None, "required");
    assert!(s["evidence"].to_string().contains("x-token"), "{s:#}");
}

/// Vespa, two ML platforms, RAGFlow and three chat front ends, each with
/// its credential switch where it has one, and look-alikes on their ports:
/// servers that answer the same paths (`/api/config`, a JSON health
/// document) must keep their own names.
#[test]
fn search_ml_platforms_and_chat_front_ends() {
    use Product::*;
    let ip = |n: u8| format!("127.102.1.{n}");
    let _farm = farm(vec![
        at(Vespa, false, &ip(1)),
        at(ClearMl, false, &ip(2)),
        at(ClearMl, true, &ip(3)),
        at(Argilla, true, &ip(4)),
        at(RagFlow, false, &ip(5)),
        at(RagFlow, true, &ip(6)),
        // Before v0.25: the datasets route refuses with HTTP 200.
        (
            Emulator::Landscape(Landscape {
                version: "v0.24.0".into(),
                ..Landscape::sample(RagFlow, false)
            }),
            format!("{}:9380", ip(20)),
        ),
        at(LibreChat, false, &ip(7)),
        at(LibreChat, true, &ip(8)),
        at(LobeChat, false, &ip(9)),
        at(NextChat, false, &ip(10)),
        at(NextChat, true, &ip(11)),
        // Look-alikes: Elasticsearch's JSON root on Vespa's port, Open
        // WebUI's public /api/config on NextChat's and LibreChat's ports,
        // Qdrant on Argilla's, Dify's JSON envelope on RAGFlow's.
        (emu(Elasticsearch, false), format!("{}:8080", ip(12))),
        (emu(OpenWebUi, false), format!("{}:3000", ip(13))),
        (emu(OpenWebUi, false), format!("{}:3080", ip(14))),
        (emu(Qdrant, false), format!("{}:6900", ip(15))),
        (emu(Dify, false), format!("{}:9380", ip(16))),
        at(ClearMlFiles, false, &ip(17)),
        // TorchServe's management API shares the file server's port.
        at(TorchServeManagement, false, &ip(18)),
        // A TRAINS-era server (0.16-0.17) answers its ping with its motto.
        (
            Emulator::Landscape(Landscape {
                version: "0.17.0".into(),
                ..Landscape::sample(ClearMl, false)
            }),
            format!("{}:8008", ip(21)),
        ),
        // Argilla before 1.29: /api/_status instead of /api/v1/status.
        (
            Emulator::Landscape(Landscape {
                version: "1.28.0".into(),
                ..Landscape::sample(Argilla, true)
            }),
            format!("{}:6900", ip(22)),
        ),
    ]);
    let ports = "8080,8008,8081,6900,9380,3080,3210,3000";
    let (r, _) = scan_json(&["127.102.1.1-22", "-p", ports]);

    let s = expect(&r, &ip(1), 8080, "vespa", Some("8.585.19"), "none");
    assert_eq!(detail(s, "documents"), ["4"]);
    assert_eq!(detail(s, "application"), ["default"]);

    // No fixed users: the login takes any name, so the server is open.
    let s = expect(&r, &ip(2), 8008, "clearml", Some("2.0.0"), "none");
    assert_eq!(detail(s, "api_version"), ["2.31"]);
    expect(&r, &ip(21), 8008, "clearml", Some("0.17.0"), "none");
    let s = expect(&r, &ip(3), 8008, "clearml", Some("2.0.0"), "required");
    assert!(
        s["evidence"].to_string().contains("GET /projects.get_all"),
        "{s:#}"
    );

    // The file server names ClearML; which files it holds cannot be known.
    expect(&r, &ip(17), 8081, "clearml", None, "unknown");
    expect(&r, &ip(18), 8081, "torchserve", Some("0.12.0"), "none");

    let s = expect(&r, &ip(4), 6900, "argilla", Some("2.8.0"), "required");
    assert_eq!(detail(s, "search_engine"), ["8.17.0"]);
    let s1 = expect(&r, &ip(22), 6900, "argilla", Some("1.28.0"), "required");
    assert_eq!(detail(s1, "search_engine"), ["8.17.0"]);
    assert!(
        s["evidence"].to_string().contains("UnauthorizedError"),
        "{s:#}"
    );

    let s = expect(&r, &ip(5), 9380, "ragflow", Some("0.27.0"), "required");
    assert_eq!(detail(s, "registration_enabled"), ["1"]);
    // v0.24's HTTP 200 "`Authorization` can't be empty" is a refusal too;
    // its version route is login-only.
    let s = expect(&r, &ip(20), 9380, "ragflow", None, "required");
    assert_eq!(detail(s, "registration_enabled"), ["1"]);
    assert!(
        s["capabilities"]["data"]["evidence"]["excerpt"]
            .as_str()
            .is_some_and(|e| e.contains("can't be empty")),
        "{s:#}"
    );
    let s = expect(&r, &ip(6), 9380, "ragflow", Some("0.27.0"), "required");
    assert!(detail(s, "registration_enabled").is_empty(), "{s:#}");

    let s = expect(&r, &ip(7), 3080, "librechat", None, "required");
    assert_eq!(detail(s, "app_title"), ["LibreChat"]);
    assert_eq!(detail(s, "registration_enabled"), ["true"]);
    let s = expect(&r, &ip(8), 3080, "librechat", None, "required");
    assert!(detail(s, "registration_enabled").is_empty(), "{s:#}");

    // Its refusal is the same with or without an access code: unknown.
    let s = expect(&r, &ip(9), 3210, "lobechat", None, "unknown");
    assert_eq!(detail(s, "name"), ["LobeChat"]);

    let s = expect(&r, &ip(10), 3000, "nextchat", None, "none");
    assert_eq!(detail(s, "default_model"), ["gpt-4o-mini"]);
    let s = expect(&r, &ip(11), 3000, "nextchat", None, "required");
    assert!(
        s["evidence"].to_string().contains("empty access code"),
        "{s:#}"
    );

    for (n, port, not) in [
        (12, 8080, "vespa"),
        (13, 3000, "nextchat"),
        (14, 3080, "librechat"),
        (15, 6900, "argilla"),
        (16, 9380, "ragflow"),
    ] {
        let s = service(&r, &ip(n), port);
        assert!(
            s.is_none_or(|s| s["service"] != not),
            "{}:{port} taken for {not}: {r:#}",
            ip(n)
        );
    }
    // Open WebUI claims port 3000 too: found there under its own name.
    expect(&r, &ip(13), 3000, "open-webui", Some("0.6.22"), "none");
}

// ---------------------------------------------------------------------------
// Every rule against every emulator, through the library.

/// What one rule made of one emulator.
struct Verdict {
    rule: String,
    score: u32,
    matched: usize,
}

/// Run every HTTP rule against the server at `addr`, sharing answers as
/// the scanner does (one request sent once). Returns the rules that
/// identified it, and how many distinct requests the rules claiming
/// `port` would send with their gates.
async fn assess_all(
    rules: &[Rule],
    addr: SocketAddr,
    tls: bool,
) -> (Vec<Verdict>, HashMap<String, Vec<Request>>) {
    let limits = Limits::default();
    let connector = tls_connector();
    let mut cache: HashMap<Request, Option<Arc<Response>>> = HashMap::new();
    let mut verdicts = Vec::new();
    let mut sent_by_rule = HashMap::new();
    for rule in rules.iter().filter(|r| r.transport == Transport::Http) {
        let mut a = assess(rule);
        let mut sent = Vec::new();
        while let Some(req) = a.next_request() {
            sent.push(req.clone());
            let answer = match cache.get(req) {
                Some(hit) => hit.clone(),
                None => {
                    let host = addr.ip().to_string();
                    let tls = tls.then_some(&connector);
                    let got = http_exchange(addr, &host, tls, req, &limits)
                        .await
                        .ok()
                        .map(|(r, _)| Arc::new(r));
                    cache.insert(req.clone(), got.clone());
                    got
                }
            };
            a.feed(answer.as_deref());
        }
        sent_by_rule.insert(rule.id.clone(), sent);
        if a.identified() {
            verdicts.push(Verdict {
                rule: rule.id.clone(),
                score: a.score,
                matched: a.matched_probes(),
            });
        }
    }
    (verdicts, sent_by_rule)
}

/// Secured products whose refusal carries nothing of the product, so no
/// rule can name them (and none may): DCGM exporter behind
/// exporter-toolkit basic auth answers a bare 401; LMDeploy refuses with
/// FastChat's OpenAI-style invalid_api_key error (a keyed FastChat names
/// itself on its unguarded /api/v1/chat/completions);
/// text-generation-webui with a plain FastAPI `{"detail":"Unauthorized"}`,
/// PrivateGPT with FastAPI's Basic challenge.
const UNIDENTIFIABLE: &[(Product, bool)] = &[
    (Product::DcgmExporter, true),
    (Product::LmDeploy, true),
    (Product::TextGenWebUi, true),
    (Product::PrivateGpt, true),
];

/// Rules that also match a product but must lose to its own rule (the
/// scanner keeps the strongest): the generic OpenAI label on every OpenAI
/// server, and rules this file does not own whose probes a product
/// happens to satisfy. ollama.toml's `/api/version` probe accepts any
/// `{"version": "x.y"}`, which Open WebUI's `/api/version` also answers.
const FALLBACKS: &[(&str, Option<Product>)] = &[
    ("openai-compatible", None),
    ("ollama", Some(Product::OpenWebUi)),
];

/// Problems with what the rules made of one emulator: its own rule must be
/// the only claimant, or the strongest with only allowed fallbacks beside.
fn judge(label: &str, product: Product, auth: bool, verdicts: &[Verdict]) -> Vec<String> {
    let expected = product.rule_id();
    let mut problems = Vec::new();
    let Some(own) = verdicts.iter().find(|v| v.rule == expected) else {
        if !(UNIDENTIFIABLE.contains(&(product, auth)) && verdicts.is_empty()) {
            let ids: Vec<&str> = verdicts.iter().map(|v| v.rule.as_str()).collect();
            problems.push(format!("{label}: claimed by {ids:?}, not by {expected}"));
        }
        return problems;
    };
    for other in verdicts.iter().filter(|v| v.rule != expected) {
        let allowed = FALLBACKS
            .iter()
            .any(|(rule, p)| *rule == other.rule && p.is_none_or(|p| p == product));
        if !allowed {
            problems.push(format!("{label}: also claimed by {}", other.rule));
        } else if (other.score, other.matched) >= (own.score, own.matched) {
            problems.push(format!("{label}: {} ties or beats {expected}", other.rule));
        }
    }
    problems
}

/// The scanner's budget: at most this many requests per port.
const MAX_REQUESTS_PER_PORT: usize = 48;

#[test]
fn every_emulator_is_claimed_by_exactly_one_rule() {
    let set = builtin_rules().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut problems = Vec::new();
    let mut n = 0u8;
    for product in Product::all() {
        for &auth in product.variants() {
            n += 1;
            let bind: SocketAddr =
                format!("127.71.{}.{n}:{}", u8::from(auth), product.default_port())
                    .parse()
                    .unwrap();
            let server = rt.block_on(start(emu(product, auth), bind)).unwrap();
            let (verdicts, sent) =
                rt.block_on(assess_all(set.rules(), server.addr, product.tls_only()));
            drop(server);
            let label = format!("{product:?} (auth {auth})");
            // The generic OpenAI label is a fallback: it may also match a
            // product that speaks the OpenAI API, but must score below it.
            problems.extend(judge(&label, product, auth, &verdicts));
            // What a real scan of the product's own port would send.
            let mut distinct: Vec<&Request> = set
                .candidates(product.default_port())
                .iter()
                .filter_map(|r| sent.get(&r.id))
                .flatten()
                .collect();
            distinct.sort_by_key(|r| r.to_string());
            distinct.dedup();
            if distinct.len() > MAX_REQUESTS_PER_PORT {
                problems.push(format!(
                    "{label}: rules on port {} send {} requests, over the {MAX_REQUESTS_PER_PORT} budget",
                    product.default_port(),
                    distinct.len()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
