//! Shared plumbing for the hostile servers (bounded reads, endless
//! writes), and the two line protocols small enough to attack inline:
//! memcached's text protocol and RESP.
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Most bytes read from a client while waiting for something.
const MAX_READ: usize = 64 * 1024;

/// Read and discard whatever the client sends until it closes.
pub(crate) async fn drain<S: AsyncRead + Unpin>(mut s: S) {
    let mut sink = [0u8; 4096];
    while let Ok(n) = s.read(&mut sink).await {
        if n == 0 {
            return;
        }
    }
}

/// Read until `end` appears (or the client stops, or [`MAX_READ`]);
/// returns what was read.
pub(crate) async fn read_until<S: AsyncRead + Unpin>(s: &mut S, end: &[u8]) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while buf.len() < MAX_READ {
        if s.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
        if buf.ends_with(end) {
            return Some(buf);
        }
    }
    None
}

/// Write `chunk` again and again until the client goes away.
pub(crate) async fn write_forever<S: AsyncWrite + Unpin>(s: &mut S, chunk: &[u8]) {
    while s.write_all(chunk).await.is_ok() {}
}

/// Memcached: `VERSION` looks right, then every answer is an endless run
/// of `STAT` lines with multi-byte values, invalid UTF-8 and NULs.
pub(crate) async fn memcached_endless(mut stream: TcpStream) {
    let Some(line) = read_until(&mut stream, b"\r\n").await else {
        return;
    };
    let mut out = Vec::new();
    if line.starts_with(b"version") {
        out.extend_from_slice(b"VERSION 1.6.21\r\n");
    } else {
        out.extend_from_slice(b"STAT pid 1\r\nSTAT version 1.6.21\r\n");
    }
    if stream.write_all(&out).await.is_err() {
        return;
    }
    let mut stat = b"STAT ".to_vec();
    stat.extend_from_slice(super::straddling_text(300, "STAT version 9.9.9").as_bytes());
    stat.extend_from_slice(b" \xff\xfe\0\x01\r\n");
    write_forever(&mut stream, &stat).await;
}

static RESP_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// RESP: each connection gets the next of three attacks, whatever the
/// command: a bulk string claiming 1 GiB (then multi-byte bytes without
/// end), arrays nested without end, or an array claiming 2^31 - 1 items
/// followed by an endless flood of integers.
pub(crate) async fn resp_hostile(mut stream: TcpStream) {
    // The command (a RESP array) is not parsed: any first bytes will do.
    let mut first = [0u8; 512];
    if stream.read(&mut first).await.unwrap_or(0) == 0 {
        return;
    }
    let (head, body): (&[u8], Vec<u8>) = match RESP_CONNECTIONS.fetch_add(1, Ordering::Relaxed) % 3
    {
        0 => (
            &b"$1073741824\r\n"[..],
            super::straddling_text(4096, "+OK").into_bytes(),
        ),
        1 => (&b"*1\r\n"[..], b"*1\r\n".repeat(1024)),
        _ => (&b"*2147483647\r\n"[..], b":1\r\n".repeat(256)),
    };
    if stream.write_all(head).await.is_ok() {
        write_forever(&mut stream, &body).await;
    }
}
