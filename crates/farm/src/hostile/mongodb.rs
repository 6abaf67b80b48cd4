//! Hostile MongoDB servers (OP_MSG, opcode 2013, as in the MongoDB wire
//! protocol reference): each reads a request's header to learn its id,
//! then answers with a well-framed reply whose content attacks the
//! scanner's BSON reader and renderer.
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::raw::write_forever;
use crate::mongodb::frame;

/// Largest reply the scanner accepts (its MAX_MESSAGE is 1 MiB).
const MAX_REPLY: usize = (1 << 20) - 64;

/// The next request's id; None when the client is gone or sends no OP_MSG
/// header. The body is read and thrown away (bounded).
async fn request_id(s: &mut TcpStream) -> Option<i32> {
    let mut head = [0u8; 16];
    s.read_exact(&mut head).await.ok()?;
    let len = i32::from_le_bytes(head[..4].try_into().ok()?);
    let len = usize::try_from(len)
        .ok()
        .filter(|n| (16..=1 << 20).contains(n))?;
    let mut body = vec![0u8; len - 16];
    s.read_exact(&mut body).await.ok()?;
    Some(i32::from_le_bytes(head[4..8].try_into().ok()?))
}

/// `{elements}` with its length prefix and NUL.
fn doc(elements: &[u8]) -> Vec<u8> {
    let mut out = ((elements.len() + 5) as i32).to_le_bytes().to_vec();
    out.extend_from_slice(elements);
    out.push(0);
    out
}

fn string_element(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(0x02);
    out.extend_from_slice(key.as_bytes());
    out.push(0);
    out.extend_from_slice(&((value.len() + 1) as i32).to_le_bytes());
    out.extend_from_slice(value.as_bytes());
    out.push(0);
}

/// Answer every request with `reply(request_id)` until the client leaves.
async fn answer_each(mut stream: TcpStream, reply: impl Fn(i32) -> Vec<u8>) {
    while let Some(id) = request_id(&mut stream).await {
        if stream.write_all(&reply(id)).await.is_err() {
            return;
        }
    }
}

/// 96 fields whose keys are ~3 KB runs of multi-byte characters (past
/// the scanner's field and cap limits together), plus keys and values
/// with newlines that would forge `listDatabases.ok: 1` and friends.
pub(crate) async fn multibyte_keys(stream: TcpStream) {
    let mut elements = Vec::new();
    string_element(&mut elements, "ok\nlistDatabases.ok: 1\nx", "1");
    string_element(&mut elements, "version", "7.0.14\nisMaster.ismaster: true");
    for i in 0..96 {
        let key = super::straddling_text(1000 + i, "buildInfo.version: 1.0");
        // A key is a C string: no NUL inside.
        let key = key.replace('\0', " ");
        string_element(&mut elements, &key, "v");
    }
    let body = doc(&elements);
    answer_each(stream, move |id| frame(id, &body)).await;
}

static GIGABYTE_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Alternately: a reply header claiming a 2 GiB message (then bytes
/// without end), or a well-framed reply holding a string that claims
/// 2 GiB.
pub(crate) async fn gigabyte_lengths(mut stream: TcpStream) {
    let Some(id) = request_id(&mut stream).await else {
        return;
    };
    if GIGABYTE_CONNECTIONS
        .fetch_add(1, Ordering::Relaxed)
        .is_multiple_of(2)
    {
        let mut head = frame(id, &[]);
        head[..4].copy_from_slice(&i32::MAX.to_le_bytes());
        if stream.write_all(&head[..16]).await.is_ok() {
            write_forever(&mut stream, &[0x42; 4096]).await;
        }
    } else {
        let mut elements = vec![0x02];
        elements.extend_from_slice(b"version\0");
        elements.extend_from_slice(&i32::MAX.to_le_bytes());
        elements.extend_from_slice(b"7.0.14\0");
        let _ = stream.write_all(&frame(id, &doc(&elements))).await;
        super::raw::drain(stream).await;
    }
}

/// A document nested as deep as the reply size allows, levels
/// alternating between sub-documents and arrays. Built front to back
/// (each level is exactly 8 bytes longer than the one inside it), so
/// making it is linear, not quadratic.
pub(crate) async fn deep_nesting(stream: TcpStream) {
    let levels = (MAX_REPLY - 5) / 8 - 1;
    let mut body = Vec::with_capacity(MAX_REPLY);
    for k in (1..=levels).rev() {
        let len = 5 + 8 * k;
        body.extend_from_slice(&(len as i32).to_le_bytes());
        body.push(if k.is_multiple_of(2) { 0x03 } else { 0x04 });
        body.extend_from_slice(b"0\0");
    }
    body.extend_from_slice(&[5, 0, 0, 0, 0]);
    body.extend(std::iter::repeat_n(0u8, levels));
    answer_each(stream, move |id| frame(id, &body)).await;
}

/// One reply of ~150,000 tiny fields, then a flood of replies nobody
/// asked for (wrong `responseTo`), without end.
pub(crate) async fn field_flood(mut stream: TcpStream) {
    let Some(id) = request_id(&mut stream).await else {
        return;
    };
    let mut elements = Vec::with_capacity(MAX_REPLY);
    while elements.len() + 7 < MAX_REPLY - 32 {
        elements.extend_from_slice(&[0x10, b'k', 0, 1, 0, 0, 0]);
    }
    if stream.write_all(&frame(id, &doc(&elements))).await.is_err() {
        return;
    }
    let mut tiny = Vec::new();
    string_element(&mut tiny, "ok", "1");
    let unasked = frame(id.wrapping_add(7777), &doc(&tiny));
    write_forever(&mut stream, &unasked.repeat(64)).await;
}
