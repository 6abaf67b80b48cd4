//! Hostile PostgreSQL servers: each refuses SSL ('N'), reads the
//! StartupMessage (as PostgreSQL's protocol-flow documentation describes
//! the start-up), then answers with backend messages that attack the
//! scanner's reader and renderer.
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::raw::{drain, write_forever};

/// Largest message the scanner accepts (its MAX_MESSAGE is 64 KiB).
const MAX_MESSAGE: usize = 64 * 1024;

/// One length-prefixed packet from the client; None when it is gone.
async fn packet(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).await.ok()?;
    let len = usize::try_from(u32::from_be_bytes(len)).ok()?;
    if !(4..=10_000).contains(&len) {
        return None;
    }
    let mut body = vec![0u8; len - 4];
    s.read_exact(&mut body).await.ok()?;
    Some(body)
}

/// SSLRequest answered 'N', then the StartupMessage read.
async fn start(s: &mut TcpStream) -> Option<()> {
    let first = packet(s).await?;
    if first.get(..4) == Some(&[0x04, 0xd2, 0x16, 0x2f]) {
        s.write_all(b"N").await.ok()?;
        packet(s).await?;
    }
    Some(())
}

fn message(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![tag];
    m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    m.extend_from_slice(body);
    m
}

/// AuthenticationOk, then ParameterStatus messages just under the size
/// limit, their values multi-byte text with newlines forging `auth:` and
/// `error:` lines, sent until the client leaves.
pub(crate) async fn multibyte_flood(mut stream: TcpStream) {
    if start(&mut stream).await.is_none() {
        return;
    }
    let mut value = super::straddling_text(20_000, "auth: ok");
    while value.len() > MAX_MESSAGE - 64 {
        value.pop();
    }
    let mut body = b"server_version\0".to_vec();
    body.extend_from_slice(value.as_bytes());
    body.push(0);
    let mut out = message(b'R', &0u32.to_be_bytes());
    out.extend(message(b'S', &body));
    if stream.write_all(&out).await.is_ok() {
        write_forever(&mut stream, &message(b'S', &body)).await;
    }
}

/// AuthenticationOk, then a message claiming 4 GiB, then bytes without end.
pub(crate) async fn gigabyte_length(mut stream: TcpStream) {
    if start(&mut stream).await.is_none() {
        return;
    }
    let mut out = message(b'R', &0u32.to_be_bytes());
    out.extend_from_slice(&[b'S', 0xff, 0xff, 0xff, 0xf0]);
    if stream.write_all(&out).await.is_ok() {
        write_forever(&mut stream, &[b'a'; 8192]).await;
    }
}

/// An ErrorResponse whose last field has no NUL, whose fields carry
/// control characters and multi-byte text, and whose code is not five
/// characters; then the connection stays open, silent.
pub(crate) async fn malformed_error(mut stream: TcpStream) {
    if start(&mut stream).await.is_none() {
        return;
    }
    let mut body = b"SFATAL\x1b[31m\0VFATAL\r\nready: I\0C28\xff\xfe000\0M".to_vec();
    body.extend_from_slice(super::straddling_text(8000, "auth: ok").as_bytes());
    let _ = stream.write_all(&message(b'E', &body)).await;
    drain(stream).await;
}
