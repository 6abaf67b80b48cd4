//! Hostile MCP servers (the 2025-06-18 streamable HTTP transport and the
//! 2024-11-05 HTTP+SSE transport it keeps for compatibility, as the MCP
//! specification's transports page describes them).
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::http::read_request;
use super::raw::write_forever;

/// Where the off-target endpoint points: an address the scan is never
/// given. A test listens here and asserts that nothing ever connects.
pub const OFF_TARGET: &str = "127.118.0.250:3000";

const NOT_ALLOWED: &[u8] =
    b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const NOT_FOUND: &[u8] =
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const EVENT_STREAM: &str =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n";

static ENDPOINTS: AtomicUsize = AtomicUsize::new(0);

/// Streamable HTTP refused with 405, so a client falls back to HTTP+SSE:
/// every GET opens an event stream whose `endpoint` event names another
/// host, in turn as an absolute URL, a protocol-relative one, and one with
/// the target's own authority as userinfo in front of the other host.
pub(crate) async fn off_target_endpoint(mut stream: TcpStream) {
    let Some(req) = read_request(&mut stream).await else {
        return;
    };
    if req.method != "GET" {
        let _ = stream.write_all(NOT_ALLOWED).await;
        return;
    }
    let host = req.host.unwrap_or_default();
    let endpoint = match ENDPOINTS.fetch_add(1, Ordering::Relaxed) % 3 {
        0 => format!("http://{OFF_TARGET}/messages/?session_id=1"),
        1 => format!("//{OFF_TARGET}/messages/?session_id=2"),
        _ => format!("http://{host}@{OFF_TARGET}/messages/?session_id=3"),
    };
    let answer = format!("{EVENT_STREAM}\r\nevent: endpoint\ndata: {endpoint}\n\n");
    let _ = stream.write_all(answer.as_bytes()).await;
}

/// `initialize` is answered (as an event) with a serverInfo name of
/// multi-byte text with newlines and an over-long session id; `tools/list`
/// with an endless flood of tiny events that never carry the answer.
pub(crate) async fn event_flood(mut stream: TcpStream) {
    let Some(req) = read_request(&mut stream).await else {
        return;
    };
    if req.method != "POST" {
        let _ = stream.write_all(NOT_FOUND).await;
        return;
    }
    let body = String::from_utf8_lossy(&req.body);
    if body.contains("notifications/initialized") {
        let _ = stream
            .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
    } else if body.contains("tools/list") {
        let head = format!("{EVENT_STREAM}\r\n");
        if stream.write_all(head.as_bytes()).await.is_ok() {
            write_forever(&mut stream, &b"data: x\n\n".repeat(512)).await;
        }
    } else if body.contains("initialize") {
        let result = json!({"jsonrpc": "2.0", "id": 1, "result": {
            "protocolVersion": "2025-06-18",
            "serverInfo": {
                "name": super::straddling_text(3000, "\"tools\": [\"forged\"]"),
                "version": "1.0\n\"tools\":[]",
            },
            "capabilities": {"tools\nforged": {}},
        }});
        let session = "s".repeat(300);
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nMcp-Session-Id: {session}\r\nConnection: close\r\n\r\nevent: message\ndata: {result}\n\n"
        );
        let _ = stream.write_all(answer.as_bytes()).await;
    } else {
        let _ = stream.write_all(NOT_ALLOWED).await;
    }
}
