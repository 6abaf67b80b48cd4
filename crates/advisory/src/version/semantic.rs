//! SemVer (OSV `SEMVER` ranges, npm, crates.io) and Go module versions, all
//! read into `semver::Version` and ordered by SemVer 2.0 precedence. The
//! schemes differ only in what text they accept.

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

/// node-semver's limits: longer strings and bigger numbers are not versions.
const NPM_MAX_LENGTH: usize = 256;
const NPM_MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Reads an npm version as node-semver's loose mode does: any run of `v`,
/// `=` and blanks before the number is ignored (`= v1.2.3` is `1.2.3`).
/// Like the other banner schemes it also pads a short core, which
/// node-semver would reject; registry data never has one.
pub(super) fn parse_npm(text: &str) -> Result<semver::Version> {
    if text.len() > NPM_MAX_LENGTH {
        return Err(Scheme::Npm.error(text, "longer than 256 characters"));
    }
    let core = text.trim_start_matches(|c: char| c == 'v' || c == '=' || c.is_whitespace());
    let v = parse_lenient(Scheme::Npm, core)?;
    if [v.major, v.minor, v.patch]
        .iter()
        .any(|&n| n > NPM_MAX_SAFE_INTEGER)
    {
        return Err(Scheme::Npm.error(text, "number above 2^53 - 1"));
    }
    Ok(v)
}

/// Reads a crates.io version exactly as Cargo does: full SemVer 2.0, no
/// prefix, no padding (crates.io never publishes anything else).
pub(super) fn parse_cargo(text: &str) -> Result<semver::Version> {
    semver::Version::parse(text).map_err(|e| Scheme::Cargo.error(text, e.to_string()))
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
        // The third form (Go modules reference, "Pseudo-versions"): after a
        // pre-release tag, `vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef`.
        assert_ascending(
            go,
            &[
                "v1.2.3-pre",
                "v1.2.3-pre.0.20200101000000-aaaaaaaaaaaa",
                "v1.2.3-pre.0.20210101000000-bbbbbbbbbbbb",
                "v1.2.3",
            ],
        );
        // The Go database's Milvus fix: a pseudo-version on v0.10.3.
        assert_ascending(
            go,
            &["0.10.2", "0.10.3-0.20251107071934-6102f001a971", "0.10.3"],
        );
    }
}
