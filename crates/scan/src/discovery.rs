//! TCP connect discovery: is anything listening on (address, port)?
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use crate::timing::Timing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    Open,
    /// Refused (RST): nothing there.
    Closed,
    /// No answer within the timeout, after every retry.
    Filtered,
}

/// Connect, and again after each timeout while `timing` says a retry is
/// worth it; every answer teaches `timing` the round trip.
pub async fn probe_port(addr: SocketAddr, timing: &Timing) -> PortState {
    let ip = addr.ip();
    let mut n = 0;
    loop {
        let sent = Instant::now();
        match attempt(addr, || timing.timeout(ip, n)).await {
            Outcome::Answered(state) => {
                timing.answered(ip, n, sent.elapsed());
                return state;
            }
            // Out of descriptors or local ports: nothing was learnt about
            // the target, so nothing is taught; no answer rather than an
            // aborted scan.
            Outcome::Local => return PortState::Filtered,
            Outcome::TimedOut if timing.retry(ip, n) => n += 1,
            Outcome::TimedOut => return PortState::Filtered,
        }
    }
}

/// What one connect came to.
enum Outcome {
    Answered(PortState),
    TimedOut,
    /// A failure on this machine, before any packet left.
    Local,
}

/// An open port's socket closes with SO_LINGER 0: a reset instead of a
/// TIME_WAIT per open port. Refused sockets never connected and need no
/// such call, which keeps the common case at four syscalls.
fn open(socket: &Socket) -> Outcome {
    let _ = socket.set_linger(Some(Duration::ZERO));
    Outcome::Answered(PortState::Open)
}

fn is_local(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), AddrNotAvailable | OutOfMemory) || e.raw_os_error() == Some(105)
    // ENOBUFS
}

/// One connect (asking `timeout` only when the answer is not already
/// there: the fast path costs no lookup).
///
/// The fast path answers without the reactor: on loopback and nearby hosts
/// the RST or SYN-ACK is usually processed inside `connect()` itself, so
/// the socket already knows its fate and registering it with epoll would
/// only add two syscalls and a wake-up per probe. Sockets still in flight
/// go to tokio and wait for writability under the timeout.
///
/// Open sockets close with SO_LINGER 0, so a scan of many open ports
/// leaves no TIME_WAIT behind to exhaust the ephemeral port range.
async fn attempt(addr: SocketAddr, timeout: impl FnOnce() -> Duration) -> Outcome {
    const CLOSED: Outcome = Outcome::Answered(PortState::Closed);
    let Ok(socket) = Socket::new(
        Domain::for_address(addr),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    ) else {
        return Outcome::Local;
    };
    match socket.connect(&addr.into()) {
        Ok(()) => return open(&socket),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return CLOSED,
        Err(e) if is_local(&e) => return Outcome::Local,
        Err(_) => {} // in progress, or an error take_error reports below
    }
    match socket.take_error() {
        Ok(Some(_)) | Err(_) => return CLOSED,
        Ok(None) => {}
    }
    if socket.peer_addr().is_ok() {
        return open(&socket);
    }
    let Ok(stream) = tokio::net::TcpStream::from_std(socket.into()) else {
        return Outcome::Local;
    };
    match tokio::time::timeout(timeout(), stream.writable()).await {
        Err(_) => Outcome::TimedOut,
        Ok(Err(_)) => CLOSED,
        Ok(Ok(())) => match stream.take_error() {
            Ok(None) if stream.peer_addr().is_ok() => {
                let _ = stream.set_zero_linger();
                Outcome::Answered(PortState::Open)
            }
            _ => CLOSED,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::timing::TimingConfig;

    fn pinned() -> Timing {
        Timing::new(TimingConfig {
            timeout: Some(Duration::from_secs(1)),
            retries: Some(0),
            ..TimingConfig::default()
        })
    }

    #[tokio::test]
    async fn tells_open_from_closed() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        drop(listener);
        assert_eq!(probe_port(open, &pinned()).await, PortState::Closed);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        assert_eq!(probe_port(open, &pinned()).await, PortState::Open);
    }
}
