//! A service's advisories as one group with the one upgrade that fixes
//! them all: "Triton 2.48.0: 32 advisories, 5 critical — 2.68.0 fixes
//! all". People act on the upgrade, not on 32 lines; JSON keeps every
//! finding, only the table, Markdown and the dashboard group.
use std::cmp::Ordering;

use aimap_model::{Service, Severity, VulnerabilityRef};

/// The advisories matched on one service.
#[derive(Debug, Clone, PartialEq)]
pub struct VulnGroup<'a> {
    pub product: &'a str,
    pub version: Option<&'a str>,
    pub advisories: Vec<&'a VulnerabilityRef>,
    /// The lowest release that fixes every advisory (the highest of their
    /// first fixed releases); `None` when one of them has no known fix.
    pub fixes_all: Option<&'a str>,
    /// How many have no known fixed release.
    pub unfixed: usize,
}

impl<'a> VulnGroup<'a> {
    /// `None` for a service without advisories.
    pub fn of(s: &'a Service) -> Option<Self> {
        if s.vulnerabilities.is_empty() {
            return None;
        }
        let mut advisories: Vec<&VulnerabilityRef> = s.vulnerabilities.iter().collect();
        advisories.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        let unfixed = advisories.iter().filter(|v| v.fixed.is_none()).count();
        let highest = advisories
            .iter()
            .filter_map(|v| v.fixed.as_deref())
            .max_by(|a, b| compare_versions(a, b));
        Some(Self {
            product: &s.product,
            version: s.version.as_deref(),
            fixes_all: if unfixed == 0 { highest } else { None },
            unfixed,
            advisories,
        })
    }

    pub fn count(&self, sev: Severity) -> usize {
        self.advisories.iter().filter(|v| v.severity == sev).count()
    }

    pub fn worst(&self) -> Severity {
        self.advisories
            .iter()
            .map(|v| v.severity)
            .max()
            .unwrap_or(Severity::Info)
    }

    /// The one line: `Ollama 0.1.32: 12 advisories, 3 critical — 0.5.7 fixes all`.
    pub fn headline(&self) -> String {
        let n = self.advisories.len();
        let mut text = format!(
            "{} {}: {n} advisor{}",
            self.product,
            self.version.unwrap_or("?"),
            if n == 1 { "y" } else { "ies" }
        );
        let worst: Vec<String> = [Severity::Critical, Severity::High]
            .into_iter()
            .filter(|s| self.count(*s) > 0)
            .map(|s| format!("{} {s}", self.count(s)))
            .collect();
        if !worst.is_empty() {
            text.push_str(&format!(", {}", worst.join(", ")));
        }
        match (self.fixes_all, self.unfixed) {
            (Some(v), _) if n == 1 => text.push_str(&format!(" — {v} fixes it")),
            (Some(v), _) => text.push_str(&format!(" — {v} fixes all")),
            (None, u) if u == n => text.push_str(" — no fixed release is known"),
            (None, u) => text.push_str(&format!(" — {u} without a known fix")),
        }
        text
    }
}

/// Release order for the versions advisories name (`2.48.0`, `0.1.32`,
/// `v1.2.3-rc1`): numeric runs compare as numbers, other runs as text,
/// and a release sorts after its pre-releases. Enough to pick the highest
/// of one product's fixed releases; the advisory matcher has the full
/// per-ecosystem rules.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<String> {
        let s = s.trim_start_matches(['v', 'V']);
        let mut out: Vec<String> = Vec::new();
        let mut cur = String::new();
        for c in s.chars() {
            let same = cur
                .chars()
                .last()
                .is_none_or(|l| l.is_ascii_digit() == c.is_ascii_digit());
            if !c.is_ascii_alphanumeric() {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            } else if same {
                cur.push(c);
            } else {
                out.push(std::mem::take(&mut cur));
                cur.push(c);
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    };
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let ord = match (pa.get(i), pb.get(i)) {
            (Some(x), Some(y)) => match (x.parse::<u64>(), y.parse::<u64>()) {
                (Ok(m), Ok(n)) => m.cmp(&n),
                // A number beats a pre-release tag at the same place.
                (Ok(_), Err(_)) => Ordering::Greater,
                (Err(_), Ok(_)) => Ordering::Less,
                (Err(_), Err(_)) => x.cmp(y),
            },
            // `1.2` vs `1.2.1`: more numbers is later; `1.2` vs `1.2-rc1`: the release is later.
            (Some(x), None) => {
                if x.parse::<u64>().is_ok() {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (None, Some(y)) => {
                if y.parse::<u64>().is_ok() {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(id: &str, severity: Severity, fixed: Option<&str>) -> VulnerabilityRef {
        VulnerabilityRef {
            id: id.into(),
            aliases: Vec::new(),
            severity,
            cvss_score: None,
            fixed: fixed.map(str::to_string),
            confidence: "version-only".into(),
            summary: "s".into(),
            note: None,
        }
    }

    fn triton(vulns: Vec<VulnerabilityRef>) -> Service {
        let mut s: Service = serde_json::from_value(serde_json::json!({
            "host": "127.0.0.1", "port": 8000, "service": "triton",
            "product": "NVIDIA Triton Inference Server", "version": "2.48.0",
            "version_source": "api", "auth": "none", "transport": "http",
            "evidence": [], "findings": []
        }))
        .unwrap();
        s.vulnerabilities = vulns;
        s
    }

    #[test]
    fn versions_compare_as_releases() {
        use Ordering::*;
        assert_eq!(compare_versions("2.68.0", "2.9.0"), Greater);
        assert_eq!(compare_versions("v0.1.34", "0.1.34"), Equal);
        assert_eq!(compare_versions("1.2", "1.2.1"), Less);
        assert_eq!(compare_versions("1.2.0-rc1", "1.2.0"), Less);
        assert_eq!(compare_versions("0.10.1", "0.9.2"), Greater);
    }

    #[test]
    fn one_upgrade_fixes_them_all() {
        let s = triton(vec![
            v("A", Severity::Critical, Some("2.50.0")),
            v("B", Severity::High, Some("2.68.0")),
            v("C", Severity::Critical, Some("2.9.1")),
            v("D", Severity::Medium, Some("2.61.0")),
        ]);
        let g = VulnGroup::of(&s).unwrap();
        assert_eq!(g.fixes_all, Some("2.68.0"));
        assert_eq!(
            g.headline(),
            "NVIDIA Triton Inference Server 2.48.0: 4 advisories, 2 critical, 1 high — 2.68.0 fixes all"
        );
        assert_eq!(g.advisories[0].id, "A", "worst first, then by id");
        assert_eq!(g.worst(), Severity::Critical);
    }

    #[test]
    fn an_advisory_without_a_fix_is_said() {
        let s = triton(vec![
            v("A", Severity::Low, Some("2.50.0")),
            v("B", Severity::Medium, None),
        ]);
        let g = VulnGroup::of(&s).unwrap();
        assert_eq!(g.fixes_all, None);
        assert!(g
            .headline()
            .ends_with("2 advisories — 1 without a known fix"));
        assert!(VulnGroup::of(&triton(Vec::new())).is_none());
    }
}
