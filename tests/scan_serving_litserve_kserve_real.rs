//! Real Lightning AI LitServe and KServe model servers from PyPI
//! (scripts/test-serving-requirements.txt, installed into .venv-serving by
//! scripts/test.sh beside PyTriton), each serving a model that returns a
//! constant: tests/fixtures/litserve_app.py three ways (open, with
//! LIT_SERVER_API_KEY, with a LitAPI.authorize hook) and
//! tests/fixtures/kserve_model.py (KServe has no authentication of its
//! own). Identification, version and each capability's verdict come from
//! one scan of the aimap binary; the probes only list, read metadata and
//! send the model route a body built to be refused (rules/probes/
//! litserve.toml, kserve.toml).
//!
//! Both servers refuse or ignore a loopback address of our choosing
//! (LitServer.run allows only 0.0.0.0, 127.0.0.1 and ::; KServe's
//! RESTServer binds 0.0.0.0): the fixtures hand the real application's
//! uvicorn config the address instead, so each listens on its own
//! 127.102.8.x only.
//!
//! The last test runs the same scan over the emulators in crates/farm
//! (landscape/litserve.rs, kserve.rs, built from the same sources and
//! these servers' answers), so the fast tier, without the venv, checks
//! the same verdicts.
//!
//! Addresses: 127.102.8.0/24 only (emulators on 127.102.8.101-103).
mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use aimap_farm::{start, Emulator, Landscape, Product};
use common::*;
use serde_json::Value;

/// The installed release of `package`, as the venv reports it.
fn installed_version(python: &Path, package: &str) -> String {
    let out = Command::new(python)
        .args([
            "-c",
            &format!("import importlib.metadata as m; print(m.version('{package}'))"),
        ])
        .output()
        .expect("python runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Wait until `addr` answers `GET path` with an HTTP status line at all
/// (LitServe listens before its inference worker is up).
fn wait_http(addr: SocketAddr, path: &str, within: Duration) -> bool {
    let t0 = Instant::now();
    while t0.elapsed() < within {
        if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            let mut head = [0u8; 12];
            if s.write_all(req.as_bytes()).is_ok()
                && s.read_exact(&mut head).is_ok()
                && head.starts_with(b"HTTP/1.")
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    false
}

fn unlabelled(s: &Value) -> bool {
    s["labels"]
        .as_array()
        .is_none_or(|l| !l.iter().any(|x| x == "contradictory"))
}

#[test]
fn litserve_open_with_an_api_key_and_with_an_authorize_hook() {
    let Some(python) = serving_python("litserve") else {
        return unavailable("LitServe (venv .venv-serving)");
    };
    let mut servers = Vec::new();
    for (n, mode) in [(1, "open"), (2, "apikey"), (3, "authorize")] {
        let addr: SocketAddr = format!("127.102.8.{n}:8000").parse().unwrap();
        let mut cmd = Command::new(&python);
        cmd.arg(fixture("litserve_app.py"))
            .arg(addr.ip().to_string())
            .arg("8000")
            .arg(mode);
        servers.push(spawn_in_tempdir(addr, cmd).expect("litserve spawns"));
    }
    wait_all(
        &servers.iter().collect::<Vec<_>>(),
        Duration::from_secs(120),
    );
    for s in &servers {
        assert!(
            wait_http(s.addr, "/health", Duration::from_secs(90)),
            "{} never answered",
            s.addr
        );
    }
    let (r, _) = scan_json_timeout("8s", &["127.102.8.1-3", "-p", "8000"]);
    let at = |n: u8| {
        service(&r, &format!("127.102.8.{n}"), 8000)
            .unwrap_or_else(|| panic!("nothing at 127.102.8.{n}:8000: {r:#}"))
    };

    // Open: the model route and the configuration answer anyone.
    let s = at(1);
    assert_eq!(s["service"], "litserve", "{s:#}");
    assert!(unlabelled(s), "{s:#}");
    // LitServe reports no version of its own (its OpenAPI page carries
    // FastAPI's default "0.1.0"): none may be made up.
    assert!(s["version"].is_null(), "{s:#}");
    assert_eq!(s["auth"], "none", "{s:#}");
    assert_eq!(
        (cap(s, "inference"), cap(s, "data")),
        ("none", "none"),
        "{s:#}"
    );
    assert_eq!(exposure(s), ["litserve-unauthenticated"], "{s:#}");
    assert_eq!(s["details"]["devices"][0], "cpu", "{s:#}");
    assert!(
        s["evidence"].to_string().contains("litserve running"),
        "{s:#}"
    );

    // LIT_SERVER_API_KEY and an authorize() hook guard every route: still
    // LitServe (by its unguarded OpenAPI page), every capability refused,
    // nothing flagged.
    for n in [2, 3] {
        let s = at(n);
        assert_eq!(s["service"], "litserve", "{s:#}");
        assert!(unlabelled(s), "{s:#}");
        assert_eq!(s["auth"], "required", "{s:#}");
        assert_eq!(
            (cap(s, "inference"), cap(s, "data")),
            ("required", "required"),
            "{s:#}"
        );
        assert!(exposure(s).is_empty(), "{s:#}");
    }
}

#[test]
fn kserve_lists_describes_and_infers_without_credentials() {
    let Some(python) = serving_python("kserve") else {
        return unavailable("KServe (venv .venv-serving)");
    };
    let version = installed_version(&python, "kserve");
    let addr: SocketAddr = "127.102.8.10:8080".parse().unwrap();
    let mut cmd = Command::new(&python);
    cmd.arg(fixture("kserve_model.py"))
        .arg(addr.ip().to_string())
        .arg("8080");
    let server = spawn_in_tempdir(addr, cmd).expect("kserve spawns");
    wait_all(&[&server], Duration::from_secs(120));
    assert!(wait_http(addr, "/v2/health/ready", Duration::from_secs(60)));
    // The fixture's bind: the real RESTServer would take every interface.
    let elsewhere: SocketAddr = "127.102.8.11:8080".parse().unwrap();
    assert!(
        TcpStream::connect_timeout(&elsewhere, Duration::from_millis(500)).is_err(),
        "KServe listens beyond {addr}"
    );

    let (r, _) = scan_json_timeout("8s", &["127.102.8.10", "-p", "8080"]);
    let s = service(&r, "127.102.8.10", 8080).unwrap_or_else(|| panic!("nothing at {addr}: {r:#}"));
    assert_eq!(s["service"], "kserve", "{s:#}");
    assert!(unlabelled(s), "{s:#}");
    assert_eq!(s["version"], version.as_str(), "{s:#}");
    assert_eq!(s["auth"], "none", "{s:#}");
    assert_eq!(
        (cap(s, "inference"), cap(s, "data")),
        ("none", "none"),
        "{s:#}"
    );
    assert_eq!(exposure(s), ["kserve-unauthenticated"], "{s:#}");
    assert_eq!(s["details"]["models"][0], "aimap-fixture", "{s:#}");
    // The model's metadata, read with the name the listing gave.
    let evidence = s["evidence"].to_string();
    assert!(evidence.contains("GET /v2/models/aimap-fixture"), "{s:#}");
    // Inference was proved on a model that does not exist: nothing ran.
    assert!(
        evidence.contains("Model with name aimap-probe-no-such-model does not exist."),
        "{s:#}"
    );
}

#[test]
fn emulators_give_the_real_servers_verdicts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let plan = [
        (Product::LitServe, false, "127.102.8.101:8000"),
        (Product::LitServe, true, "127.102.8.102:8000"),
        (Product::KServe, false, "127.102.8.103:8080"),
    ];
    let _servers: Vec<_> = plan
        .iter()
        .map(|(product, auth, addr)| {
            let emulator = Emulator::Landscape(Landscape::sample(*product, *auth));
            rt.block_on(start(emulator, addr.parse().unwrap()))
                .unwrap_or_else(|e| panic!("{addr}: {e}"))
        })
        .collect();
    let (r, _) = scan_json(&["127.102.8.101-103", "-p", "8000,8080"]);
    let at = |ip: &str, port: u16| {
        service(&r, ip, port).unwrap_or_else(|| panic!("nothing at {ip}:{port}: {r:#}"))
    };

    let s = at("127.102.8.101", 8000);
    assert_eq!(s["service"], "litserve", "{s:#}");
    assert!(unlabelled(s) && s["version"].is_null(), "{s:#}");
    assert_eq!(
        (cap(s, "inference"), cap(s, "data")),
        ("none", "none"),
        "{s:#}"
    );
    assert_eq!(exposure(s), ["litserve-unauthenticated"], "{s:#}");

    let s = at("127.102.8.102", 8000);
    assert_eq!(s["service"], "litserve", "{s:#}");
    assert_eq!(s["auth"], "required", "{s:#}");
    assert_eq!(
        (cap(s, "inference"), cap(s, "data")),
        ("required", "required"),
        "{s:#}"
    );
    assert!(exposure(s).is_empty(), "{s:#}");

    let s = at("127.102.8.103", 8080);
    assert_eq!(s["service"], "kserve", "{s:#}");
    assert!(unlabelled(s), "{s:#}");
    assert_eq!(s["version"], Product::KServe.sample_version(), "{s:#}");
    assert_eq!(
        (cap(s, "inference"), cap(s, "data")),
        ("none", "none"),
        "{s:#}"
    );
    assert_eq!(s["details"]["models"][0], "sklearn-iris", "{s:#}");
    assert!(
        s["evidence"]
            .to_string()
            .contains("GET /v2/models/sklearn-iris"),
        "{s:#}"
    );
}
