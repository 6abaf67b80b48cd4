//! Discovery's timing: how long to wait for each connect, whether to try
//! again, and how many to keep in flight, learnt from the answers.
//!
//! * **Timeouts** come from each block's round trips ([`rtt`], SRTT +
//!   4·RTTVAR as TCP computes them), once the block has answered; before
//!   that, [`INITIAL_TIMEOUT`] (TCP's own initial SYN timeout, so the
//!   kernel never retransmits behind our back).
//! * **Retries** only where a silence may be loss: in a block where
//!   something answered (an RST or a SYN-ACK says the path works), and as
//!   many as the loss measured so far calls for ([`retries_for_loss`]). A
//!   block that never answered gets none: on the internet that is most
//!   of them, and retrying filtered space only doubles the scan.
//! * **Concurrency** is an AIMD window ([`window`]) up to what the caller
//!   allows (the open-file limit).
//!
//! Every value the user pinned (`--timeout`, `--retries`,
//! `--concurrency`) replaces the learnt one.
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub mod blocks;
pub mod rtt;
pub mod window;

use blocks::BlockTable;
use window::Window;

/// The first wait in a block that has not answered yet.
pub const INITIAL_TIMEOUT: Duration = Duration::from_secs(1);
/// The shortest learnt timeout: scheduling noise on a busy scanner, and
/// servers slower to accept than the firewall in front of them to reset.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(100);
/// The longest learnt timeout (before the backoff of retries).
pub const MAX_TIMEOUT: Duration = Duration::from_millis(1500);
/// The window a scan starts at before it has learnt anything.
pub const INITIAL_WINDOW: usize = 1024;
/// The most retries loss can call for.
pub const MAX_RETRIES: u32 = 4;
/// Blocks remembered: 2^16 slots, about 3 MiB, whatever the scan's size.
const BLOCK_SLOTS: usize = 1 << 16;

/// What the user pinned, and the ceiling on concurrency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingConfig {
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    pub concurrency: Option<usize>,
    /// The most connects in flight the adaptive window may reach (the
    /// caller sizes it to the open-file limit).
    pub max_concurrency: usize,
}

impl Default for TimingConfig {
    fn default() -> Self {
        Self {
            timeout: None,
            retries: None,
            concurrency: None,
            max_concurrency: 16_384,
        }
    }
}

/// Shared by every driver of one scan.
#[derive(Debug)]
pub struct Timing {
    cfg: TimingConfig,
    blocks: BlockTable,
    window: Option<Window>,
    /// Over every answered probe: the attempts it took, and how many of
    /// them went unanswered (lost).
    attempts: AtomicU64,
    lost: AtomicU64,
}

impl Timing {
    pub fn new(cfg: TimingConfig) -> Self {
        let window = match cfg.concurrency {
            Some(_) => None,
            None => Some(Window::new(INITIAL_WINDOW, cfg.max_concurrency)),
        };
        Self {
            cfg,
            blocks: BlockTable::new(BLOCK_SLOTS),
            window,
            attempts: AtomicU64::new(0),
            lost: AtomicU64::new(0),
        }
    }

    /// Connects that may be in flight now, across every driver.
    pub fn in_flight(&self) -> usize {
        match (&self.window, self.cfg.concurrency) {
            (_, Some(n)) => n.max(1),
            (Some(w), None) => w.limit(),
            (None, None) => INITIAL_WINDOW,
        }
    }

    /// How long attempt `attempt` (0 = the first) to `ip` waits.
    pub fn timeout(&self, ip: IpAddr, attempt: u32) -> Duration {
        if let Some(t) = self.cfg.timeout {
            return t;
        }
        match self.blocks.get(ip).rtt.timeout(MIN_TIMEOUT, MAX_TIMEOUT) {
            // Each retry waits half as long again: a gentle backoff.
            Some(t) => t.mul_f64(1.0 + f64::from(attempt) / 2.0),
            None => INITIAL_TIMEOUT,
        }
    }

    /// Attempt `attempt` to `ip` timed out: try again?
    pub fn retry(&self, ip: IpAddr, attempt: u32) -> bool {
        if let Some(r) = self.cfg.retries {
            return attempt < r;
        }
        self.blocks.get(ip).alive() && attempt < retries_for_loss(self.loss_rate())
    }

    /// Attempt `attempt` to `ip` was answered (open or refused) after `rtt`.
    pub fn answered(&self, ip: IpAddr, attempt: u32, rtt: Duration) {
        self.attempts
            .fetch_add(u64::from(attempt) + 1, Ordering::Relaxed);
        if attempt > 0 {
            self.lost.fetch_add(u64::from(attempt), Ordering::Relaxed);
        }
        let block = self.blocks.answered(ip, rtt);
        if let Some(w) = &self.window {
            // The block's minimum includes this sample: only compare once
            // there is a history to compare with.
            let queue = (block.rtt.samples() > 1)
                .then(|| block.rtt.min_rtt().map(|m| (rtt, m)))
                .flatten();
            w.answered(attempt, queue);
        }
    }

    /// The share of attempts lost, over every probe that was answered.
    pub fn loss_rate(&self) -> f64 {
        let attempts = self.attempts.load(Ordering::Relaxed);
        match attempts {
            0 => 0.0,
            n => self.lost.load(Ordering::Relaxed) as f64 / n as f64,
        }
    }
}

/// Retries that bring the chance of missing an open port under 1 in
/// 1,000 at per-attempt loss `p`: at least one (loss cannot be measured
/// without retrying), at most [`MAX_RETRIES`].
pub fn retries_for_loss(p: f64) -> u32 {
    if p.is_nan() || p <= 0.0 {
        return 1;
    }
    if p >= 1.0 {
        return MAX_RETRIES;
    }
    let attempts = ((1e-3f64).ln() / p.ln()).ceil();
    (attempts as u32).saturating_sub(1).clamp(1, MAX_RETRIES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn retries_grow_with_loss() {
        assert_eq!(retries_for_loss(0.0), 1);
        assert_eq!(retries_for_loss(f64::NAN), 1);
        assert_eq!(retries_for_loss(0.02), 1); // 2 attempts: 4e-4
        assert_eq!(retries_for_loss(0.1), 2); // 3 attempts: 1e-3
        assert_eq!(retries_for_loss(0.3), 4);
        assert_eq!(retries_for_loss(1.0), MAX_RETRIES);
    }

    #[test]
    fn silent_blocks_wait_long_once_answering_blocks_learn() {
        let t = Timing::new(TimingConfig::default());
        let (quiet, busy) = (ip("192.0.2.7"), ip("198.51.100.7"));
        assert_eq!(t.timeout(quiet, 0), INITIAL_TIMEOUT);
        assert!(!t.retry(quiet, 0), "no retry where nothing answered");
        for _ in 0..20 {
            t.answered(ip("198.51.100.1"), 0, ms(200));
        }
        let first = t.timeout(busy, 0);
        assert!(first > ms(200) && first < ms(210), "{first:?}");
        let backoff = t.timeout(busy, 2).abs_diff(first * 2);
        assert!(backoff < Duration::from_micros(1), "{backoff:?}");
        assert!(t.retry(busy, 0));
        assert!(!t.retry(busy, 1), "no loss seen: one retry");
        assert_eq!(t.timeout(quiet, 0), INITIAL_TIMEOUT);
    }

    #[test]
    fn measured_loss_buys_more_retries() {
        let t = Timing::new(TimingConfig::default());
        let a = ip("203.0.113.9");
        // 10 probes answered at once, 10 only on the second attempt: a
        // third of attempts lost.
        for k in 0..20 {
            t.answered(a, k % 2, ms(30));
        }
        assert!((t.loss_rate() - 1.0 / 3.0).abs() < 1e-9);
        assert!(t.retry(a, 3));
        assert!(!t.retry(a, MAX_RETRIES));
    }

    #[test]
    fn pinned_values_win() {
        let t = Timing::new(TimingConfig {
            timeout: Some(ms(700)),
            retries: Some(3),
            concurrency: Some(77),
            ..TimingConfig::default()
        });
        let a = ip("192.0.2.1");
        assert_eq!(t.timeout(a, 0), ms(700));
        assert!(t.retry(a, 2) && !t.retry(a, 3));
        for _ in 0..100 {
            t.answered(a, 0, ms(1));
        }
        assert_eq!(t.timeout(a, 0), ms(700));
        assert_eq!(t.in_flight(), 77);
    }

    #[test]
    fn fast_answers_floor_the_timeout() {
        let t = Timing::new(TimingConfig::default());
        let a = ip("127.0.0.1");
        t.answered(a, 0, Duration::from_micros(30));
        assert_eq!(t.timeout(a, 0), MIN_TIMEOUT);
    }
}
