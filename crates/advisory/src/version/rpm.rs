//! rpm package versions (`[epoch:]version[-release]`), ordered like rpm's
//! `rpmvercmp` and `rpmVersionCompare`: the epoch as a number (absent is
//! 0), then version and release segment by segment, where digits compare
//! numerically, letters as strings, a numeric segment beats a letter one,
//! `~` sorts before everything (pre-releases) and `^` after the base but
//! before anything longer (snapshots).

use std::cmp::Ordering;
use std::fmt;

use super::Scheme;
use crate::error::Result;

#[derive(Debug, Clone, Eq)]
pub struct RpmVersion {
    epoch: u64,
    version: String,
    /// Absent on one side means "any release", as in rpm's own comparison.
    release: Option<String>,
}

impl RpmVersion {
    pub fn parse(text: &str) -> Result<Self> {
        let err = |reason: &str| Scheme::Rpm.error(text, reason);
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("whitespace or control character in an rpm version"));
        }
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) => (
                e.parse::<u64>().map_err(|_| err("epoch is not a number"))?,
                rest,
            ),
            None => (0, text),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((v, r)) => (v, Some(r)),
            None => (rest, None),
        };
        if version.is_empty() || release == Some("") {
            return Err(err("empty version or release"));
        }
        if !version
            .bytes()
            .chain(release.unwrap_or("").bytes())
            .any(|b| b.is_ascii_alphanumeric())
        {
            return Err(err("no digits or letters"));
        }
        Ok(Self {
            epoch,
            version: version.to_string(),
            release: release.map(str::to_string),
        })
    }
}

/// rpm's `rpmvercmp`, on bytes.
fn vercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        // A tilde sorts before anything, even the end of the string.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // A caret sorts after the end of the string, before anything else.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = ca.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (si, sj) = (i, j);
        while i < a.len() && class(&a[i]) {
            i += 1;
        }
        while j < b.len() && class(&b[j]) {
            j += 1;
        }
        let (mut sa, mut sb) = (&a[si..i], &b[sj..j]);
        // Segments of different kinds: the numeric one is newer.
        if sb.is_empty() {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if numeric {
            while sa.first() == Some(&b'0') {
                sa = &sa[1..];
            }
            while sb.first() == Some(&b'0') {
                sb = &sb[1..];
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    // Equal so far: whichever still has something left is newer.
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| vercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => vercmp(a, b),
                _ => Ordering::Equal,
            })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl fmt::Display for RpmVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch > 0 {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.version)?;
        if let Some(r) = &self.release {
            write!(f, "-{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_ascending;
    use super::*;

    #[test]
    fn rpmvercmp_cases() {
        // Cases from rpm's own test suite (tests/rpmvercmp.at), as facts.
        let eq = |a: &str, b: &str| assert_eq!(vercmp(a, b), Ordering::Equal, "{a} = {b}");
        let lt = |a: &str, b: &str| {
            assert_eq!(vercmp(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(vercmp(b, a), Ordering::Greater, "{b} > {a}");
        };
        eq("1.0", "1.0");
        lt("1.0", "2.0");
        lt("2.0", "2.0.1");
        lt("2.0.1", "2.0.1a");
        lt("5.5p1", "5.5p2");
        lt("5.5p1", "5.5p10");
        lt("10xyz", "10.1xyz");
        lt("xyz10", "xyz10.1");
        lt("a", "1");
        eq("1.0010", "1.10");
        lt("1.0~rc1", "1.0");
        lt("1.0~rc1", "1.0~rc2");
        lt("1.0~rc1~git123", "1.0~rc1");
        lt("1.0", "1.0^");
        lt("1.0^", "1.0.1");
        lt("1.0^git1", "1.0^git2");
        lt("1.0~rc1", "1.0~rc1^git1");
        lt("1.0^git1~pre", "1.0^git1");
        eq("2_0", "2_0");
        eq("2.0", "2_0");
        eq("a+", "a_");
        lt("1b.fc17", "1.fc17");
    }

    #[test]
    fn epoch_version_release() {
        assert_ascending(
            Scheme::Rpm,
            &[
                "3.0.1-41.el9_0",
                "3.0.1-43.el9_0",
                "3.0.7-1.el9",
                "1:3.0.1-41.el9_0",
                "1:3.0.1-43.el9_0",
            ],
        );
        assert_eq!(
            Scheme::Rpm.compare("0:1.2-3", "1.2-3").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            Scheme::Rpm.compare("1.2", "1.2-3").unwrap(),
            Ordering::Equal
        );
        assert!(RpmVersion::parse("x:1").is_err());
        assert!(RpmVersion::parse("1.0 beta").is_err());
        assert!(RpmVersion::parse("1-").is_err());
        assert_eq!(RpmVersion::parse("0:1.2-3").unwrap().to_string(), "1.2-3");
    }
}
