//! Triton's gRPC endpoint (port 8001): inference.GRPCInferenceService over
//! cleartext HTTP/2, the unary calls a scanner may make.
//!
//! Facts copied (triton-inference-server/server and common):
//! - src/grpc/grpc_server.cc `CommonHandler`: ServerMetadata answers
//!   `{name: "triton", version, extensions}`; RepositoryIndex answers
//!   `{models: [{name, version, state, reason}]}`. Each call first runs
//!   `ExecutePrecondition`: under `--grpc-restricted-protocol` a call of a
//!   restricted group without the header fails with UNAVAILABLE (14)
//!   "This protocol is restricted, expecting header '<key>'".
//! - common protobuf/grpc_service.proto field numbers:
//!   ServerMetadataResponse {name = 1, version = 2, extensions = 3};
//!   RepositoryIndexResponse {models = 1}, ModelIndex {name = 1,
//!   version = 2, state = 3, reason = 4}.
//! - gRPC over HTTP/2: `:status 200`, `content-type: application/grpc`,
//!   length-prefixed messages, then trailers `grpc-status`
//!   (`grpc-message`); an error or an unknown method is a trailers-only
//!   answer (grpc-status in the headers, no body): UNIMPLEMENTED (12) for
//!   methods the server does not have.
//!
//! `restricted: true` puts the same groups behind `admin-key` as the HTTP
//! emulator (model-repository among them; metadata stays open).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::triton::{RESTRICTED_HEADER, RESTRICTED_VALUE};
use crate::triton_model::EXTENSIONS;

const SERVICE: &str = "/inference.GRPCInferenceService/";

/// A gRPC server emulating Triton's.
#[derive(Debug, Clone)]
pub(crate) struct TritonGrpc {
    pub version: String,
    pub models: Vec<String>,
    pub restricted: bool,
}

/// A reply body: messages, then trailers.
pub(crate) struct GrpcBody(VecDeque<Frame<Bytes>>);

impl hyper::body::Body for GrpcBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().0.pop_front().map(Ok))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }
}

fn string_field(out: &mut Vec<u8>, number: u8, s: &str) {
    bytes_field(out, number, s.as_bytes());
}

fn bytes_field(out: &mut Vec<u8>, number: u8, b: &[u8]) {
    out.push(number << 3 | 2);
    let mut len = b.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(b);
}

fn grpc_headers(status: Option<(u8, &str)>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("application/grpc"));
    if let Some((code, message)) = status {
        h.insert("grpc-status", HeaderValue::from(u16::from(code)));
        if let Ok(v) = HeaderValue::from_str(message) {
            h.insert("grpc-message", v);
        }
    }
    h
}

/// A successful unary answer carrying `message`.
fn ok(message: Vec<u8>) -> Response<GrpcBody> {
    let mut framed = vec![0];
    framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
    framed.extend_from_slice(&message);
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    let body = GrpcBody(VecDeque::from([
        Frame::data(Bytes::from(framed)),
        Frame::trailers(trailers),
    ]));
    let mut r = Response::new(body);
    *r.headers_mut() = grpc_headers(None);
    r
}

/// A trailers-only answer: the status in the headers, no body.
fn status(code: u8, message: &str) -> Response<GrpcBody> {
    let mut r = Response::new(GrpcBody(VecDeque::new()));
    *r.headers_mut() = grpc_headers(Some((code, message)));
    r
}

impl TritonGrpc {
    fn answer(&self, path: &str, headers: &HeaderMap) -> Response<GrpcBody> {
        let Some(method) = path.strip_prefix(SERVICE) else {
            return status(12, "");
        };
        let restricted_group = matches!(
            method,
            "RepositoryIndex"
                | "RepositoryModelLoad"
                | "RepositoryModelUnload"
                | "ModelConfig"
                | "ModelStatistics"
                | "TraceSetting"
                | "SystemSharedMemoryStatus"
                | "CudaSharedMemoryStatus"
        );
        let has_key = headers
            .get(RESTRICTED_HEADER)
            .is_some_and(|v| v.as_bytes() == RESTRICTED_VALUE.as_bytes());
        if self.restricted && restricted_group && !has_key {
            return status(
                14,
                &format!("This protocol is restricted, expecting header '{RESTRICTED_HEADER}'"),
            );
        }
        match method {
            "ServerMetadata" => {
                let mut m = Vec::new();
                string_field(&mut m, 1, "triton");
                string_field(&mut m, 2, &self.version);
                for e in EXTENSIONS {
                    string_field(&mut m, 3, e);
                }
                ok(m)
            }
            "ServerLive" | "ServerReady" => ok(vec![0x08, 0x01]),
            "RepositoryIndex" => {
                let mut m = Vec::new();
                for name in &self.models {
                    let mut index = Vec::new();
                    string_field(&mut index, 1, name);
                    string_field(&mut index, 2, "1");
                    string_field(&mut index, 3, "READY");
                    bytes_field(&mut m, 1, &index);
                }
                ok(m)
            }
            // Inference, loading and the rest are not emulated.
            _ => status(12, ""),
        }
    }
}

/// Serve gRPC on `stream` until the client leaves.
pub(crate) async fn serve<S>(stream: S, server: &TritonGrpc)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let server = std::sync::Arc::new(server.clone());
    let service = service_fn(move |req: Request<Incoming>| {
        let server = std::sync::Arc::clone(&server);
        // Unary requests are tiny; the request message is not needed.
        async move { Ok::<_, Infallible>(server.answer(req.uri().path(), req.headers())) }
    });
    if let Err(e) = http2::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::trace!("farm gRPC connection ended: {e}");
    }
}
