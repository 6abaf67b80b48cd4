//! HTTP rules over TLS: a real ChromaDB served by uvicorn with a self-signed
//! certificate (made here with openssl) is identified, and the certificate
//! is recorded as evidence.
mod common;

use std::process::Command;

use common::*;

#[test]
fn chroma_over_tls_is_identified_and_its_certificate_recorded() {
    let (Some(python), Some(openssl)) = (venv_bin("python"), find_program("openssl")) else {
        return unavailable("chromadb venv and openssl");
    };
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    let ok = Command::new(openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=aimap-tls-test/O=aimap",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "uvicorn",
        "chromadb.app:app",
        "--host",
        "127.0.65.1",
        "--port",
        "8000",
        "--log-level",
        "warning",
    ])
    .arg("--ssl-keyfile")
    .arg(&key)
    .arg("--ssl-certfile")
    .arg(&cert)
    .current_dir(dir.path())
    .env("IS_PERSISTENT", "1")
    .env("PERSIST_DIRECTORY", dir.path())
    .env("ANONYMIZED_TELEMETRY", "False");
    let _server = start_command("127.0.65.1:8000".parse().unwrap(), cmd);

    let (report, _) = scan_json(&["127.0.65.1", "-p", "8000"]);
    let s = service(&report, "127.0.65.1", 8000).expect("chroma over TLS found");
    assert_eq!(s["service"], "chromadb");
    assert_eq!(s["transport"], "https");
    assert_eq!(s["auth"], "none");
    assert!(
        s["tls"]["subject"]
            .as_str()
            .unwrap()
            .contains("aimap-tls-test"),
        "{s}"
    );
    assert_eq!(s["tls"]["self_signed"], true);
    assert!(s["tls"]["not_after"].as_str().unwrap().starts_with("20"));
}
