//! One stored inventory run, two ways out: `aimap show RUN --format
//! cyclonedx|spdx` and the dashboard's `/api/v1/runs/{id}/sbom` (a real
//! `aimap serve` on loopback) give the same bytes, because both call
//! aimap-report's one assembly and writer. The document validates against
//! the official CycloneDX schema.
mod common;
#[path = "fixtures/inventory/support.rs"]
mod support;

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{aimap_cmd, wait_listening};
use serde_json::Value;
use support::{fixture, validate_cyclonedx};

const LISTEN: &str = "127.68.0.21:18721";

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(db: &str, args: &[&str]) -> std::process::Output {
    aimap_cmd().arg("--db").arg(db).args(args).output().unwrap()
}

/// GET from the dashboard: the body as bytes, capped (a test, not a client).
fn get(url: &str) -> Vec<u8> {
    let mut resp = ureq::get(url).call().expect("dashboard answers");
    let mut body = Vec::new();
    resp.body_mut()
        .as_reader()
        .take(16 << 20)
        .read_to_end(&mut body)
        .unwrap();
    body
}

#[test]
fn show_and_dashboard_export_one_stored_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aimap.db").display().to_string();
    // Two installed distributions, one of them matched by a real OSV
    // record (PYSEC-2019-132, urllib3 < 1.24.2).
    let site = dir.path().join("app/site-packages");
    for (name, version) in [("urllib3", "1.24.1"), ("requests", "2.19.0")] {
        let info = site.join(format!("{name}-{version}.dist-info"));
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(
            info.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        )
        .unwrap();
    }
    let advisories = dir.path().join("advisories").display().to_string();
    let out = run(
        &db,
        &[
            "db",
            "--advisories",
            &advisories,
            "import",
            fixture("urllib3-PYSEC-2019-132.json").to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &db,
        &[
            "inventory",
            dir.path().join("app").to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "none",
            "--advisories",
            &advisories,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let runs: Value =
        serde_json::from_slice(&run(&db, &["runs", "--format", "json"]).stdout).unwrap();
    let id = runs[0]["id"].as_str().expect("the inventory run is stored");

    let cli = run(&db, &["show", id, "--format", "cyclonedx"]);
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let bom: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let names: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["requests", "urllib3"]);
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 1, "{vulns:?}");
    assert_eq!(vulns[0]["id"], "PYSEC-2019-132");
    let urllib3 = bom["components"][1]["bom-ref"].as_str().unwrap();
    assert_eq!(vulns[0]["affects"][0]["ref"], urllib3);
    let file = dir.path().join("show.cdx.json");
    std::fs::write(&file, &cli.stdout).unwrap();
    validate_cyclonedx(&file, "1.6");

    let spdx = run(&db, &["show", id, "--format", "spdx"]);
    assert!(spdx.status.success());
    let doc: Value = serde_json::from_slice(&spdx.stdout).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["packages"].as_array().unwrap().len(), 3, "root + two");

    // A scan run has no SBOM, said plainly.
    let not_inv = run(&db, &["show", "nope", "--format", "spdx"]);
    assert_eq!(not_inv.status.code(), Some(2));

    let mut serve = aimap_cmd();
    serve
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", LISTEN]);
    let _serve = Serve(
        serve
            .env_remove("AIMAP_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let addr: SocketAddr = LISTEN.parse().unwrap();
    assert!(wait_listening(addr, Duration::from_secs(10)));
    let web = get(&format!("http://{LISTEN}/api/v1/runs/{id}/sbom"));
    assert!(
        web == cli.stdout,
        "dashboard and CLI differ:\n--- dashboard\n{}\n--- cli\n{}",
        String::from_utf8_lossy(&web),
        String::from_utf8_lossy(&cli.stdout)
    );
}
