//! Validated OSV advisories. Building one from a [`RawAdvisory`] checks
//! every rule that matching relies on, so an invalid range cannot exist
//! past this point.

use aimap_model::Severity;
use serde::Serialize;

use super::raw::{
    RawAdvisory, RawAffected, RawDatabaseSpecific, RawEvent, RawPackage, RawRange, RawReference,
    RawSeverity,
};
use crate::cvss::Cvss;
use crate::ecosystem::Ecosystem;
use crate::error::{Error, Result};
use crate::version::Scheme;

/// One advisory: a vulnerability and the package versions it affects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advisory {
    pub id: String,
    /// RFC 3339; with the id it decides whether an import changes anything.
    pub modified: String,
    pub published: Option<String>,
    /// Set when the database retracted the advisory; withdrawn advisories
    /// are kept in the store but never matched.
    pub withdrawn: Option<String>,
    pub aliases: Vec<String>,
    pub summary: String,
    pub details: String,
    pub affected: Vec<Affected>,
    /// CVSS vectors (`CVSS_V3`, `CVSS_V4`) with their type, as given.
    pub severity: Vec<(String, String)>,
    pub references: Vec<Reference>,
    /// `database_specific.severity` (GHSA's `HIGH`, `MODERATE`...).
    pub database_severity: Option<String>,
    /// What to do while no fix exists (curated advisories).
    pub mitigation: Option<String>,
    /// Ranges left out because a version in them does not parse under the
    /// ecosystem's scheme, each with the reason. A left-out range matches
    /// nothing, so it can hide a vulnerability but never invent one; the
    /// rest of the advisory is kept. Not stored: reported at import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_ranges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affected {
    pub package: Package,
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions, in addition to the ranges.
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    pub purl: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RangeKind {
    Semver,
    Ecosystem,
    /// Commit ranges: meaningful to a source checkout, never to a version.
    Git,
}

impl RangeKind {
    fn as_osv(self) -> &'static str {
        match self {
            Self::Semver => "SEMVER",
            Self::Ecosystem => "ECOSYSTEM",
            Self::Git => "GIT",
        }
    }
}

/// A range: its events are guaranteed to hold at least one `introduced`,
/// and, unless it is a GIT range or its ecosystem has no known scheme,
/// every version in it parses under that scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Range {
    pub kind: RangeKind,
    pub repo: Option<String>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub kind: EventKind,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub kind: Option<String>,
    pub url: String,
}

impl Advisory {
    /// The first CVSS vector we can read, v3 preferred (we can score it).
    pub fn cvss(&self) -> Option<Cvss> {
        let mut vectors: Vec<Cvss> = self
            .severity
            .iter()
            .filter_map(|(_, v)| Cvss::from_vector(v))
            .collect();
        vectors.sort_by_key(|c| !c.version.starts_with('3'));
        vectors.into_iter().next()
    }

    /// aimap's severity: from the CVSS v3 score when there is one, else from
    /// the database's label; `None` when the advisory rates nothing.
    pub fn rating(&self) -> Option<Severity> {
        if let Some(sev) = self.cvss().and_then(|c| c.severity()) {
            return Some(sev);
        }
        match self
            .database_severity
            .as_deref()?
            .trim()
            .to_ascii_uppercase()
            .as_str()
        {
            "CRITICAL" => Some(Severity::Critical),
            "HIGH" => Some(Severity::High),
            "MODERATE" | "MEDIUM" => Some(Severity::Medium),
            "LOW" => Some(Severity::Low),
            _ => None,
        }
    }

    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
    }

    /// The ecosystem of the first affected package: where the store files it.
    pub fn primary_ecosystem(&self) -> Ecosystem {
        self.affected
            .first()
            .map(|a| Ecosystem::parse(&a.package.ecosystem))
            .unwrap_or(Ecosystem::Other("none".into()))
    }
}

impl TryFrom<RawAdvisory> for Advisory {
    type Error = Error;

    fn try_from(raw: RawAdvisory) -> Result<Self> {
        let id = raw.id.trim().to_string();
        if id.is_empty()
            || id.len() > 200
            || id
                .chars()
                .any(|c| c.is_whitespace() || c == '/' || c == '\\')
        {
            return Err(Error::invalid(
                if id.is_empty() { "<no id>" } else { &id },
                "missing or malformed id",
            ));
        }
        if raw.modified.trim().is_empty() {
            return Err(Error::invalid(&id, "missing modified timestamp"));
        }
        let mut skipped_ranges = Vec::new();
        let affected = raw
            .affected
            .into_iter()
            .map(|a| affected(&id, a, &mut skipped_ranges))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            modified: raw.modified.trim().to_string(),
            published: raw.published,
            withdrawn: raw.withdrawn.filter(|w| !w.trim().is_empty()),
            aliases: raw
                .aliases
                .into_iter()
                .filter(|a| !a.trim().is_empty() && *a != id)
                .collect(),
            summary: raw.summary.unwrap_or_default().trim().to_string(),
            details: raw.details.unwrap_or_default().trim().to_string(),
            affected,
            severity: raw
                .severity
                .into_iter()
                .filter(|s| !s.score.is_empty())
                .map(|s| (s.kind, s.score))
                .collect(),
            references: raw
                .references
                .into_iter()
                .filter(|r| !r.url.trim().is_empty())
                .map(|r| Reference {
                    kind: r.kind,
                    url: r.url.trim().to_string(),
                })
                .collect(),
            database_severity: raw.database_specific.severity,
            mitigation: raw.database_specific.mitigation,
            skipped_ranges,
            id,
        })
    }
}

fn affected(id: &str, raw: RawAffected, skipped: &mut Vec<String>) -> Result<Affected> {
    let package = raw
        .package
        .ok_or_else(|| Error::invalid(id, "affected entry without a package"))?;
    if package.ecosystem.trim().is_empty() || package.name.trim().is_empty() {
        return Err(Error::invalid(id, "package without ecosystem or name"));
    }
    let ecosystem = Ecosystem::parse(package.ecosystem.trim());
    let mut ranges = Vec::new();
    for r in raw.ranges {
        match range(id, &ecosystem, r)? {
            Ok(r) => ranges.push(r),
            Err(why) => skipped.push(format!("{} {}: {why}", ecosystem, package.name.trim())),
        }
    }
    Ok(Affected {
        package: Package {
            ecosystem: package.ecosystem.trim().to_string(),
            name: package.name.trim().to_string(),
            purl: package.purl,
        },
        ranges,
        versions: raw
            .versions
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    })
}

/// A validated range: `Ok(Err(reason))` when one of its versions does not
/// parse under the scheme (PyPA's `0.2.0-n653` and `2019-09-12` are not
/// PEP 440): the caller leaves that range out. Structural faults (no
/// `introduced`, an event with two keys) still reject the advisory.
fn range(id: &str, ecosystem: &Ecosystem, raw: RawRange) -> Result<Result<Range, String>> {
    let kind = match raw.kind.as_str() {
        "SEMVER" => RangeKind::Semver,
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "GIT" => RangeKind::Git,
        other => return Err(Error::invalid(id, format!("unknown range type {other:?}"))),
    };
    if kind == RangeKind::Git && raw.repo.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(Error::invalid(id, "GIT range without repo"));
    }
    let events = raw
        .events
        .into_iter()
        .map(|e| event(id, e))
        .collect::<Result<Vec<_>>>()?;
    if !events.iter().any(|e| e.kind == EventKind::Introduced) {
        return Err(Error::invalid(id, "range without an introduced event"));
    }
    let scheme: Option<Scheme> = match kind {
        RangeKind::Git => None,
        _ => ecosystem.scheme_for_range(kind == RangeKind::Semver),
    };
    if let Some(scheme) = scheme {
        for e in &events {
            if !(e.kind == EventKind::Introduced && e.version == "0") {
                if let Err(err) = scheme.parse(&e.version) {
                    return Ok(Err(format!("{} range skipped: {err}", kind.as_osv())));
                }
            }
        }
    }
    Ok(Ok(Range {
        kind,
        repo: raw.repo,
        events,
    }))
}

fn event(id: &str, raw: RawEvent) -> Result<Event> {
    let given = [
        (EventKind::Introduced, raw.introduced),
        (EventKind::Fixed, raw.fixed),
        (EventKind::LastAffected, raw.last_affected),
        (EventKind::Limit, raw.limit),
    ];
    let mut set = given
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v.trim().to_string())));
    match (set.next(), set.next()) {
        (Some((kind, version)), None) if !version.is_empty() => Ok(Event { kind, version }),
        (Some(_), None) => Err(Error::invalid(id, "event with an empty version")),
        (None, _) => Err(Error::invalid(id, "empty event")),
        (Some(_), Some(_)) => Err(Error::invalid(id, "event with more than one key")),
    }
}

/// Back to the raw shape, for the store: what is written is OSV JSON that
/// any OSV tool can read, and reading it back validates it again.
impl From<&Advisory> for RawAdvisory {
    fn from(a: &Advisory) -> Self {
        let event = |e: &Event| {
            let v = Some(e.version.clone());
            match e.kind {
                EventKind::Introduced => RawEvent {
                    introduced: v,
                    ..Default::default()
                },
                EventKind::Fixed => RawEvent {
                    fixed: v,
                    ..Default::default()
                },
                EventKind::LastAffected => RawEvent {
                    last_affected: v,
                    ..Default::default()
                },
                EventKind::Limit => RawEvent {
                    limit: v,
                    ..Default::default()
                },
            }
        };
        RawAdvisory {
            id: a.id.clone(),
            modified: a.modified.clone(),
            published: a.published.clone(),
            withdrawn: a.withdrawn.clone(),
            aliases: a.aliases.clone(),
            summary: (!a.summary.is_empty()).then(|| a.summary.clone()),
            details: (!a.details.is_empty()).then(|| a.details.clone()),
            severity: a
                .severity
                .iter()
                .map(|(kind, score)| RawSeverity {
                    kind: kind.clone(),
                    score: score.clone(),
                })
                .collect(),
            affected: a
                .affected
                .iter()
                .map(|af| RawAffected {
                    package: Some(RawPackage {
                        ecosystem: af.package.ecosystem.clone(),
                        name: af.package.name.clone(),
                        purl: af.package.purl.clone(),
                    }),
                    ranges: af
                        .ranges
                        .iter()
                        .map(|r| RawRange {
                            kind: r.kind.as_osv().into(),
                            repo: r.repo.clone(),
                            events: r.events.iter().map(event).collect(),
                        })
                        .collect(),
                    versions: af.versions.clone(),
                })
                .collect(),
            references: a
                .references
                .iter()
                .map(|r| RawReference {
                    kind: r.kind.clone(),
                    url: r.url.clone(),
                })
                .collect(),
            database_specific: RawDatabaseSpecific {
                severity: a.database_severity.clone(),
                mitigation: a.mitigation.clone(),
            },
        }
    }
}
