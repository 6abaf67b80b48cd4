//! A hostile server that speaks no protocol: on accept it writes a burst of
//! random-looking bytes, closes its side, and drops the connection.
//!
//! The first byte is always >= 0x80, so the burst can never be mistaken
//! for an HTTP status line, a RESP reply or a TLS record (0x14-0x17).
//! Unread client data is drained before closing so the client sees the
//! bytes and a clean end of stream, not a reset.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long the client gets to finish sending before the drop.
const DRAIN: Duration = Duration::from_secs(2);

static SEED: AtomicU64 = AtomicU64::new(0);

pub(crate) async fn serve(mut stream: TcpStream) {
    let _ = stream.write_all(&burst()).await;
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(DRAIN, async {
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// 256 to 1023 bytes from xorshift64, seeded per connection.
pub(crate) fn burst() -> Vec<u8> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos ^ SEED.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let len = 256 + (next() % 768) as usize;
    let mut out: Vec<u8> = (0..len).map(|_| next() as u8).collect();
    out[0] |= 0x80;
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn burst_is_not_a_protocol_greeting() {
        for _ in 0..100 {
            let b = super::burst();
            assert!((256..1024).contains(&b.len()));
            assert!(b[0] >= 0x80);
        }
        assert_ne!(super::burst(), super::burst());
    }
}
