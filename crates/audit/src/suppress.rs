//! Suppression, never silent: an inline `# aimap:ignore RULE-ID reason` on
//! the finding's line or the line above, or an entry in a baseline file.
//! Suppressed findings stay in the report, counted, with the reason.
use std::collections::BTreeMap;
use std::path::Path;

use aimap_model::Finding;
use serde::{Deserialize, Serialize};

use crate::error::AuditError;

/// A finding that was not counted, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suppressed {
    #[serde(flatten)]
    pub finding: Finding,
    /// `inline`, `baseline` or `configuration` (a control in the same
    /// workload closes the advisory: rules/audit/mitigations.toml).
    pub by: &'static str,
    pub reason: String,
}

/// The inline ignore that covers `rule` on `line`, with its reason.
pub fn inline(lines: &[&str], rule: &str, line: u32) -> Option<String> {
    let idx = usize::try_from(line).ok()?.checked_sub(1)?;
    let candidates = [Some(idx), idx.checked_sub(1)];
    for i in candidates.into_iter().flatten() {
        let Some(text) = lines.get(i) else { continue };
        let Some(pos) = text.find("aimap:ignore") else {
            continue;
        };
        let rest = text[pos + "aimap:ignore".len()..].trim();
        let (ids, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if ids.split(',').any(|id| id == rule || id == "all") {
            let reason = reason.trim();
            return Some(if reason.is_empty() {
                "no reason given".into()
            } else {
                reason.to_string()
            });
        }
    }
    None
}

/// A finding's identity for baselines: [`Finding::identity`], the key the
/// store and `diff` use too (rule, file and what was seen, not the line
/// number, so edits elsewhere in the file keep it matching).
pub fn baseline_key(f: &Finding) -> String {
    f.identity()
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    /// baseline key → where it was when written (for people reading the file).
    pub findings: BTreeMap<String, String>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Self, AuditError> {
        let err = |reason: String| AuditError::Baseline {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        if b.version != 1 {
            return Err(err(format!("unsupported version {}", b.version)));
        }
        Ok(b)
    }

    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        Self {
            version: 1,
            findings: findings
                .into_iter()
                .map(|f| (baseline_key(f), f.subject.key()))
                .collect(),
        }
    }

    pub fn contains(&self, f: &Finding) -> bool {
        self.findings.contains_key(&baseline_key(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_on_the_line_or_above() {
        let lines = [
            "a",
            "# aimap:ignore privileged needed for the NIC driver",
            "privileged: true",
            "x # aimap:ignore cap-add,host-pid",
        ];
        assert_eq!(
            inline(&lines, "privileged", 3).as_deref(),
            Some("needed for the NIC driver")
        );
        assert_eq!(
            inline(&lines, "host-pid", 4).as_deref(),
            Some("no reason given")
        );
        assert_eq!(inline(&lines, "privileged", 1), None);
        assert_eq!(inline(&lines, "docker-socket", 3), None);
    }
}
