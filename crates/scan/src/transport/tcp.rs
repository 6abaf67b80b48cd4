//! Raw TCP: optionally send bytes, then read what comes back until the cap,
//! the peer closes, or it goes quiet.
use std::net::SocketAddr;
use std::time::Duration;

use aimap_rules::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Limits, TransportError};

/// After the first bytes, how long a pause ends the answer.
const IDLE: Duration = Duration::from_millis(300);

pub async fn tcp_exchange(
    addr: SocketAddr,
    req: &Request,
    limits: &Limits,
) -> Result<Response, TransportError> {
    let Request::Tcp { send } = req else {
        return Err(TransportError::protocol("tcp", "not a TCP request"));
    };
    let deadline = tokio::time::Instant::now() + limits.timeout;
    let connect = tokio::time::timeout_at(deadline, TcpStream::connect(addr));
    let mut stream = connect
        .await
        .map_err(|_| TransportError::Timeout(limits.timeout))?
        .map_err(|source| TransportError::Connect { addr, source })?;
    if !send.is_empty() {
        stream.write_all(send).await?;
    }
    let mut buf = vec![0u8; 8192];
    let mut out = Vec::new();
    loop {
        let wait = if out.is_empty() {
            deadline
        } else {
            (tokio::time::Instant::now() + IDLE).min(deadline)
        };
        match tokio::time::timeout_at(wait, stream.read(&mut buf)).await {
            Err(_) if out.is_empty() => return Err(TransportError::Timeout(limits.timeout)),
            Err(_) | Ok(Ok(0)) => break,
            Ok(Ok(n)) => {
                let room = limits.body_cap - out.len();
                out.extend_from_slice(&buf[..n.min(room)]);
                if n >= room {
                    return Ok(Response::new(None, Vec::new(), out, true));
                }
            }
            Ok(Err(e)) if out.is_empty() => return Err(e.into()),
            Ok(Err(_)) => break,
        }
    }
    Ok(Response::new(None, Vec::new(), out, false))
}
