//! `aimap watch`: scheduled scans alert on new findings to stdout, a
//! webhook (a real HTTP receiver on loopback that is down at first) and
//! syslog (a UDP receiver on loopback); host watch sees an AI server open
//! an all-interface socket, inside a network namespace the test creates
//! (so the 0.0.0.0 bind reaches nothing but that namespace's loopback).
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aimap_farm::{start, Emulator};
use common::netns::Netns;
use common::*;
use hmac::{KeyInit, Mac};
use serde_json::Value;

/// What the receiver recorded: (headers, body) of every POST.
type Deliveries = Arc<Mutex<Vec<(BTreeMap<String, String>, Vec<u8>)>>>;

/// A webhook receiver: records every POST, answers 200.
fn receiver(addr: &str) -> Deliveries {
    let got = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind(addr).unwrap();
    let sink = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut headers = BTreeMap::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    headers.insert(k.to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            sink.lock().unwrap().push((headers, body));
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    got
}

fn alert_key(a: &Value) -> String {
    format!("{} {}", a["event"], a["detail"]["fingerprint"])
}

#[test]
fn scheduled_scans_alert_everywhere_and_the_webhook_gets_each_alert_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _ollama = rt
        .block_on(start(
            Emulator::Ollama {
                version: "0.5.0".into(),
                models: vec!["llama3:8b".into()],
            },
            "127.63.0.1:11434".parse::<SocketAddr>().unwrap(),
        ))
        .unwrap();
    let syslog = UdpSocket::bind("127.63.0.10:5514").unwrap();
    syslog
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let store = tempfile::tempdir().unwrap();
    let db = store.path().join("w.db").display().to_string();
    let mut child = aimap_cmd()
        .args([
            "--db",
            &db,
            "watch",
            "--every",
            "1s",
            "--count",
            "5",
            "--webhook",
            "http://127.63.0.9:18080/hook",
            "--webhook-secret",
            "s3cret",
            "--syslog",
            "udp://127.63.0.10:5514",
            "scan",
            "127.63.0.1-3",
            "-p",
            "6379,11434",
            "--timeout",
            "2s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next =
        || -> Value { serde_json::from_str(&lines.next().expect("an alert").unwrap()).unwrap() };

    // The first run: the open Ollama is news.
    let first = next();
    assert_eq!(first["event"], "new-finding", "{first}");
    assert_eq!(
        first["detail"]["fingerprint"],
        "ollama-unauthenticated@127.63.0.1:11434"
    );
    assert!(first["previous_run"].is_null());
    let mut stdout_alerts = vec![first];
    // A Redis without a password appears: the next run alerts on it only.
    let Some(_redis) = redis("127.63.0.2", 6379, None) else {
        let _ = child.kill();
        let _ = child.wait();
        return unavailable("redis-server");
    };
    loop {
        let a = next();
        let done = a["detail"]["fingerprint"] == "redis-unauthenticated@127.63.0.2:6379";
        stdout_alerts.push(a);
        if done {
            break;
        }
    }
    let redis_alert = stdout_alerts.last().unwrap().clone();
    assert_eq!(redis_alert["event"], "new-finding");
    assert!(
        redis_alert["previous_run"].is_string(),
        "compared with the previous run"
    );
    // Only now does the webhook receiver come up: queued batches are retried.
    let got = receiver("127.63.0.9:18080");
    for l in lines {
        stdout_alerts.push(serde_json::from_str(&l.unwrap()).unwrap());
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fps: Vec<String> = stdout_alerts.iter().map(alert_key).collect();
    assert!(
        !fps.iter()
            .skip(1)
            .any(|f| f.contains("ollama-unauthenticated")),
        "an unchanged finding is not alerted again: {fps:?}"
    );

    // The webhook got every alert exactly once, signed, in order.
    let got = got.lock().unwrap();
    let mut deliveries = BTreeSet::new();
    let mut hooked = Vec::new();
    for (headers, body) in got.iter() {
        assert!(
            deliveries.insert(headers["x-aimap-delivery"].clone()),
            "a batch arrived twice"
        );
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(body);
        let want: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(headers["x-aimap-signature"], format!("sha256={want}"));
        let batch: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            batch["delivery"].as_str(),
            Some(headers["x-aimap-delivery"].as_str())
        );
        hooked.extend(batch["alerts"].as_array().unwrap().iter().map(alert_key));
    }
    assert_eq!(hooked, fps, "the webhook saw what stdout saw, once");

    // Syslog got one RFC 5424 message per alert.
    let mut buf = [0u8; 65536];
    let mut messages = Vec::new();
    let t0 = Instant::now();
    while messages.len() < stdout_alerts.len() && t0.elapsed() < Duration::from_secs(30) {
        if let Ok(n) = syslog.recv(&mut buf) {
            messages.push(String::from_utf8_lossy(&buf[..n]).to_string());
        }
    }
    assert_eq!(messages.len(), stdout_alerts.len());
    let m = &messages[0];
    // local0 (16) * 8 + err (3) for a high finding.
    assert!(
        m.starts_with("<131>1 ") && m.contains(" aimap ") && m.contains("new-finding"),
        "{m}"
    );
}

#[test]
fn watch_refuses_what_it_cannot_do() {
    for (args, want) in [
        (vec!["watch", "127.63.1.1"], "--every"),
        (
            vec!["--no-store", "watch", "--every", "1s", "127.63.1.1"],
            "needs the run store",
        ),
        (vec!["watch", "--every", "1s"], "nothing to watch"),
        (
            vec![
                "watch",
                "--every",
                "1s",
                "--webhook",
                "ftp://x",
                "127.63.1.1",
            ],
            "http",
        ),
        (
            vec!["watch", "--every", "1s", "scan", "--resume", "x"],
            "drop --resume",
        ),
        (
            vec![
                "watch",
                "--every",
                "1s",
                "--count",
                "1",
                "scan",
                "300.0.0.1",
            ],
            "not a valid IP",
        ),
    ] {
        let out = aimap(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn host_watch_sees_an_all_interface_listener_and_a_config_change() {
    let (Some(redis_bin), Some(_)) = (find_program("redis-server"), find_program("ip")) else {
        return unavailable("redis-server and iproute2");
    };
    let Some(ns) = Netns::new("watch") else {
        return unavailable("network namespaces (root and iproute2)");
    };
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("redis.conf");
    std::fs::write(&conf, "requirepass s3cret\n").unwrap();
    let mut watch = ns.exec(aimap_bin());
    watch
        .args([
            "watch",
            "--host",
            "--interval",
            "200ms",
            "--count",
            "150",
            "--file",
        ])
        .arg(&conf)
        .env("XDG_DATA_HOME", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut watch = watch.spawn().unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    // No wait for the first poll: a listener already there is reported at
    // once too, so the alert comes whichever starts first.
    // Inside the namespace only: 0.0.0.0 there is that namespace's loopback.
    let mut redis = ns.exec(redis_bin.to_str().unwrap());
    redis
        .args([
            "--bind",
            "0.0.0.0",
            "--port",
            "6399",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
        ])
        .stdout(Stdio::null());
    let mut redis = redis.spawn().unwrap();
    let opened: Value = serde_json::from_str(&lines.next().expect("an alert").unwrap()).unwrap();
    assert_eq!(opened["event"], "listener-opened", "{opened}");
    assert_eq!(opened["detail"]["port"], 6399);
    assert_eq!(opened["detail"]["address"], "0.0.0.0");
    assert!(opened["detail"]["process"]
        .as_str()
        .unwrap()
        .contains("redis"));
    let t0 = Instant::now();
    std::fs::write(&conf, "# no password\n").unwrap();
    let changed: Value = serde_json::from_str(&lines.next().expect("an alert").unwrap()).unwrap();
    assert_eq!(changed["event"], "config-changed", "{changed}");
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "noticed within seconds (the interval is 200 ms)"
    );
    assert_eq!(changed["detail"]["path"], conf.display().to_string());
    let _ = redis.kill();
    let _ = redis.wait();
    let _ = watch.kill();
    let _ = watch.wait();
}
