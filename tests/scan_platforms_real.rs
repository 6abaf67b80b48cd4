//! Real model-serving and compute platforms from PyPI, installed into
//! .venv-platforms by scripts/test.sh (their pins do not mix with the
//! other venvs): BentoML, Ray and Dask; grpcio (which Ray brings) as a real
//! gRPC stack for the gRPC transport; pymongo to check the mongod emulator.
//!
//! BentoML serves a two-line service (tests/fixtures/bento_service.py) on
//! 127.102.4.1; a Starlette app copying its routes (openapi_lookalike.py)
//! on 127.102.4.2 must not be called BentoML.
//!
//! Ray ignores the address it is told to bind and reaches for the
//! machine's interface address, so each Ray head runs inside a network
//! namespace this test creates, holding only `lo`; a relay
//! (fixtures/netns_relay.py) listens on 127.102.5.x:8265 outside and
//! connects into the namespace. One head runs without authentication
//! (Ray's default), one with RAY_AUTH_MODE=token.
//!
//! A real Dask scheduler (distributed, with bokeh for its dashboard) on
//! 127.102.6.1 with one worker on 127.102.6.2: the dashboard has no
//! authentication, and its identity document names the worker.
//!
//! A fresh Label Studio on 127.102.9.1: it names its release without a
//! login, and its projects stay behind one.
//!
//! Addresses: 127.102.4.0/24, 127.102.5.0/24, 127.102.6.0/24 and
//! 127.102.9.0/24.
mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::netns::Netns;
use common::*;

fn platforms_bin(name: &str) -> Option<PathBuf> {
    let root = std::env::var_os("AIMAP_TEST_VENV_PLATFORMS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-platforms"));
    let bin = root.join("bin").join(name);
    bin.exists().then_some(bin)
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// One HTTP/1.1 exchange with a test server: (status, body).
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = Vec::new();
    s.take(1 << 20).read_to_end(&mut out).ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.get(9..12)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// Wait until `addr` answers `path` with one of `statuses`.
fn wait_http(addr: SocketAddr, path: &str, statuses: &[u16], within: Duration) -> bool {
    let t0 = Instant::now();
    while t0.elapsed() < within {
        if http(addr, "GET", path, "").is_some_and(|(s, _)| statuses.contains(&s)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    false
}

#[test]
fn bentoml_service_and_a_look_alike() {
    let (Some(bentoml), Some(python)) = (platforms_bin("bentoml"), platforms_bin("python")) else {
        return unavailable("BentoML (venv .venv-platforms)");
    };
    // BentoML's workers run in sessions of their own: only a SIGTERM to
    // `bentoml serve` stops them, so it runs under start_command (which
    // sends one on drop), not in a killed process group.
    let home = tempfile::tempdir().unwrap();
    let mut serve = Command::new(bentoml);
    serve
        .args(["serve", "bento_service:Summarizer", "--working-dir"])
        .arg(fixture(""))
        .args(["--host", "127.102.4.1", "--port", "3000"])
        .current_dir(home.path())
        .env("BENTOML_HOME", home.path())
        .env("BENTOML_DO_NOT_TRACK", "True");
    let mut lookalike = Command::new(python);
    lookalike
        .arg(fixture("openapi_lookalike.py"))
        .args(["127.102.4.2", "3000"]);
    let servers = [
        start_command(addr("127.102.4.1:3000"), serve),
        spawn_in_tempdir(addr("127.102.4.2:3000"), lookalike).expect("look-alike spawns"),
    ];
    wait_all(
        &servers.iter().collect::<Vec<_>>(),
        Duration::from_secs(120),
    );
    for s in &servers {
        assert!(
            wait_http(s.addr, "/readyz", &[200], Duration::from_secs(60)),
            "{} never became ready",
            s.addr
        );
    }
    let (report, _) = scan_json_timeout("8s", &["127.102.4.1-2", "-p", "3000"]);
    let s = service(&report, "127.102.4.1", 3000).expect("BentoML found");
    assert_eq!(s["service"], "bentoml", "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(s["findings"][0]["id"], "bentoml-unauthenticated", "{s}");
    let version = s["version"].as_str().expect("version from /docs.json");
    assert!(version.starts_with("1."), "{s}");
    assert_eq!(s["details"]["service"][0], "summarizer", "{s}");
    assert_eq!(s["details"]["apis"][0], "/summarize", "{s}");
    assert!(
        service(&report, "127.102.4.2", 3000).is_none_or(|s| s["service"] != "bentoml"),
        "look-alike taken for BentoML: {report}"
    );
}

/// A Ray head inside its own namespace, reachable at `outside`.
struct RayHead {
    _relay: Server,
    _head: Server,
    /// Dropped after the head: kills what is left inside.
    _ns: Netns,
    _temp: tempfile::TempDir,
}

fn ray_head(tag: &str, outside: &str, token: Option<&str>) -> Option<RayHead> {
    let ray = platforms_bin("ray")?;
    let python = platforms_bin("python")?;
    let ns = Netns::new(tag)?;
    let temp = tempfile::tempdir().ok()?;
    let mut head = ns.exec(ray.to_str()?);
    head.args(["start", "--head", "--block", "--disable-usage-stats"])
        .args(["--dashboard-host", "127.0.0.1", "--dashboard-port", "8265"])
        .args(["--num-cpus", "1", "--include-dashboard", "true"])
        .arg("--temp-dir")
        .arg(temp.path());
    if let Some(t) = token {
        head.env("RAY_AUTH_MODE", "token").env("RAY_AUTH_TOKEN", t);
    }
    let head = spawn_in_tempdir(addr(outside), head)?;
    let (ip, port) = outside.split_once(':')?;
    let mut relay = Command::new(python);
    relay
        .arg(fixture("netns_relay.py"))
        .args([ip, port, &ns.0, "8265"]);
    let relay = spawn_in_tempdir(addr(outside), relay)?;
    Some(RayHead {
        _relay: relay,
        _head: head,
        _ns: ns,
        _temp: temp,
    })
}

#[test]
fn ray_jobs_api_open_and_with_token_auth() {
    if platforms_bin("ray").is_none() || find_program("ip").is_none() {
        return unavailable("Ray (venv .venv-platforms) and iproute2");
    }
    let open = ray_head("ray-open", "127.102.5.1:8265", None);
    let locked = ray_head(
        "ray-token",
        "127.102.5.2:8265",
        Some("aimap-ray-token-0123456789abcdef"),
    );
    let (Some(_open), Some(_locked)) = (open, locked) else {
        return unavailable("network namespaces (root and iproute2)");
    };
    let (a, b) = (addr("127.102.5.1:8265"), addr("127.102.5.2:8265"));
    assert!(wait_http(
        a,
        "/api/version",
        &[200],
        Duration::from_secs(180)
    ));
    assert!(wait_http(
        b,
        "/api/version",
        &[401],
        Duration::from_secs(180)
    ));
    // A job of the test's own, so the listing has something to show.
    let job = r#"{"entrypoint": "echo aimap", "submission_id": "aimap-test-job"}"#;
    let (status, body) = http(a, "POST", "/api/jobs/", job).expect("job submitted");
    assert_eq!(status, 200, "{body}");

    let (report, _) = scan_json_timeout("8s", &["127.102.5.1-2", "-p", "8265"]);
    let s = service(&report, "127.102.5.1", 8265).expect("open Ray found");
    assert_eq!(s["service"], "ray", "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(s["findings"][0]["id"], "ray-unauthenticated", "{s}");
    assert_eq!(s["findings"][0]["severity"], "critical", "{s}");
    assert!(
        s["version"].as_str().is_some_and(|v| v.starts_with("2.")),
        "{s}"
    );
    assert_eq!(s["details"]["jobs"][0], "aimap-test-job", "{s}");

    // Token auth: the dashboard page still names Ray, every API refuses.
    let s = service(&report, "127.102.5.2", 8265).expect("token Ray found");
    assert_eq!(s["service"], "ray", "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    assert!(s["version"].is_null(), "{s}");
    // No exposure finding. (The ShadowRay advisory, which lists every Ray
    // version, still applies by package: that is the advisory's call.)
    assert!(
        s["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] != "exposure"),
        "{s}"
    );
    assert!(
        s["evidence"]
            .to_string()
            .contains("Missing authentication token"),
        "{s}"
    );
}

/// The gRPC transport against a real gRPC stack (grpcio's C core, which
/// Ray installs into .venv-platforms): a server with Triton's service
/// name and message shapes (fixtures/grpc_triton_shape.py), open and with
/// the repository index behind a header. Triton itself is not installable
/// here; its own answers are emulated in crates/farm (scan_protocols_emulated.rs).
#[test]
fn grpc_transport_against_grpcio() {
    let Some(python) = platforms_bin("python") else {
        return unavailable("grpcio (venv .venv-platforms)");
    };
    let server = |ip: &str, header: Option<&str>| {
        let mut c = Command::new(&python);
        c.arg(fixture("grpc_triton_shape.py")).args([ip, "8001"]);
        if let Some(h) = header {
            c.arg(h);
        }
        spawn_in_tempdir(addr(&format!("{ip}:8001")), c).expect("grpc server spawns")
    };
    let servers = [
        server("127.102.4.11", None),
        server("127.102.4.12", Some("admin-key")),
    ];
    wait_all(&servers.iter().collect::<Vec<_>>(), Duration::from_secs(60));
    let (report, _) = scan_json_timeout("4s", &["127.102.4.11-12", "-p", "8001"]);

    let s = service(&report, "127.102.4.11", 8001).expect("open gRPC server found");
    assert_eq!(s["service"], "triton-grpc", "{s}");
    assert_eq!(s["transport"], "grpc", "{s}");
    assert_eq!(s["version"], "2.59.0", "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(s["details"]["models"][0], "densenet_onnx", "{s}");
    assert_eq!(s["details"]["models"][1], "simple", "{s}");

    let s = service(&report, "127.102.4.12", 8001).expect("restricted gRPC server found");
    assert_eq!(s["service"], "triton-grpc", "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    assert!(s["evidence"].to_string().contains("restricted"), "{s}");
}

/// The farm's mongod emulator (crates/farm/src/mongodb.rs) against the
/// official driver: pymongo reads the same version and databases from the
/// open twin, and gets code 13 Unauthorized from the --auth twin, as from
/// a real mongod. MongoDB has no Debian or PyPI server package, so this is
/// how the emulator's wire format is checked beyond aimap's own reader.
#[test]
fn mongodb_emulator_satisfies_the_official_driver() {
    let Some(python) = platforms_bin("python") else {
        return unavailable("pymongo (venv .venv-platforms)");
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mongo = |auth| {
        aimap_farm::Emulator::MongoDb(aimap_farm::MongoDb {
            version: "7.0.14".into(),
            auth,
            databases: vec!["rag".into()],
        })
    };
    let _open = rt
        .block_on(aimap_farm::start(mongo(false), addr("127.102.4.21:27017")))
        .unwrap();
    let _locked = rt
        .block_on(aimap_farm::start(mongo(true), addr("127.102.4.22:27017")))
        .unwrap();
    let ask = |ip: &str| -> serde_json::Value {
        let out = Command::new(&python)
            .arg(fixture("pymongo_check.py"))
            .args([ip, "27017"])
            .output()
            .expect("pymongo runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON line")
    };
    let open = ask("127.102.4.21");
    assert_eq!(open["version"], "7.0.14", "{open}");
    assert_eq!(
        open["databases"],
        serde_json::json!(["admin", "config", "local", "rag"]),
        "{open}"
    );
    let locked = ask("127.102.4.22");
    assert_eq!(locked["version"], "7.0.14", "{locked}");
    assert_eq!(locked["error"]["code"], 13, "{locked}");
    assert_eq!(locked["error"]["codeName"], "Unauthorized", "{locked}");
}

#[test]
fn dask_dashboard_names_its_workers() {
    let Some(dask) = platforms_bin("dask") else {
        return unavailable("Dask distributed (venv .venv-platforms)");
    };
    let mut scheduler = Command::new(&dask);
    scheduler.args([
        "scheduler",
        "--host",
        "127.102.6.1",
        "--port",
        "8786",
        "--dashboard-address",
        "127.102.6.1:8787",
    ]);
    let scheduler = spawn_in_tempdir(addr("127.102.6.1:8787"), scheduler).expect("scheduler");
    wait_all(&[&scheduler], Duration::from_secs(90));
    let mut worker = Command::new(&dask);
    worker.args([
        "worker",
        "tcp://127.102.6.1:8786",
        "--host",
        "127.102.6.2",
        "--no-nanny",
        "--no-dashboard",
        "--nthreads",
        "1",
    ]);
    let _worker = spawn_in_tempdir(addr("127.102.6.2:0"), worker).expect("worker");
    let t0 = Instant::now();
    let dashboard = addr("127.102.6.1:8787");
    while !http(dashboard, "GET", "/json/identity.json", "")
        .is_some_and(|(_, b)| b.contains("127.102.6.2"))
    {
        assert!(
            t0.elapsed() < Duration::from_secs(90),
            "the worker never joined"
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    let (report, _) = scan_json_timeout("8s", &["127.102.6.1", "-p", "8786,8787"]);
    let s = service(&report, "127.102.6.1", 8787).expect("the dashboard found");
    assert_eq!(s["service"], "dask", "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(s["findings"][0]["id"], "dask-unauthenticated", "{s}");
    assert_eq!(s["details"]["workers"][0], "127.102.6.2", "{s}");
    assert_eq!(
        s["details"]["scheduler"][0], "tcp://127.102.6.1:8786",
        "{s}"
    );
}

/// A fresh Label Studio (PyPI) on 127.102.9.1:8080, nothing created in it.
/// Facts (label-studio 1.23.2): core/urls.py routes `version/` and
/// `api/version/` to core/views.py `version_page` without login (JSON on
/// /api/version/, the same JSON inside `<pre>` on /version/); the REST API
/// (/api/projects/) needs a login or token. Signup is open by default
/// (core/settings/base.py DISABLE_SIGNUP_WITHOUT_LINK=False), but only a
/// POST to /user/signup/ tells (users/views.py): no read-only answer says
/// so, so no claimable finding is expected.
#[test]
fn label_studio_names_itself_and_keeps_projects_behind_login() {
    let (Some(ls), Some(python)) = (platforms_bin("label-studio"), platforms_bin("python")) else {
        return unavailable("Label Studio (venv .venv-platforms)");
    };
    let out = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('label-studio'))",
        ])
        .output()
        .expect("python runs");
    let installed = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let data = tempfile::tempdir().unwrap();
    let mut start = Command::new(ls);
    start
        .args([
            "start",
            "--internal-host",
            "127.102.9.1",
            "-p",
            "8080",
            "--no-browser",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .env("LABEL_STUDIO_BASE_DATA_DIR", data.path())
        // No outbound calls: the PyPI version check and Sentry (whose
        // 3.x SDK also rejects the options 1.23.2 passes it).
        .env("LATEST_VERSION_CHECK", "false")
        .env("SENTRY_DSN", "")
        .env("FRONTEND_SENTRY_DSN", "");
    let a = addr("127.102.9.1:8080");
    // Migrations on first start take minutes.
    let server = spawn_in_tempdir(a, start).expect("label-studio spawns");
    wait_all(&[&server], Duration::from_secs(420));
    assert!(wait_http(a, "/health", &[200], Duration::from_secs(60)));

    let (report, _) = scan_json_timeout("8s", &["127.102.9.1", "-p", "8080"]);
    let s = service(&report, "127.102.9.1", 8080).expect("Label Studio found");
    assert_eq!(s["service"], "label-studio", "{s}");
    assert_eq!(s["version"], installed.as_str(), "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    assert!(s["details"]["projects"].is_null(), "{s}");
    assert!(
        s["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] != "exposure" && f["id"] != "label-studio-claimable"),
        "{s}"
    );
}
