//! What discovery has learnt about each network block (an IPv4 /24, an
//! IPv6 /64): its round trips and whether anything in it ever answered.
//!
//! Memory is fixed whatever the scan's size: a direct-mapped table, as a
//! CPU cache is, where a block that lands on an occupied slot replaces
//! the one there. A forgotten block is treated as never heard from (the
//! conservative timeout, no retry), which costs time, never results.
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use super::rtt::RttEstimator;

/// Slots per lock: a scan's drivers rarely wait on each other.
const SHARDS: usize = 64;

/// One block's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Block {
    pub rtt: RttEstimator,
}

impl Block {
    /// Something in the block answered (RST or SYN-ACK), so a silence
    /// there may be loss rather than a filter.
    pub fn alive(&self) -> bool {
        self.rtt.samples() > 0
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// Block key + 1; 0 marks an empty slot.
    tag: u128,
    block: Block,
}

#[derive(Debug)]
pub struct BlockTable {
    shards: Vec<Mutex<Vec<Slot>>>,
    per_shard: usize,
}

/// The block's key: the address with its host part cleared, IPv6 keys
/// kept apart from IPv4 ones by a bit no IPv4 key has.
pub fn block_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4) >> 8),
        IpAddr::V6(v6) => (u128::from(v6) >> 64) | (1 << 127),
    }
}

impl BlockTable {
    /// A table of about `slots` entries (at least one per shard).
    pub fn new(slots: usize) -> Self {
        let per_shard = slots.div_ceil(SHARDS).max(1);
        let shards = (0..SHARDS)
            .map(|_| Mutex::new(vec![Slot::default(); per_shard]))
            .collect();
        Self { shards, per_shard }
    }

    fn locate(&self, key: u128) -> (usize, usize) {
        // Fibonacci hashing spreads neighbouring blocks over all slots.
        let h = (key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let h = (h >> 16) as usize;
        (h % SHARDS, (h / SHARDS) % self.per_shard)
    }

    /// What is known of `ip`'s block (a default, unheard-of block if
    /// nothing is).
    pub fn get(&self, ip: IpAddr) -> Block {
        let key = block_key(ip);
        let (s, i) = self.locate(key);
        let Ok(shard) = self.shards[s].lock() else {
            return Block::default();
        };
        match shard[i] {
            slot if slot.tag == key + 1 => slot.block,
            _ => Block::default(),
        }
    }

    /// Record an answer from `ip` after `rtt`; the block's state after it.
    pub fn answered(&self, ip: IpAddr, rtt: Duration) -> Block {
        let key = block_key(ip);
        let (s, i) = self.locate(key);
        let Ok(mut shard) = self.shards[s].lock() else {
            return Block::default();
        };
        let slot = &mut shard[i];
        if slot.tag != key + 1 {
            *slot = Slot {
                tag: key + 1,
                block: Block::default(),
            };
        }
        slot.block.rtt.sample(rtt);
        slot.block
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_are_slash_24_and_slash_64() {
        assert_eq!(block_key(ip("10.1.2.3")), block_key(ip("10.1.2.250")));
        assert_ne!(block_key(ip("10.1.2.3")), block_key(ip("10.1.3.3")));
        assert_eq!(
            block_key(ip("2001:db8::1")),
            block_key(ip("2001:db8::ffff:1"))
        );
        assert_ne!(
            block_key(ip("2001:db8::1")),
            block_key(ip("2001:db8:0:1::1"))
        );
        assert_ne!(block_key(ip("0.0.0.1")), block_key(ip("::1")));
    }

    #[test]
    fn answers_make_a_block_alive_and_its_neighbours_stay_unknown() {
        let t = BlockTable::new(4096);
        assert!(!t.get(ip("10.0.0.9")).alive());
        t.answered(ip("10.0.0.1"), Duration::from_millis(50));
        assert!(t.get(ip("10.0.0.9")).alive());
        assert_eq!(
            t.get(ip("10.0.0.9")).rtt.srtt(),
            Some(Duration::from_millis(50))
        );
        assert!(!t.get(ip("10.0.1.9")).alive());
    }

    #[test]
    fn memory_stays_fixed_and_collisions_forget() {
        // A table of one slot per shard, fed 10,000 blocks: it keeps at
        // most 64 and each lookup answers for the right block or none.
        let t = BlockTable::new(1);
        for b in 0..10_000u32 {
            let a = IpAddr::from(std::net::Ipv4Addr::from(b << 8));
            t.answered(a, Duration::from_millis(u64::from(b % 7) + 1));
        }
        let mut kept = 0;
        for b in 0..10_000u32 {
            let a = IpAddr::from(std::net::Ipv4Addr::from(b << 8));
            let blk = t.get(a);
            if blk.alive() {
                kept += 1;
                assert_eq!(
                    blk.rtt.srtt(),
                    Some(Duration::from_millis(u64::from(b % 7) + 1))
                );
            }
        }
        assert!(kept > 0 && kept <= SHARDS, "{kept}");
    }
}
