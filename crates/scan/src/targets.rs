//! What to scan: addresses, CIDRs, ranges and hostnames, minus exclusions,
//! held as merged intervals and indexed lazily.
//!
//! Nothing here allocates per address: `10.0.0.0/8` is one interval, and the
//! probe space maps an index to an (address, port) by arithmetic, which is
//! what lets several drivers (and later, shards) walk disjoint strides.
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::TargetParseError;

/// Sorted, merged, inclusive intervals of one address family.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Intervals(Vec<(u128, u128)>);

impl Intervals {
    fn from_unsorted(mut v: Vec<(u128, u128)>) -> Self {
        v.sort_unstable();
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Self(out)
    }

    fn subtract(&self, minus: &Intervals) -> Intervals {
        let mut out = Vec::new();
        for &(mut lo, hi) in &self.0 {
            let mut alive = true;
            for &(xlo, xhi) in &minus.0 {
                if xhi < lo || xlo > hi {
                    continue;
                }
                if xlo > lo {
                    out.push((lo, xlo - 1));
                }
                if xhi >= hi {
                    alive = false;
                    break;
                }
                lo = xhi + 1;
            }
            if alive {
                out.push((lo, hi));
            }
        }
        Intervals(out)
    }
}

/// One family's intervals with prefix sums for O(log n) indexing.
#[derive(Debug, Clone, Default)]
struct Indexed {
    intervals: Vec<(u128, u128)>,
    /// starts[k] = number of addresses before interval k.
    starts: Vec<u128>,
    total: u128,
}

impl Indexed {
    fn new(iv: Intervals) -> Self {
        let mut starts = Vec::with_capacity(iv.0.len());
        let mut total = 0u128;
        for (lo, hi) in &iv.0 {
            starts.push(total);
            total += hi - lo + 1;
        }
        Self {
            intervals: iv.0,
            starts,
            total,
        }
    }

    fn get(&self, i: u128) -> u128 {
        let k = self.starts.partition_point(|s| *s <= i) - 1;
        self.intervals[k].0 + (i - self.starts[k])
    }
}

/// The validated set of addresses to scan, with the names users gave them.
#[derive(Debug, Clone, Default)]
pub struct TargetSet {
    v4: Indexed,
    v6: Indexed,
    /// Hostnames as typed, by the address they resolved to (for reports).
    names: BTreeMap<IpAddr, String>,
}

impl TargetSet {
    /// Parse targets and exclusions. `resolve` turns a hostname into
    /// addresses (the binary passes the system resolver; tests a fake).
    pub fn build<R>(
        targets: &[String],
        excludes: &[String],
        resolve: R,
    ) -> Result<Self, TargetParseError>
    where
        R: Fn(&str) -> Result<Vec<IpAddr>, String>,
    {
        let mut names = BTreeMap::new();
        let (t4, t6) = collect("target", targets, &resolve, Some(&mut names))?;
        let (x4, x6) = collect("exclusion", excludes, &resolve, None)?;
        let set = Self {
            v4: Indexed::new(t4.subtract(&x4)),
            v6: Indexed::new(t6.subtract(&x6)),
            names,
        };
        Ok(set)
    }

    /// Number of distinct addresses.
    pub fn address_count(&self) -> u128 {
        self.v4.total + self.v6.total
    }

    /// The `i`-th address (IPv4 first, ascending), for `i < address_count()`.
    pub fn address(&self, i: u128) -> IpAddr {
        if i < self.v4.total {
            IpAddr::V4(Ipv4Addr::from(self.v4.get(i) as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(self.v6.get(i - self.v4.total)))
        }
    }

    /// The hostname a user gave for this address, if any.
    pub fn name_of(&self, ip: &IpAddr) -> Option<&str> {
        self.names.get(ip).map(String::as_str)
    }
}

fn collect<R>(
    what: &'static str,
    inputs: &[String],
    resolve: &R,
    mut names: Option<&mut BTreeMap<IpAddr, String>>,
) -> Result<(Intervals, Intervals), TargetParseError>
where
    R: Fn(&str) -> Result<Vec<IpAddr>, String>,
{
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    for raw in inputs {
        let input = raw.trim();
        let ranges = match parse_literal(input) {
            Some(r) => r.map_err(|reason| TargetParseError::new(what, input, reason))?,
            None => {
                check_hostname(input)
                    .map_err(|reason| TargetParseError::new(what, input, reason))?;
                let ips =
                    resolve(input).map_err(|reason| TargetParseError::new(what, input, reason))?;
                if ips.is_empty() {
                    return Err(TargetParseError::new(
                        what,
                        input,
                        "the name resolved to no address",
                    ));
                }
                ips.into_iter()
                    .map(|ip| {
                        if let Some(n) = names.as_deref_mut() {
                            n.entry(ip).or_insert_with(|| input.to_string());
                        }
                        let v = ip_value(ip);
                        (ip.is_ipv4(), v, v)
                    })
                    .collect()
            }
        };
        for (is_v4, lo, hi) in ranges {
            if is_v4 {
                v4.push((lo, hi))
            } else {
                v6.push((lo, hi))
            }
        }
    }
    Ok((Intervals::from_unsorted(v4), Intervals::from_unsorted(v6)))
}

fn ip_value(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u32::from(a) as u128,
        IpAddr::V6(a) => u128::from(a),
    }
}

type Ranges = Vec<(bool, u128, u128)>;

/// Parse an address, CIDR or range. `None` means "not a literal": try it as a hostname.
fn parse_literal(s: &str) -> Option<Result<Ranges, String>> {
    if s.is_empty() {
        return Some(Err("empty target".into()));
    }
    if let Some((addr, prefix)) = s.split_once('/') {
        return Some(parse_cidr(addr, prefix));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        let v = ip_value(ip);
        return Some(Ok(vec![(ip.is_ipv4(), v, v)]));
    }
    if let Some((a, b)) = s.split_once('-') {
        if let Ok(start) = a.parse::<IpAddr>() {
            return Some(parse_range(start, b));
        }
    }
    // Digits and dots only, yet not an address: a typo, not a hostname.
    if s.chars().all(|c| c.is_ascii_digit() || c == '.') || s.contains(':') {
        return Some(Err("not a valid IP address".into()));
    }
    None
}

fn parse_cidr(addr: &str, prefix: &str) -> Result<Ranges, String> {
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("{addr:?} is not an IP address"))?;
    let bits = if ip.is_ipv4() { 32 } else { 128 };
    let len: u32 = prefix
        .parse()
        .map_err(|_| format!("prefix {prefix:?} is not a number"))?;
    if len > bits {
        return Err(format!("prefix /{len} is longer than {bits} bits"));
    }
    let host_bits = bits - len;
    let mask: u128 = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let lo = ip_value(ip) & !mask;
    Ok(vec![(ip.is_ipv4(), lo, lo | mask)])
}

fn parse_range(start: IpAddr, end: &str) -> Result<Ranges, String> {
    let end_ip = match end.parse::<IpAddr>() {
        Ok(ip) => ip,
        // nmap style: 127.0.0.1-40 ends at 127.0.0.40.
        Err(_) => match (start, end.parse::<u8>()) {
            (IpAddr::V4(s), Ok(last)) => {
                let o = s.octets();
                IpAddr::V4(Ipv4Addr::new(o[0], o[1], o[2], last))
            }
            _ => return Err(format!("range end {end:?} is not an address")),
        },
    };
    if start.is_ipv4() != end_ip.is_ipv4() {
        return Err("range mixes IPv4 and IPv6".into());
    }
    let (lo, hi) = (ip_value(start), ip_value(end_ip));
    if lo > hi {
        return Err("range runs backwards".into());
    }
    Ok(vec![(start.is_ipv4(), lo, hi)])
}

fn check_hostname(s: &str) -> Result<(), String> {
    let ok = s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err("not an address, CIDR, range or hostname".into())
    }
}

/// Every (address, port) pair to probe, indexed address-major so the ports
/// of one host are probed together.
#[derive(Debug, Clone)]
pub struct ProbeSpace {
    targets: TargetSet,
    ports: Vec<u16>,
}

impl ProbeSpace {
    pub fn new(targets: TargetSet, ports: Vec<u16>) -> Self {
        Self { targets, ports }
    }

    pub fn len(&self) -> u128 {
        self.targets.address_count() * self.ports.len() as u128
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: u128) -> SocketAddr {
        let n = self.ports.len() as u128;
        SocketAddr::new(self.targets.address(i / n), self.ports[(i % n) as usize])
    }

    pub fn targets(&self) -> &TargetSet {
        &self.targets
    }

    pub fn ports(&self) -> &[u16] {
        &self.ports
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_dns(_: &str) -> Result<Vec<IpAddr>, String> {
        Err("no resolver in this test".into())
    }

    fn set(t: &[&str], x: &[&str]) -> Result<TargetSet, TargetParseError> {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        TargetSet::build(&s(t), &s(x), no_dns)
    }

    fn all(ts: &TargetSet) -> Vec<String> {
        (0..ts.address_count())
            .map(|i| ts.address(i).to_string())
            .collect()
    }

    #[test]
    fn parses_every_form_and_merges_overlaps() {
        let ts = set(
            &[
                "127.0.0.1-3",
                "127.0.0.2/31",
                "127.0.0.10-127.0.0.11",
                "::1",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(
            all(&ts),
            [
                "127.0.0.1",
                "127.0.0.2",
                "127.0.0.3",
                "127.0.0.10",
                "127.0.0.11",
                "::1"
            ]
        );
    }

    #[test]
    fn exclusions_cut_holes() {
        let ts = set(
            &["127.0.0.0/29"],
            &["127.0.0.0", "127.0.0.3-127.0.0.4", "127.0.0.7"],
        )
        .unwrap();
        assert_eq!(
            all(&ts),
            ["127.0.0.1", "127.0.0.2", "127.0.0.5", "127.0.0.6"]
        );
    }

    #[test]
    fn huge_ranges_are_not_materialised() {
        let ts = set(&["10.0.0.0/8", "::/64"], &[]).unwrap();
        assert_eq!(ts.address_count(), (1u128 << 24) + (1u128 << 64));
        assert_eq!(ts.address((1 << 24) - 1).to_string(), "10.255.255.255");
        assert_eq!(ts.address(1 << 24).to_string(), "::");
        let space = ProbeSpace::new(ts, vec![1, 2, 3]);
        assert_eq!(space.get(5).to_string(), "10.0.0.1:3");
    }

    #[test]
    fn bad_targets_say_why() {
        for (bad, why) in [
            ("127.0.0.0/33", "longer than 32"),
            ("127.0.0.1/x", "not a number"),
            ("300.1.1.1", "not a valid IP"),
            ("127.0.0.9-127.0.0.1", "backwards"),
            ("127.0.0.1-::1", "mixes"),
            ("bad_host!", "not an address"),
            ("", "empty"),
        ] {
            let e = set(&[bad], &[]).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert!(set(&["example.test"], &[])
            .unwrap_err()
            .to_string()
            .contains("no resolver"));
    }

    #[test]
    fn hostnames_resolve_and_keep_their_name() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ts = TargetSet::build(&s(&["redis.local"]), &[], |_| {
            Ok(vec!["127.0.0.5".parse().unwrap()])
        })
        .unwrap();
        assert_eq!(
            ts.name_of(&"127.0.0.5".parse().unwrap()),
            Some("redis.local")
        );
    }
}
