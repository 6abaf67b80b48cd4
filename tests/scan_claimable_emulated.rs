//! Installs anyone can claim (#15): Open WebUI in onboarding (the first
//! sign-up becomes admin) and Langflow with auto-login (a superuser token
//! for every visitor), release by release, against the emulators in
//! crates/farm/src/claimable/ (each names the wheels and files its facts
//! were read in). A claimable install is critical and open whatever else
//! refuses; the same product with its admin or key in place is listed as
//! `required` and flagged with nothing.
//!
//! Addresses: 127.120.0.0/24 only.
mod common;

use std::net::SocketAddr;

use aimap_farm::{start, Claimable, Emulator, Running};
use common::*;
use serde_json::Value;

struct Farm {
    _rt: tokio::runtime::Runtime,
    _servers: Vec<Running>,
}

fn farm(servers: Vec<(Claimable, u8)>) -> Farm {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = servers
        .into_iter()
        .map(|(c, n)| {
            let port = match c {
                Claimable::OpenWebUi { .. } => 8080,
                Claimable::Langflow { .. } => 7860,
            };
            let addr: SocketAddr = format!("{}:{port}", ip(n)).parse().unwrap();
            rt.block_on(start(Emulator::Claimable(c), addr))
                .unwrap_or_else(|err| panic!("{addr}: {err}"))
        })
        .collect();
    Farm {
        _rt: rt,
        _servers: running,
    }
}

fn ip(n: u8) -> String {
    format!("127.120.0.{n}")
}

fn webui(version: &str, onboarding: bool) -> Claimable {
    Claimable::OpenWebUi {
        version: version.into(),
        onboarding,
    }
}

fn langflow(version: &str, auto_login: bool, skip_auth: bool) -> Claimable {
    Claimable::Langflow {
        version: version.into(),
        auto_login,
        skip_auth,
        flows: vec!["Basic Prompting".into()],
    }
}

fn finding_ids(s: &Value) -> Vec<String> {
    s["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter(|f| f["kind"] != "vulnerability")
                .filter_map(|f| f["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn labels(s: &Value) -> Vec<String> {
    s["labels"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The service at 127.120.0.n:port: identified as `id` at `version`.
fn at<'a>(r: &'a Value, n: u8, port: u16, id: &str, version: &str) -> &'a Value {
    let s =
        service(r, &ip(n), port).unwrap_or_else(|| panic!("nothing at {}:{port}: {r:#}", ip(n)));
    assert_eq!(s["service"], id, "{s:#}");
    assert_eq!(s["version"].as_str(), Some(version), "{s:#}");
    s
}

/// Claimable: the label, the admin capability open, one critical
/// `<id>-claimable` finding with its proof and the claim remediation.
fn assert_claimable(s: &Value, id: &str, proof: &str) {
    assert_eq!(s["auth"], "none", "{s:#}");
    assert!(labels(s).iter().any(|l| l == "claimable"), "{s:#}");
    assert_eq!(s["capabilities"]["admin"]["auth"], "none", "{s:#}");
    let f = s["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["id"] == format!("{id}-claimable")))
        .unwrap_or_else(|| panic!("no {id}-claimable finding: {s:#}"));
    assert_eq!(f["severity"], "critical", "{f:#}");
    assert!(
        f["evidence"].as_str().unwrap_or("").contains(proof),
        "evidence should show {proof:?}: {f:#}"
    );
    // One finding per risk: the claim, not also an exposure beside it.
    assert_eq!(finding_ids(s), [format!("{id}-claimable")], "{s:#}");
}

/// Secured: listed with its refusal, flagged with nothing.
fn assert_secured(s: &Value) {
    assert_eq!(s["auth"], "required", "{s:#}");
    assert!(!labels(s).iter().any(|l| l == "claimable"), "{s:#}");
    assert!(finding_ids(s).is_empty(), "{s:#}");
}

#[test]
fn open_webui_onboarding_is_claimable_in_every_release_that_says_so() {
    let _farm = farm(vec![
        // 403 refusals (up to v0.6.18), fresh and with an admin.
        (webui("0.6.18", true), 1),
        (webui("0.6.18", false), 2),
        // 401 refusals (from v0.6.19).
        (webui("0.12.4", true), 3),
        (webui("0.12.4", false), 4),
        (webui("0.4.8", true), 5),
        // v0.3.x reports no onboarding flag: a fresh one cannot be told
        // from a claimed one by reading, so it is not called claimable.
        (webui("0.3.35", true), 6),
    ]);
    let (r, _) = scan_json(&["127.120.0.1-6", "-p", "8080"]);

    for (n, version) in [(1, "0.6.18"), (3, "0.12.4"), (5, "0.4.8")] {
        let s = at(&r, n, 8080, "open-webui", version);
        assert_claimable(s, "open-webui", "onboarding");
    }
    for (n, version) in [(2, "0.6.18"), (4, "0.12.4"), (6, "0.3.35")] {
        let s = at(&r, n, 8080, "open-webui", version);
        assert_secured(s);
        assert!(
            s["evidence"].to_string().contains("Not authenticated"),
            "{s:#}"
        );
    }
}

#[test]
fn langflow_auto_login_is_claimable_and_a_key_is_not() {
    let _farm = farm(vec![
        // 1.0.x: auto-login makes every caller the superuser; /process
        // still takes a body there, so malformed JSON is refused with 422
        // before anything runs, and the open flow list is what shows.
        (langflow("1.0.19", true, false), 11),
        // 1.4: the superuser without a key; /process's stub lets it in.
        (langflow("1.4.3", true, false), 12),
        // 1.6 / 1.13: auto-login on but the API asks for a key; the 403
        // text itself says auto-login is on (so /auto_login hands out a
        // superuser token to any visitor).
        (langflow("1.6.0", true, false), 13),
        (langflow("1.13.0", true, false), 14),
        // 1.5 with SKIP_AUTH (its default there): the superuser again.
        (langflow("1.5.0", true, true), 15),
        // Auto-login off: the key guards the API.
        (langflow("1.4.3", false, false), 16),
        (langflow("1.13.0", false, false), 17),
    ]);
    let (r, _) = scan_json(&["127.120.0.11-17", "-p", "7860"]);

    let s = at(&r, 11, 7860, "langflow", "1.0.19");
    assert_eq!(s["auth"], "none", "{s:#}");
    assert!(
        finding_ids(s)
            .iter()
            .any(|f| f == "langflow-unauthenticated"),
        "{s:#}"
    );
    assert_eq!(s["details"]["flows"][0], "Basic Prompting", "{s:#}");

    let s = at(&r, 12, 7860, "langflow", "1.4.3");
    assert_claimable(s, "langflow", "deprecated");
    let s = at(&r, 13, 7860, "langflow", "1.6.0");
    assert_claimable(
        s,
        "langflow",
        "LANGFLOW_AUTO_LOGIN requires a valid API key",
    );
    let s = at(&r, 14, 7860, "langflow", "1.13.0");
    assert_claimable(
        s,
        "langflow",
        "LANGFLOW_AUTO_LOGIN requires a valid API key",
    );
    let s = at(&r, 15, 7860, "langflow", "1.5.0");
    assert_claimable(s, "langflow", "deprecated");

    for (n, version) in [(16, "1.4.3"), (17, "1.13.0")] {
        let s = at(&r, n, 7860, "langflow", version);
        assert_secured(s);
    }
}

/// Read-only: no rule asks the routes that would claim the install
/// (Langflow's auto_login hands out a superuser token; Open WebUI's
/// sign-up makes the first account admin).
#[test]
fn no_rule_calls_a_claiming_route() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/probes");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: toml::Value = toml::from_str(&text).unwrap();
        for probe in doc
            .get("probes")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
        {
            let Some(req_path) = probe
                .get("request")
                .and_then(|r| r.get("path"))
                .and_then(|p| p.as_str())
            else {
                continue;
            };
            checked += 1;
            let lower = req_path.to_ascii_lowercase();
            for bad in ["auto_login", "signup", "sign_up", "/register"] {
                assert!(
                    !lower.contains(bad),
                    "{}: probe {:?} asks {req_path}",
                    path.display(),
                    probe.get("name")
                );
            }
        }
    }
    assert!(checked > 100, "only {checked} probe paths read");
}
