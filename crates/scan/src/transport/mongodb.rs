//! MongoDB wire protocol (OP_MSG, MongoDB 3.6+): run a few read-only
//! commands on one connection, each as `{<command>: 1, $db: "admin"}`, and
//! render every reply as `command.field: value` lines the rules match on:
//!
//! ```text
//! mongodb: OP_MSG
//! isMaster.ismaster: true
//! isMaster.maxWireVersion: 21
//! buildInfo.version: 7.0.14
//! listDatabases.ok: 0
//! listDatabases.code: 13
//! listDatabases.codeName: Unauthorized
//! ```
//!
//! No credentials are ever sent. Replies are capped at [`MAX_MESSAGE`] and
//! parsed by the bounded BSON reader in [`super::bson`].
use std::net::SocketAddr;

use aimap_rules::{Request, Response};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::bson::{self, Value};
use super::text::Lines;
use super::{Limits, TransportError};

const OP_MSG: i32 = 2013;
/// Header (16 bytes) + flag bits.
const MIN_MESSAGE: usize = 21;
/// Longest reply read; the commands asked for answer a few KiB.
pub const MAX_MESSAGE: usize = 1 << 20;
/// Lines rendered from all replies together.
const MAX_LINES: usize = 1024;

/// Build the OP_MSG carrying `{command: 1, $db: "admin"}`.
pub fn op_msg(request_id: i32, command: &str) -> Vec<u8> {
    let doc = bson::encode(&[(command, Value::Int32(1)), ("$db", Value::Str("admin"))]);
    let len = 16 + 4 + 1 + doc.len();
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&(len as i32).to_le_bytes());
    out.extend_from_slice(&request_id.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&OP_MSG.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.push(0);
    out.extend_from_slice(&doc);
    out
}

pub async fn mongodb_exchange(
    addr: SocketAddr,
    req: &Request,
    limits: &Limits,
) -> Result<Response, TransportError> {
    let Request::Mongo { commands } = req else {
        return Err(TransportError::protocol("mongodb", "not a MongoDB request"));
    };
    let work = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .map_err(|source| TransportError::Connect { addr, source })?;
        let mut out = Lines::new(limits.body_cap, MAX_LINES);
        out.field("mongodb", "OP_MSG");
        for (i, command) in commands.iter().enumerate() {
            let id = i as i32 + 1;
            stream.write_all(&op_msg(id, command)).await?;
            let reply = match read_reply(&mut stream, id).await {
                Ok(r) => r,
                // The first answer decides whether this is MongoDB at all;
                // a later failure keeps what was already read.
                Err(e) if i == 0 => return Err(e),
                Err(e) => {
                    out.field("error", &e.to_string());
                    break;
                }
            };
            render(command, &reply, &mut out);
            if out.is_full() {
                break;
            }
        }
        let _ = stream.shutdown().await;
        let truncated = out.truncated();
        Ok(Response::new(
            None,
            Vec::new(),
            out.into_string().into_bytes(),
            truncated,
        ))
    };
    tokio::time::timeout(limits.timeout, work)
        .await
        .map_err(|_| TransportError::Timeout(limits.timeout))?
}

/// Render one reply's fields under the command's name. Keys come from
/// the target as much as values do: [`Lines`] cleans both, so a key with a
/// newline cannot forge a field.
pub fn render(command: &str, fields: &[bson::Field], out: &mut Lines) {
    for (key, value) in fields {
        if !out.line(&[command, ".", key, ": ", value]) {
            return;
        }
    }
}

async fn read_reply<R: AsyncRead + Unpin>(
    r: &mut R,
    request_id: i32,
) -> Result<Vec<bson::Field>, TransportError> {
    let mut head = [0u8; 16];
    r.read_exact(&mut head).await?;
    let len = i32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let len = usize::try_from(len).unwrap_or(0);
    if !(MIN_MESSAGE..=MAX_MESSAGE).contains(&len) {
        return Err(TransportError::protocol(
            "mongodb",
            format!("message length {len}"),
        ));
    }
    let mut body = vec![0u8; len - 16];
    r.read_exact(&mut body).await?;
    parse_reply(&head, &body, request_id)
}

/// Check one OP_MSG reply (header + body) and decode its body section.
pub fn parse_reply(
    head: &[u8; 16],
    body: &[u8],
    request_id: i32,
) -> Result<Vec<bson::Field>, TransportError> {
    let err = |d: String| TransportError::protocol("mongodb", d);
    let response_to = i32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    let op = i32::from_le_bytes([head[12], head[13], head[14], head[15]]);
    if op != OP_MSG {
        return Err(err(format!("opCode {op}, not OP_MSG")));
    }
    if response_to != request_id {
        return Err(err(format!(
            "reply to request {response_to}, expected {request_id}"
        )));
    }
    // Flag bits, then sections: kind 0 is the body document, kind 1 a
    // size-prefixed document sequence (skipped).
    let mut pos = 4;
    while pos < body.len() {
        let kind = body[pos];
        pos += 1;
        let rest = &body[pos..];
        let size = rest
            .get(..4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (4..=rest.len()).contains(n))
            .ok_or_else(|| err("section length out of bounds".into()))?;
        match kind {
            0 => return bson::decode(&rest[..size]).map_err(err),
            1 => pos += size,
            other => return Err(err(format!("section kind {other}"))),
        }
    }
    Err(err("no body section".into()))
}

/// Parse a whole reply from bytes already received (fuzzing and tests).
pub fn parse_reply_bytes(bytes: &[u8]) -> Result<Vec<bson::Field>, TransportError> {
    let head: [u8; 16] = bytes
        .get(..16)
        .and_then(|h| h.try_into().ok())
        .ok_or_else(|| TransportError::protocol("mongodb", "short header"))?;
    let request_id = i32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    parse_reply(&head, &bytes[16..], request_id)
}

/// Parse and render one reply as the exchange would, under `cap` bytes
/// (the render path, for fuzzing and tests).
pub fn render_reply_bytes(bytes: &[u8], cap: usize) -> Result<String, TransportError> {
    let fields = parse_reply_bytes(bytes)?;
    let mut out = Lines::new(cap, MAX_LINES);
    render("reply", &fields, &mut out);
    Ok(out.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_msg_frames_the_command() {
        let m = op_msg(7, "buildInfo");
        assert_eq!(
            i32::from_le_bytes(m[..4].try_into().unwrap()) as usize,
            m.len()
        );
        assert_eq!(i32::from_le_bytes(m[4..8].try_into().unwrap()), 7);
        assert_eq!(i32::from_le_bytes(m[12..16].try_into().unwrap()), OP_MSG);
        let fields = bson::decode(&m[21..]).unwrap();
        assert_eq!(fields[0], ("buildInfo".into(), "1".into()));
        assert_eq!(fields[1], ("$db".into(), "admin".into()));
    }

    #[test]
    fn reads_a_reply_and_refuses_other_opcodes() {
        // A reply is framed like a request: reuse op_msg, then mark it as
        // the answer to request 7.
        let mut m = op_msg(1, "ok");
        m[8..12].copy_from_slice(&7i32.to_le_bytes());
        let fields = parse_reply_bytes(&m).unwrap();
        assert_eq!(fields[0].0, "ok");
        m[12..16].copy_from_slice(&1i32.to_le_bytes());
        assert!(parse_reply_bytes(&m).is_err(), "OP_REPLY is refused");
        assert!(parse_reply_bytes(b"HTTP/1.1 400 Bad Request\r\n\r\n").is_err());
        assert!(parse_reply_bytes(&[0u8; 10]).is_err());
    }

    /// A reply `{<key>: "v"}` answering request 1.
    fn reply_with_key(key: &str) -> Vec<u8> {
        let doc = bson::encode(&[(key, Value::Str("v"))]);
        let mut m = op_msg(1, "x");
        m.truncate(21);
        m.extend_from_slice(&doc);
        let len = m.len() as i32;
        m[..4].copy_from_slice(&len.to_le_bytes());
        m[8..12].copy_from_slice(&1i32.to_le_bytes());
        m
    }

    #[test]
    fn multibyte_keys_at_every_cap_and_newline_keys_are_safe() {
        // The reply that used to panic: a long key of 2- and 3-byte
        // characters, cut by the body cap wherever it falls.
        let key = "é€".repeat(300);
        let m = reply_with_key(&key);
        for cap in 0..2200 {
            let text = render_reply_bytes(&m, cap).unwrap();
            assert!(text.len() <= cap);
        }
        let forged = reply_with_key("version\nlistDatabases.ok");
        let text = render_reply_bytes(&forged, 4096).unwrap();
        assert_eq!(text, "reply.version listDatabases.ok: v\n");
    }

    #[test]
    fn random_replies_never_panic() {
        let base = op_msg(1, "listDatabases");
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for round in 0..4000usize {
            let mut m = base.clone();
            for _ in 0..(round % 8) + 1 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = (x as usize) % m.len();
                m[at] = (x >> 32) as u8;
            }
            m.truncate(m.len() - (round % 5));
            let _ = parse_reply_bytes(&m);
        }
    }
}
