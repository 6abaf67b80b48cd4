//! How many connects may be in flight: additive increase, multiplicative
//! decrease, as TCP's congestion control and nmap's scan timing do.
//!
//! Time is cut into epochs. At the end of each, the epoch's evidence is
//! judged ([`Aimd::end_epoch`], a pure function of it, tested with made-up
//! epochs): the window halves on a sign of congestion and grows
//! otherwise, doubling below the slow-start threshold and by a fixed step
//! above it. Silence is not congestion: on the internet most probes are
//! filtered and never answer, whatever the load, so only answers count —
//! losses proven by a retry that was answered, and round trips rising
//! above the block's own minimum (queues filling somewhere).
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The smallest window: a congested scan still moves.
pub const MIN_WINDOW: usize = 32;
/// Below this many losses an epoch's loss rate is noise.
const MIN_LOSSES: u64 = 4;
/// RTT samples needed to judge queueing.
const MIN_RTT_SAMPLES: u64 = 8;
/// Queueing grace added to twice the minimum RTT: scheduling noise on a
/// busy sender is not congestion.
const QUEUE_GRACE_US: u64 = 5_000;

/// One epoch's evidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Epoch {
    /// Probes answered (first attempt or retry).
    pub answers: u64,
    /// Attempts that timed out before a later attempt was answered: each
    /// one a packet lost on the way, proven.
    pub losses: u64,
    /// RTT samples from blocks with a known minimum, and their sums.
    pub rtt_samples: u64,
    pub rtt_sum_us: u64,
    pub min_sum_us: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Grow,
    Shrink,
}

/// The controller's state, with no clock and no atomics.
#[derive(Debug, Clone, PartialEq)]
pub struct Aimd {
    pub window: usize,
    ssthresh: usize,
    max: usize,
    step: usize,
    /// The usual loss rate (random loss on the path), an average over
    /// epochs: loss at that level is the path, not the load.
    baseline_loss: f64,
}

impl Aimd {
    pub fn new(initial: usize, max: usize) -> Self {
        let max = max.max(MIN_WINDOW);
        Self {
            window: initial.clamp(MIN_WINDOW, max),
            ssthresh: max,
            max,
            step: (max / 32).max(1),
            baseline_loss: 0.0,
        }
    }

    pub fn end_epoch(&mut self, e: &Epoch) -> Verdict {
        let events = e.answers + e.losses;
        let rate = if events > 0 {
            e.losses as f64 / events as f64
        } else {
            0.0
        };
        let lossy = e.losses >= MIN_LOSSES && rate > (3.0 * self.baseline_loss).max(0.10);
        let queued = e.rtt_samples >= MIN_RTT_SAMPLES
            && e.rtt_sum_us
                > e.min_sum_us
                    .saturating_mul(2)
                    .saturating_add(QUEUE_GRACE_US.saturating_mul(e.rtt_samples));
        // Only epochs judged clean teach the baseline: congestion that
        // lasts must not become the norm.
        if events >= 16 && !lossy {
            self.baseline_loss += (rate - self.baseline_loss) / 8.0;
        }
        if lossy || queued {
            self.ssthresh = (self.window / 2).max(MIN_WINDOW);
            self.window = self.ssthresh;
            Verdict::Shrink
        } else {
            self.window = if self.window < self.ssthresh {
                self.window.saturating_mul(2).min(self.ssthresh)
            } else {
                self.window.saturating_add(self.step)
            }
            .min(self.max);
            Verdict::Grow
        }
    }
}

/// The controller shared by every driver: counters are atomics, and the
/// one thread that finds the epoch over judges it.
#[derive(Debug)]
pub struct Window {
    core: Mutex<Aimd>,
    limit: AtomicUsize,
    answers: AtomicU64,
    losses: AtomicU64,
    rtt_samples: AtomicU64,
    rtt_sum_us: AtomicU64,
    min_sum_us: AtomicU64,
    start: Instant,
    /// Microseconds since `start` at which the epoch ends.
    epoch_end: AtomicU64,
}

/// Epochs last about two round trips, within these bounds.
const EPOCH_MIN: Duration = Duration::from_millis(100);
const EPOCH_MAX: Duration = Duration::from_secs(1);

impl Window {
    pub fn new(initial: usize, max: usize) -> Self {
        let core = Aimd::new(initial, max);
        Self {
            limit: AtomicUsize::new(core.window),
            core: Mutex::new(core),
            answers: AtomicU64::new(0),
            losses: AtomicU64::new(0),
            rtt_samples: AtomicU64::new(0),
            rtt_sum_us: AtomicU64::new(0),
            min_sum_us: AtomicU64::new(0),
            start: Instant::now(),
            epoch_end: AtomicU64::new(EPOCH_MIN.as_micros() as u64),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// An answer after `lost` unanswered attempts; `rtt` with its block's
    /// minimum when that is known.
    pub fn answered(&self, lost: u32, rtt: Option<(Duration, Duration)>) {
        self.answers.fetch_add(1, Ordering::Relaxed);
        if lost > 0 {
            self.losses.fetch_add(u64::from(lost), Ordering::Relaxed);
        }
        if let Some((rtt, min)) = rtt {
            self.rtt_samples.fetch_add(1, Ordering::Relaxed);
            self.rtt_sum_us.fetch_add(micros(rtt), Ordering::Relaxed);
            self.min_sum_us.fetch_add(micros(min), Ordering::Relaxed);
        }
        self.tick(Instant::now());
    }

    /// End the epoch if it is over (cheap when it is not).
    pub fn tick(&self, now: Instant) {
        let at = micros(now.saturating_duration_since(self.start));
        if at < self.epoch_end.load(Ordering::Relaxed) {
            return;
        }
        let Ok(mut core) = self.core.try_lock() else {
            return; // another driver is judging it
        };
        if at < self.epoch_end.load(Ordering::Relaxed) {
            return;
        }
        let e = Epoch {
            answers: self.answers.swap(0, Ordering::Relaxed),
            losses: self.losses.swap(0, Ordering::Relaxed),
            rtt_samples: self.rtt_samples.swap(0, Ordering::Relaxed),
            rtt_sum_us: self.rtt_sum_us.swap(0, Ordering::Relaxed),
            min_sum_us: self.min_sum_us.swap(0, Ordering::Relaxed),
        };
        core.end_epoch(&e);
        self.limit.store(core.window, Ordering::Relaxed);
        let mean_rtt = Duration::from_micros(e.rtt_sum_us / e.rtt_samples.max(1));
        let len = mean_rtt.saturating_mul(2).clamp(EPOCH_MIN, EPOCH_MAX);
        self.epoch_end.store(at + micros(len), Ordering::Relaxed);
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(answers: u64) -> Epoch {
        Epoch {
            answers,
            ..Epoch::default()
        }
    }

    fn with_losses(answers: u64, losses: u64) -> Epoch {
        Epoch {
            answers,
            losses,
            ..Epoch::default()
        }
    }

    #[test]
    fn slow_start_doubles_to_the_ceiling() {
        let mut a = Aimd::new(1024, 16384);
        let mut seen = vec![a.window];
        for _ in 0..6 {
            assert_eq!(a.end_epoch(&clean(100)), Verdict::Grow);
            seen.push(a.window);
        }
        assert_eq!(seen, [1024, 2048, 4096, 8192, 16384, 16384, 16384]);
    }

    #[test]
    fn silence_is_not_congestion() {
        // A wholly filtered range answers nothing: the window still grows.
        let mut a = Aimd::new(1024, 8192);
        a.end_epoch(&Epoch::default());
        assert_eq!(a.window, 2048);
    }

    #[test]
    fn a_loss_burst_halves_then_growth_is_additive() {
        let mut a = Aimd::new(8192, 8192);
        assert_eq!(a.end_epoch(&with_losses(100, 40)), Verdict::Shrink);
        assert_eq!(a.window, 4096);
        // Above the new threshold: one step (max/32) per clean epoch.
        a.end_epoch(&clean(100));
        assert_eq!(a.window, 4096 + 256);
        a.end_epoch(&clean(100));
        assert_eq!(a.window, 4096 + 512);
    }

    #[test]
    fn steady_random_loss_is_the_path_not_congestion() {
        // 2 % of attempts lost, epoch after epoch: never a reason to shrink.
        let mut a = Aimd::new(1024, 16384);
        for _ in 0..50 {
            assert_eq!(a.end_epoch(&with_losses(490, 10)), Verdict::Grow);
        }
        assert_eq!(a.window, 16384);
        // A jump to 30 % is.
        assert_eq!(a.end_epoch(&with_losses(350, 150)), Verdict::Shrink);
    }

    #[test]
    fn a_few_losses_among_few_answers_are_noise() {
        let mut a = Aimd::new(1024, 16384);
        assert_eq!(a.end_epoch(&with_losses(5, 3)), Verdict::Grow);
    }

    #[test]
    fn rising_round_trips_shrink_the_window() {
        let mut a = Aimd::new(4096, 4096);
        // 20 samples at 200 ms where the blocks' minimum is 50 ms.
        let queued = Epoch {
            answers: 20,
            rtt_samples: 20,
            rtt_sum_us: 20 * 200_000,
            min_sum_us: 20 * 50_000,
            ..Epoch::default()
        };
        assert_eq!(a.end_epoch(&queued), Verdict::Shrink);
        assert_eq!(a.window, 2048);
        // Jitter around the minimum is not queueing.
        let jitter = Epoch {
            answers: 20,
            rtt_samples: 20,
            rtt_sum_us: 20 * 70_000,
            min_sum_us: 20 * 50_000,
            ..Epoch::default()
        };
        assert_eq!(a.end_epoch(&jitter), Verdict::Grow);
    }

    #[test]
    fn never_below_the_floor() {
        let mut a = Aimd::new(64, 64);
        for _ in 0..10 {
            a.end_epoch(&with_losses(10, 90));
        }
        assert_eq!(a.window, MIN_WINDOW);
    }

    #[test]
    fn the_shared_window_judges_an_epoch_once_it_is_over() {
        let w = Window::new(1024, 4096);
        w.tick(w.start); // not over yet
        assert_eq!(w.limit(), 1024);
        w.tick(w.start + Duration::from_millis(150));
        assert_eq!(w.limit(), 2048);
        // The next epoch has not ended 1 ms later.
        w.tick(w.start + Duration::from_millis(151));
        assert_eq!(w.limit(), 2048);
    }
}
