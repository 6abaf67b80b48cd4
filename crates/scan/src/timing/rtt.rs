//! Round-trip estimation as TCP does it (RFC 6298): a smoothed RTT and
//! its mean deviation, and a timeout of SRTT + 4·RTTVAR, clamped.
//!
//! A connect scan has no retransmission ambiguity (Karn's problem): each
//! retry is a new connection, so every answer is a clean sample.
use std::time::Duration;

/// SRTT and RTTVAR in microseconds; `None` until the first sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RttEstimator {
    state: Option<(u64, u64)>,
    min_us: u64,
    samples: u32,
}

impl RttEstimator {
    /// RFC 6298 §2: the first sample sets SRTT = R, RTTVAR = R/2; later
    /// ones move them by 1/8 and 1/4 of the error (integer arithmetic).
    pub fn sample(&mut self, rtt: Duration) {
        let r = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX / 8);
        self.state = Some(match self.state {
            None => (r, r / 2),
            Some((srtt, var)) => {
                let err = srtt.abs_diff(r);
                let var = var - var / 4 + err / 4;
                let srtt = srtt - srtt / 8 + r / 8;
                (srtt, var)
            }
        });
        self.min_us = if self.samples == 0 {
            r
        } else {
            self.min_us.min(r)
        };
        self.samples = self.samples.saturating_add(1);
    }

    pub fn samples(&self) -> u32 {
        self.samples
    }

    pub fn srtt(&self) -> Option<Duration> {
        self.state.map(|(s, _)| Duration::from_micros(s))
    }

    /// The lowest sample seen: the path's RTT without queueing.
    pub fn min_rtt(&self) -> Option<Duration> {
        (self.samples > 0).then(|| Duration::from_micros(self.min_us))
    }

    /// SRTT + 4·RTTVAR within `[floor, ceil]`; `None` before any sample.
    pub fn timeout(&self, floor: Duration, ceil: Duration) -> Option<Duration> {
        let (srtt, var) = self.state?;
        let t = Duration::from_micros(srtt.saturating_add(var.saturating_mul(4)));
        Some(t.clamp(floor, ceil.max(floor)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOOR: Duration = Duration::from_millis(1);
    const CEIL: Duration = Duration::from_secs(10);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn no_timeout_before_a_sample() {
        assert_eq!(RttEstimator::default().timeout(FLOOR, CEIL), None);
    }

    #[test]
    fn first_sample_gives_three_rtts() {
        let mut e = RttEstimator::default();
        e.sample(ms(100));
        // SRTT 100 + 4 × 50.
        assert_eq!(e.timeout(FLOOR, CEIL), Some(ms(300)));
    }

    #[test]
    fn steady_samples_converge_on_the_rtt() {
        let mut e = RttEstimator::default();
        for _ in 0..100 {
            e.sample(ms(200));
        }
        let t = e.timeout(FLOOR, CEIL).unwrap();
        assert!(t >= ms(200) && t < ms(202), "{t:?}");
        assert_eq!(e.min_rtt(), Some(ms(200)));
    }

    #[test]
    fn jitter_widens_the_timeout() {
        let (mut calm, mut jittery) = (RttEstimator::default(), RttEstimator::default());
        for i in 0..64 {
            calm.sample(ms(100));
            jittery.sample(ms(if i % 2 == 0 { 60 } else { 140 }));
        }
        let (c, j) = (
            calm.timeout(FLOOR, CEIL).unwrap(),
            jittery.timeout(FLOOR, CEIL).unwrap(),
        );
        assert!(j > c + ms(100), "calm {c:?}, jittery {j:?}");
        // Every jittery sample still lands inside the timeout.
        assert!(j > ms(140));
        assert_eq!(jittery.min_rtt(), Some(ms(60)));
    }

    #[test]
    fn clamped_both_ways() {
        let mut e = RttEstimator::default();
        e.sample(Duration::from_micros(20));
        assert_eq!(e.timeout(ms(100), ms(1000)), Some(ms(100)));
        let mut e = RttEstimator::default();
        e.sample(Duration::from_secs(30));
        assert_eq!(e.timeout(ms(100), ms(1000)), Some(ms(1000)));
        // A sample too large for the arithmetic still gives the ceiling.
        e.sample(Duration::MAX);
        assert_eq!(e.timeout(ms(100), ms(1000)), Some(ms(1000)));
    }

    #[test]
    fn a_jump_in_rtt_raises_the_timeout_at_once() {
        let mut e = RttEstimator::default();
        for _ in 0..50 {
            e.sample(ms(20));
        }
        let before = e.timeout(FLOOR, CEIL).unwrap();
        e.sample(ms(400));
        let after = e.timeout(FLOOR, CEIL).unwrap();
        // RTTVAR takes a quarter of the 380 ms error: the next timeout
        // covers the new RTT without waiting for SRTT to catch up.
        assert!(after > ms(400) && before < ms(25), "{before:?} → {after:?}");
    }
}
