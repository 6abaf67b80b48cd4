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

use super::{protobuf, Limits, TransportError};

/// Longest gRPC message decoded; the calls rules make answer a few KiB.
const MAX_MESSAGE: usize = 256 * 1024;

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
    let mut out = format!("grpc: HTTP/2 {}\n", status.as_u16());
    for name in ["content-type", "grpc-status", "grpc-message"] {
        if let Some(v) = trailers.get(name).or_else(|| headers.get(name)) {
            let v = String::from_utf8_lossy(v.as_bytes());
            out.push_str(&format!("{name}: {}\n", clean(&v)));
        }
    }
    render_messages(&data, &mut out);
    let header_list = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    Ok(Response::new(
        Some(status.as_u16()),
        header_list,
        out.into_bytes(),
        truncated,
    ))
}

/// Decode the length-prefixed messages of a reply body into `out`.
pub fn render_messages(mut data: &[u8], out: &mut String) {
    while data.len() >= 5 {
        let compressed = data[0] != 0;
        let len = u32::from_be_bytes([data[1], data[2], data[3], data[4]]) as usize;
        let Some(message) = data.get(5..5 + len.min(MAX_MESSAGE)) else {
            out.push_str("message: truncated\n");
            return;
        };
        if compressed {
            out.push_str(&format!("message: compressed, {len} bytes\n"));
        } else {
            match protobuf::render(message) {
                Ok(fields) => {
                    for (k, v) in fields {
                        out.push_str(&format!("{k}: {v}\n"));
                    }
                }
                Err(e) => out.push_str(&format!("message: not protobuf ({e})\n")),
            }
        }
        if len > MAX_MESSAGE || 5 + len > data.len() {
            return;
        }
        data = &data[5 + len..];
    }
}

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_renders_messages() {
        assert_eq!(grpc_frame(&[]), [0, 0, 0, 0, 0]);
        let mut body = grpc_frame(&[0x0a, 6, b't', b'r', b'i', b't', b'o', b'n']);
        body.extend(grpc_frame(&[0x10, 0x02]));
        let mut out = String::new();
        render_messages(&body, &mut out);
        assert_eq!(out, "1: triton\n2: 2\n");
        let mut out = String::new();
        render_messages(&[0, 0, 0, 1, 0, 0x0a], &mut out);
        assert_eq!(out, "message: truncated\n");
        let mut out = String::new();
        render_messages(&[1, 0, 0, 0, 1, 0x0a], &mut out);
        assert_eq!(out, "message: compressed, 1 bytes\n");
    }
}
