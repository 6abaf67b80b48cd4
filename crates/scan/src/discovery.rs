//! TCP connect discovery: is anything listening on (address, port)?
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    Open,
    /// Refused (RST): nothing there.
    Closed,
    /// No answer within the timeout, after every retry.
    Filtered,
}

/// Connect once (plus `retries` after timeouts) and close at once.
pub async fn probe_port(addr: SocketAddr, timeout: Duration, retries: u32) -> PortState {
    for _ in 0..=retries {
        if let Some(state) = attempt(addr, timeout).await {
            return state;
        }
    }
    PortState::Filtered
}

/// An open port's socket closes with SO_LINGER 0: a reset instead of a
/// TIME_WAIT per open port. Refused sockets never connected and need no
/// such call, which keeps the common case at four syscalls.
fn open(socket: &Socket) -> PortState {
    let _ = socket.set_linger(Some(Duration::ZERO));
    PortState::Open
}

/// One connect; `None` on timeout.
///
/// The fast path answers without the reactor: on loopback and nearby hosts
/// the RST or SYN-ACK is usually processed inside `connect()` itself, so
/// the socket already knows its fate and registering it with epoll would
/// only add two syscalls and a wake-up per probe. Sockets still in flight
/// go to tokio and wait for writability under the timeout.
///
/// Open sockets close with SO_LINGER 0, so a scan of many open ports
/// leaves no TIME_WAIT behind to exhaust the ephemeral port range.
async fn attempt(addr: SocketAddr, timeout: Duration) -> Option<PortState> {
    let Ok(socket) = Socket::new(
        Domain::for_address(addr),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    ) else {
        // Out of descriptors or similar: no answer, rather than abort the scan.
        return Some(PortState::Filtered);
    };
    match socket.connect(&addr.into()) {
        Ok(()) => return Some(open(&socket)),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Some(PortState::Closed)
        }
        Err(_) => {} // in progress, or an error take_error reports below
    }
    match socket.take_error() {
        Ok(Some(_)) | Err(_) => return Some(PortState::Closed),
        Ok(None) => {}
    }
    if socket.peer_addr().is_ok() {
        return Some(open(&socket));
    }
    let stream = tokio::net::TcpStream::from_std(socket.into()).ok()?;
    match tokio::time::timeout(timeout, stream.writable()).await {
        Err(_) => None,
        Ok(Err(_)) => Some(PortState::Closed),
        Ok(Ok(())) => match stream.take_error() {
            Ok(None) if stream.peer_addr().is_ok() => {
                let _ = stream.set_zero_linger();
                Some(PortState::Open)
            }
            _ => Some(PortState::Closed),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tells_open_from_closed() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        drop(listener);
        assert_eq!(
            probe_port(open, Duration::from_secs(1), 0).await,
            PortState::Closed
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        assert_eq!(
            probe_port(open, Duration::from_secs(1), 0).await,
            PortState::Open
        );
    }
}
