//! `db update` against a loopback HTTP server serving an OSV export.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use aimap_advisory::Store;

fn zip_of_fixtures() -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default();
        for entry in std::fs::read_dir(common::fixtures().join("go")).unwrap() {
            let path = entry.unwrap().path();
            zip.start_file(path.file_name().unwrap().to_string_lossy(), options)
                .unwrap();
            zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
        }
        zip.finish().unwrap();
    }
    buf.into_inner()
}

/// Serves `/Go/all.zip` and answers 404 to everything else, for `requests`
/// connections, then stops.
fn serve(body: Vec<u8>, requests: usize) -> (String, thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        let mut paths = Vec::new();
        for _ in 0..requests {
            let (mut conn, _) = listener.accept().unwrap();
            let mut req = Vec::new();
            let mut chunk = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = conn.read(&mut chunk).unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&chunk[..n]);
            }
            let line = String::from_utf8_lossy(&req)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            let (status, payload) = if path == "/Go/all.zip" {
                ("200 OK", body.clone())
            } else {
                ("404 Not Found", b"no".to_vec())
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                payload.len()
            );
            conn.write_all(head.as_bytes()).unwrap();
            conn.write_all(&payload).unwrap();
            paths.push(path);
        }
        paths
    });
    (base, handle)
}

#[test]
fn update_downloads_and_imports_each_ecosystem() {
    let zip = zip_of_fixtures();
    let (base, server) = serve(zip, 3);
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path());

    let report = store.update(&["Go", "PyPI"], &format!("{base}/")).unwrap();
    assert!(!report.ok());
    let go = &report.ecosystems[0];
    assert_eq!(go.url, format!("{base}/Go/all.zip"));
    let imported = go.result.as_ref().unwrap();
    assert!(
        imported.new > 20 && imported.errors.is_empty(),
        "{imported:?}"
    );
    let pypi = &report.ecosystems[1];
    assert!(
        pypi.result.as_ref().unwrap_err().contains("404"),
        "{:?}",
        pypi.result
    );

    // A second update changes nothing.
    let again = store.update(&["Go"], &base).unwrap();
    assert!(again.ok());
    assert_eq!(again.ecosystems[0].result.as_ref().unwrap().new, 0);

    assert_eq!(
        server.join().unwrap(),
        ["/Go/all.zip", "/PyPI/all.zip", "/Go/all.zip"]
    );
    let status = store.status().unwrap();
    assert!(status
        .sources
        .iter()
        .any(|s| s.kind == "update" && s.source.ends_with("/Go/all.zip")));
    let index = store.index().unwrap();
    assert!(!index
        .match_purl("pkg:golang/github.com/ollama/ollama", Some("0.1.20"))
        .affected
        .is_empty());
}

#[test]
fn an_unreachable_server_is_reported_not_fatal() {
    // Bind and drop: nothing listens on this port any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tempfile::tempdir().unwrap();
    let report = Store::new(tmp.path())
        .update(&["Go"], &format!("http://127.0.0.1:{port}"))
        .unwrap();
    assert!(report.ecosystems[0].result.is_err());
}
