//! Release strings compared the way the emulators need.

/// `major.minor.patch` of a release string, missing parts as 0, for the
/// release-dependent answers.
pub(crate) fn release(version: &str) -> (u32, u32, u32) {
    let mut parts = version
        .trim_start_matches('v')
        .split(['.', '-', '+'])
        .map(|p| p.parse().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}
