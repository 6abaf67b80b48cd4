//! CVSS vectors: the v3.x base score computed from the vector (FIRST's
//! CVSS v3.1 specification, §7.1 and Appendix A), and the mapping from a
//! score to aimap's [`Severity`].
//!
//! CVSS v4 scores come from a large lookup table of macro-vectors; we keep
//! v4 vectors as evidence but do not score them, and fall back to the
//! database's own severity label instead.

use aimap_model::Severity;
use serde::{Deserialize, Serialize};

/// A CVSS vector as the advisory gave it, with its base score when we can
/// compute one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// `3.0`, `3.1` or `4.0`.
    pub version: String,
    pub vector: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl Cvss {
    /// Reads a vector string; `None` when it is not a CVSS vector at all.
    pub fn from_vector(vector: &str) -> Option<Self> {
        let vector = vector.trim();
        let version = vector.strip_prefix("CVSS:")?.split('/').next()?.to_string();
        let score = if version.starts_with('3') {
            v3_base_score(vector)
        } else {
            None
        };
        Some(Self {
            version,
            vector: vector.to_string(),
            score,
        })
    }

    /// The severity band of the score, when there is one.
    pub fn severity(&self) -> Option<Severity> {
        self.score.map(severity_for_score)
    }
}

/// CVSS's qualitative bands, as aimap's severities: 9.0+ critical, 7.0+
/// high, 4.0+ medium, above zero low, zero informational.
pub fn severity_for_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// The CVSS v3.x base score, or `None` when a base metric is missing or
/// has an unknown value.
pub fn v3_base_score(vector: &str) -> Option<f64> {
    let metric = |name: &str| {
        vector.split('/').skip(1).find_map(|part| {
            let (k, v) = part.split_once(':')?;
            (k == name).then_some(v)
        })
    };
    let scope_changed = match metric("S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = match metric("AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match metric("AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    // Privileges weigh more when the scope changes.
    let pr = match (metric("PR")?, scope_changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match metric("UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |name: &str| match metric(name)? {
        "H" => Some(0.56),
        "L" => Some(0.22),
        "N" => Some(0.0),
        _ => None,
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);

    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if scope_changed {
        7.52 * (iss - 0.029) - 3.25 * f64::powi(iss - 0.02, 15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return Some(0.0);
    }
    let raw = if scope_changed {
        1.08 * (impact + exploitability)
    } else {
        impact + exploitability
    };
    Some(round_up(raw.min(10.0)))
}

/// CVSS v3.1 Roundup: the smallest one-decimal number not below the input,
/// computed on integers so that 4.000000001 does not become 4.1.
fn round_up(value: f64) -> f64 {
    let scaled = (value * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        ((scaled / 10_000) + 1) as f64 / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(v: &str) -> f64 {
        v3_base_score(v).unwrap()
    }

    #[test]
    fn known_scores() {
        // Scores as published with these vectors (NVD / FIRST calculator).
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"), 6.5);
        assert_eq!(score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), 7.8);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
        assert_eq!(score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"), 8.1);
        assert_eq!(score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"), 7.5);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), 8.8);
        assert_eq!(score("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:H/A:H"), 8.3);
        assert_eq!(score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H"), 8.8);
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0);
    }

    #[test]
    fn bands() {
        assert_eq!(severity_for_score(9.0), Severity::Critical);
        assert_eq!(severity_for_score(8.9), Severity::High);
        assert_eq!(severity_for_score(7.0), Severity::High);
        assert_eq!(severity_for_score(4.0), Severity::Medium);
        assert_eq!(severity_for_score(0.1), Severity::Low);
        assert_eq!(severity_for_score(0.0), Severity::Info);
    }

    #[test]
    fn incomplete_or_foreign_vectors() {
        assert_eq!(
            v3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
            None
        );
        assert_eq!(
            v3_base_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
        let v4 =
            Cvss::from_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
                .unwrap();
        assert_eq!((v4.version.as_str(), v4.score), ("4.0", None));
        assert!(Cvss::from_vector("AV:N/AC:L").is_none());
    }
}
