//! gRPC over cleartext HTTP/2 (prior knowledge, as gRPC servers listen):
//! one unary call, rendered as text lines the rules match on:
//!
//! ```text
//! grpc: HTTP/2 200
//! grpc-status: 0
//! 1: triton
//! 2: 2.59.0
//! 3: classification
//! ```
//!
//! The request message is the rule's `send` bytes (usually empty: most
//! read-only requests have no required fields), framed with gRPC's 5-byte
//! prefix. The reply is read up to the body cap and decoded by the
//! schema-less reader in [`super::protobuf`]; `grpc-status` comes from
//! the trailers, or from the headers of a trailers-only answer.
use std::net::SocketAddr;

use aimap_rules::{Request, Response};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use super::text::Lines;
use super::{protobuf, Limits, TransportError};

/// Longest gRPC message decoded; the calls rules make answer a few KiB.
const MAX_MESSAGE: usize = 256 * 1024;
/// Lines rendered from one reply (a flood of tiny messages stops here).
const MAX_LINES: usize = 1024;

/// `message` with gRPC's length prefix (uncompressed).
pub fn grpc_frame(message: &[u8]) -> Vec<u8> {
    let mut out = vec![0];
    out.extend_from_slice(&(message.len() as u32).to_be_bytes());
    out.extend_from_slice(message);
    out
}

pub async fn grpc_exchange(
    addr: SocketAddr,
    host: &str,
    req: &Request,
    limits: &Limits,
) -> Result<Response, TransportError> {
    let Request::Grpc { path, message } = req else {
        return Err(TransportError::protocol("grpc", "not a gRPC request"));
    };
    let err = |e: &dyn std::fmt::Display| TransportError::protocol("grpc", e.to_string());
    let work = async {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|source| TransportError::Connect { addr, source })?;
        let (mut sender, conn) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .map_err(|e| err(&e))?;
        let driver = tokio::spawn(conn);
        let authority = match addr {
            SocketAddr::V6(a) if host.contains(':') => format!("[{host}]:{}", a.port()),
            _ => format!("{host}:{}", addr.port()),
        };
        let request = http::Request::post(format!("http://{authority}{path}"))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .header("user-agent", "aimap")
            .body(Full::new(Bytes::from(grpc_frame(message))))
            .map_err(|e| err(&e))?;
        let result = call(&mut sender, request, limits).await;
        driver.abort();
        result
    };
    tokio::time::timeout(limits.timeout, work)
        .await
        .map_err(|_| TransportError::Timeout(limits.timeout))?
}

async fn call(
    sender: &mut http2::SendRequest<Full<Bytes>>,
    request: http::Request<Full<Bytes>>,
    limits: &Limits,
) -> Result<Response, TransportError> {
    let err = |e: &dyn std::fmt::Display| TransportError::protocol("grpc", e.to_string());
    let answer = sender.send_request(request).await.map_err(|e| err(&e))?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let mut body = answer.into_body();
    let mut data = Vec::new();
    let mut trailers = http::HeaderMap::new();
    let mut truncated = false;
    let cap = limits.body_cap.min(MAX_MESSAGE + 5);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| err(&e))?;
        if let Some(chunk) = frame.data_ref() {
            let room = cap.saturating_sub(data.len());
            data.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() > room {
                truncated = true;
                break;
            }
        } else if let Ok(t) = frame.into_trailers() {
            trailers = t;
        }
    }
    let mut out = Lines::new(limits.body_cap, MAX_LINES);
    out.field("grpc", &format!("HTTP/2 {}", status.as_u16()));
    for name in ["content-type", "grpc-status", "grpc-message"] {
        if let Some(v) = trailers.get(name).or_else(|| headers.get(name)) {
            let v = String::from_utf8_lossy(v.as_bytes());
            out.field(name, &clean(&v));
        }
    }
    render_messages(&data, &mut out);
    let truncated = truncated || out.truncated();
    let header_list = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    Ok(Response::new(
        Some(status.as_u16()),
        header_list,
        out.into_string().into_bytes(),
        truncated,
    ))
}

/// Decode the length-prefixed messages of a reply body into `out`.
pub fn render_messages(mut data: &[u8], out: &mut Lines) {
    while data.len() >= 5 && !out.is_full() {
        let compressed = data[0] != 0;
        let len = u32::from_be_bytes([data[1], data[2], data[3], data[4]]) as usize;
        let Some(message) = data.get(5..5 + len.min(MAX_MESSAGE)) else {
            out.field("message", "truncated");
            return;
        };
        if compressed {
            out.field("message", &format!("compressed, {len} bytes"));
        } else {
            match protobuf::render(message) {
                Ok(fields) => {
                    for (k, v) in fields {
                        out.field(&k, &v);
                    }
                }
                Err(e) => {
                    out.field("message", &format!("not protobuf ({e})"));
                }
            }
        }
        if len > MAX_MESSAGE || 5 + len > data.len() {
            return;
        }
        data = &data[5 + len..];
    }
}

fn clean(s: &str) -> String {
    super::text::clean_line(s, 200)
}

/// Render a reply body as the exchange would, under `cap` bytes (the
/// render path, for fuzzing and tests).
pub fn render_body(data: &[u8], cap: usize) -> String {
    let mut out = Lines::new(cap, MAX_LINES);
    render_messages(data, &mut out);
    out.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_renders_messages() {
        assert_eq!(grpc_frame(&[]), [0, 0, 0, 0, 0]);
        let mut body = grpc_frame(&[0x0a, 6, b't', b'r', b'i', b't', b'o', b'n']);
        body.extend(grpc_frame(&[0x10, 0x02]));
        assert_eq!(render_body(&body, 1 << 20), "1: triton\n2: 2\n");
        assert_eq!(
            render_body(&[0, 0, 0, 1, 0, 0x0a], 1 << 20),
            "message: truncated\n"
        );
        assert_eq!(
            render_body(&[1, 0, 0, 0, 1, 0x0a], 1 << 20),
            "message: compressed, 1 bytes\n"
        );
    }

    #[test]
    fn floods_and_multibyte_text_stay_bounded() {
        // Ten thousand one-field messages: the line cap stops the rendering.
        let flood: Vec<u8> = (0..10_000)
            .flat_map(|_| grpc_frame(&[0x08, 0x01]))
            .collect();
        let text = render_body(&flood, 1 << 20);
        assert_eq!(text.lines().count(), MAX_LINES);
        // A string field of 4-byte characters, cut by every cap.
        let s = "𝄞".repeat(30);
        let mut m = vec![0x0a, s.len() as u8];
        m.extend_from_slice(s.as_bytes());
        let body = grpc_frame(&m);
        for cap in 0..300 {
            assert!(render_body(&body, cap).len() <= cap);
        }
    }
}
