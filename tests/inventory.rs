//! `aimap inventory` end to end: a real venv with old pinned packages, a
//! Go binary, model headers; CycloneDX validated against the official
//! schemas and SPDX with the spdx-tools validator. Images and hostile
//! inputs are in tests/inventory_images.rs.
mod common;
#[path = "fixtures/inventory/support.rs"]
mod support;

use serde_json::Value;
use std::process::Command;

use common::{aimap, find_program, unavailable};
use support::*;

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

#[test]
fn host_lists_ai_processes_and_their_listeners() {
    let Some(_redis) = common::redis("127.0.0.81", 16479, None) else {
        return unavailable("redis-server");
    };
    let (report, out) = run_json(&["inventory", "--host", "--format", "json", "--no-vulns"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let procs = report["processes"].as_array().expect("processes listed");
    let redis = procs
        .iter()
        .find(|p| {
            p["listeners"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["port"] == 16479)
        })
        .unwrap_or_else(|| panic!("redis-server on 16479 not found: {procs:?}"));
    assert_eq!(redis["name"], "redis-server");
    assert!(redis["cmdline"].as_str().unwrap().contains("16479"));
    let l = &redis["listeners"][0];
    assert_eq!(l["address"], "127.0.0.81");
    assert_eq!(l["all_interfaces"], false);
    // The running executable is analysed too: redis-server's embedded version.
    assert!(
        purls(&report)
            .iter()
            .any(|p| p.starts_with("pkg:generic/redis@")),
        "{:?}",
        purls(&report)
    );
}

/// The build machine's rpm architecture (`x86_64` on amd64).
fn rpm_arch() -> String {
    let out = Command::new(find_program("rpm").unwrap())
        .args(["--eval", "%{_arch}"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn rpm_database_packages_distro_and_advisories() {
    let dir = tempfile::tempdir().unwrap();
    let Some(root) = rpm_root(dir.path()) else {
        return unavailable("rpm and rpmbuild with the SQLite backend (Debian package rpm)");
    };
    let store = dir.path().join("advisories");
    // A real AlmaLinux 9 record (references trimmed): vim-minimal fixed in 2:8.2.2637-16.el9_0.2.
    let imported = aimap(&[
        "db",
        "--advisories",
        store.to_str().unwrap(),
        "import",
        fixture("ALSA-2022-5242.json").to_str().unwrap(),
    ]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let (report, out) = run_json(&[
        "inventory",
        root.to_str().unwrap(),
        "--format",
        "json",
        "--advisories",
        store.to_str().unwrap(),
    ]);
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    let arch = rpm_arch();
    let rpms: Vec<&Value> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ecosystem"] == "rpm")
        .collect();
    // What rpm itself reads from the same database.
    let mut ours: Vec<String> = rpms
        .iter()
        .map(|c| {
            let purl = c["purl"].as_str().unwrap();
            let q = |k: &str| {
                purl.split(['?', '&'])
                    .find_map(|p| p.strip_prefix(&format!("{k}=")))
                    .unwrap_or("(none)")
                    .to_string()
            };
            let vr = purl.split('@').nth(1).unwrap().split('?').next().unwrap();
            let (v, r) = vr.rsplit_once('-').unwrap();
            format!(
                "{} {} {v} {r} {}",
                c["name"].as_str().unwrap(),
                q("epoch"),
                q("arch")
            )
        })
        .collect();
    ours.sort();
    assert_eq!(ours, rpm_query(&root));
    for TestRpm {
        name,
        epoch,
        version,
        release,
        arch: want_arch,
        source_rpm: srpm,
        license,
    } in RPMS
    {
        let c = rpms
            .iter()
            .find(|c| c["name"] == *name)
            .unwrap_or_else(|| panic!("{name} missing: {rpms:?}"));
        let a = want_arch.map_or(arch.clone(), str::to_string);
        let epoch_q = epoch.map(|e| format!("&epoch={e}")).unwrap_or_default();
        assert_eq!(
            c["purl"],
            format!(
                "pkg:rpm/almalinux/{name}@{version}-{release}?arch={a}&distro=almalinux-9.3{epoch_q}&upstream={srpm}"
            )
        );
        let shown = match epoch {
            Some(e) => format!("{e}:{version}-{release}"),
            None => format!("{version}-{release}"),
        };
        assert_eq!(c["version"], shown);
        assert_eq!(c["license"], *license);
        assert_eq!(c["locations"][0]["path"], "/var/lib/rpm/rpmdb.sqlite");
    }
    let os = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["ecosystem"] == "os")
        .expect("os-release component");
    assert_eq!(
        (&os["name"], &os["version"]),
        (&"almalinux".into(), &"9.3".into())
    );
    assert_eq!(os["kind"], "operating-system");
    // 2:8.2.2637-16.el9_0.1 is one release below the fix: matched by the
    // binary package name, under AlmaLinux 9 from the distro qualifier.
    let findings = report["findings"].as_array().unwrap();
    let vim: Vec<&Value> = findings
        .iter()
        .filter(|f| f["id"] == "ALSA-2022:5242")
        .collect();
    assert_eq!(vim.len(), 1, "{findings:?}");
    assert!(vim[0]["subject"]["purl"]
        .as_str()
        .unwrap()
        .starts_with("pkg:rpm/almalinux/vim-minimal@8.2.2637-16.el9_0.1?"));
    assert_eq!(
        findings.len(),
        1,
        "aimap-demo has no advisory: {findings:?}"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "a moderate finding is under --fail-on high"
    );

    // The CycloneDX form is valid and names the OS and the licenses.
    let file = dir.path().join("rpm-bom.json");
    let out = aimap(&[
        "inventory",
        root.to_str().unwrap(),
        "--format",
        "cyclonedx",
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
    let comps = bom["components"].as_array().unwrap();
    assert!(comps
        .iter()
        .any(|c| c["type"] == "operating-system" && c["name"] == "almalinux"));
    assert!(comps.iter().any(
        |c| c["name"] == "vim-minimal" && c["licenses"][0]["license"]["name"] == "Vim AND MIT"
    ));
    validate_cyclonedx(&file, "1.6");

    // A corrupt database is an error on that file, not a crash or a silent nothing.
    let db = root.join("var/lib/rpm/rpmdb.sqlite");
    let mut bytes = std::fs::read(&db).unwrap();
    // Page 1 holds the schema: garbage there makes the file unreadable.
    bytes[100..4096].iter_mut().for_each(|b| *b = 0x5a);
    std::fs::write(&db, &bytes).unwrap();
    let (report, out) = run_json(&[
        "inventory",
        root.to_str().unwrap(),
        "--format",
        "json",
        "--no-vulns",
    ]);
    assert!(out.status.success());
    let errors = report["errors"].to_string();
    assert!(errors.contains("rpmdb.sqlite"), "{errors}");
}
