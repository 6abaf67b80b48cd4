//! Real PyPI servers from the landscape venv (.venv-landscape, built by
//! scripts/test.sh): MLflow, Jupyter Server, Gradio, Streamlit, LiteLLM
//! proxy, an MCP server on the official SDK and LangServe, each as an open twin and a
//! protected twin. They are slow to start, so all of them start once, side
//! by side, for this whole file. Every one binds a 127.80.x.y address, but
//! LangServe (127.103.3.x).
mod common;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

struct Farm {
    _servers: Vec<Server>,
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn py(script: &str, args: &[&str]) -> Option<Command> {
    let mut c = Command::new(landscape_bin("python")?);
    c.arg(fixture(script)).args(args);
    Some(c)
}

fn tool(name: &str, args: &[&str]) -> Option<Command> {
    let mut c = Command::new(landscape_bin(name)?);
    c.args(args);
    Some(c)
}

/// `default_hosts`: MLflow's own --allowed-hosts default (localhost and
/// private ranges, not the 127.80.x.y address the scan sends as Host).
fn mlflow(ip: &str, basic_auth: bool, default_hosts: bool) -> Option<Command> {
    let hosts = format!("{ip}:5000");
    let mut c = tool(
        "mlflow",
        &["server", "--host", ip, "--port", "5000", "--workers", "1"],
    )?;
    if !default_hosts {
        c.args(["--allowed-hosts", &hosts]);
    }
    c.args(["--backend-store-uri", &format!("sqlite:///mlflow-{ip}.db")]);
    if basic_auth {
        c.args(["--app-name", "basic-auth"])
            .env("MLFLOW_FLASK_SERVER_SECRET_KEY", "aimap-test-secret")
            .env("MLFLOW_AUTH_ADMIN_PASSWORD", "aimap-admin-pw-1");
    }
    Some(c)
}

fn jupyter(ip: &str, token: &str) -> Option<Command> {
    let token = format!("--ServerApp.token={token}");
    tool(
        "jupyter",
        &[
            "server",
            "--ip",
            ip,
            "--port",
            "8888",
            "--no-browser",
            "--allow-root",
        ],
    )
    .map(|mut c| {
        c.args([token.as_str(), "--ServerApp.password="]);
        c
    })
}

fn streamlit(ip: &str, agent_api: bool) -> Option<Command> {
    let app = fixture("streamlit_app.py");
    let mut c = tool("streamlit", &["run"])?;
    c.arg(app)
        .args(["--server.address", ip, "--server.port", "8501"])
        .args(["--server.headless", "true"]);
    if agent_api {
        c.arg("--server.enableAgentApi=true");
    }
    Some(c)
}

fn litellm(ip: &str, master_key: Option<&str>) -> Option<Command> {
    let mut c = tool("litellm", &["--host", ip, "--port", "4000", "--config"])?;
    c.arg(fixture("litellm_config.yaml"));
    match master_key {
        Some(k) => c.env("LITELLM_MASTER_KEY", k),
        // Current LiteLLM refuses to start open unless told so explicitly.
        None => c.env(
            "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY",
            "true",
        ),
    };
    Some(c)
}

fn farm() -> Option<&'static Farm> {
    static FARM: OnceLock<Option<Farm>> = OnceLock::new();
    FARM.get_or_init(|| {
        let t0 = Instant::now();
        let plan: Vec<(&str, Command)> = vec![
            ("127.80.1.1:5000", mlflow("127.80.1.1", false, false)?),
            ("127.80.1.2:5000", mlflow("127.80.1.2", true, false)?),
            ("127.80.1.3:5000", mlflow("127.80.1.3", false, true)?),
            ("127.80.2.1:8888", jupyter("127.80.2.1", "")?),
            (
                "127.80.2.2:8888",
                jupyter("127.80.2.2", "aimap-jupyter-token-1")?,
            ),
            (
                "127.80.3.1:7860",
                py("gradio_app.py", &["127.80.3.1", "7860"])?,
            ),
            (
                "127.80.3.2:7860",
                py("gradio_app.py", &["127.80.3.2", "7860", "admin:pw-1"])?,
            ),
            ("127.80.4.1:8501", streamlit("127.80.4.1", true)?),
            ("127.80.4.2:8501", streamlit("127.80.4.2", false)?),
            ("127.80.5.1:4000", litellm("127.80.5.1", None)?),
            (
                "127.80.5.2:4000",
                litellm("127.80.5.2", Some("sk-aimap-test-master-0123456789"))?,
            ),
            (
                "127.80.6.1:8000",
                py("mcp_server.py", &["127.80.6.1", "8000", "streamable-http"])?,
            ),
            (
                "127.80.6.2:8000",
                py(
                    "mcp_server.py",
                    &["127.80.6.2", "8000", "streamable-http", "mcp-token-1"],
                )?,
            ),
            (
                "127.80.6.3:8000",
                py("mcp_server.py", &["127.80.6.3", "8000", "sse"])?,
            ),
            (
                "127.103.3.1:8000",
                py("langserve_app.py", &["127.103.3.1", "8000"])?,
            ),
            (
                "127.103.3.2:8000",
                py("langserve_app.py", &["127.103.3.2", "8000", "x-token-1"])?,
            ),
        ];
        let servers: Vec<Server> = plan
            .into_iter()
            .map(|(a, cmd)| spawn_in_tempdir(addr(a), cmd).expect("server spawns"))
            .collect();
        wait_all(
            &servers.iter().collect::<Vec<_>>(),
            Duration::from_secs(300),
        );
        // Listening comes before serving for the ASGI apps: wait until
        // every app answers HTTP (a 4xx counts).
        for s in &servers {
            let url = format!("http://{}/", s.addr);
            let ready = (0..600).any(|_| {
                let ok = http_answers(s.addr, "/");
                if !ok {
                    std::thread::sleep(Duration::from_millis(250));
                }
                ok
            });
            assert!(ready, "{url} never answered HTTP");
        }
        // LiteLLM builds its 2 MB OpenAPI document on first request, on its
        // one event loop: until that is done every other route stalls too.
        // Warm it, reading the whole answer (a loaded CI machine can take
        // longer than any read timeout), so the scan's timeout measures the
        // scanner, not that.
        for a in ["127.80.5.1:4000", "127.80.5.2:4000"] {
            let warm = (0..6).any(|_| http_reads_whole(addr(a), "/openapi.json"));
            assert!(warm, "{a}/openapi.json never answered in full");
        }
        eprintln!("landscape servers ready in {:?}", t0.elapsed());
        Some(Farm { _servers: servers })
    })
    .as_ref()
}

/// Whether `addr` answers a GET of `path` in full (to the end of the
/// connection) within 60 s.
fn http_reads_whole(addr: SocketAddr, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut body = Vec::new();
    s.write_all(req.as_bytes()).is_ok()
        && s.read_to_end(&mut body).is_ok()
        && body.starts_with(b"HTTP/1.1 200")
}

/// Whether `addr` answers a GET of `path` with an HTTP status line.
fn http_answers(addr: SocketAddr, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut head = [0u8; 12];
    s.write_all(req.as_bytes()).is_ok()
        && s.read_exact(&mut head).is_ok()
        && head.starts_with(b"HTTP/1.")
}

/// Scan the open twin `.1` and the protected twin `.2` of a subnet.
fn scan_pair(net: &str, port: u16) -> (Value, Value) {
    let range = format!("{net}.1-2");
    let (report, _) = scan_json_timeout("8s", &[&range, "-p", &port.to_string()]);
    let open = service(&report, &format!("{net}.1"), port).cloned();
    let locked = service(&report, &format!("{net}.2"), port).cloned();
    (
        open.unwrap_or_else(|| panic!("{net}.1:{port} not found: {report}")),
        locked.unwrap_or_else(|| panic!("{net}.2:{port} not found: {report}")),
    )
}

fn assert_open(s: &Value, id: &str) {
    assert_eq!(s["service"], id, "{s}");
    // A real product's answers never contradict each other.
    assert_eq!(s["confidence"], "high", "{s}");
    assert!(s.get("labels").is_none(), "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(
        s["findings"][0]["id"],
        format!("{id}-unauthenticated"),
        "{s}"
    );
}

fn assert_locked(s: &Value, id: &str) {
    assert_eq!(s["service"], id, "{s}");
    assert_eq!(s["confidence"], "high", "{s}");
    assert!(s.get("labels").is_none(), "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    assert!(s["findings"].as_array().unwrap().is_empty(), "{s}");
}

fn version(s: &Value) -> &str {
    s["version"]
        .as_str()
        .unwrap_or_else(|| panic!("no version: {s}"))
}

macro_rules! need_farm {
    () => {
        if farm().is_none() {
            return unavailable("landscape venv .venv-landscape");
        }
    };
}

#[test]
fn mlflow_open_and_basic_auth() {
    need_farm!();
    let (open, locked) = scan_pair("127.80.1", 5000);
    assert_open(&open, "mlflow");
    assert!(version(&open).starts_with("3."), "{open}");
    assert_eq!(open["details"]["experiments"][0], "Default");
    assert_locked(&locked, "mlflow");
    assert!(locked["evidence"].to_string().contains("401"), "{locked}");
}

#[test]
fn mlflow_host_check_is_not_authentication() {
    need_farm!();
    // A default MLflow answers 403 "Invalid Host header" to Host:
    // 127.80.1.3:5000; asked again with Host: localhost it serves its
    // experiments: open, with the host check named.
    let (report, _) = scan_json_timeout("8s", &["127.80.1.3", "-p", "5000"]);
    let s = service(&report, "127.80.1.3", 5000).unwrap_or_else(|| panic!("not found: {report}"));
    assert_eq!(s["service"], "mlflow", "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(s["capabilities"]["data"]["auth"], "none", "{s}");
    assert!(
        s["labels"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x == "host-check")),
        "{s}"
    );
    assert_eq!(s["details"]["experiments"][0], "Default", "{s}");
    let check = evidence(s, "host-check").expect("host-check evidence");
    assert!(check.contains("Invalid Host header"), "{check}");
    let f = &s["findings"][0];
    assert_eq!(f["id"], "mlflow-unauthenticated", "{f}");
    assert!(
        f["evidence"].as_str().unwrap().contains("Host: localhost"),
        "{f}"
    );
}

#[test]
fn jupyter_without_and_with_token() {
    need_farm!();
    let (open, locked) = scan_pair("127.80.2", 8888);
    assert_open(&open, "jupyter");
    assert_locked(&locked, "jupyter");
    assert_eq!(
        version(&open),
        version(&locked),
        "GET /api is open either way"
    );
}

#[test]
fn gradio_without_and_with_login() {
    need_farm!();
    let (open, locked) = scan_pair("127.80.3", 7860);
    assert_open(&open, "gradio");
    assert!(version(&open).chars().next().unwrap().is_ascii_digit());
    assert_eq!(open["details"]["endpoints"][0], "greet", "{open}");
    assert_locked(&locked, "gradio");
}

#[test]
fn streamlit_agent_api_open_and_default_app_unknown() {
    need_farm!();
    let (open, default) = scan_pair("127.80.4", 8501);
    assert_open(&open, "streamlit");
    assert_eq!(open["details"]["agent_api"][0], "available");
    // No server-side login exists to demand credentials; the page shell
    // proves no data, so the verdict stays unknown.
    assert_eq!(default["service"], "streamlit");
    assert_eq!(default["auth"], "unknown", "{default}");
    assert!(default["findings"].as_array().unwrap().is_empty());
}

#[test]
fn litellm_without_and_with_master_key() {
    need_farm!();
    let (open, locked) = scan_pair("127.80.5", 4000);
    assert_open(&open, "litellm");
    assert_eq!(open["details"]["models"][0], "aimap-fake-model");
    assert_locked(&locked, "litellm");
    assert_eq!(
        version(&open),
        version(&locked),
        "openapi.json names it either way"
    );
}

#[test]
fn mcp_open_bearer_protected_and_legacy_sse() {
    need_farm!();
    let (report, _) = scan_json_timeout("8s", &["127.80.6.1-3", "-p", "8000"]);
    let open = service(&report, "127.80.6.1", 8000).expect("open MCP found");
    assert_open(open, "mcp");
    assert_eq!(open["version"], "0.4.2", "serverInfo.version: {open}");
    assert_eq!(open["details"]["server"][0], "aimap-test-tools");
    assert_eq!(open["details"]["transport"][0], "streamable-http");
    let tools = open["details"]["tools"].to_string();
    assert!(
        tools.contains("add") && tools.contains("lookup_weather"),
        "{tools}"
    );

    let locked = service(&report, "127.80.6.2", 8000).expect("protected MCP found");
    assert_locked(locked, "mcp");
    assert!(
        locked["details"]["resource_metadata"][0]
            .as_str()
            .is_some_and(|m| m.ends_with("/.well-known/oauth-protected-resource/mcp")),
        "{locked}"
    );

    let sse = service(&report, "127.80.6.3", 8000).expect("SSE MCP found");
    assert_open(sse, "mcp");
    assert_eq!(sse["details"]["transport"][0], "sse");
    assert!(sse["details"]["tools"].to_string().contains("add"));
}

// ---- Versions from static-asset hashes (rules/asset-hashes, built from
// released wheels by scripts/gen_asset_hashes.py). The expected version is
// whatever the venv has installed, read at test time. ----

/// The version of `package` installed in the landscape venv.
fn installed(package: &str) -> String {
    let python = landscape_bin("python").expect("landscape venv");
    let out = Command::new(python)
        .args([
            "-c",
            "import sys, importlib.metadata as m; print(m.version(sys.argv[1]))",
        ])
        .arg(package)
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{package} not installed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The evidence line a probe left, if any.
fn evidence<'a>(s: &'a Value, probe: &str) -> Option<&'a str> {
    s["evidence"]
        .as_array()?
        .iter()
        .find(|e| e["probe"] == probe)
        .and_then(|e| e["excerpt"].as_str())
}

#[test]
fn streamlit_version_from_its_page_hash() {
    need_farm!();
    let want = installed("streamlit");
    let (open, default) = scan_pair("127.80.4", 8501);
    for s in [&open, &default] {
        assert_eq!(s["version"], want.as_str(), "{s}");
        assert_eq!(s["version_source"], "asset-hash", "{s}");
        assert!(s.get("version_candidates").is_none(), "{s}");
        assert_eq!(s["purl"], format!("pkg:pypi/streamlit@{want}"), "{s}");
        let line = evidence(s, "page").expect("page evidence");
        assert!(line.ends_with(&format!("= streamlit {want}")), "{line}");
    }
}

#[test]
fn mlflow_page_hash_agrees_with_its_version_api() {
    need_farm!();
    let want = installed("mlflow");
    let (open, locked) = scan_pair("127.80.1", 5000);
    // /version answers, so the API's reading wins; the page hash names the
    // same release.
    assert_eq!(open["version"], want.as_str(), "{open}");
    assert_eq!(open["version_source"], "api", "{open}");
    let line = evidence(&open, "ui").expect("ui evidence");
    assert!(line.ends_with(&format!("= mlflow {want}")), "{line}");
    // basic-auth guards the page as well: nothing to hash, no version.
    assert!(locked["version"].is_null(), "{locked}");
    assert!(evidence(&locked, "ui").is_none(), "{locked}");
}

#[test]
fn gradio_version_from_its_frontend_even_behind_login() {
    need_farm!();
    let want = installed("gradio");
    let (open, locked) = scan_pair("127.80.3", 7860);
    // Two steps: the page names its entry script, /assets serves it.
    for s in [&open, &locked] {
        let line = evidence(s, "frontend").expect("frontend evidence");
        assert!(line.ends_with(&format!("= gradio {want}")), "{line}");
    }
    assert_eq!(open["version"], want.as_str(), "{open}");
    assert_eq!(open["version_source"], "api", "/config answers: {open}");
    // The login hides /config, not the static files.
    assert_eq!(locked["auth"], "required", "{locked}");
    assert_eq!(locked["version"], want.as_str(), "{locked}");
    assert_eq!(locked["version_source"], "asset-hash", "{locked}");
}

#[test]
fn langserve_without_and_with_route_dependencies() {
    need_farm!();
    let (open, locked) = scan_pair("127.103.3", 8000);
    // /openapi.json names the runnable; its input schema, read without
    // credentials, proves the routes take none.
    assert_open(&open, "langserve");
    assert_eq!(
        open["details"]["runnables"],
        serde_json::json!(["/adder"]),
        "{open}"
    );
    assert!(
        open["findings"][0]["evidence"]
            .as_str()
            .unwrap()
            .starts_with("data: GET /adder/input_schema → 200"),
        "{open}"
    );
    // add_routes(dependencies=[Depends(verify_token)]): FastAPI names the
    // missing credential header.
    assert_locked(&locked, "langserve");
    assert!(
        locked["evidence"].to_string().contains("x-token"),
        "{locked}"
    );
}
