//! A hostile HTTP/1.1 server written on raw bytes (a server library would
//! not send what it sends), and the request reading the hostile MCP
//! servers share. Each connection gets the next of four answers.
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::raw::{read_until, write_forever};

/// Most request body bytes read.
const MAX_BODY: usize = 64 * 1024;

/// A request as the hostile servers need it.
pub(crate) struct Req {
    pub method: String,
    /// The Host header, as sent.
    pub host: Option<String>,
    pub body: Vec<u8>,
}

/// The next request on `s` (head bounded, body bounded); None when the
/// client is gone or sends no HTTP.
pub(crate) async fn read_request(s: &mut TcpStream) -> Option<Req> {
    let head = read_until(s, b"\r\n\r\n").await?;
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    let method = words.next()?.to_string();
    words.next()?; // the path: any will do
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    };
    let length = header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let host = header("host");
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).await.ok()?;
    Some(Req { method, host, body })
}

static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// In turn: a 200 whose Content-Length claims a terabyte and whose body
/// is multi-byte text without end; ten thousand tiny headers; one header
/// of 1 MiB; a chunked body whose chunk size overflows 64 bits.
pub(crate) async fn hostile(mut stream: TcpStream) {
    if read_request(&mut stream).await.is_none() {
        return;
    }
    let n = CONNECTIONS.fetch_add(1, Ordering::Relaxed) % 4;
    let (head, tail): (Vec<u8>, Vec<u8>) = match n {
        0 => (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 1000000000000\r\n\r\n".to_vec(),
            super::straddling_text(4096, "\"version\": \"0.1.32\"").into_bytes(),
        ),
        1 => (
            b"HTTP/1.1 200 OK\r\n".to_vec(),
            b"X-Flood: a\r\n".repeat(1024),
        ),
        2 => (
            b"HTTP/1.1 200 OK\r\nX-Huge: ".to_vec(),
            "€".repeat(4096).into_bytes(),
        ),
        _ => (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n".to_vec(),
            b"a".repeat(4096),
        ),
    };
    if stream.write_all(&head).await.is_ok() {
        write_forever(&mut stream, &tail).await;
    }
}
