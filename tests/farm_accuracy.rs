//! Identification accuracy over the whole emulator farm: every emulated
//! product in every variant it models (open and with its own credential
//! switch on), Ollama and Triton, and the negatives (plain nginx, garbage,
//! silence, an endless body, Ollama's banner-only decoy, an auth proxy that
//! hides what is behind it, and a honeypot that answers everything), each on
//! its own 127.103.x.y address at its product's port, found by one scan of
//! the aimap binary over all of them.
//!
//! Per rule: precision = TP / (TP + FP), recall = TP / (TP + FN), where an
//! instance counts for the rule that should name it (the farm catalogue's
//! `rule_id`). A report labelled `contradictory` is no identification (a
//! real product must never get one); the honeypot must get one. Secured
//! variants whose refusal carries nothing of the product cannot be named by
//! any rule: they count as negatives (no rule may claim them) and are listed
//! apart, not in recall.
//!
//! This is a regression guard: precision and recall must both be 1.0 for
//! every rule. `scripts/farm-accuracy.sh` prints the table and rewrites
//! docs/accuracy.md (AIMAP_WRITE_ACCURACY=1).
mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use aimap_farm::{start, Emulator, Landscape, Product, Running};
use common::*;
use serde_json::Value;

/// What an instance is, and so what the scan should make of it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Truth {
    /// The rule that must name it, unlabelled.
    Rule(&'static str),
    /// Nothing may claim it (a product whose refusal names nothing, or not
    /// an AI service at all).
    Negative(&'static str),
    /// Answers everything: if reported, it must be labelled contradictory.
    Honeypot,
}

/// Secured variants whose refusal carries nothing of the product (see
/// UNIDENTIFIABLE in scan_landscape_emulated.rs, which checks the same).
const ANONYMOUS: &[(Product, bool, &str)] = &[
    (
        Product::DcgmExporter,
        true,
        "DCGM exporter behind basic auth: a bare 401",
    ),
    (
        Product::LmDeploy,
        true,
        "LMDeploy with API keys: FastChat's OpenAI-style error",
    ),
    (
        Product::TextGenWebUi,
        true,
        "text-generation-webui with --api-key: a plain FastAPI 401",
    ),
    (
        Product::PrivateGpt,
        true,
        "PrivateGPT with server.auth: FastAPI's Basic challenge",
    ),
];

struct Instance {
    label: String,
    emulator: Emulator,
    port: u16,
    truth: Truth,
}

fn instances() -> Vec<Instance> {
    let mut out = Vec::new();
    for product in Product::all() {
        for &auth in product.variants() {
            let anonymous = ANONYMOUS
                .iter()
                .find(|(p, a, _)| *p == product && *a == auth);
            out.push(Instance {
                label: format!("{product:?}{}", if auth { " (secured)" } else { "" }),
                emulator: Emulator::Landscape(Landscape::sample(product, auth)),
                port: product.default_port(),
                truth: match anonymous {
                    Some((_, _, why)) => Truth::Negative(why),
                    None => Truth::Rule(product.rule_id()),
                },
            });
        }
    }
    let models = vec!["llama3:8b".to_string(), "qwen2:7b".to_string()];
    let triton_models = vec!["densenet_onnx".to_string()];
    let mut add = |label: &str, emulator: Emulator, truth: Truth| {
        let port = emulator.default_port();
        out.push(Instance {
            label: label.into(),
            emulator,
            port,
            truth,
        });
    };
    add(
        "Ollama",
        Emulator::Ollama {
            version: "0.12.3".into(),
            models,
        },
        Truth::Rule("ollama"),
    );
    for (label, restricted) in [("Triton", false), ("Triton (restricted)", true)] {
        let emulator = Emulator::Triton {
            version: "2.59.0".into(),
            models: triton_models.clone(),
            restricted,
        };
        add(label, emulator, Truth::Rule("triton"));
    }
    add(
        "Triton metrics",
        Emulator::TritonMetrics {
            models: triton_models,
        },
        Truth::Rule("triton"),
    );
    add(
        "nginx",
        Emulator::PlainHttp,
        Truth::Negative("an ordinary web server"),
    );
    add(
        "garbage",
        Emulator::Garbage,
        Truth::Negative("random bytes"),
    );
    add(
        "silent",
        Emulator::Silent,
        Truth::Negative("accepts, never answers"),
    );
    add(
        "endless body",
        Emulator::EndlessBody,
        Truth::Negative("a body that never ends"),
    );
    add(
        "Ollama decoy",
        Emulator::OllamaDecoy,
        Truth::Negative("copies Ollama's banner only"),
    );
    add(
        "auth proxy",
        Emulator::OllamaBehindAuthProxy,
        Truth::Negative("nginx auth_basic in front: every path 401"),
    );
    add("honeypot", Emulator::Honeypot, Truth::Honeypot);
    out
}

/// 127.103.(10 + i / 200).(1 + i % 200).
fn address(i: usize) -> String {
    format!("127.103.{}.{}", 10 + i / 200, 1 + i % 200)
}

#[derive(Default)]
struct Tally {
    instances: usize,
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Tally {
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn labelled(s: &Value) -> bool {
    s["labels"]
        .as_array()
        .is_some_and(|l| l.iter().any(|x| x == "contradictory"))
}

#[test]
fn every_farm_product_is_identified_and_nothing_else_is() {
    let plan = instances();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _servers: Vec<Running> = plan
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let addr: SocketAddr = format!("{}:{}", address(i), inst.port).parse().unwrap();
            rt.block_on(start(inst.emulator.clone(), addr))
                .unwrap_or_else(|e| panic!("{}: {addr}: {e}", inst.label))
        })
        .collect();
    let mut ports: Vec<u16> = plan.iter().map(|i| i.port).collect();
    ports.sort_unstable();
    ports.dedup();
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    let ranges: Vec<String> = (0..plan.len())
        .step_by(200)
        .map(|start| {
            let end = (start + 199).min(plan.len() - 1);
            format!("{}-{}", address(start), 1 + end % 200)
        })
        .collect();
    let mut args: Vec<&str> = ranges.iter().map(String::as_str).collect();
    let port_list = ports.join(",");
    args.extend(["-p", &port_list]);
    let (report, _) = scan_json(&args);

    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut negatives = Vec::new();
    for (i, inst) in plan.iter().enumerate() {
        let ip = address(i);
        let found = service(&report, &ip, inst.port);
        let claimed = found
            .filter(|s| !labelled(s))
            .and_then(|s| s["service"].as_str());
        match &inst.truth {
            Truth::Rule(rule) => {
                let t = tally.entry(rule.to_string()).or_default();
                t.instances += 1;
                if claimed == Some(*rule) {
                    t.tp += 1;
                } else {
                    t.fn_ += 1;
                    problems.push(format!(
                        "{} ({ip}:{}): expected {rule}, got {}",
                        inst.label,
                        inst.port,
                        found.map_or("nothing".to_string(), |s| format!(
                            "{}{}",
                            s["service"],
                            if labelled(s) {
                                " (labelled contradictory)"
                            } else {
                                ""
                            }
                        ))
                    ));
                }
            }
            Truth::Negative(why) => negatives.push((inst.label.clone(), *why, verdict(found))),
            Truth::Honeypot => {
                if !found.is_some_and(labelled) {
                    problems.push(format!(
                        "the honeypot was not labelled contradictory: {found:?}"
                    ));
                }
                negatives.push((
                    inst.label.clone(),
                    "answers every path with one Ollama/vLLM/OpenAI document",
                    verdict(found),
                ));
            }
        }
        // Whatever an instance is, a rule that claims it wrongly is a false positive.
        if let Some(rule) = claimed {
            if !matches!(inst.truth, Truth::Rule(r) if r == rule) {
                tally.entry(rule.to_string()).or_default().fp += 1;
                if !matches!(inst.truth, Truth::Rule(_)) {
                    problems.push(format!(
                        "{} ({ip}:{}) claimed by {rule}",
                        inst.label, inst.port
                    ));
                }
            }
        }
    }

    let table = render(&tally, &negatives, &report);
    println!("{table}");
    if std::env::var("AIMAP_WRITE_ACCURACY").is_ok_and(|v| v == "1") {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/accuracy.md");
        std::fs::write(path, &table).expect("write docs/accuracy.md");
    }
    for (rule, t) in &tally {
        if t.precision() < 1.0 || t.recall() < 1.0 {
            problems.push(format!(
                "{rule}: precision {:.3}, recall {:.3}",
                t.precision(),
                t.recall()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What the scan made of a negative, for the table.
fn verdict(found: Option<&Value>) -> String {
    match found {
        None => "-".into(),
        Some(s) if labelled(s) => format!(
            "reported as `{}`, labelled contradictory",
            s["service"].as_str().unwrap_or("?")
        ),
        Some(s) => format!("`{}`", s["service"].as_str().unwrap_or("?")),
    }
}

fn render(
    tally: &BTreeMap<String, Tally>,
    negatives: &[(String, &str, String)],
    report: &Value,
) -> String {
    let (tp, fp, fn_) = tally
        .values()
        .fold((0, 0, 0), |(a, b, c), t| (a + t.tp, b + t.fp, c + t.fn_));
    let mut out = String::from(
        "# Identification accuracy on the emulator farm\n\n\
         Generated by `scripts/farm-accuracy.sh` (the test `tests/farm_accuracy.rs`, which also asserts\n\
         precision = recall = 1.0 for every rule). One scan of the `aimap` binary over every emulator in\n\
         [crates/farm](../crates/farm/) (each product open and, where it has one, with its own credential\n\
         switch on) and the negatives below, each on its own loopback address at the product's port.\n\n\
         Precision = TP / (TP + FP), recall = TP / (TP + FN). A report labelled `contradictory` counts as\n\
         no identification. The farm is emulators built from each product's source: this measures the\n\
         rules against what the sources say the products answer, not against every deployment.\n\n",
    );
    out.push_str(&format!(
        "{} rules, {} instances to name, {tp} named correctly, {fp} false positives, {fn_} misses; \
         {} negatives; {} open ports scanned.\n\n",
        tally.len(),
        tally.values().map(|t| t.instances).sum::<usize>(),
        negatives.len(),
        report["stats"]["open_ports"]
    ));
    out.push_str(
        "| rule | instances | TP | FP | FN | precision | recall |\n|---|---|---|---|---|---|---|\n",
    );
    for (rule, t) in tally {
        out.push_str(&format!(
            "| `{rule}` | {} | {} | {} | {} | {:.2} | {:.2} |\n",
            t.instances,
            t.tp,
            t.fp,
            t.fn_,
            t.precision(),
            t.recall()
        ));
    }
    out.push_str("\nNegatives (no rule may claim them; the honeypot must be labelled):\n\n| instance | what it is | scan result |\n|---|---|---|\n");
    for (label, why, verdict) in negatives {
        out.push_str(&format!("| {label} | {why} | {verdict} |\n"));
    }
    out
}
