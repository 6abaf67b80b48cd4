//! A shared probes-per-second limit. Each caller takes the next slot on a
//! fixed schedule and sleeps until it is due, so the rate holds however
//! many drivers share the pacer, and bursts never exceed one timer tick.
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct Pacer {
    per_probe: Option<Duration>,
    start: Instant,
    issued: AtomicU64,
}

impl Pacer {
    pub fn new(rate: Option<u32>) -> Self {
        let per_probe = rate
            .filter(|r| *r > 0)
            .map(|r| Duration::from_secs_f64(1.0 / r as f64));
        Self {
            per_probe,
            start: Instant::now(),
            issued: AtomicU64::new(0),
        }
    }

    #[cfg(test)]
    pub async fn wait(&self) {
        if let Some(due) = self.reserve() {
            tokio::time::sleep_until(due).await;
        }
    }

    /// Take the next slot and say when it is due (`None`: no limit). A
    /// caller that must keep other work going while it waits sleeps until
    /// this instant itself, so giving up a wait never burns a second slot.
    pub fn reserve(&self) -> Option<Instant> {
        let step = self.per_probe?;
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        Some(self.start + step.mul_f64(n as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn holds_the_rate() {
        let pacer = Pacer::new(Some(100));
        let t0 = Instant::now();
        for _ in 0..201 {
            pacer.wait().await;
        }
        // 200 intervals of 10 ms on the paused clock.
        assert_eq!(t0.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test]
    async fn unlimited_never_sleeps() {
        let pacer = Pacer::new(None);
        let t0 = std::time::Instant::now();
        for _ in 0..10_000 {
            pacer.wait().await;
        }
        assert!(t0.elapsed() < Duration::from_secs(1));
    }
}
