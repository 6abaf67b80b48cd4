//! The in-memory index: advisories grouped by (ecosystem family, package
//! name), ranges compiled once, so matching a component is a hash lookup
//! plus a few comparisons.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aimap_model::Severity;

use crate::ecosystem::{Ecosystem, Purl};
use crate::matching::{truncate, Confidence, Match, MatchResult, Source};
use crate::osv::{Advisory, Affected, RangeKind};
use crate::range::{CompiledRange, Hit};
use crate::version::{Scheme, Version};

/// One affected package of one advisory, ready to evaluate.
#[derive(Debug)]
struct Entry {
    advisory: Arc<Advisory>,
    source: Source,
    ecosystem: Ecosystem,
    package: String,
    scheme: Scheme,
    ranges: Vec<CompiledRange>,
    /// The `versions` list, as written and in canonical form.
    versions: HashSet<String>,
}

/// A query with everything the caller knows about the version.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// A package URL; a version in it is used when `version` is `None`.
    pub purl: &'a str,
    pub version: Option<&'a str>,
    /// Overrides the confidence inferred from the purl type.
    pub confidence: Option<Confidence>,
}

/// Advisories indexed for matching. Build one per run; it is immutable and
/// can be shared between threads.
#[derive(Debug, Default)]
pub struct Index {
    packages: HashMap<(String, String), Vec<Entry>>,
    advisories: usize,
    /// Affected entries that could not be compiled (no version scheme).
    unmatchable: usize,
}

impl Index {
    /// Indexes advisories; withdrawn ones are left out.
    pub fn build(advisories: impl IntoIterator<Item = (Advisory, Source)>) -> Self {
        let mut index = Self::default();
        for (advisory, source) in advisories {
            if advisory.is_withdrawn() {
                continue;
            }
            index.advisories += 1;
            let advisory = Arc::new(advisory);
            for affected in &advisory.affected {
                match compile(&advisory, source, affected) {
                    Some(entry) => index
                        .packages
                        .entry((entry.ecosystem.family(), entry.package.clone()))
                        .or_default()
                        .push(entry),
                    None => index.unmatchable += 1,
                }
            }
        }
        // Imported data before curated data, so that deduplication keeps
        // the (fresher) database record when both describe one CVE.
        for entries in index.packages.values_mut() {
            entries.sort_by(|a, b| {
                a.source
                    .cmp(&b.source)
                    .then_with(|| a.advisory.id.cmp(&b.advisory.id))
            });
        }
        index
    }

    /// Advisories in the index (withdrawn ones excluded).
    pub fn len(&self) -> usize {
        self.advisories
    }

    pub fn is_empty(&self) -> bool {
        self.advisories == 0
    }

    /// Distinct (ecosystem, package) pairs.
    pub fn package_count(&self) -> usize {
        self.packages.len()
    }

    /// Affected entries left out because their ecosystem has no scheme.
    pub fn unmatchable(&self) -> usize {
        self.unmatchable
    }

    /// Matches a component given by purl (without or with version) and an
    /// optional version (Ollama's `0.1.32` and the Go module's `v0.1.32`
    /// are the same). Generic purls get [`Confidence::VersionOnly`].
    pub fn match_purl(&self, purl: &str, version: Option<&str>) -> MatchResult {
        self.match_query(&Query {
            purl,
            version,
            confidence: None,
        })
    }

    pub fn match_query(&self, query: &Query<'_>) -> MatchResult {
        let purl = match Purl::parse(query.purl) {
            Ok(p) => p,
            Err(e) => {
                return MatchResult {
                    note: Some(e.to_string()),
                    ..Default::default()
                }
            }
        };
        let Some((ecosystem, name)) = purl.ecosystem_and_name() else {
            return MatchResult {
                note: Some(format!(
                    "no advisory source covers pkg:{} packages",
                    purl.kind
                )),
                ..Default::default()
            };
        };
        let version = query
            .version
            .or(purl.version.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let confidence = query
            .confidence
            .unwrap_or(if ecosystem == Ecosystem::Generic {
                Confidence::VersionOnly
            } else {
                Confidence::Package
            });
        let mut result = MatchResult::default();
        let names =
            std::iter::once(name.as_str()).chain(former_names(&ecosystem, &name).iter().copied());
        let entries = names
            .filter_map(|n| self.packages.get(&(ecosystem.family(), n.to_string())))
            .flatten();
        for entry in entries {
            if let Some((m, certain)) = evaluate(entry, &ecosystem, version, confidence) {
                if certain {
                    result.affected.push(m);
                } else {
                    result.possible.push(m);
                }
            }
        }
        result.affected = dedupe(std::mem::take(&mut result.affected), &[]);
        result.possible = dedupe(std::mem::take(&mut result.possible), &result.affected);
        result
    }
}

/// Packages that were renamed while advisories kept the old name: the Go
/// database files CVE-2024-28224 under github.com/jmorganca/ollama, the
/// module path Ollama had before it moved to github.com/ollama/ollama.
const FORMER_NAMES: &[(&str, &str, &[&str])] = &[(
    "Go",
    "github.com/ollama/ollama",
    &["github.com/jmorganca/ollama"],
)];

fn former_names(ecosystem: &Ecosystem, name: &str) -> &'static [&'static str] {
    let family = ecosystem.family();
    FORMER_NAMES
        .iter()
        .find(|(e, n, _)| *e == family && *n == name)
        .map_or(&[], |(_, _, old)| old)
}

fn compile(advisory: &Arc<Advisory>, source: Source, affected: &Affected) -> Option<Entry> {
    let ecosystem = Ecosystem::parse(&affected.package.ecosystem);
    let scheme = ecosystem.scheme()?;
    let mut ranges = Vec::new();
    for range in affected.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
        // Validation already parsed these versions under the same scheme
        // (SEMVER ranges outside Go use plain SemVer).
        let range_scheme = ecosystem
            .scheme_for_range(range.kind == RangeKind::Semver)
            .unwrap_or(scheme);
        ranges.push(CompiledRange::compile(range, range_scheme).ok()?);
    }
    let mut versions = HashSet::with_capacity(affected.versions.len() * 2);
    for v in &affected.versions {
        if let Some(c) = scheme.canonical(v) {
            versions.insert(c);
        }
        versions.insert(v.clone());
    }
    Some(Entry {
        advisory: Arc::clone(advisory),
        source,
        package: ecosystem.normalize_name(&affected.package.name),
        ecosystem,
        scheme,
        ranges,
        versions,
    })
}

/// Evaluates one entry: `Some((match, true))` when affected,
/// `Some((match, false))` when only possible.
fn evaluate(
    entry: &Entry,
    query_eco: &Ecosystem,
    version: Option<&str>,
    confidence: Confidence,
) -> Option<(Match, bool)> {
    // Debian advisories are per release; without a release the answer can
    // only be "possible", and another release's data never applies.
    let release_note = match (query_eco, &entry.ecosystem) {
        (Ecosystem::Debian(Some(want)), Ecosystem::Debian(Some(have))) if want != have => return None,
        (Ecosystem::Debian(None), Ecosystem::Debian(Some(have))) => {
            Some(format!("This is Debian {have}'s advisory; the distro qualifier (Debian release) would settle it."))
        }
        _ => None,
    };
    let describe = || {
        let mut parts: Vec<String> = entry.ranges.iter().map(CompiledRange::describe).collect();
        if !entry.versions.is_empty() && entry.ranges.is_empty() {
            parts.push(format!(
                "{} listed versions",
                entry
                    .advisory
                    .affected
                    .iter()
                    .map(|a| a.versions.len())
                    .max()
                    .unwrap_or(0)
            ));
        }
        if parts.is_empty() {
            "no versions listed".to_string()
        } else {
            parts.join("; ")
        }
    };
    let parsed: Option<Result<Version, String>> =
        version.map(|v| entry.scheme.parse(v).map_err(|e| e.to_string()));
    let (hit, certain, note) = match parsed {
        Some(Ok(v)) => {
            let hit = entry
                .ranges
                .iter()
                .find_map(|r| r.affects(&v))
                .or_else(|| in_list(entry, version, &v))?;
            (Some(hit), release_note.is_none(), release_note)
        }
        other => {
            let unreadable = match other {
                Some(Err(e)) => format!("The version could not be read ({e}); "),
                _ => "The version is unknown; ".to_string(),
            };
            if entry.ranges.iter().any(CompiledRange::affects_all_versions) {
                (None, release_note.is_none(), release_note)
            } else if entry.ranges.is_empty() && entry.versions.is_empty() {
                return None;
            } else {
                let settle = format!(
                    "{unreadable}reading the installed version of {} would settle it.",
                    entry.package
                );
                (
                    None,
                    false,
                    Some(release_note.map_or(settle.clone(), |r| format!("{r} {settle}"))),
                )
            }
        }
    };
    let a = &entry.advisory;
    let rating = a.rating();
    Some((
        Match {
            id: a.id.clone(),
            aliases: a.aliases.clone(),
            summary: summary(a),
            details: truncate(&a.details, 2000),
            severity: rating.unwrap_or(Severity::Medium),
            rated: rating.is_some(),
            cvss: a.cvss(),
            ecosystem: entry.ecosystem.to_string(),
            package: entry.package.clone(),
            version: version.filter(|_| hit.is_some()).map(str::to_string),
            affected_versions: describe(),
            fixed: hit.and_then(|h| h.fixed),
            references: a.references.iter().map(|r| r.url.clone()).collect(),
            confidence,
            source: entry.source,
            note,
            mitigation: a.mitigation.clone(),
        },
        certain,
    ))
}

/// Membership in the explicit `versions` list (as written or canonical).
fn in_list(entry: &Entry, raw: Option<&str>, v: &Version) -> Option<Hit> {
    let listed =
        raw.is_some_and(|r| entry.versions.contains(r)) || entry.versions.contains(&v.key());
    listed.then(|| Hit {
        introduced: String::new(),
        fixed: None,
        last_affected: None,
    })
}

fn summary(a: &Advisory) -> String {
    if !a.summary.is_empty() {
        return a.summary.clone();
    }
    let first = a
        .details
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if first.is_empty() {
        a.id.clone()
    } else {
        truncate(first, 120)
    }
}

/// Merges matches that describe one vulnerability under several ids (a
/// PYSEC and a GHSA record, or a curated record and the database's).
/// The first one wins (database before curated); the others' ids become
/// aliases. Matches already present in `already` are dropped.
fn dedupe(matches: Vec<Match>, already: &[Match]) -> Vec<Match> {
    let names = |m: &Match| -> Vec<String> {
        std::iter::once(m.id.clone())
            .chain(m.aliases.iter().cloned())
            .collect()
    };
    let overlaps =
        |a: &Match, b: &Match| names(a).iter().any(|n| b.id == *n || b.aliases.contains(n));
    let mut kept: Vec<Match> = Vec::with_capacity(matches.len());
    for m in matches {
        if already.iter().any(|a| overlaps(a, &m)) {
            continue;
        }
        match kept.iter_mut().find(|k| overlaps(k, &m)) {
            Some(k) => {
                for n in names(&m) {
                    if n != k.id && !k.aliases.contains(&n) {
                        k.aliases.push(n);
                    }
                }
                if k.fixed.is_none() {
                    k.fixed = m.fixed;
                }
                if !k.rated && m.rated {
                    (k.severity, k.rated, k.cvss) = (m.severity, true, m.cvss);
                }
            }
            None => kept.push(m),
        }
    }
    kept
}
