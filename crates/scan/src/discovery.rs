//! TCP connect discovery: is anything listening on (address, port)?
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpSocket;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    Open,
    /// Refused (RST): nothing there.
    Closed,
    /// No answer within the timeout, after every retry.
    Filtered,
}

/// Connect once (plus `retries` after timeouts) and close at once.
///
/// The socket closes with SO_LINGER 0, so a scan of many open ports leaves
/// no TIME_WAIT behind to exhaust the ephemeral port range.
pub async fn probe_port(addr: SocketAddr, timeout: Duration, retries: u32) -> PortState {
    for _ in 0..=retries {
        let socket = match if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() } {
            Ok(s) => s,
            // Out of file descriptors or similar: treat as no answer rather than abort.
            Err(_) => return PortState::Filtered,
        };
        match tokio::time::timeout(timeout, socket.connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_zero_linger();
                return PortState::Open;
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => return PortState::Closed,
            Ok(Err(_)) => return PortState::Closed,
            Err(_) => continue,
        }
    }
    PortState::Filtered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tells_open_from_closed() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        drop(listener);
        assert_eq!(probe_port(open, Duration::from_secs(1), 0).await, PortState::Closed);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        assert_eq!(probe_port(open, Duration::from_secs(1), 0).await, PortState::Open);
    }
}
