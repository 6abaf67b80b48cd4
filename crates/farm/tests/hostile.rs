//! Hostile servers, the loopback-only rule, shutdown, and the farm binary.
//! Addresses 127.13.x.y (the binary: 127.77.13.x).
mod common;

use std::io::{BufRead, BufReader, ErrorKind};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use aimap_farm::{start, Emulator};
use common::addr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: farm\r\n\r\n";

#[tokio::test]
async fn garbage_writes_non_protocol_bytes_and_closes() {
    let s = start(Emulator::Garbage, addr(13, 0, 1)).await.unwrap();
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(REQUEST).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(2), c.read_to_end(&mut got))
        .await
        .unwrap()
        .unwrap();
    assert!((256..1024).contains(&got.len()), "{} bytes", got.len());
    assert!(got[0] >= 0x80);
    assert!(!got.starts_with(b"HTTP/"));
}

#[tokio::test]
async fn silent_never_answers() {
    let s = start(Emulator::Silent, addr(13, 0, 2)).await.unwrap();
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(REQUEST).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_millis(500), c.read(&mut buf)).await;
    assert!(read.is_err(), "silent server answered: {read:?}");
    // Stopping the farm server closes the connection it was holding.
    drop(s);
    let after = tokio::time::timeout(Duration::from_secs(2), c.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(after, Ok(0) | Err(_)));
}

#[tokio::test]
async fn endless_body_keeps_streaming() {
    let s = start(Emulator::EndlessBody, addr(13, 0, 3)).await.unwrap();
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(REQUEST).await.unwrap();
    let mut total = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while total.len() < 2 << 20 {
        let n = tokio::time::timeout_at(deadline, c.read(&mut buf))
            .await
            .expect("still streaming")
            .unwrap();
        assert!(n > 0, "body ended after {} bytes", total.len());
        total.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&total[..200]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(head.contains("Transfer-Encoding: chunked\r\n"));
}

#[tokio::test]
async fn refuses_non_loopback_binds() {
    for bind in [
        "0.0.0.0:0",
        "192.0.2.1:0",
        "[::]:0",
        "[::ffff:127.0.0.1]:0",
        "10.0.0.1:11434",
    ] {
        let bind: SocketAddr = bind.parse().unwrap();
        let err = start(Emulator::PlainHttp, bind)
            .await
            .expect_err("must refuse");
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{bind}");
    }
    // IPv6 loopback is allowed (if this host has it).
    match start(Emulator::PlainHttp, "[::1]:0".parse().unwrap()).await {
        Ok(s) => assert!(s.url().starts_with("http://[::1]:")),
        Err(e) => assert_ne!(e.kind(), ErrorKind::PermissionDenied),
    }
}

#[tokio::test]
async fn drop_stops_listening() {
    let s = start(Emulator::PlainHttp, addr(13, 0, 4)).await.unwrap();
    let at = s.addr;
    assert_eq!(s.url(), format!("http://{at}"));
    assert_eq!(common::get(at, "/").await.status, 200);
    drop(s);
    // The listener task ends asynchronously: wait for it, within a deadline.
    let t0 = std::time::Instant::now();
    while TcpStream::connect(at).await.is_ok() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "{at} still accepts connections 10 s after drop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn farm_binary_starts_consecutive_servers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aimap-farm"))
        .args([
            "--base",
            "127.77.13.1",
            "--count",
            "3",
            "--kind",
            "triton-restricted",
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // The binary prints once all three listen; read them off-runtime.
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(3)
            .map(|l| l.unwrap())
            .collect::<Vec<_>>()
    });
    let lines = tokio::time::timeout(Duration::from_secs(3), lines).await;
    let lines = match lines {
        Ok(lines) => lines.unwrap(),
        Err(_) => {
            let _ = child.kill();
            panic!("farm binary printed nothing");
        }
    };
    for (i, line) in lines.iter().enumerate() {
        let at: SocketAddr = line.parse().unwrap();
        assert_eq!(at.ip().to_string(), format!("127.77.13.{}", i + 1));
        assert_eq!(common::get(at, "/v2").await.json()["name"], "triton");
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let refused = Command::new(env!("CARGO_BIN_EXE_aimap-farm"))
        .args(["--base", "10.1.2.3", "--count", "1"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(refused.code(), Some(2));
}
