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

use super::{Limits, TlsConnector, TransportError};

const USER_AGENT: &str = concat!(
    "aimap/",
    env!("CARGO_PKG_VERSION"),
    " (read-only AI exposure scanner)"
);
/// hyper's buffer for the status line and headers.
const HEADER_BUF: usize = 64 * 1024;

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
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|source| TransportError::Connect { addr, source })?;
        let _ = stream.set_nodelay(true);
        let mut request = http::Request::builder()
            .method(method.as_str())
            .uri(path.as_str())
            .header(http::header::HOST, host_header(host, addr))
            .header(http::header::USER_AGENT, USER_AGENT)
            .header(http::header::ACCEPT, "*/*")
            .header(http::header::CONNECTION, "close");
        for (k, v) in headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let body = Full::new(Bytes::from(body.clone().unwrap_or_default()));
        let request = request
            .body(body)
            .map_err(|e| TransportError::protocol("http", e))?;
        match tls {
            None => send(TokioIo::new(stream), request, limits)
                .await
                .map(|r| (r, None)),
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
                send(TokioIo::new(stream), request, limits)
                    .await
                    .map(|r| (r, info))
            }
        }
    };
    tokio::time::timeout(limits.timeout, work)
        .await
        .map_err(|_| TransportError::Timeout(limits.timeout))?
}

async fn send<T>(
    io: TokioIo<T>,
    request: http::Request<Full<Bytes>>,
    limits: &Limits,
) -> Result<Response, TransportError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .max_buf_size(HEADER_BUF)
        .handshake(io)
        .await
        .map_err(|e| TransportError::protocol("http", e))?;
    // The connection task dies with this exchange: aborted on drop.
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
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = response.into_body();
    let mut buf = Vec::new();
    let mut truncated = false;
    while let Some(frame) = body.frame().await {
        // A body cut off mid-way still counts: keep what arrived.
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            let room = limits.body_cap - buf.len();
            if data.len() > room {
                buf.extend_from_slice(&data[..room]);
                truncated = true;
                break;
            }
            buf.extend_from_slice(&data);
        }
    }
    drop(driver);
    Ok(Response::new(Some(status), headers, buf, truncated))
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn host_header(host: &str, addr: SocketAddr) -> String {
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
