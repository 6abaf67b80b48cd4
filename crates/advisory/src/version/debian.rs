//! Debian package versions, ordered exactly like `dpkg --compare-versions`.

use std::cmp::Ordering;
use std::fmt;

use super::Scheme;
use crate::error::Result;

/// `[epoch:]upstream[-revision]`, as described in deb-version(7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebianVersion {
    epoch: u64,
    upstream: String,
    revision: String,
}

impl DebianVersion {
    pub fn parse(text: &str) -> Result<Self> {
        let err = |reason: &str| Scheme::Debian.error(text, reason);
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) => (
                e.parse::<u64>().map_err(|_| err("epoch is not a number"))?,
                rest,
            ),
            None => (0, text),
        };
        // The revision starts after the last hyphen; the upstream part may
        // contain hyphens only when a revision is present.
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(err("empty upstream version"));
        }
        if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(err("upstream version must start with a digit"));
        }
        let ok = |s: &str, extra: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+~".contains(c) || extra.contains(c))
        };
        if !ok(upstream, "-:") || !ok(revision, "") {
            return Err(err("character not allowed in a Debian version"));
        }
        Ok(Self {
            epoch,
            upstream: upstream.to_string(),
            revision: revision.to_string(),
        })
    }
}

impl Ord for DebianVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

impl PartialOrd for DebianVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for DebianVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch > 0 {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.upstream)?;
        if !self.revision.is_empty() {
            write!(f, "-{}", self.revision)?;
        }
        Ok(())
    }
}

/// The weight of one character in the non-digit part: `~` sorts before
/// everything (even the end of the string), then the end, then letters,
/// then every other character.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's algorithm: alternate non-digit runs (compared by [`order`]) and
/// digit runs (compared as numbers, leading zeros ignored).
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (ac, bc) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        // Compare the digit runs: the longer number wins, else the first
        // differing digit decides.
        let mut first_diff = Ordering::Equal;
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_ascending;
    use super::*;

    #[test]
    fn deb_version_manual_tilde_example() {
        // deb-version(7): "~~, ~~a, ~, the empty part, a" in this order.
        assert_ascending(Scheme::Debian, &["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"]);
        assert_ascending(Scheme::Debian, &["1.0~rc1", "1.0"]);
        assert_ascending(Scheme::Debian, &["1.0~beta1~svn1245", "1.0~beta1", "1.0"]);
    }

    #[test]
    fn epochs_and_revisions() {
        assert_ascending(
            Scheme::Debian,
            &["9.9", "1:0.1", "1:0.1-1", "1:0.1-2", "2:0"],
        );
        assert_ascending(
            Scheme::Debian,
            &[
                "5:6.0.16-1+deb11u1",
                "5:6.0.16-1+deb11u2",
                "5:7.0.15-1~deb12u1",
                "5:7.0.15-1",
            ],
        );
        assert_eq!(
            Scheme::Debian.compare("0:1.0", "1.0").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            Scheme::Debian.compare("1.01", "1.1").unwrap(),
            Ordering::Equal
        );
    }

    #[test]
    fn digits_compare_numerically_and_letters_before_symbols() {
        assert_ascending(Scheme::Debian, &["1.2", "1.10", "1.100"]);
        assert_ascending(Scheme::Debian, &["1.0a", "1.0+", "1.0.1"]);
        assert_ascending(Scheme::Debian, &["2.30-1", "2.30-1+b1", "2.30-2"]);
    }

    #[test]
    fn rejects_what_dpkg_rejects() {
        assert!(DebianVersion::parse("a1.0").is_err());
        assert!(DebianVersion::parse("x:1.0").is_err());
        assert!(DebianVersion::parse("1.0 beta").is_err());
        assert!(DebianVersion::parse("-1").is_err());
    }
}
