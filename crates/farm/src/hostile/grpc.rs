//! Hostile HTTP/2 servers on the gRPC port, written frame by frame (RFC
//! 9113 framing, RFC 7541 HPACK literals) because a conforming server
//! library cannot be made to misbehave. Each sends its SETTINGS, reads
//! nothing it needs (the client's bytes are drained beside it), and
//! answers stream 1, the first request of an HTTP/2 client.
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::raw::{drain, write_forever};

const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const SETTINGS: u8 = 0x4;
const CONTINUATION: u8 = 0x9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = len.to_be_bytes()[1..].to_vec();
    f.push(kind);
    f.push(flags);
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An HPACK integer with an `n`-bit prefix (RFC 7541 §5.1).
fn integer(out: &mut Vec<u8>, first: u8, n: u32, mut value: usize) {
    let max = (1usize << n) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    value -= max;
    while value >= 128 {
        out.push((value % 128) as u8 | 0x80);
        value /= 128;
    }
    out.push(value as u8);
}

/// A protobuf base-128 varint.
fn varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// "Literal header field without indexing, new name" (RFC 7541 §6.2.2),
/// no Huffman coding.
fn literal(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(0x00);
    integer(out, 0, 7, name.len());
    out.extend_from_slice(name);
    integer(out, 0, 7, value.len());
    out.extend_from_slice(value);
}

/// `:status: 200` (static table index 8) and `content-type: application/grpc`.
fn grpc_response_headers() -> Vec<u8> {
    let mut block = vec![0x88];
    literal(&mut block, b"content-type", b"application/grpc");
    block
}

/// The server preface (an empty SETTINGS frame), with the client's bytes
/// drained on a task of their own so its writes never block.
async fn open(stream: TcpStream) -> Option<tokio::net::tcp::OwnedWriteHalf> {
    let (read, mut write) = stream.into_split();
    tokio::spawn(drain(read));
    write
        .write_all(&frame(SETTINGS, 0, 0, &[]))
        .await
        .ok()
        .map(|_| write)
}

async fn send<W: AsyncWrite + Unpin>(w: &mut W, bytes: &[u8]) -> bool {
    w.write_all(bytes).await.is_ok()
}

/// HEADERS without END_HEADERS, then CONTINUATION frames without end,
/// each adding another header (the CVE-2024-27316 family of attacks).
pub(crate) async fn continuation_flood(stream: TcpStream) {
    let Some(mut w) = open(stream).await else {
        return;
    };
    if !send(&mut w, &frame(HEADERS, 0, 1, &grpc_response_headers())).await {
        return;
    }
    let mut block = Vec::new();
    literal(&mut block, b"x-flood", &[b'a'; 1000]);
    let mut flood = Vec::new();
    for _ in 0..16 {
        flood.extend(frame(CONTINUATION, 0, 1, &block));
    }
    write_forever(&mut w, &flood).await;
}

/// A DATA frame header claiming 16 MiB - 1 (the largest 24-bit length;
/// the default SETTINGS_MAX_FRAME_SIZE is 16 KiB), then bytes without end.
pub(crate) async fn oversized_frame(stream: TcpStream) {
    let Some(mut w) = open(stream).await else {
        return;
    };
    let mut head = frame(HEADERS, END_HEADERS, 1, &grpc_response_headers());
    head.extend_from_slice(&[0xff, 0xff, 0xff, DATA, 0, 0, 0, 0, 1]);
    if send(&mut w, &head).await {
        write_forever(&mut w, &[0u8; 16 * 1024]).await;
    }
}

/// A valid gRPC answer whose first message prefix claims 4 GiB, then a
/// flood of one-byte DATA frames: 1.5 MiB of payload, past the client's
/// read cap (256 KiB) yet inside the 2 MiB stream window hyper's client
/// grants, then silence.
pub(crate) async fn data_flood(stream: TcpStream) {
    let Some(mut w) = open(stream).await else {
        return;
    };
    let mut head = frame(HEADERS, END_HEADERS, 1, &grpc_response_headers());
    head.extend(frame(DATA, 0, 1, &[0, 0xff, 0xff, 0xff, 0xff]));
    if !send(&mut w, &head).await {
        return;
    }
    let mut flood = Vec::new();
    for _ in 0..1024 {
        flood.extend(frame(DATA, 0, 1, &[0x0a]));
    }
    for _ in 0..1536 {
        if !send(&mut w, &flood).await {
            return;
        }
    }
    std::future::pending::<()>().await;
}

/// A complete gRPC answer carrying hostile text: protobuf strings of
/// multi-byte characters around the renderer's value cap (one with
/// newlines forging fields), and a trailer grpc-message of 8 KB of
/// multi-byte bytes with a tab.
pub(crate) async fn hostile_text(stream: TcpStream) {
    let Some(mut w) = open(stream).await else {
        return;
    };
    let mut message = Vec::new();
    for (field, text) in [
        (
            1u8,
            super::straddling_text(199, "2: 9.9.9").replace('\n', "\u{2028}"),
        ),
        (2, "2.59.0\n3: forged".to_string()),
        (3, "€".repeat(201)),
    ] {
        message.push(field << 3 | 2);
        varint(&mut message, text.len());
        message.extend_from_slice(text.as_bytes());
    }
    let mut body = vec![0];
    body.extend_from_slice(&(message.len() as u32).to_be_bytes());
    body.extend(message);
    let mut out = frame(HEADERS, END_HEADERS, 1, &grpc_response_headers());
    out.extend(frame(DATA, 0, 1, &body));
    let mut trailers = Vec::new();
    literal(&mut trailers, b"grpc-status", b"0");
    let mut text = "\t".as_bytes().to_vec();
    text.extend_from_slice(
        super::straddling_text(2000, "x")
            .replace('\n', " ")
            .as_bytes(),
    );
    literal(&mut trailers, b"grpc-message", &text);
    out.extend(frame(HEADERS, END_HEADERS | END_STREAM, 1, &trailers));
    if send(&mut w, &out).await {
        std::future::pending::<()>().await;
    }
}
