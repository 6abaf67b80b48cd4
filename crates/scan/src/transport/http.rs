//! One HTTP/1.1 exchange over plain TCP or TLS, built on hyper's
//! connection-level client so aimap controls connect, TLS and every cap.
use std::net::SocketAddr;

use aimap_model::TlsInfo;
use aimap_rules::{Request, Response};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

use super::text::clean_line;
use super::{Limits, TlsConnector, TransportError};

const USER_AGENT: &str = concat!(
    "aimap/",
    env!("CARGO_PKG_VERSION"),
    " (read-only AI exposure scanner)"
);
/// hyper's buffer for the status line and headers.
const HEADER_BUF: usize = 64 * 1024;
/// Longest header value kept, in characters.
const MAX_HEADER_VALUE: usize = 8 * 1024;

/// Perform `req` (an HTTP request) against `addr`. With `tls`, a TLS
/// handshake comes first and the presented certificate is returned.
pub async fn http_exchange(
    addr: SocketAddr,
    host: &str,
    tls: Option<&TlsConnector>,
    req: &Request,
    limits: &Limits,
) -> Result<(Response, Option<TlsInfo>), TransportError> {
    let Request::Http {
        method,
        path,
        headers,
        body,
    } = req
    else {
        return Err(TransportError::protocol("http", "not an HTTP request"));
    };
    let work = async {
        let (mut streaming, info) = start(
            addr,
            host,
            tls,
            method,
            path,
            headers,
            body.clone().unwrap_or_default().into_bytes(),
        )
        .await?;
        let mut buf = Vec::new();
        let mut truncated = false;
        while let Some(data) = streaming.chunk().await {
            let room = limits.body_cap - buf.len();
            if data.len() > room {
                buf.extend_from_slice(&data[..room]);
                truncated = true;
                break;
            }
            buf.extend_from_slice(&data);
        }
        let response = Response::new(Some(streaming.status), streaming.headers, buf, truncated);
        Ok((response, info))
    };
    tokio::time::timeout(limits.timeout, work)
        .await
        .map_err(|_| TransportError::Timeout(limits.timeout))?
}

/// A response whose body is still arriving. The connection lives until
/// this is dropped, so a caller may read an event stream piece by piece
/// (MCP over SSE) while sending other requests on other connections.
pub(crate) struct Streaming {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    body: hyper::body::Incoming,
    _driver: AbortOnDrop,
}

impl Streaming {
    /// The next piece of the body; `None` at its end. A body cut off
    /// mid-way ends here too: what arrived still counts.
    pub(crate) async fn chunk(&mut self) -> Option<Bytes> {
        loop {
            let frame = self.body.frame().await?.ok()?;
            if let Ok(data) = frame.into_data() {
                return Some(data);
            }
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Connect (with TLS when given), send one request, and return as soon as
/// the status line and headers are in. No timeout here: callers bound the
/// whole exchange. `Accept: */*` is sent unless `headers` names one.
pub(crate) async fn start(
    addr: SocketAddr,
    host: &str,
    tls: Option<&TlsConnector>,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Result<(Streaming, Option<TlsInfo>), TransportError> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|source| TransportError::Connect { addr, source })?;
    let _ = stream.set_nodelay(true);
    let mut request = http::Request::builder().method(method).uri(path);
    // A probe may name its own Host (the retry past an allowed-hosts check).
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request = request.header(http::header::HOST, host_header(host, addr));
    }
    let mut request = request
        .header(http::header::USER_AGENT, USER_AGENT)
        .header(http::header::CONNECTION, "close");
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
    {
        request = request.header(http::header::ACCEPT, "*/*");
    }
    for (k, v) in headers {
        request = request.header(k.as_str(), v.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| TransportError::protocol("http", e))?;
    match tls {
        None => send(TokioIo::new(stream), request).await.map(|r| (r, None)),
        Some(connector) => {
            let name = server_name(host, addr);
            let stream = connector
                .connect(name, stream)
                .await
                .map_err(|e| TransportError::Tls(e.to_string()))?;
            let info = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| super::tls::describe(c));
            send(TokioIo::new(stream), request).await.map(|r| (r, info))
        }
    }
}

async fn send<T>(
    io: TokioIo<T>,
    request: http::Request<Full<Bytes>>,
) -> Result<Streaming, TransportError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .max_buf_size(HEADER_BUF)
        .handshake(io)
        .await
        .map_err(|e| TransportError::protocol("http", e))?;
    // The connection task dies with the response: aborted on drop.
    let driver = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| TransportError::protocol("http", e))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            // hyper refuses CR and LF in values, but not other control
            // bytes or obs-text: a value stays one clean line.
            let v = String::from_utf8_lossy(v.as_bytes());
            (k.as_str().to_string(), clean_line(&v, MAX_HEADER_VALUE))
        })
        .collect();
    Ok(Streaming {
        status,
        headers,
        body: response.into_body(),
        _driver: driver,
    })
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) fn host_header(host: &str, addr: SocketAddr) -> String {
    if host.contains(':') {
        format!("[{host}]:{}", addr.port())
    } else {
        format!("{host}:{}", addr.port())
    }
}

fn server_name(host: &str, addr: SocketAddr) -> ServerName<'static> {
    ServerName::try_from(host.to_string())
        .unwrap_or_else(|_| ServerName::IpAddress(addr.ip().into()))
}
