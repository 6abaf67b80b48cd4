//! SemVer (crates.io, npm) and Go module versions, both read into
//! `semver::Version`.

use std::cmp::Ordering;

use super::Scheme;
use crate::error::Result;

/// SemVer precedence (semver.org §11): build metadata does not count.
pub(super) fn precedence(a: &semver::Version, b: &semver::Version) -> Ordering {
    (a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| {
            match (a.pre.is_empty(), b.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release sorts before its release.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => a.pre.cmp(&b.pre),
            }
        })
}

/// Reads SemVer, tolerating what registries and banners actually print: a
/// leading `v` or `=`, and a missing minor or patch (`1.2` is `1.2.0`).
pub(super) fn parse_semver(text: &str) -> Result<semver::Version> {
    parse_lenient(Scheme::Semver, text.trim_start_matches(['v', 'V', '=']))
}

/// Reads a Go module version. The Go vulnerability database writes them
/// without the `v`; Ollama's `/api/version` prints `0.1.32` where the module
/// is tagged `v0.1.32`. `+incompatible` marks a v2+ module without a `/vN`
/// path and does not change the ordering.
pub(super) fn parse_go(text: &str) -> Result<semver::Version> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let text = text.strip_suffix("+incompatible").unwrap_or(text);
    parse_lenient(Scheme::Go, text)
}

fn parse_lenient(scheme: Scheme, text: &str) -> Result<semver::Version> {
    if let Ok(v) = semver::Version::parse(text) {
        return Ok(v);
    }
    // Pad a short core (`1.2`, `1`) and try again; anything else is an error.
    let split = text.find(['-', '+']).unwrap_or(text.len());
    let (core, rest) = text.split_at(split);
    let parts = core.split('.').count();
    if (1..3).contains(&parts)
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let padded = format!("{core}{}{rest}", ".0".repeat(3 - parts));
        if let Ok(v) = semver::Version::parse(&padded) {
            return Ok(v);
        }
    }
    semver::Version::parse(text).map_err(|e| scheme.error(text, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_ascending;
    use super::*;

    #[test]
    fn semver_org_precedence_examples() {
        // semver.org §11, verbatim.
        assert_ascending(Scheme::Semver, &["1.0.0", "2.0.0", "2.1.0", "2.1.1"]);
        assert_ascending(
            Scheme::Semver,
            &[
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.1",
                "1.0.0",
            ],
        );
    }

    #[test]
    fn build_metadata_has_no_precedence() {
        assert_eq!(
            Scheme::Semver
                .compare("1.0.0+build.1", "1.0.0+build.2")
                .unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            Scheme::Semver
                .compare("1.0.0-alpha+001", "1.0.0-alpha")
                .unwrap(),
            Ordering::Equal
        );
    }

    #[test]
    fn lenient_forms() {
        assert_eq!(
            Scheme::Semver.compare("v1.2", "1.2.0").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            Scheme::Semver.compare("=1", "1.0.0").unwrap(),
            Ordering::Equal
        );
        assert!(Scheme::Semver.parse("1.2.3.4").is_err());
        assert!(Scheme::Semver.parse("latest").is_err());
    }

    #[test]
    fn go_versions() {
        let go = Scheme::Go;
        assert_eq!(go.compare("v0.1.32", "0.1.32").unwrap(), Ordering::Equal);
        assert_eq!(
            go.compare("v2.0.0+incompatible", "2.0.0").unwrap(),
            Ordering::Equal
        );
        // Pseudo-versions sort before the release they precede, and by time.
        assert_ascending(
            go,
            &[
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-aaaaaaaaaaaa",
                "v0.1.0-rc1",
                "v0.1.0",
                "v0.1.1-0.20200101000000-aaaaaaaaaaaa",
                "v0.1.1",
            ],
        );
        // The Go database's Milvus fix: a pseudo-version on v0.10.3.
        assert_ascending(
            go,
            &["0.10.2", "0.10.3-0.20251107071934-6102f001a971", "0.10.3"],
        );
    }
}
