//! `aimap inventory` end to end: a real venv with old pinned packages, hand-
//! built container images in three formats, a Go binary, model headers,
//! hostile inputs; CycloneDX validated against the official schemas and
//! SPDX with the spdx-tools validator.
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{aimap, find_program, unavailable, venv_bin};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inventory")
        .join(name)
}

fn run_json(args: &[&str]) -> (Value, Output) {
    let out = aimap(args);
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out)
}

fn purls(report: &Value) -> Vec<String> {
    report["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str().map(str::to_string))
        .collect()
}

fn python() -> Option<PathBuf> {
    find_program("python3")
}

/// A venv made here with deliberately old packages, or `None` (skip) when pip cannot reach an index.
fn old_venv(dir: &Path) -> Option<PathBuf> {
    let venv = dir.join("venv");
    let ok = Command::new(python()?)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .ok()?
        .success();
    let pip = venv.join("bin/pip");
    let installed = ok
        && Command::new(&pip)
            .args([
                "install",
                "-q",
                "--no-deps",
                "requests==2.19.0",
                "urllib3==1.24.1",
                "jinja2==2.10",
            ])
            .status()
            .is_ok_and(|s| s.success());
    installed.then_some(venv)
}

fn validate_cyclonedx(file: &Path, spec: &str) {
    let Some(py) = venv_bin("python") else {
        return unavailable("jsonschema (venv .venv-test)");
    };
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas/cyclonedx");
    // The official schemas name their neighbours by relative file name; a
    // registry maps those names (and their $ids) to the copies in docs/schemas.
    let check = r#"
import json, sys, os, jsonschema, referencing
d = json.load(open(sys.argv[1])); root = sys.argv[2]; spec = sys.argv[3]
res = {}
for f in os.listdir(root):
    s = json.load(open(os.path.join(root, f)))
    r = referencing.Resource.from_contents(s, default_specification=referencing.jsonschema.DRAFT7)
    res[f] = r; res[s["$id"]] = r
    res["http://cyclonedx.org/schema/" + f] = r
reg = referencing.Registry().with_resources(res.items())
schema = json.load(open(os.path.join(root, "bom-%s.SNAPSHOT.schema.json" % spec)))
jsonschema.Draft7Validator(schema, registry=reg, format_checker=jsonschema.FormatChecker()).validate(d)
"#;
    let out = Command::new(py)
        .args(["-c", check])
        .arg(file)
        .arg(&schemas)
        .arg(spec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "CycloneDX {spec} invalid:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn validate_spdx(file: &Path) {
    let Some(tool) = venv_bin("pyspdxtools") else {
        return unavailable("pyspdxtools (spdx-tools in .venv-test)");
    };
    let out = Command::new(tool).arg("-i").arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "SPDX invalid:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn venv_packages_versions_purls_and_vulnerabilities() {
    let dir = tempfile::tempdir().unwrap();
    let Some(venv) = old_venv(dir.path()) else {
        return unavailable("python3 -m venv with pip access");
    };
    let store = dir.path().join("advisories");
    let imported = aimap(&[
        "db",
        "--advisories",
        store.to_str().unwrap(),
        "import",
        fixture("urllib3-PYSEC-2019-132.json").to_str().unwrap(),
    ]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let v = venv.to_str().unwrap();
    let (report, out) = run_json(&[
        "inventory",
        v,
        "--format",
        "json",
        "--advisories",
        store.to_str().unwrap(),
    ]);
    let p = purls(&report);
    for want in [
        "pkg:pypi/requests@2.19.0",
        "pkg:pypi/urllib3@1.24.1",
        "pkg:pypi/jinja2@2.10",
    ] {
        assert!(p.contains(&want.to_string()), "{want} missing from {p:?}");
    }
    let jinja = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Jinja2")
        .unwrap();
    assert_eq!(jinja["version"], "2.10");
    assert!(jinja["locations"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("Jinja2-2.10.dist-info/METADATA"));
    let findings = report["findings"].as_array().unwrap();
    let f = findings
        .iter()
        .find(|f| f["id"] == "PYSEC-2019-132")
        .expect("urllib3 advisory matched");
    assert_eq!(f["kind"], "vulnerability");
    assert_eq!(f["subject"]["purl"], "pkg:pypi/urllib3@1.24.1");
    assert_eq!(report["summary"]["vulnerable_components"]["high"], 1);
    // A high finding fails the default threshold.
    assert_eq!(out.status.code(), Some(1));

    for spec in ["1.6", "1.7"] {
        let file = dir.path().join(format!("bom-{spec}.json"));
        let out = aimap(&[
            "inventory",
            v,
            "--format",
            "cyclonedx",
            "--spec",
            spec,
            "--fail-on",
            "none",
            "--advisories",
            store.to_str().unwrap(),
            "-o",
            file.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bom: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(bom["specVersion"], spec);
        let vulns = bom["vulnerabilities"].as_array().unwrap();
        assert!(vulns
            .iter()
            .any(|x| x["id"] == "PYSEC-2019-132"
                && x["affects"][0]["ref"] == "pkg:pypi/urllib3@1.24.1"));
        validate_cyclonedx(&file, spec);
    }
    let spdx = dir.path().join("bom.spdx.json");
    let out = aimap(&[
        "inventory",
        v,
        "--format",
        "spdx",
        "--no-vulns",
        "-o",
        spdx.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&spdx).unwrap()).unwrap();
    assert!(doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["externalRefs"][0]["referenceLocator"] == "pkg:pypi/urllib3@1.24.1"));
    validate_spdx(&spdx);
}

fn images(dir: &Path) -> Option<()> {
    let ok = Command::new(python()?)
        .arg(fixture("make_image.py"))
        .arg(dir)
        .status()
        .ok()?
        .success();
    ok.then_some(())
}

#[test]
fn image_formats_agree_and_honour_whiteouts() {
    let dir = tempfile::tempdir().unwrap();
    if images(dir.path()).is_none() {
        return unavailable("python3 (builds the test images)");
    }
    let mut seen: Vec<Vec<(String, String, String)>> = Vec::new();
    for name in ["good-oci", "good-oci.tar", "good-docker.tar"] {
        let target = dir.path().join(name);
        let (report, out) = run_json(&[
            "inventory",
            target.to_str().unwrap(),
            "--format",
            "json",
            "--no-vulns",
        ]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(report["layers"].as_array().unwrap().len(), 2, "{name}");
        let rows: Vec<(String, String, String)> = report["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let l = &c["locations"][0];
                (
                    c["purl"].as_str().unwrap().to_string(),
                    l["path"].as_str().unwrap().to_string(),
                    l["layer"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let p: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        for want in [
            "pkg:pypi/requests@2.19.0",
            "pkg:pypi/fresh@0.2",
            "pkg:npm/left-pad@1.3.0",
            "pkg:npm/%40types/node@20.1.0",
            "pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&source=glibc",
            "pkg:deb/debian/redis-server@5%3A7.0.15-1~deb12u1?arch=amd64&source=redis",
        ] {
            assert!(p.contains(&want), "{name}: {want} missing from {p:?}");
        }
        // `.wh.thing-1.0.dist-info` and the opaque /srv/cache removed these.
        assert!(
            !p.iter().any(|x| x.contains("thing") || x.contains("stale")),
            "{name}: whiteouts ignored: {p:?}"
        );
        // requests came with layer 1, fresh with layer 2.
        let layers = report["layers"].as_array().unwrap();
        let layer_of = |needle: &str| {
            rows.iter()
                .find(|r| r.0.contains(needle))
                .unwrap()
                .2
                .clone()
        };
        assert_eq!(layer_of("requests"), layers[0].as_str().unwrap());
        assert_eq!(layer_of("fresh"), layers[1].as_str().unwrap());
        seen.push(rows);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1], seen[2]);
    let bom = dir.path().join("image.cdx.json");
    let out = aimap(&[
        "inventory",
        dir.path().join("good-docker.tar").to_str().unwrap(),
        "--format",
        "cyclonedx",
        "--no-vulns",
        "-o",
        bom.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    validate_cyclonedx(&bom, "1.6");
}

#[test]
fn hostile_images_and_files_give_errors_not_damage() {
    let dir = tempfile::tempdir().unwrap();
    if images(dir.path()).is_none() {
        return unavailable("python3 (builds the test images)");
    }
    let work = dir.path().join("cwd");
    std::fs::create_dir(&work).unwrap();
    for name in ["hostile-oci", "hostile-docker.tar"] {
        let target = dir.path().join(name);
        let out = Command::new(common::aimap_bin())
            .current_dir(&work)
            .args([
                "inventory",
                target.to_str().unwrap(),
                "--format",
                "json",
                "--no-vulns",
                "--max-layer-bytes",
                "10000000",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(purls(&report), ["pkg:pypi/ok@1.0"]);
        let errors = report["errors"].to_string();
        for bad in [
            "../evil-outside",
            "/etc/evil-absolute",
            "a/../../evil-nested",
        ] {
            assert!(errors.contains(bad), "{name}: no error for {bad}: {errors}");
        }
        assert!(errors.contains("decompression bomb"), "{errors}");
    }
    // Nothing was written anywhere near the run.
    for p in [
        dir.path().join("evil-outside"),
        work.join("evil-outside"),
        dir.path().join("evil-nested"),
    ] {
        assert!(!p.exists());
    }
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0);
    let truncated = aimap(&[
        "inventory",
        dir.path().join("truncated-docker.tar").to_str().unwrap(),
        "--no-vulns",
    ]);
    assert_eq!(truncated.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&truncated.stderr).contains("truncated"));

    // A directory with a symlink loop and a 10 GB sparse "model".
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::os::unix::fs::symlink("b", tree.join("a")).unwrap();
    std::os::unix::fs::symlink("a", tree.join("b")).unwrap();
    std::fs::File::create(tree.join("huge.safetensors"))
        .unwrap()
        .set_len(10 << 30)
        .unwrap();
    std::fs::write(tree.join("requirements.txt"), "flask==0.12\n").unwrap();
    let started = std::time::Instant::now();
    let (report, out) = run_json(&[
        "inventory",
        tree.to_str().unwrap(),
        "--format",
        "json",
        "--no-vulns",
    ]);
    assert!(out.status.success());
    assert!(started.elapsed().as_secs() < 20, "the sparse file was read");
    assert_eq!(purls(&report), ["pkg:pypi/flask@0.12"]);
    let errors = report["errors"].to_string();
    assert!(errors.contains("symlink loop"), "{errors}");
    assert!(errors.contains("sparse"), "{errors}");
}

fn gguf() -> Vec<u8> {
    let mut b = b"GGUF".to_vec();
    b.extend(3u32.to_le_bytes());
    b.extend(2u64.to_le_bytes()); // tensors
    b.extend(2u64.to_le_bytes()); // key/values
    let s = |b: &mut Vec<u8>, t: &str| {
        b.extend((t.len() as u64).to_le_bytes());
        b.extend(t.as_bytes());
    };
    s(&mut b, "general.architecture");
    b.extend(8u32.to_le_bytes());
    s(&mut b, "llama");
    s(&mut b, "general.file_type");
    b.extend(4u32.to_le_bytes());
    b.extend(15u32.to_le_bytes()); // Q4_K_M
    for (name, dims) in [("a", vec![4u64, 8]), ("b", vec![16])] {
        s(&mut b, name);
        b.extend((dims.len() as u32).to_le_bytes());
        for d in dims {
            b.extend(d.to_le_bytes());
        }
        b.extend(0u32.to_le_bytes());
        b.extend(0u64.to_le_bytes());
    }
    b.extend([0u8; 64]);
    b
}

fn safetensors() -> Vec<u8> {
    let header = br#"{"w":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[3],"data_offsets":[12,24]},"__metadata__":{"format":"pt"}}"#;
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend(header);
    b.extend([0u8; 24]);
    b
}

fn onnx() -> Vec<u8> {
    let mut b = vec![0x08, 0x07]; // ir_version 7
    b.extend([0x12, 7]);
    b.extend(b"pytorch"); // producer_name
    b.extend([0x3a, 3, 0x0a, 1, b'g']); // graph (skipped)
    b.extend([0x42, 2, 0x10, 17]); // opset_import { version: 17 }
    b
}

#[test]
fn model_headers_become_ml_components() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tiny.gguf"), gguf()).unwrap();
    std::fs::write(dir.path().join("tiny.safetensors"), safetensors()).unwrap();
    std::fs::write(dir.path().join("tiny.onnx"), onnx()).unwrap();
    let (report, _) = run_json(&[
        "inventory",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--no-vulns",
    ]);
    let model = |n: &str| {
        report["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    let g = model("tiny.gguf");
    assert_eq!(g["kind"], "machine-learning-model");
    assert_eq!(g["model"]["architecture"], "llama");
    assert_eq!(g["model"]["quantization"], "Q4_K_M");
    assert_eq!(g["model"]["tensors"], 2);
    assert_eq!(g["model"]["parameters"], 48);
    assert_eq!(g["size"], gguf().len());
    assert_eq!(g["sha256"].as_str().unwrap().len(), 64);
    let s = model("tiny.safetensors");
    assert_eq!(s["model"]["tensors"], 2);
    assert_eq!(s["model"]["parameters"], 9);
    assert_eq!(s["model"]["dtypes"], serde_json::json!(["F16", "F32"]));
    let o = model("tiny.onnx");
    assert_eq!(o["model"]["opset"], 17);
    assert_eq!(o["model"]["producer"], "pytorch");
    let bom = dir.path().join("m.cdx.json");
    let out = aimap(&[
        "inventory",
        dir.path().to_str().unwrap(),
        "--format",
        "cyclonedx",
        "--spec",
        "1.7",
        "--no-vulns",
        "-o",
        bom.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    validate_cyclonedx(&bom, "1.7");
}

#[test]
fn go_binary_build_info() {
    let Some(go) = find_program("go") else {
        return unavailable("go (apt-get install golang-go)");
    };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("go.mod"),
        "module example.com/aimaptiny\n\ngo 1.19\n",
    )
    .unwrap();
    std::fs::write(
        src.join("main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n",
    )
    .unwrap();
    let bin = dir.path().join("out/tiny");
    let built = Command::new(&go)
        .current_dir(&src)
        .env("GOCACHE", dir.path().join("cache"))
        .env("GOFLAGS", "-buildvcs=false")
        .env("GOPROXY", "off")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .status()
        .unwrap();
    assert!(built.success());
    let version = Command::new(&go)
        .args(["env", "GOVERSION"])
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout)
        .trim()
        .trim_start_matches("go")
        .to_string();
    let (report, _) = run_json(&[
        "inventory",
        dir.path().join("out").to_str().unwrap(),
        "--format",
        "json",
        "--no-vulns",
    ]);
    let p = purls(&report);
    assert!(p.contains(&format!("pkg:golang/stdlib@{version}")), "{p:?}");
    assert!(
        p.contains(&"pkg:golang/example.com/aimaptiny".to_string()),
        "{p:?}"
    );
}
