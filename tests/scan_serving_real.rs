//! A real NVIDIA Triton Inference Server (2.51.0, the binary that PyPI's
//! nvidia-pytriton 0.7.0 bundles; it runs on CPU without a GPU), started
//! by tests/fixtures/pytriton_serve.py with no model, three ways:
//! PyTriton's default restriction (the repository, statistics, trace,
//! logging and shared-memory groups behind a generated token; inference
//! and model configuration left open), nothing restricted, and every
//! sensitive group restricted. The verdict must follow what an
//! unauthenticated client can really do, per capability: partial, none,
//! required. Installed into .venv-serving by scripts/test.sh.
//!
//! Addresses: 127.102.7.0/24 only.
mod common;

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use common::*;

#[test]
fn pytriton_verdicts_follow_each_api_group() {
    let Some(python) = serving_python("pytriton") else {
        return unavailable("PyTriton (venv .venv-serving)");
    };
    let mut servers = Vec::new();
    for (n, mode) in [(1, "default"), (2, "open"), (3, "closed")] {
        let mut cmd = Command::new(&python);
        cmd.arg(fixture("pytriton_serve.py"))
            .arg(format!("127.102.7.{n}"))
            .arg(mode);
        let addr: SocketAddr = format!("127.102.7.{n}:8000").parse().unwrap();
        servers.push(spawn_in_tempdir(addr, cmd).expect("pytriton spawns"));
    }
    wait_all(
        &servers.iter().collect::<Vec<_>>(),
        Duration::from_secs(120),
    );
    // gRPC listens a moment after HTTP.
    for n in 1..=3 {
        let grpc: SocketAddr = format!("127.102.7.{n}:8001").parse().unwrap();
        assert!(wait_listening(grpc, Duration::from_secs(60)), "{grpc}");
    }
    let (r, _) = scan_json_timeout("8s", &["127.102.7.1-3", "-p", "8000,8001"]);
    let at = |n: u8, port: u16| {
        service(&r, &format!("127.102.7.{n}"), port)
            .unwrap_or_else(|| panic!("nothing at 127.102.7.{n}:{port}: {r:#}"))
    };

    // PyTriton's default: inference open, the repository refused.
    let s = at(1, 8000);
    assert_eq!(s["service"], "triton", "{s:#}");
    assert_eq!(s["version"], "2.51.0", "{s:#}");
    assert_eq!(s["auth"], "partial", "{s:#}");
    assert_eq!(
        (cap(s, "inference"), cap(s, "data")),
        ("none", "required"),
        "{s:#}"
    );
    assert_eq!(exposure(s), ["triton-unauthenticated"], "{s:#}");
    assert!(
        s["evidence"].to_string().contains("This API is restricted"),
        "{s:#}"
    );
    // Its gRPC port: the repository index is refused there too.
    let g = at(1, 8001);
    assert_eq!(g["service"], "triton-grpc", "{g:#}");
    assert_eq!(g["auth"], "required", "{g:#}");

    // Nothing restricted.
    let s = at(2, 8000);
    assert_eq!(s["auth"], "none", "{s:#}");
    assert_eq!(
        (cap(s, "inference"), cap(s, "data")),
        ("none", "none"),
        "{s:#}"
    );
    assert_eq!(at(2, 8001)["auth"], "none");

    // Every sensitive group restricted: required, and nothing flagged.
    let s = at(3, 8000);
    assert_eq!(s["auth"], "required", "{s:#}");
    assert_eq!(
        (cap(s, "inference"), cap(s, "data")),
        ("required", "required"),
        "{s:#}"
    );
    assert!(exposure(s).is_empty(), "{s:#}");
    assert_eq!(at(3, 8001)["auth"], "required");
}
