//! End-to-end tests of `aimap audit` on a corpus of model files that real
//! Python writes at test time (scripts/gen_model_corpus.py): malicious
//! pickles of every protocol, hand-assembled opcode tricks, torch-style
//! zips, NumPy, joblib, Keras, ONNX, GGUF and safetensors files, and benign
//! weights that must pass. The corpus manifest says what each file must get.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{aimap, unavailable, venv_bin};
use serde_json::Value;

/// The corpus, generated once per test process into a temp dir.
fn corpus() -> Option<&'static Path> {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    DIR.get_or_init(|| {
        let python = venv_bin("python")?;
        let dir = tempfile::tempdir().ok()?;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/gen_model_corpus.py");
        let out = Command::new(python)
            .arg(script)
            .arg(dir.path())
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "corpus generation failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(dir)
    })
    .as_ref()
    .map(|d| d.path())
}

fn need_corpus() -> Option<&'static Path> {
    let c = corpus();
    if c.is_none() {
        unavailable("python with numpy, joblib, h5py, onnx, gguf, safetensors (venv .venv-test)");
    }
    c
}

fn audit(args: &[&str]) -> (Value, std::process::Output) {
    let mut full = vec!["audit", "--format", "json"];
    full.extend_from_slice(args);
    let out = aimap(&full);
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn every_corpus_file_gets_its_verdict_and_names_its_imports() {
    let Some(dir) = need_corpus() else { return };
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let (report, out) = audit(&[s(dir)]);
    assert_eq!(out.status.code(), Some(1), "unsafe files present: exit 1");
    let files = report["files"].as_array().unwrap();
    let mut wrong = Vec::new();
    for entry in &manifest {
        let name = entry["file"].as_str().unwrap();
        let path = dir.join(name);
        let Some(file) = files.iter().find(|f| f["path"] == s(&path)) else {
            wrong.push(format!("{name}: not audited"));
            continue;
        };
        if file["verdict"] != entry["verdict"] {
            wrong.push(format!(
                "{name}: want {} got {} ({} / {})",
                entry["verdict"], file["verdict"], file["findings"], file["error"]
            ));
        }
        let findings = file["findings"].to_string();
        for import in entry["imports"].as_array().unwrap() {
            let import = import.as_str().unwrap();
            if !findings.contains(import) {
                wrong.push(format!("{name}: no finding names {import}: {findings}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} files wrong:\n{}",
        wrong.len(),
        manifest.len(),
        wrong.join("\n")
    );
    // manifest.json itself is not a model: the walk skips it silently.
    assert_eq!(files.len(), manifest.len());
    let summary = &report["summary"];
    assert_eq!(summary["files"], manifest.len());
}

#[test]
fn findings_use_the_shared_model_with_byte_offsets() {
    let Some(dir) = need_corpus() else { return };
    let file = dir.join("malicious/reduce_os_system_p2.pkl");
    let (report, _) = audit(&[s(&file)]);
    let f = &report["files"][0];
    assert_eq!(f["format"], "pickle");
    let finding = &f["findings"][0];
    assert_eq!(finding["kind"], "unsafe-model");
    assert_eq!(finding["severity"], "critical");
    assert_eq!(finding["subject"]["type"], "file");
    assert_eq!(finding["subject"]["path"], s(&file));
    // PROTO 2 takes two bytes; the GLOBAL opcode follows.
    assert_eq!(finding["byte_offset"], 2);
    assert!(
        finding["evidence"]
            .as_str()
            .unwrap()
            .contains("GLOBAL posix.system at byte 2"),
        "{finding}"
    );
    // torch zips are stored uncompressed: offsets point into the file itself.
    let (report, _) = audit(&[s(&dir.join("malicious/torch_model.bin"))]);
    let f = &report["files"][0];
    assert_eq!(f["format"], "torch-zip");
    let ev = f["findings"][0]["evidence"].as_str().unwrap();
    assert!(
        ev.contains("pytorch_model/data.pkl") && ev.contains("file byte"),
        "{ev}"
    );
    let offset = f["findings"][0]["byte_offset"].as_u64().unwrap();
    let bytes = std::fs::read(dir.join("malicious/torch_model.bin")).unwrap();
    assert_eq!(
        bytes[offset as usize], b'c',
        "byte_offset must point at the GLOBAL opcode"
    );
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let Some(dir) = need_corpus() else { return };
    let python = venv_bin("python").expect("venv");
    let tmp = tempfile::tempdir().unwrap();
    let out_file = tmp.path().join("audit.sarif");
    let out = aimap(&["audit", "--format", "sarif", "-o", s(&out_file), s(dir)]);
    assert_eq!(out.status.code(), Some(1));
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/schemas/sarif-schema-2.1.0.json"
    );
    let check = "import json,sys,jsonschema\nd=json.load(open(sys.argv[1]));s=json.load(open(sys.argv[2]))\njsonschema.validators.validator_for(s).check_schema(s)\njsonschema.validate(d,s)";
    let v = Command::new(python)
        .args(["-c", check])
        .arg(&out_file)
        .arg(schema)
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "SARIF does not match the schema:\n{}",
        String::from_utf8_lossy(&v.stderr)
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules
        .iter()
        .all(|r| !r["help"]["text"].as_str().unwrap().is_empty()));
    let results = run["results"].as_array().unwrap();
    let pickle = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .contains("reduce_os_system_p3.pkl")
                || {
                    let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap_or("");
                    uri.ends_with("reduce_os_system_p3.pkl")
                }
        })
        .expect("a result for the os.system pickle");
    assert_eq!(pickle["level"], "error");
    let loc = &pickle["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("file:///"));
    assert_eq!(loc["region"]["byteOffset"], 2);
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert!(levels.contains(&"warning"), "medium findings are warnings");
}

#[test]
fn exit_codes_follow_fail_on_and_errors() {
    let Some(dir) = need_corpus() else { return };
    let code = |args: &[&str]| aimap(args).status.code();
    let safe = dir.join("benign/state_dict.pt");
    let unsafe_ = dir.join("malicious/inst_os_system.pkl");
    let suspicious = dir.join("suspicious/unknown_class.pkl");
    assert_eq!(code(&["audit", s(&safe)]), Some(0));
    assert_eq!(code(&["audit", s(&unsafe_)]), Some(1));
    assert_eq!(code(&["audit", "--fail-on", "none", s(&unsafe_)]), Some(0));
    // Suspicious is medium: below the default threshold, at --fail-on medium.
    assert_eq!(code(&["audit", s(&suspicious)]), Some(0));
    assert_eq!(
        code(&["audit", "--fail-on", "medium", s(&suspicious)]),
        Some(1)
    );
    assert_eq!(code(&["audit", "/nonexistent/model.pt"]), Some(2));
    assert_eq!(
        code(&["audit", s(&dir.join("error/truncated.pkl"))]),
        Some(2)
    );
    assert_eq!(code(&["audit", "--format", "yaml", s(&safe)]), Some(2));
    // A file named explicitly that is no model is an error; in a walk it is skipped.
    assert_eq!(code(&["audit", s(&dir.join("manifest.json"))]), Some(2));
}

#[test]
fn table_output_names_verdicts_and_imports() {
    let Some(dir) = need_corpus() else { return };
    let out = aimap(&[
        "audit",
        s(&dir.join("malicious")),
        s(&dir.join("benign/model.keras")),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("VERDICT"), "{text}");
    assert!(
        text.contains("unsafe") && text.contains("code.interact"),
        "{text}"
    );
    assert!(text.contains("safe        keras"), "{text}");
    assert!(!text.contains("\x1b["), "no colour when not on a terminal");
}

#[test]
fn hostile_files_give_error_verdicts_not_crashes() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, data: &[u8]| -> PathBuf {
        let p = tmp.path().join(name);
        std::fs::write(&p, data).unwrap();
        p
    };
    // A MARK bomb, a memo reference to nothing, a length that runs off the end.
    let bomb = write("marks.pkl", &[b'('; 200_000]);
    let memo = write("memo.pkl", b"\x80\x02h\x07.");
    let long = write("long.pkl", b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f.");
    let (report, out) = audit(&[s(&bomb), s(&memo), s(&long)]);
    assert_eq!(out.status.code(), Some(2));
    for f in report["files"].as_array().unwrap() {
        assert_eq!(f["verdict"], "error", "{f}");
        assert!(f["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}
