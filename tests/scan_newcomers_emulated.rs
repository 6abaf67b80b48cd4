//! The rules added for #16 (agent and AI gateways, embedding servers,
//! agent platforms, image generators) against their emulators in
//! crates/farm/src/landscape/newcomers/, each of which names the source
//! files and release tags it copies. One scan of the aimap binary per
//! group; every product is checked open and with its own credential switch
//! on: identification, version, and each capability's verdict.
//!
//! Every emulator is also in the farm catalogue, so
//! scan_landscape_emulated.rs (`every_emulator_is_claimed_by_exactly_one_rule`)
//! and farm_accuracy.rs prove no other rule claims it.
//!
//! Addresses: 127.116.0.0/24 only (127.117.0.0/24 is the real servers').
mod common;

use std::net::SocketAddr;

use aimap_farm::{start, Emulator, Landscape, Product, Running};
use common::*;
use serde_json::Value;

struct Farm {
    _rt: tokio::runtime::Runtime,
    _servers: Vec<Running>,
}

fn farm(servers: Vec<(Landscape, String)>) -> Farm {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = servers
        .into_iter()
        .map(|(l, addr)| {
            let addr: SocketAddr = addr.parse().unwrap();
            rt.block_on(start(Emulator::Landscape(l), addr))
                .unwrap_or_else(|err| panic!("{addr}: {err}"))
        })
        .collect();
    Farm {
        _rt: rt,
        _servers: running,
    }
}

fn ip(n: u8) -> String {
    format!("127.116.0.{n}")
}

/// The product's sample on 127.116.0.n, its own port.
fn at(product: Product, auth: bool, n: u8) -> (Landscape, String) {
    at_version(product, auth, product.sample_version(), n)
}

fn at_version(product: Product, auth: bool, version: &str, n: u8) -> (Landscape, String) {
    (
        Landscape {
            version: version.into(),
            ..Landscape::sample(product, auth)
        },
        format!("{}:{}", ip(n), product.default_port()),
    )
}

/// The service at 127.116.0.n:port: this rule, version and verdict; the
/// exposure finding exactly when something is open.
fn expect<'a>(
    r: &'a Value,
    n: u8,
    port: u16,
    id: &str,
    version: Option<&str>,
    auth: &str,
) -> &'a Value {
    let s =
        service(r, &ip(n), port).unwrap_or_else(|| panic!("nothing at {}:{port}: {r:#}", ip(n)));
    assert_eq!(s["service"], id, "{s:#}");
    assert_eq!(s["version"].as_str(), version, "{id} version: {s:#}");
    assert_eq!(s["auth"], auth, "{id} auth: {s:#}");
    assert!(
        s["labels"]
            .as_array()
            .is_none_or(|l| !l.iter().any(|l| l == "contradictory")),
        "{s:#}"
    );
    let exposed = s["findings"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["id"] == format!("{id}-unauthenticated")));
    assert_eq!(exposed, auth == "none" || auth == "partial", "{s:#}");
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
fn gateways_open_and_keyed() {
    use Product::*;
    let _farm = farm(vec![
        at(OpenClaw, false, 1),
        at(OpenClaw, true, 2),
        // Before the Control UI stamped its build id: no version.
        at_version(OpenClaw, true, "2026.3.2", 3),
        at(TensorZero, false, 4),
        at(TensorZero, true, 5),
        at(Portkey, false, 6),
    ]);
    let (r, _) = scan_json(&["127.116.0.1-6", "-p", "18789,3000,8787"]);

    // Auth mode "none": the tools API parses the body, so it is open.
    let s = expect(&r, 1, 18789, "openclaw", Some("2026.9.6"), "none");
    assert_eq!(cap(s, "admin"), "none", "{s:#}");
    assert_eq!(
        s["capabilities"]["admin"]["evidence"]["request"].as_str(),
        Some("POST /tools/invoke"),
        "{s:#}"
    );
    let s = expect(&r, 2, 18789, "openclaw", Some("2026.9.6"), "required");
    assert_eq!(cap(s, "admin"), "required", "{s:#}");
    expect(&r, 3, 18789, "openclaw", None, "required");

    let s = expect(&r, 4, 3000, "tensorzero", Some("2026.4.1"), "none");
    assert_eq!(cap(s, "inference"), "none", "{s:#}");
    assert_eq!(cap(s, "metrics"), "none", "{s:#}");
    assert_eq!(detail(s, "config_hash"), ["3a9f1c0b7d2e"]);
    let s = expect(&r, 5, 3000, "tensorzero", Some("2026.4.1"), "required");
    assert_eq!(cap(s, "inference"), "required", "{s:#}");
    assert!(
        s["evidence"]
            .to_string()
            .contains("TensorZero authentication error"),
        "{s:#}"
    );

    // No auth of its own: an open relay, with no version to read.
    let s = expect(&r, 6, 8787, "portkey", None, "none");
    assert_eq!(cap(s, "inference"), "none", "{s:#}");
}

#[test]
fn embedding_servers_open_and_keyed() {
    use Product::*;
    let _farm = farm(vec![
        at(Tei, false, 11),
        at(Tei, true, 12),
        at_version(Tei, false, "1.2.0", 13),
        at(Infinity, false, 14),
        at(Infinity, true, 15),
    ]);
    let (r, _) = scan_json(&["127.116.0.11-15", "-p", "3000,7997"]);

    let s = expect(&r, 11, 3000, "tei", Some("1.9.3"), "none");
    assert_eq!(detail(s, "models"), ["BAAI/bge-base-en-v1.5"]);
    assert_eq!(cap(s, "inference"), "none", "{s:#}");
    assert_eq!(cap(s, "data"), "none", "{s:#}");
    // The key guards the API with a bare 401; the te_* metrics stay
    // public and name the server.
    let s = expect(&r, 12, 3000, "tei", None, "required");
    assert_eq!(cap(s, "inference"), "required", "{s:#}");
    assert_eq!(cap(s, "metrics"), "none", "{s:#}");
    // v1.2.0's Info, without served_model_name and auto_truncate.
    expect(&r, 13, 3000, "tei", Some("1.2.0"), "none");

    let s = expect(&r, 14, 7997, "infinity", Some("0.0.77"), "none");
    assert_eq!(detail(s, "models"), ["BAAI/bge-small-en-v1.5"]);
    let s = expect(&r, 15, 7997, "infinity", Some("0.0.77"), "required");
    assert_eq!(cap(s, "inference"), "required", "{s:#}");
}

#[test]
fn agent_and_image_platforms_open_and_secured() {
    use Product::*;
    let _farm = farm(vec![
        at(Letta, false, 21),
        at(Letta, true, 22),
        at_version(Letta, true, "0.11.7", 23),
        at(InvokeAi, false, 24),
        at(InvokeAi, true, 25),
        at_version(InvokeAi, false, "5.6.0", 26),
        at(SdWebUi, false, 27),
        at(SdWebUi, true, 28),
    ]);
    let (r, _) = scan_json(&["127.116.0.21-28", "-p", "8283,9090,7860"]);

    let s = expect(&r, 21, 8283, "letta", Some("0.16.8"), "none");
    assert_eq!(detail(s, "agents"), ["support-agent"]);
    // Secure mode: the health probe still names the release.
    let s = expect(&r, 22, 8283, "letta", Some("0.16.8"), "required");
    assert_eq!(cap(s, "data"), "required", "{s:#}");
    expect(&r, 23, 8283, "letta", Some("0.11.7"), "required");

    let s = expect(&r, 24, 9090, "invokeai", Some("6.13.8"), "none");
    assert_eq!(detail(s, "models"), ["Juggernaut XL v9"]);
    let s = expect(&r, 25, 9090, "invokeai", Some("6.13.8"), "required");
    assert!(
        s["evidence"]
            .to_string()
            .contains("Authentication required"),
        "{s:#}"
    );
    expect(&r, 26, 9090, "invokeai", Some("5.6.0"), "none");

    let s = expect(&r, 27, 7860, "sd-webui", None, "none");
    assert_eq!(
        detail(s, "models"),
        ["sd_xl_base_1.0.safetensors [31e35c80fc]"]
    );
    let s = expect(&r, 28, 7860, "sd-webui", None, "required");
    assert_eq!(cap(s, "data"), "required", "{s:#}");
}
