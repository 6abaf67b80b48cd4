//! The end-to-end test harness: runs the real `aimap` binary and starts real
//! servers (redis-server, ChromaDB) as child processes on distinct loopback
//! addresses. Every test server binds 127.x.y.z only.
//!
//! Real servers are installed by `scripts/test.sh` (the README's test
//! command). When `AIMAP_REQUIRE_REAL=1` (set by that script) a missing
//! server fails the test; run bare with `cargo test`, such tests say they
//! were skipped.
#![allow(dead_code)]

pub mod netns;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn aimap_bin() -> &'static str {
    env!("CARGO_BIN_EXE_aimap")
}

/// The aimap binary, isolated from the user: no config file, and runs are
/// remembered in a store private to this test process (so every
/// end-to-end test also exercises the default store, many processes
/// sharing one SQLite file).
pub fn aimap_cmd() -> Command {
    static DATA: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let data = DATA.get_or_init(|| tempfile::tempdir().expect("temp dir"));
    let mut cmd = Command::new(aimap_bin());
    cmd.env_remove("AIMAP_CONFIG")
        .env_remove("AIMAP_DB")
        .env_remove("AIMAP_NO_STORE")
        .env("XDG_CONFIG_HOME", "/nonexistent-aimap-test")
        .env("XDG_DATA_HOME", data.path())
        .current_dir(std::env::temp_dir());
    cmd
}

/// Run aimap with `args`; never reads a user config file.
pub fn aimap(args: &[&str]) -> Output {
    aimap_cmd().args(args).output().expect("aimap runs")
}

/// A command's stdout as JSON, or a panic that shows what it printed.
pub fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Scan with `--format json` and parse the report.
pub fn scan_json(args: &[&str]) -> (Value, Output) {
    let mut full = vec!["scan", "--format", "json", "--timeout", "2s"];
    full.extend_from_slice(args);
    let out = aimap(&full);
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    validate_against_schema(&text);
    (json, out)
}

/// Check a report against docs/scan-output.schema.json with the reference
/// validator (Python `jsonschema`, installed in the test venv).
pub fn validate_against_schema(report: &str) {
    let Some(python) = venv_bin("python") else {
        return unavailable("jsonschema (venv .venv-test)");
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    std::fs::write(&file, report).unwrap();
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scan-output.schema.json");
    let check = "import json,sys,jsonschema\nd=json.load(open(sys.argv[1]));s=json.load(open(sys.argv[2]))\njsonschema.Draft202012Validator.check_schema(s)\njsonschema.validate(d,s,format_checker=jsonschema.FormatChecker())";
    let out = Command::new(python)
        .args(["-c", check])
        .arg(&file)
        .arg(schema)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "report does not match the schema:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The service entry for host:port in a report.
pub fn service<'a>(report: &'a Value, host: &str, port: u16) -> Option<&'a Value> {
    report["services"]
        .as_array()?
        .iter()
        .find(|s| s["host"] == host && s["port"] == port)
}

/// A service's verdict for one capability (`none`, `required`, ...; empty
/// when the rule does not know the capability).
pub fn cap<'a>(s: &'a Value, capability: &str) -> &'a str {
    s["capabilities"][capability]["auth"].as_str().unwrap_or("")
}

/// The ids of a service's exposure findings.
pub fn exposure(s: &Value) -> Vec<String> {
    s["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["kind"] == "exposure")
        .filter_map(|f| f["id"].as_str().map(str::to_string))
        .collect()
}

/// The serving venv's python (.venv-serving, or AIMAP_TEST_VENV_SERVING),
/// when it can import `module`.
pub fn serving_python(module: &str) -> Option<PathBuf> {
    let root = std::env::var_os("AIMAP_TEST_VENV_SERVING")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-serving"));
    let bin = root.join("bin").join("python");
    let has = Command::new(&bin)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    has.then_some(bin)
}

pub fn require_real() -> bool {
    std::env::var("AIMAP_REQUIRE_REAL").is_ok_and(|v| v == "1")
}

/// Say a real-server test cannot run here, or fail when it must.
pub fn unavailable(what: &str) {
    assert!(
        !require_real(),
        "{what} is required (AIMAP_REQUIRE_REAL=1) but missing: run scripts/test.sh"
    );
    eprintln!("SKIPPED: {what} not installed; scripts/test.sh installs it");
}

pub fn find_program(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// The Python virtualenv scripts/test.sh creates.
pub fn venv_bin(name: &str) -> Option<PathBuf> {
    let root = std::env::var_os("AIMAP_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-test"));
    let p = root.join("bin").join(name);
    p.is_file().then_some(p)
}

/// Poll `check` until it yields a value or `within` passes; a test waits for
/// the state it needs instead of sleeping a guessed time. Panics with `what`
/// (the thing that never happened) at the deadline.
pub fn wait_until<T>(what: &str, within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let t0 = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            t0.elapsed() < within,
            "waited {within:?}, but this never happened: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn wait_listening(addr: SocketAddr, within: Duration) -> bool {
    let t0 = Instant::now();
    while t0.elapsed() < within {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A server process that stops when dropped, and also when the test
/// process exits without dropping it (servers shared through a `static`
/// are never dropped): it runs under a shell that waits on our stdin pipe
/// and kills the server once the pipe closes.
pub struct Server {
    pub addr: SocketAddr,
    guard: Child,
    stdin: Option<std::process::ChildStdin>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    fn spawn(addr: SocketAddr, cmd: Command, dir: Option<tempfile::TempDir>) -> Option<Server> {
        let mut guarded = Command::new("sh");
        guarded
            .arg("-c")
            .arg(r#""$@" & c=$!; read _; kill $c 2>/dev/null; wait $c"#)
            .arg("sh")
            .arg(cmd.get_program())
            .args(cmd.get_args());
        if let Some(d) = cmd.get_current_dir() {
            guarded.current_dir(d);
        }
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => guarded.env(k, v),
                None => guarded.env_remove(k),
            };
        }
        let mut guard = guarded
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdin = guard.stdin.take();
        Some(Server {
            addr,
            guard,
            stdin,
            _dir: dir,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.guard.wait();
    }
}

/// Start any server command and wait until `addr` listens.
pub fn start_command(addr: SocketAddr, cmd: Command) -> Server {
    let server = Server::spawn(addr, cmd, None).expect("server starts");
    assert!(
        wait_listening(addr, Duration::from_secs(90)),
        "{addr} did not listen"
    );
    server
}

/// Start a real redis-server on `ip:port`, with a password or without.
pub fn redis(ip: &str, port: u16, password: Option<&str>) -> Option<Server> {
    redis_with(ip, port, password, &[])
}

/// [`redis`] with extra arguments (`--loadmodule PATH`).
pub fn redis_with(ip: &str, port: u16, password: Option<&str>, extra: &[&str]) -> Option<Server> {
    let bin = find_program("redis-server")?;
    let dir = tempfile::tempdir().ok()?;
    let mut cmd = Command::new(bin);
    cmd.args([
        "--bind",
        ip,
        "--port",
        &port.to_string(),
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
    ])
    .arg("--dir")
    .arg(dir.path())
    .args(["--protected-mode", "no"]);
    if let Some(pw) = password {
        cmd.args(["--requirepass", pw]);
    }
    cmd.args(extra);
    let addr = SocketAddr::new(ip.parse().ok()?, port);
    let server = Server::spawn(addr, cmd, Some(dir))?;
    assert!(
        wait_listening(addr, Duration::from_secs(10)),
        "redis-server did not listen on {addr}"
    );
    Some(server)
}

/// Start a real ChromaDB. `token: None` runs the `chroma run` server (the
/// Rust server of chromadb 1.x, no auth); `Some(token)` runs Chroma's
/// Python FastAPI server with token authentication switched on.
pub fn chroma(ip: &str, port: u16, token: Option<&str>) -> Option<Server> {
    let dir = tempfile::tempdir().ok()?;
    let addr: SocketAddr = format!("{ip}:{port}").parse().ok()?;
    let cmd = match token {
        None => {
            let mut c = Command::new(venv_bin("chroma")?);
            c.args(["run", "--host", ip, "--port", &port.to_string(), "--path"])
                .arg(dir.path());
            c
        }
        Some(token) => {
            let mut c = Command::new(venv_bin("python")?);
            c.args([
                "-m",
                "uvicorn",
                "chromadb.app:app",
                "--host",
                ip,
                "--port",
                &port.to_string(),
                "--log-level",
                "warning",
            ])
            .current_dir(dir.path())
            .env("IS_PERSISTENT", "1")
            .env("PERSIST_DIRECTORY", dir.path())
            .env("ANONYMIZED_TELEMETRY", "False")
            .env(
                "CHROMA_SERVER_AUTHN_PROVIDER",
                "chromadb.auth.token_authn.TokenAuthenticationServerProvider",
            )
            .env("CHROMA_SERVER_AUTHN_CREDENTIALS", token);
            c
        }
    };
    let server = Server::spawn(addr, cmd, Some(dir))?;
    assert!(
        wait_listening(addr, Duration::from_secs(90)),
        "chroma did not listen on {addr}"
    );
    Some(server)
}

// ---- Landscape servers (PyPI venv .venv-landscape, Debian PostgreSQL and
// memcached), started by tests/scan_landscape_real.rs and
// tests/scan_datastores_real.rs. ----

/// A program in the second venv scripts/test.sh creates (.venv-landscape:
/// MLflow, Jupyter Server, Gradio, Streamlit, LiteLLM, MCP SDK), kept apart
/// from ChromaDB's pins.
pub fn landscape_bin(name: &str) -> Option<PathBuf> {
    let root = std::env::var_os("AIMAP_TEST_VENV_LANDSCAPE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-landscape"));
    let p = root.join("bin").join(name);
    p.is_file().then_some(p)
}

/// A file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Start `cmd` in its own temp dir (also its HOME) with telemetry off,
/// without waiting: slow Python servers start side by side, then
/// [`wait_all`] waits for them together.
pub fn spawn_in_tempdir(addr: SocketAddr, mut cmd: Command) -> Option<Server> {
    let dir = tempfile::tempdir().ok()?;
    cmd.current_dir(dir.path())
        .env("HOME", dir.path())
        .env("DO_NOT_TRACK", "1")
        .env("MLFLOW_ENABLE_TELEMETRY", "false")
        .env("GRADIO_ANALYTICS_ENABLED", "False")
        .env("HF_HUB_OFFLINE", "1")
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .env("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
        .env("NO_PROXY", "*");
    // Some of these (mlflow server) run the real server as a child and
    // outlive SIGTERM: run them in their own process group, and on SIGTERM
    // kill the whole group.
    let mut grouped = Command::new("setsid");
    grouped
        .args(["sh", "-c", r#"trap 'kill -KILL 0' TERM; "$@" & wait"#, "sh"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .current_dir(dir.path());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => grouped.env(k, v),
            None => grouped.env_remove(k),
        };
    }
    Server::spawn(addr, grouped, Some(dir))
}

/// Wait until every server listens; panics naming the first that does not.
pub fn wait_all(servers: &[&Server], within: Duration) {
    let t0 = Instant::now();
    for s in servers {
        let left = within.saturating_sub(t0.elapsed());
        assert!(wait_listening(s.addr, left), "{} did not listen", s.addr);
    }
}

/// The newest PostgreSQL server binaries (Debian puts them in
/// /usr/lib/postgresql/<major>/bin, off PATH).
pub fn postgres_bin(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .collect();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
    });
    dirs.into_iter()
        .rev()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .or_else(|| find_program(name))
}

/// A private PostgreSQL cluster on `ip:port`: `trust` lets any loopback
/// client in without credentials, otherwise scram-sha-256 is demanded.
/// PostgreSQL refuses to run as root, so when the tests run as root the
/// cluster belongs to the `postgres` user (setpriv execs, so stopping the
/// server stops postgres itself).
pub fn postgres(ip: &str, port: u16, trust: bool) -> Option<Server> {
    let initdb = postgres_bin("initdb")?;
    let server = postgres_bin("postgres")?;
    let dir = tempfile::tempdir().ok()?;
    let data = dir.path().join("data");
    let as_root = Command::new("id").arg("-u").output().ok()?.stdout == b"0\n";
    let run_as = |program: &Path| {
        if as_root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
                .arg(program);
            c
        } else {
            Command::new(program)
        }
    };
    if as_root {
        let ok = Command::new("chown")
            .arg("postgres:postgres")
            .arg(dir.path())
            .status()
            .ok()?
            .success();
        assert!(ok, "chown to the postgres user failed");
    }
    let method = if trust { "trust" } else { "scram-sha-256" };
    let out = run_as(&initdb)
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth-local=trust", "--no-sync"])
        .arg(format!("--auth-host={method}"))
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = run_as(&server);
    cmd.arg("-D")
        .arg(&data)
        .args(["-c", &format!("listen_addresses={ip}")])
        .args(["-c", &format!("port={port}")])
        .args(["-c", "fsync=off", "-c", "ssl=off"])
        .arg("-c")
        .arg(format!("unix_socket_directories={}", dir.path().display()));
    let addr = SocketAddr::new(ip.parse().ok()?, port);
    let server = Server::spawn(addr, cmd, Some(dir))?;
    assert!(
        wait_listening(addr, Duration::from_secs(30)),
        "postgres did not listen on {addr}"
    );
    Some(server)
}

/// A real memcached on `ip:port`; with `user_password` ("user:pw") the text
/// protocol demands authentication (`-Y`).
pub fn memcached(ip: &str, port: u16, user_password: Option<&str>) -> Option<Server> {
    let bin = find_program("memcached")?;
    let dir = tempfile::tempdir().ok()?;
    let mut cmd = Command::new(bin);
    cmd.args(["-l", ip, "-p", &port.to_string(), "-U", "0", "-m", "16"])
        .args(["-u", "nobody"]);
    if let Some(up) = user_password {
        use std::os::unix::fs::PermissionsExt;
        // memcached reads the file after dropping to `nobody`.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).ok()?;
        let file = dir.path().join("auth");
        std::fs::write(&file, format!("{up}\n")).ok()?;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).ok()?;
        cmd.arg("-Y").arg(&file);
    }
    let addr = SocketAddr::new(ip.parse().ok()?, port);
    let server = Server::spawn(addr, cmd, Some(dir))?;
    assert!(
        wait_listening(addr, Duration::from_secs(10)),
        "memcached did not listen on {addr}"
    );
    Some(server)
}

/// [`scan_json`] with another per-exchange timeout: slow Python servers
/// sharing two cores need more than the default test timeout.
pub fn scan_json_timeout(timeout: &str, args: &[&str]) -> (Value, Output) {
    let mut full = vec!["scan", "--format", "json", "--timeout", timeout];
    full.extend_from_slice(args);
    let out = aimap(&full);
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    validate_against_schema(&text);
    (json, out)
}

/// Run `cmd` to completion like [`Command::output`], and return its peak
/// resident set size in KiB as the kernel accounts it: `wait4(2)` on
/// exactly this child fills `ru_maxrss`, which nothing sampled can miss
/// (a spike just before exit included), and which other tests' children
/// running in parallel cannot pollute (unlike `RUSAGE_CHILDREN`).
// The child is reaped by wait4 below, which Child::wait cannot replace:
// only wait4 returns the rusage.
#[allow(clippy::zombie_processes)]
pub fn output_with_peak_rss(mut cmd: Command) -> (Output, u64) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value, and wait4 only writes
    // into the two locals it is given, for a child this process owns and
    // has not reaped (Child is never waited on below).
    let (rc, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let rc = libc::wait4(pid, &mut status, 0, &mut usage);
        (rc, usage)
    };
    assert_eq!(rc, pid, "wait4: {}", std::io::Error::last_os_error());
    let output = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    // Linux reports ru_maxrss in KiB.
    (output, u64::try_from(usage.ru_maxrss).unwrap_or(0))
}

/// The shared snapshot, at the same place relative to the checkout in CI.
pub fn shared_advisories() -> Option<std::path::PathBuf> {
    let dir =
        std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/advisories"));
    if dir.join("go/data/osv").is_dir() && dir.join("pypa/vulns").is_dir() {
        Some(dir)
    } else {
        unavailable(&format!("the shared advisory snapshot ({})", dir.display()));
        None
    }
}
