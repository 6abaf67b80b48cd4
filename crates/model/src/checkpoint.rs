use std::fmt;

/// How far one shard of a scan has got, counted in positions of its probe
/// order. Everything below `watermark` is done; above it, only `ranges`.
/// Probes finish out of order (a slow fingerprint holds one position while
/// discovery runs far ahead), so the done set above the watermark is kept
/// as ranges: their number is bounded by the probes in flight, not by the
/// scan's size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub watermark: u64,
    /// Sorted, disjoint, non-adjacent half-open ranges, all above the watermark.
    pub ranges: Vec<(u64, u64)>,
}

/// A stored checkpoint that does not parse or breaks the invariants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointError(pub String);

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid checkpoint: {}", self.0)
    }
}

impl std::error::Error for CheckpointError {}

impl Checkpoint {
    /// Positions known to be done.
    pub fn done_count(&self) -> u64 {
        self.watermark + self.ranges.iter().map(|(a, b)| b - a).sum::<u64>()
    }

    pub fn is_done(&self, pos: u64) -> bool {
        if pos < self.watermark {
            return true;
        }
        // Ranges are sorted: the last one starting at or before pos decides.
        let i = self.ranges.partition_point(|&(a, _)| a <= pos);
        i > 0 && pos < self.ranges[i - 1].1
    }

    /// The first position at or after `pos` that is not done.
    pub fn next_undone(&self, pos: u64) -> u64 {
        let mut p = pos.max(self.watermark);
        let i = self.ranges.partition_point(|&(_, b)| b <= p);
        if let Some(&(a, b)) = self.ranges.get(i) {
            if a <= p {
                p = b;
            }
        }
        p
    }

    /// Compact text for the store: `watermark` or `watermark;a-b,c-d`.
    pub fn encode(&self) -> String {
        let mut s = self.watermark.to_string();
        for (k, (a, b)) in self.ranges.iter().enumerate() {
            s.push(if k == 0 { ';' } else { ',' });
            s.push_str(&format!("{a}-{b}"));
        }
        s
    }

    /// Parse [`Self::encode`]'s text, checking every invariant.
    pub fn decode(text: &str) -> Result<Self, CheckpointError> {
        let bad = |why: &str| CheckpointError(format!("{why} in {:.80?}", text));
        let (wm, rest) = match text.split_once(';') {
            Some((w, r)) => (w, Some(r)),
            None => (text, None),
        };
        let watermark: u64 = wm.trim().parse().map_err(|_| bad("bad watermark"))?;
        let mut ranges = Vec::new();
        let mut floor = watermark;
        for part in rest.into_iter().flat_map(|r| r.split(',')) {
            let (a, b) = part.split_once('-').ok_or_else(|| bad("bad range"))?;
            let (a, b): (u64, u64) = (
                a.parse().map_err(|_| bad("bad range start"))?,
                b.parse().map_err(|_| bad("bad range end"))?,
            );
            // Strictly above the previous end: adjacent ranges would have been merged.
            if a <= floor || b <= a {
                return Err(bad("ranges out of order"));
            }
            ranges.push((a, b));
            floor = b;
        }
        Ok(Self { watermark, ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_answers_membership() {
        let cp = Checkpoint {
            watermark: 10,
            ranges: vec![(12, 15), (20, 21)],
        };
        let text = cp.encode();
        assert_eq!(text, "10;12-15,20-21");
        assert_eq!(Checkpoint::decode(&text).unwrap(), cp);
        assert_eq!(cp.done_count(), 10 + 3 + 1);
        for (pos, done) in [(0, true), (9, true), (10, false), (11, false), (12, true)] {
            assert_eq!(cp.is_done(pos), done, "{pos}");
        }
        assert!(cp.is_done(14) && !cp.is_done(15) && cp.is_done(20) && !cp.is_done(21));
        assert_eq!(cp.next_undone(0), 10);
        assert_eq!(cp.next_undone(12), 15);
        assert_eq!(cp.next_undone(16), 16);
        assert_eq!(cp.next_undone(20), 21);
    }

    #[test]
    fn rejects_broken_text() {
        for bad in [
            "",
            "x",
            "5;3-4",
            "5;7-7",
            "5;6-8,8-9",
            "5;6-8,7-9",
            "5;6",
            "5;a-b",
        ] {
            assert!(Checkpoint::decode(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Checkpoint::decode("0").unwrap(), Checkpoint::default());
    }
}
