//! Version schemes: one comparer per ecosystem family, behind one enum.
//!
//! OSV ranges are only meaningful under the ordering of the ecosystem they
//! name, so every comparison goes through a [`Scheme`] chosen from the
//! ecosystem (or from the range type `SEMVER`). Two versions of different
//! schemes never compare.

mod debian;
mod generic;
mod pep440;
mod rpm;
mod semantic;

use std::cmp::Ordering;
use std::fmt;

use crate::error::{Error, Result};

pub use debian::DebianVersion;
pub use generic::GenericVersion;
pub use rpm::RpmVersion;

/// The ordering rules of one family of version strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Semantic Versioning 2.0 (crates.io, npm, OSV `SEMVER` ranges).
    Semver,
    /// Go module versions: SemVer with a `v` prefix, `+incompatible` and
    /// pseudo-versions (which are SemVer pre-releases by design).
    Go,
    /// PEP 440 (PyPI): epochs, pre/post/dev releases, local versions.
    Pep440,
    /// dpkg's ordering (Debian): epoch, upstream, revision, `~` sorts first.
    Debian,
    /// rpm's ordering (`rpmvercmp`): epoch, version, release.
    Rpm,
    /// Dotted numbers then letters, for products without an ecosystem
    /// (Redis 7.2.4, Triton 2.59.0, llama.cpp b4567).
    Generic,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Self::Semver => "SemVer",
            Self::Go => "Go",
            Self::Pep440 => "PEP 440",
            Self::Debian => "Debian",
            Self::Rpm => "rpm",
            Self::Generic => "generic",
        }
    }

    /// Reads `text` under this scheme.
    pub fn parse(self, text: &str) -> Result<Version> {
        let text = text.trim();
        if text.is_empty() {
            return Err(self.error(text, "empty version"));
        }
        match self {
            Self::Semver => semantic::parse_semver(text).map(Version::Semver),
            Self::Go => semantic::parse_go(text).map(Version::Semver),
            Self::Pep440 => pep440::parse(text).map(Version::Pep440),
            Self::Debian => DebianVersion::parse(text).map(Version::Debian),
            Self::Rpm => RpmVersion::parse(text).map(Version::Rpm),
            Self::Generic => GenericVersion::parse(text).map(Version::Generic),
        }
    }

    /// Compares two version strings under this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering> {
        let (a, b) = (self.parse(a)?, self.parse(b)?);
        // Same scheme on both sides, so the comparison always exists.
        a.partial_cmp(&b)
            .ok_or_else(|| self.error("", "mixed schemes"))
    }

    /// A canonical spelling, so that `versions` lists can be matched with a
    /// set lookup (`1.0` and `1.0.0` are the same PEP 440 version).
    pub fn canonical(self, text: &str) -> Option<String> {
        self.parse(text).ok().map(|v| v.key())
    }

    pub(crate) fn error(self, version: &str, reason: impl Into<String>) -> Error {
        Error::InvalidVersion {
            scheme: self.name(),
            version: version.to_string(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed version. Versions of different schemes are unordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    Semver(semver::Version),
    Pep440(pep440_rs::Version),
    Debian(DebianVersion),
    Rpm(RpmVersion),
    Generic(GenericVersion),
}

impl Version {
    /// A string equal for equal versions (`1.1` and `1.1.0` under PEP 440
    /// or the generic scheme), for set lookups.
    pub fn key(&self) -> String {
        match self {
            Self::Pep440(v) => {
                let release = v.release();
                let keep = release.iter().rposition(|&n| n != 0).map_or(1, |i| i + 1);
                v.clone().with_release(release[..keep].to_vec()).to_string()
            }
            Self::Generic(v) => v.key(),
            other => other.to_string(),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            // semver's Ord also orders build metadata; SemVer precedence
            // ignores it, and so do we.
            (Self::Semver(a), Self::Semver(b)) => Some(semantic::precedence(a, b)),
            (Self::Pep440(a), Self::Pep440(b)) => Some(a.cmp(b)),
            (Self::Debian(a), Self::Debian(b)) => Some(a.cmp(b)),
            (Self::Rpm(a), Self::Rpm(b)) => Some(a.cmp(b)),
            (Self::Generic(a), Self::Generic(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Semver(v) => {
                // Canonical form drops build metadata (no precedence).
                let mut core = v.clone();
                core.build = semver::BuildMetadata::EMPTY;
                write!(f, "{core}")
            }
            Self::Pep440(v) => write!(f, "{v}"),
            Self::Debian(v) => write!(f, "{v}"),
            Self::Rpm(v) => write!(f, "{v}"),
            Self::Generic(v) => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that every element sorts strictly before the next.
    pub(crate) fn assert_ascending(scheme: Scheme, list: &[&str]) {
        for pair in list.windows(2) {
            assert_eq!(
                scheme.compare(pair[0], pair[1]).unwrap(),
                Ordering::Less,
                "{scheme}: expected {} < {}",
                pair[0],
                pair[1]
            );
            assert_eq!(scheme.compare(pair[1], pair[0]).unwrap(), Ordering::Greater);
        }
    }

    #[test]
    fn schemes_do_not_mix() {
        let a = Scheme::Semver.parse("1.0.0").unwrap();
        let b = Scheme::Generic.parse("1.0.0").unwrap();
        assert_eq!(a.partial_cmp(&b), None);
    }

    #[test]
    fn empty_is_an_error_in_every_scheme() {
        for s in [
            Scheme::Semver,
            Scheme::Go,
            Scheme::Pep440,
            Scheme::Debian,
            Scheme::Rpm,
            Scheme::Generic,
        ] {
            assert!(s.parse("  ").is_err(), "{s}");
        }
    }
}
