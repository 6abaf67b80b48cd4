//! `aimap serve` end to end: a store filled by real scans of loopback
//! servers (real redis-server; Ollama emulators, as Ollama cannot be
//! installed here), two dashboards (open on loopback, and with a token),
//! then the real browser (Debian's Chromium driven by playwright-core,
//! tests/e2e/dashboard.mjs) and schemathesis against the OpenAPI document.
//! Screenshots are kept in target/e2e-artifacts/.
mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aimap_farm::{start, Emulator};
use common::*;
use serde_json::Value;

const TOKEN: &str = "e2e-token-0123456789abcdef";
const OPEN: &str = "127.67.0.10:18717";
const GUARDED: &str = "127.67.0.11:18717";

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &Path, listen: &str, token: Option<&str>) -> Serve {
    let mut cmd = aimap_cmd();
    cmd.arg("--db").arg(db).args(["serve", "--listen", listen]);
    cmd.env_remove("AIMAP_TOKEN");
    if let Some(t) = token {
        cmd.env("AIMAP_TOKEN", t); // not on the command line, where ps shows it
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("aimap serve starts");
    let addr: SocketAddr = listen.parse().unwrap();
    assert!(
        wait_listening(addr, Duration::from_secs(10)),
        "aimap serve did not listen on {addr}"
    );
    Serve(child)
}

fn scan(db: &Path) -> Value {
    let out = aimap_cmd()
        .arg("--db")
        .arg(db)
        .args([
            "scan",
            "127.67.3.1-4",
            "-p",
            "6379,11434",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--timeout",
            "2s",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn e2e_tools() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let node = find_program("node")?;
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    root.join("node_modules/playwright-core")
        .is_dir()
        .then_some((node, chromium, root))
}

#[test]
fn dashboard_in_a_real_browser_and_api_fuzzed() {
    let Some((node, chromium, e2e)) = e2e_tools() else {
        return unavailable("node, chromium and tests/e2e/node_modules (npm ci)");
    };
    let Some(schemathesis) = venv_bin("schemathesis") else {
        return unavailable("schemathesis in the test venv");
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aimap.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ollama = |v: &str| Emulator::Ollama {
        version: v.into(),
        models: vec!["llama3:8b".into()],
    };
    let at = |a: &str| a.parse::<SocketAddr>().unwrap();

    // Round 1: open Redis on .1, Ollama 0.1.32 on .2, a stable Ollama on .4.
    let Some(redis_open) = redis("127.67.3.1", 6379, None) else {
        return unavailable("redis-server");
    };
    let gone = rt
        .block_on(start(ollama("0.1.32"), at("127.67.3.2:11434")))
        .unwrap();
    let _stable = rt
        .block_on(start(ollama("0.5.7"), at("127.67.3.4:11434")))
        .unwrap();
    let first = scan(&db);
    assert_eq!(first["services"].as_array().unwrap().len(), 3);

    // Round 2: Redis got a password, .2 is gone, a new Ollama on .3.
    drop(redis_open);
    drop(gone);
    let _redis_pw = redis("127.67.3.1", 6379, Some("e2e-redis-password")).unwrap();
    let _new = rt
        .block_on(start(ollama("0.1.30"), at("127.67.3.3:11434")))
        .unwrap();
    let second = scan(&db);
    let services = second["services"].as_array().unwrap();
    assert_eq!(services.len(), 3);
    let criticals = services
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap())
        .filter(|f| f["severity"] == "critical" || f["severity"] == "high")
        .count();
    assert!(criticals > 0, "open Ollamas are high findings: {second}");
    let scan_run = second["run"]["id"].as_str().unwrap().to_string();

    let _open = serve(&db, OPEN, None);
    let _guarded = serve(&db, GUARDED, Some(TOKEN));

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-artifacts");
    std::fs::create_dir_all(&shots).unwrap();
    let cfg = serde_json::json!({
        "base": format!("http://{OPEN}"),
        "tokenBase": format!("http://{GUARDED}"),
        "token": TOKEN,
        "shots": shots,
        "chromium": chromium,
        "services": services.len(),
        "criticals": criticals,
        "newHost": "127.67.3.3",
        "goneHost": "127.67.3.2",
        "changedHost": "127.67.3.1",
        "scanRun": scan_run,
    });
    let out = Command::new(node)
        .arg(e2e.join("dashboard.mjs"))
        .env("AIMAP_E2E", cfg.to_string())
        .current_dir(&e2e)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "browser test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for shot in [
        "01-overview",
        "02-findings-high",
        "03-finding",
        "04-diff",
        "06-login",
        "07-after-login",
    ] {
        let png = shots.join(format!("{shot}.png"));
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 10_000,
            "screenshot {} missing or blank ({size} bytes)",
            png.display()
        );
    }

    // schemathesis: every check, including response schemas, status codes
    // and content types, against the open server; no server error.
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(schemathesis)
        .args([
            "run",
            &format!("http://{OPEN}/api/v1/openapi.json"),
            "--checks",
            "all",
            "-n",
            "25",
            "--generation-deterministic",
        ])
        .current_dir(work.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("Server error"), "{text}");
}
