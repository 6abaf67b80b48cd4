//! Which positions of a shard's order are finished. A position is finished
//! when its port was closed or filtered, or when its service (or
//! "unidentified") event has been sent; only then can a checkpoint that
//! includes it be committed, so a resumed scan neither loses a service nor
//! probes a finished position again.
use std::collections::BTreeMap;
use std::sync::Mutex;

use aimap_model::Checkpoint;

/// Finished positions: everything below the watermark, plus ranges above.
#[derive(Debug, Default)]
pub struct Completion {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    watermark: u64,
    /// start → end of finished ranges above the watermark, disjoint and
    /// never touching each other or the watermark.
    above: BTreeMap<u64, u64>,
}

impl Completion {
    /// Start from a stored checkpoint (empty for a fresh shard).
    pub fn from_checkpoint(cp: &Checkpoint) -> Self {
        Self {
            state: Mutex::new(State {
                watermark: cp.watermark,
                above: cp.ranges.iter().copied().collect(),
            }),
        }
    }

    /// Record `pos` as finished (idempotent).
    pub fn mark(&self, pos: u64) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.mark(pos);
    }

    pub fn snapshot(&self) -> Checkpoint {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        Checkpoint {
            watermark: s.watermark,
            ranges: s.above.iter().map(|(&a, &b)| (a, b)).collect(),
        }
    }
}

impl State {
    fn mark(&mut self, pos: u64) {
        if pos < self.watermark {
            return;
        }
        if pos == self.watermark {
            self.watermark += 1;
            // The next range may now touch the watermark.
            if let Some(end) = self.above.remove(&self.watermark) {
                self.watermark = end;
            }
            return;
        }
        // The range starting at or before pos, if it covers or touches it.
        let mut start = pos;
        let mut end = pos + 1;
        if let Some((&a, &b)) = self.above.range(..=pos).next_back() {
            if b > pos {
                return; // already finished
            }
            if b == pos {
                start = a;
            }
        }
        // A range starting right after pos joins it.
        if let Some(b) = self.above.remove(&end) {
            end = b;
        }
        self.above.insert(start, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_merge_into_ranges_and_the_watermark() {
        let c = Completion::default();
        for p in [3, 5, 4, 9, 0] {
            c.mark(p);
        }
        assert_eq!(
            c.snapshot(),
            Checkpoint {
                watermark: 1,
                ranges: vec![(3, 6), (9, 10)]
            }
        );
        c.mark(2);
        c.mark(1);
        assert_eq!(
            c.snapshot(),
            Checkpoint {
                watermark: 6,
                ranges: vec![(9, 10)]
            }
        );
        c.mark(4); // again: no change
        c.mark(8);
        c.mark(7);
        c.mark(6);
        assert_eq!(
            c.snapshot(),
            Checkpoint {
                watermark: 10,
                ranges: vec![]
            }
        );
    }

    #[test]
    fn any_order_gives_the_same_result_and_valid_checkpoints() {
        // A shuffled permutation of 0..500, checked at every step against
        // a plain set, and the snapshot always re-parses.
        let mut order: Vec<u64> = (0..500).collect();
        let mut x = 12345u64;
        for i in (1..order.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let c = Completion::default();
        let mut done = std::collections::BTreeSet::new();
        for &p in &order {
            c.mark(p);
            done.insert(p);
            let cp = c.snapshot();
            assert_eq!(Checkpoint::decode(&cp.encode()).unwrap(), cp);
            assert_eq!(cp.done_count(), done.len() as u64);
            assert!((0..500).all(|q| cp.is_done(q) == done.contains(&q)));
        }
        assert_eq!(
            c.snapshot(),
            Checkpoint {
                watermark: 500,
                ranges: vec![]
            }
        );
    }

    #[test]
    fn resumes_from_a_checkpoint() {
        let cp = Checkpoint {
            watermark: 4,
            ranges: vec![(6, 8)],
        };
        let c = Completion::from_checkpoint(&cp);
        c.mark(5);
        c.mark(4);
        assert_eq!(
            c.snapshot(),
            Checkpoint {
                watermark: 8,
                ranges: vec![]
            }
        );
    }
}
