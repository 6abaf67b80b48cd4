//! Advisories closed by configuration: `rules/audit/mitigations.toml`.
//! An advisory whose attack needs an unauthenticated client (ShadowRay) is
//! not a finding to fail a build on where the same workload turns on the
//! product's authentication, but it is never dropped either: it is kept as
//! suppressed "by configuration", with the line that turns the control on.
use std::sync::OnceLock;

use aimap_advisory::Match;
use serde::Deserialize;

use crate::checks::Control;
use crate::error::AuditError;

const DATA: &str = include_str!("../../../rules/audit/mitigations.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mitigation {
    /// The advisory id or one of its aliases.
    pub advisory: String,
    /// The control name checks emit (`ray-token-auth`).
    pub control: String,
    /// The first release that implements the control; older images keep
    /// the finding even with the setting present.
    #[serde(default)]
    pub since: Option<String>,
    pub what: String,
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    mitigation: Vec<Mitigation>,
}

/// The built-in mitigations (parsed once).
pub fn builtin() -> Result<&'static [Mitigation], AuditError> {
    static DATA_PARSED: OnceLock<Result<Vec<Mitigation>, String>> = OnceLock::new();
    DATA_PARSED
        .get_or_init(|| {
            toml::from_str::<File>(DATA)
                .map(|f| f.mitigation)
                .map_err(|e| format!("mitigations.toml: {e}"))
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(|e| AuditError::Rules(e.clone()))
}

/// Why `m` on an image at `version` is closed by one of `controls`, if it is.
pub fn reason(
    all: &[Mitigation],
    m: &Match,
    version: &str,
    controls: &[Control],
) -> Option<String> {
    let ids = || std::iter::once(&m.id).chain(&m.aliases);
    all.iter()
        .filter(|x| ids().any(|id| *id == x.advisory))
        .filter(|x| x.since.as_deref().is_none_or(|s| at_least(version, s)))
        .find_map(|x| {
            let c = controls.iter().find(|c| c.name == x.control)?;
            Some(format!(
                "mitigated by configuration: {} (line {}): {}",
                c.evidence, c.line, x.what
            ))
        })
}

/// `version >= since`, both dotted numbers; anything unreadable is `false`,
/// so an unreadable tag keeps the finding.
fn at_least(version: &str, since: &str) -> bool {
    let nums = |v: &str| -> Option<Vec<u64>> {
        v.split(['-', '+'])
            .next()?
            .split('.')
            .map(|p| p.parse().ok())
            .collect()
    };
    match (nums(version), nums(since)) {
        (Some(v), Some(s)) => v >= s,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_loads_and_versions_compare() {
        assert!(!builtin().unwrap().is_empty());
        assert!(at_least("2.52.0", "2.52.0"));
        assert!(at_least("2.60.1", "2.52.0"));
        assert!(!at_least("2.51.9", "2.52.0"));
        assert!(!at_least("nightly", "2.52.0"));
    }
}
