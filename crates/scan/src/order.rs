//! The order probes go out in: a pseudo-random permutation of the probe
//! space, split into disjoint shards without any coordinator.
//!
//! As in zmap, the permutation is a walk through the multiplicative group
//! of integers modulo a prime `p > n` (n = probes): starting from `x0`,
//! each step multiplies by a primitive root `g`, which visits every
//! element `1..p` exactly once. Element `e` stands for probe `e - 1`;
//! the few elements `≥ n + 1` are skipped. Consecutive probes land on
//! unrelated addresses and ports, so a scan spreads its load across
//! networks instead of hammering one subnet.
//!
//! Shard `i` of `N` takes the walk's steps `i, i + N, i + 2N, …`: shards
//! are disjoint and together cover the space for any `N`, and each
//! worker needs only `(seed, i, N)`. Positions inside a shard (`0..len`)
//! are what checkpoints count, so a restarted worker resumes exactly.

/// Spaces larger than this are refused: nobody finishes 2^62 probes, and
/// the arithmetic stays within u128 products.
pub const MAX_PROBES: u64 = 1 << 62;

/// A permutation of `0..n`, restricted to one shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOrder {
    n: u64,
    p: u64,
    g: u64,
    x0: u64,
    shard: u64,
    shards: u64,
}

/// Why an order cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderError(pub String);

impl std::fmt::Display for OrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OrderError {}

impl ProbeOrder {
    /// The order of `n` probes for shard `shard` of `shards`, from `seed`.
    /// Equal arguments give the same order on every machine.
    pub fn new(n: u128, seed: u64, shard: u64, shards: u64) -> Result<Self, OrderError> {
        if shards == 0 || shard >= shards {
            return Err(OrderError(format!(
                "shard {shard}/{shards} is out of range: use I/N with 0 <= I < N"
            )));
        }
        let n = u64::try_from(n)
            .ok()
            .filter(|&n| n <= MAX_PROBES)
            .ok_or_else(|| {
                OrderError(format!(
                    "{n} probes is more than aimap can order (2^62); scan fewer targets or ports at a time"
                ))
            })?;
        let p = next_prime(n + 1);
        let mut mix = SplitMix(seed);
        let g = primitive_root(p, &mut mix);
        let x0 = 1 + mix.next() % (p - 1);
        Ok(Self {
            n,
            p,
            g,
            x0,
            shard,
            shards,
        })
    }

    /// Probes in the whole space.
    pub fn probes(&self) -> u64 {
        self.n
    }

    /// Positions in this shard (a few more than its probes: skipped
    /// elements are positions too, done at once).
    pub fn len(&self) -> u64 {
        let steps = self.p - 1;
        if self.shard >= steps {
            0
        } else {
            (steps - self.shard).div_ceil(self.shards)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// About how many real probes this shard sends (exact unsharded).
    pub fn probes_in_shard(&self) -> u64 {
        if self.shards == 1 {
            self.n
        } else {
            (self.n / self.shards + u64::from(self.shard < self.n % self.shards)).min(self.len())
        }
    }

    /// The probe index at `pos` of this shard, `None` for a skipped element.
    pub fn probe_at(&self, pos: u64) -> Option<u64> {
        let e = mul_mod(
            self.x0,
            pow_mod(self.g, self.step_exponent(pos), self.p),
            self.p,
        );
        (e <= self.n).then(|| e - 1)
    }

    /// Walk positions `first, first + stride, …` of this shard, yielding
    /// `(position, probe index or None when skipped)`. One multiplication a
    /// step; drivers of one worker take disjoint strides.
    pub fn walk(&self, first: u64, stride: u64) -> Walk {
        let stride = stride.max(1);
        Walk {
            n: self.n,
            p: self.p,
            mult: pow_mod(
                self.g,
                self.exponent(u128::from(self.shards) * u128::from(stride)),
                self.p,
            ),
            x: mul_mod(
                self.x0,
                pow_mod(self.g, self.step_exponent(first), self.p),
                self.p,
            ),
            pos: first,
            stride,
            len: self.len(),
        }
    }

    /// The walk's step number at shard position `pos`, reduced modulo the
    /// group order (g^(p-1) = 1).
    fn step_exponent(&self, pos: u64) -> u64 {
        self.exponent(u128::from(self.shard) + u128::from(pos) * u128::from(self.shards))
    }

    fn exponent(&self, e: u128) -> u64 {
        (e % u128::from(self.p - 1)) as u64
    }
}

/// See [`ProbeOrder::walk`].
#[derive(Debug, Clone)]
pub struct Walk {
    n: u64,
    p: u64,
    mult: u64,
    x: u64,
    pos: u64,
    stride: u64,
    len: u64,
}

impl Walk {
    /// Jump to `pos` (which must be on this walk's stride, at or after the
    /// current position): resuming skips done positions without stepping.
    pub fn skip_to(&mut self, pos: u64) {
        if pos <= self.pos {
            return;
        }
        let steps = (pos - self.pos) / self.stride;
        self.x = mul_mod(self.x, pow_mod(self.mult, steps, self.p), self.p);
        self.pos += steps * self.stride;
    }

    /// The next position this walk will yield.
    pub fn position(&self) -> u64 {
        self.pos
    }
}

impl Iterator for Walk {
    type Item = (u64, Option<u64>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.len {
            return None;
        }
        let item = (self.pos, (self.x <= self.n).then(|| self.x - 1));
        self.x = mul_mod(self.x, self.mult, self.p);
        self.pos += self.stride;
        Some(item)
    }
}

fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(m)) as u64
}

fn pow_mod(mut base: u64, mut exp: u64, m: u64) -> u64 {
    if m == 1 {
        return 0;
    }
    let mut acc = 1u64;
    base %= m;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul_mod(acc, base, m);
        }
        base = mul_mod(base, base, m);
        exp >>= 1;
    }
    acc
}

/// Deterministic Miller–Rabin: these bases decide every u64.
fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    for b in BASES {
        if n.is_multiple_of(b) {
            return n == b;
        }
    }
    let (mut d, mut r) = (n - 1, 0);
    while d % 2 == 0 {
        d /= 2;
        r += 1;
    }
    'bases: for a in BASES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..r {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// The smallest prime `>= from` (prime gaps below 2^63 are a few
/// hundred, so this is quick).
fn next_prime(from: u64) -> u64 {
    let mut c = from.max(2);
    while !is_prime(c) {
        c += 1;
    }
    c
}

/// The distinct prime factors of `n` (Pollard–Brent rho for big ones).
fn prime_factors(n: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut stack = vec![n];
    while let Some(m) = stack.pop() {
        if m == 1 {
            continue;
        }
        if is_prime(m) {
            if !out.contains(&m) {
                out.push(m);
            }
            continue;
        }
        let d = (2..)
            .take(50)
            .find(|&d| m % d == 0)
            .or_else(|| Some(rho(m)))
            .unwrap_or(m);
        stack.push(d);
        stack.push(m / d);
    }
    out.sort_unstable();
    out
}

/// A nontrivial factor of composite odd `n`.
fn rho(n: u64) -> u64 {
    for c in 1u64.. {
        let f = |x: u64| (mul_mod(x, x, n) + c) % n;
        let (mut x, mut y, mut d) = (2u64, 2u64, 1u64);
        while d == 1 {
            x = f(x);
            y = f(f(y));
            d = gcd(x.abs_diff(y), n);
        }
        if d != n {
            return d;
        }
    }
    n
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A generator of the group mod prime `p`, chosen by the seed.
fn primitive_root(p: u64, mix: &mut SplitMix) -> u64 {
    if p <= 3 {
        return p - 1;
    }
    let factors = prime_factors(p - 1);
    loop {
        let g = 2 + mix.next() % (p - 3);
        if factors.iter().all(|&q| pow_mod(g, (p - 1) / q, p) != 1) {
            return g;
        }
    }
}

/// SplitMix64: a small, well-mixed sequence from a seed.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard_probes(n: u128, seed: u64, shard: u64, shards: u64) -> Vec<u64> {
        let o = ProbeOrder::new(n, seed, shard, shards).unwrap();
        o.walk(0, 1).filter_map(|(_, p)| p).collect()
    }

    #[test]
    fn primes_and_factors() {
        let primes: Vec<u64> = (0..30).filter(|&n| is_prime(n)).collect();
        assert_eq!(primes, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
        assert!(is_prime(4_611_686_018_427_388_039)); // a prime just above 2^62
        assert!(!is_prime(4_611_686_018_427_388_041));
        assert!(!is_prime(3_215_031_751)); // a strong pseudoprime to 2, 3, 5, 7
        assert_eq!(prime_factors(2 * 2 * 3 * 1_000_003), [2, 3, 1_000_003]);
    }

    #[test]
    fn shards_partition_the_space_for_every_size() {
        // Every n up to 300, many shard counts and seeds: the union of the
        // shards is exactly 0..n, each probe once.
        for n in 1..300u128 {
            for shards in [1u64, 2, 3, 4, 7, 16] {
                for seed in [0u64, 1, 0xdead_beef] {
                    let mut all: Vec<u64> = (0..shards)
                        .flat_map(|i| shard_probes(n, seed, i, shards))
                        .collect();
                    all.sort_unstable();
                    let want: Vec<u64> = (0..n as u64).collect();
                    assert_eq!(all, want, "n={n} shards={shards} seed={seed}");
                }
            }
        }
    }

    #[test]
    fn random_access_walks_and_strides_agree() {
        let mut rng = SplitMix(7);
        for _ in 0..200 {
            let n = 1 + u128::from(rng.next() % 5_000);
            let shards = 1 + rng.next() % 9;
            let shard = rng.next() % shards;
            let o = ProbeOrder::new(n, rng.next(), shard, shards).unwrap();
            let seq: Vec<_> = o.walk(0, 1).collect();
            assert_eq!(seq.len() as u64, o.len());
            for (pos, probe) in &seq {
                assert_eq!(o.probe_at(*pos), *probe);
            }
            // Drivers taking strides see the same positions, interleaved.
            let stride = 1 + rng.next() % 5;
            let mut strided: Vec<_> = (0..stride).flat_map(|d| o.walk(d, stride)).collect();
            strided.sort_unstable();
            assert_eq!(strided, seq);
            // Jumping ahead lands where stepping would have.
            let mut w = o.walk(1 % stride.max(1), stride);
            let target = (seq.len() as u64 / 2 / stride) * stride + 1 % stride;
            w.skip_to(target);
            assert_eq!(w.next(), seq.get(target as usize).copied());
        }
    }

    #[test]
    fn order_depends_on_the_seed_and_spreads_neighbours() {
        let a = shard_probes(10_000, 1, 0, 1);
        let b = shard_probes(10_000, 2, 0, 1);
        assert_ne!(a, b);
        assert_eq!(shard_probes(10_000, 1, 0, 1), a, "same seed, same order");
        // Consecutive probes are rarely neighbours in the space.
        let close = a.windows(2).filter(|w| w[0].abs_diff(w[1]) < 16).count();
        assert!(close < 100, "{close} of 9,999 steps stay within 16");
    }

    #[test]
    fn bad_shards_and_huge_spaces_are_refused() {
        assert!(ProbeOrder::new(10, 0, 2, 2).is_err());
        assert!(ProbeOrder::new(10, 0, 0, 0).is_err());
        assert!(ProbeOrder::new(1u128 << 64, 0, 0, 1).is_err());
        let big = ProbeOrder::new(1u128 << 48, 3, 5, 16).unwrap();
        assert!(big.len() >= (1 << 44));
        let mut w = big.walk(0, 1);
        assert!(w.next().is_some());
        // More shards than probes: the extra shards are empty, not wrong.
        let o = ProbeOrder::new(3, 0, 9, 10).unwrap();
        assert_eq!(o.walk(0, 1).filter_map(|(_, p)| p).count(), 0);
    }
}
