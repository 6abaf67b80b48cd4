//! What a match says, and how it becomes an aimap [`Finding`].
//!
//! Policy decisions that live here, so that scan and inventory agree:
//!
//! * **No fixed version.** An advisory whose range for the package has no
//!   `fixed` event (the Go database's Ollama entries with only
//!   `introduced: "0"`, ChromaDB's CVE-2026-45829 with `last_affected`)
//!   still matches. Its [`Match::fixed`] is `None` and the remediation says
//!   that no fixed release is known and what to do meanwhile, instead of
//!   inventing an upgrade target.
//! * **Unknown version.** Without a version, only advisories that affect
//!   every version are *affected*; version-specific ones are *possible*, with
//!   a note saying that reading the version would settle them.
//! * **Banner versions.** A version read from a network banner of a generic
//!   product (`pkg:generic/redis`) says nothing about distribution
//!   backports, so such matches carry [`Confidence::VersionOnly`].

use std::sync::Arc;

use aimap_model::{Finding, FindingKind, Severity, Subject};
use serde::Serialize;

use crate::cvss::Cvss;

/// How much a match can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// The version came from a package manager (or a package coordinate
    /// whose versions are not rebuilt by distributions).
    Package,
    /// The version came from a network banner of a generic product: a
    /// distribution build may carry a backported fix under an old number.
    VersionOnly,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Package => "package",
            Self::VersionOnly => "version-only",
        }
    }
}

/// Where an advisory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Imported OSV data (`aimap db import` / `db update`).
    Database,
    /// aimap's curated AI-infrastructure advisories, built into the binary.
    Curated,
}

/// One advisory that applies (or may apply) to a component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub id: String,
    /// Other ids for the same vulnerability (CVE, GHSA, PYSEC, GO...).
    pub aliases: Vec<String>,
    pub summary: Arc<str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    /// The advisory text, cut at 1,000 characters.
    pub details: Arc<str>,
    pub severity: Severity,
    /// False when the advisory carries no rating and [`Match::severity`] is
    /// aimap's default (medium).
    pub rated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss: Option<Cvss>,
    /// The OSV ecosystem and (normalised) package name the advisory names.
    pub ecosystem: String,
    pub package: String,
    /// The version that was matched, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The affected range in words (`>= 7.2.0, < 7.2.11`).
    pub affected_versions: Arc<str>,
    /// The release that fixes it for this version; `None` when the data
    /// names none.
    pub fixed: Option<String>,
    pub references: Arc<[String]>,
    pub confidence: Confidence,
    pub source: Source,
    /// Why this is only possible, or what would settle it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The advisory's own advice while no fix exists (curated data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mitigation: Option<Arc<str>>,
}

impl Match {
    /// The CVE alias, if any: the id people search for.
    pub fn cve(&self) -> Option<&str> {
        std::iter::once(&self.id)
            .chain(&self.aliases)
            .map(String::as_str)
            .find(|a| a.starts_with("CVE-"))
    }

    /// What to do, in one or two sentences.
    pub fn remediation(&self, package_name: &str) -> String {
        let mut text = match &self.fixed {
            Some(fixed) => format!("Upgrade {package_name} to {fixed} or later."),
            None => {
                let meanwhile = self.mitigation.as_deref().unwrap_or(
                    "keep the service off untrusted networks, require authentication in front of it, apply the workarounds in the advisory's references, and watch for a release that fixes it",
                );
                format!(
                    "No fixed release of {package_name} is known for {}. Until one ships: {}",
                    self.id,
                    meanwhile.trim_end_matches('.')
                ) + "."
            }
        };
        if self.version.is_none() {
            text = format!("Read the installed version of {package_name} to settle whether {} applies (affected: {}). {text}", self.id, self.affected_versions);
        }
        if self.confidence == Confidence::VersionOnly {
            text.push_str(" The version came from a network banner: a distribution package may carry a backported fix, so check the package changelog before upgrading.");
        }
        text
    }
}

/// The answer for one component.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MatchResult {
    /// Advisories that apply to this version.
    pub affected: Vec<Match>,
    /// Advisories that may apply: the version is unknown or unreadable, or
    /// the Debian release was not given.
    pub possible: Vec<Match>,
    /// Why nothing could be matched (unknown purl type, bad purl).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl MatchResult {
    pub fn is_empty(&self) -> bool {
        self.affected.is_empty() && self.possible.is_empty()
    }
}

/// Turns a match into an aimap finding about `subject`.
pub fn to_finding(m: &Match, subject: Subject, package_name: &str) -> Finding {
    let label = m
        .cve()
        .filter(|c| *c != m.id)
        .map(|c| format!("{} ({c})", m.id))
        .unwrap_or_else(|| m.id.clone());
    let title = match &m.version {
        Some(v) => format!("{package_name} {v}: {}", m.summary),
        None => format!("{package_name} (version unknown): {}", m.summary),
    };
    let evidence = match &m.version {
        Some(v) => format!(
            "{package_name} {v} is in the affected range of {label}: {}",
            m.affected_versions
        ),
        None => format!(
            "{label} affects {package_name} {}; the version was not read",
            m.affected_versions
        ),
    };
    let mut description = truncate(&m.details, 600);
    if let Some(note) = &m.note {
        if !description.is_empty() {
            description.push(' ');
        }
        description.push_str(note);
    }
    Finding {
        id: m.id.clone(),
        kind: FindingKind::Vulnerability,
        severity: m.severity,
        title,
        description,
        subject,
        evidence,
        remediation: m.remediation(package_name),
        references: m.references.to_vec(),
    }
}

/// At most `max` characters, cut at a character boundary with an ellipsis.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Match {
        Match {
            id: "GO-2024-2901".into(),
            aliases: vec!["CVE-2024-37032".into(), "GHSA-8hqg-whrw-pv92".into()],
            summary: "Ollama does not validate the format of the digest".into(),
            details: "".into(),
            severity: Severity::High,
            rated: true,
            cvss: None,
            ecosystem: "Go".into(),
            package: "github.com/ollama/ollama".into(),
            version: Some("0.1.29".into()),
            affected_versions: "< 0.1.34".into(),
            fixed: Some("0.1.34".into()),
            references: vec!["https://github.com/advisories/GHSA-8hqg-whrw-pv92".to_string()]
                .into(),
            confidence: Confidence::Package,
            source: Source::Database,
            note: None,
            mitigation: None,
        }
    }

    #[test]
    fn finding_for_a_fixed_advisory() {
        let subject = Subject::Service {
            host: "127.0.0.1".into(),
            port: 11434,
            service: "ollama".into(),
        };
        let f = to_finding(&sample(), subject, "ollama");
        assert_eq!(f.kind, FindingKind::Vulnerability);
        assert_eq!(f.id, "GO-2024-2901");
        assert_eq!(f.remediation, "Upgrade ollama to 0.1.34 or later.");
        assert!(
            f.evidence.contains("GO-2024-2901 (CVE-2024-37032)"),
            "{}",
            f.evidence
        );
        assert!(f.title.starts_with("ollama 0.1.29: "));
        assert_eq!(f.fingerprint(), "GO-2024-2901@127.0.0.1:11434");
    }

    #[test]
    fn remediation_without_a_fix_or_version() {
        let mut m = sample();
        m.fixed = None;
        let r = m.remediation("ollama");
        assert!(r.starts_with("No fixed release of ollama is known for GO-2024-2901. Until one ships: keep the service off"), "{r}");
        m.mitigation = Some("Run the Rust server instead.".into());
        assert!(m
            .remediation("ollama")
            .ends_with("Until one ships: Run the Rust server instead."));
        m.version = None;
        assert!(m
            .remediation("ollama")
            .starts_with("Read the installed version of ollama"));
        m.confidence = Confidence::VersionOnly;
        assert!(m.remediation("ollama").contains("backported"));
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("ééééé", 3), "ééé…");
        assert_eq!(truncate("short", 10), "short");
    }
}
