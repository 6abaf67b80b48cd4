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

/// What every match of one advisory repeats, computed once at build time.
#[derive(Debug)]
struct Prepared {
    advisory: Advisory,
    summary: Arc<str>,
    details: Arc<str>,
    rating: Option<Severity>,
    cvss: Option<crate::cvss::Cvss>,
    references: Arc<[String]>,
    mitigation: Option<Arc<str>>,
}

/// One affected package of one advisory, ready to evaluate.
#[derive(Debug)]
struct Entry {
    advisory: Arc<Prepared>,
    /// The affected range in words.
    described: Arc<str>,
    /// The OSV ecosystem as written in the advisory (`Debian:12`).
    ecosystem_name: String,
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
    /// Packages where two advisories share an id or alias: only their
    /// results need deduplicating.
    overlapping: HashSet<(String, String)>,
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
            let advisory = Arc::new(Prepared {
                summary: summary(&advisory).into(),
                details: truncate(&advisory.details, 1000).into(),
                mitigation: advisory.mitigation.as_deref().map(Arc::from),
                rating: advisory.rating(),
                cvss: advisory.cvss(),
                references: advisory.references.iter().map(|r| r.url.clone()).collect(),
                advisory,
            });
            for affected in &advisory.advisory.affected {
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
        for (key, entries) in &mut index.packages {
            entries.sort_by(|a, b| {
                a.source
                    .cmp(&b.source)
                    .then_with(|| a.advisory.advisory.id.cmp(&b.advisory.advisory.id))
            });
            let mut seen = HashSet::new();
            let ids = entries.iter().flat_map(|e| {
                let a = &e.advisory.advisory;
                std::iter::once(&a.id).chain(&a.aliases)
            });
            if !ids.into_iter().all(|id| seen.insert(id.as_str())) {
                index.overlapping.insert(key.clone());
            }
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
            .filter(|v| !v.is_empty())
            .map(|v| purl.comparable_version(v));
        let version = version.as_deref();
        let confidence = query
            .confidence
            .unwrap_or(if ecosystem == Ecosystem::Generic {
                Confidence::VersionOnly
            } else {
                Confidence::Package
            });
        let mut result = MatchResult {
            affected: Vec::with_capacity(8),
            ..MatchResult::default()
        };
        let source = purl.rpm_source();
        let names = std::iter::once(name.as_str())
            .chain(former_names(&ecosystem, &name).iter().copied())
            .chain(source.as_deref());
        let keys: Vec<(String, String)> =
            names.map(|n| (ecosystem.family(), n.to_string())).collect();
        let lists: Vec<&Vec<Entry>> = keys.iter().filter_map(|k| self.packages.get(k)).collect();
        let overlap = lists.len() > 1 || keys.iter().any(|k| self.overlapping.contains(k));
        let entries = lists.into_iter().flatten();
        // The query version, parsed once per scheme (entries of one package
        // share a scheme; Go's stdlib alone has hundreds of entries).
        let mut parsed: Vec<(Scheme, Parsed)> = Vec::with_capacity(1);
        for entry in entries {
            let query_version = version.map(|v| {
                let i = match parsed.iter().position(|(s, _)| *s == entry.scheme) {
                    Some(i) => i,
                    None => {
                        let p = entry
                            .scheme
                            .parse(v)
                            .map(|v| (v.key(), v))
                            .map_err(|e| e.to_string());
                        parsed.push((entry.scheme, p));
                        parsed.len() - 1
                    }
                };
                &parsed[i].1
            });
            if let Some((m, certain)) =
                evaluate(entry, &ecosystem, version, query_version, confidence)
            {
                if certain {
                    result.affected.push(m);
                } else {
                    result.possible.push(m);
                }
            }
        }
        // One advisory per entry list means one id per match: nothing to merge.
        if overlap {
            result.affected = dedupe(std::mem::take(&mut result.affected), &[]);
            result.possible = dedupe(std::mem::take(&mut result.possible), &result.affected);
        }
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

/// The (ecosystem family, package name) pairs a purl is looked up under:
/// its own name, former names, and an rpm's source package. What the
/// built-in snapshot is cut to, so that it holds every record a match of
/// that purl could use.
pub fn lookup_keys(purl: &str) -> Vec<(String, String)> {
    let Ok(p) = Purl::parse(purl) else {
        return Vec::new();
    };
    let Some((ecosystem, name)) = p.ecosystem_and_name() else {
        return Vec::new();
    };
    std::iter::once(name.clone())
        .chain(
            former_names(&ecosystem, &name)
                .iter()
                .map(|n| n.to_string()),
        )
        .chain(p.rpm_source())
        .map(|n| (ecosystem.family(), n))
        .collect()
}

fn former_names(ecosystem: &Ecosystem, name: &str) -> &'static [&'static str] {
    let family = ecosystem.family();
    FORMER_NAMES
        .iter()
        .find(|(e, n, _)| *e == family && *n == name)
        .map_or(&[], |(_, _, old)| old)
}

/// A query version read under one scheme: its set key and value, or why not.
type Parsed = Result<(String, Version), String>;

fn compile(advisory: &Arc<Prepared>, source: Source, affected: &Affected) -> Option<Entry> {
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
    let mut parts: Vec<String> = ranges.iter().map(CompiledRange::describe).collect();
    if parts.is_empty() && !affected.versions.is_empty() {
        parts.push(format!("{} listed versions", affected.versions.len()));
    }
    let described: Arc<str> = if parts.is_empty() {
        "no versions listed".into()
    } else {
        parts.join("; ").into()
    };
    Some(Entry {
        advisory: Arc::clone(advisory),
        described,
        ecosystem_name: affected.package.ecosystem.clone(),
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
    parsed: Option<&Parsed>,
    confidence: Confidence,
) -> Option<(Match, bool)> {
    // Debian advisories are per release; without a release the answer can
    // only be "possible", and another release's data never applies.
    let release_note = match (query_eco, &entry.ecosystem) {
        (Ecosystem::Debian(Some(want)), Ecosystem::Debian(Some(have))) if want != have => return None,
        (Ecosystem::Debian(None), Ecosystem::Debian(Some(have))) => {
            Some(format!("This is Debian {have}'s advisory; the distro qualifier (Debian release) would settle it."))
        }
        // Ubuntu likewise: `22.04` (from distro=ubuntu-22.04) is the
        // archive's `22.04:LTS`; Ubuntu Pro's releases never match it.
        (Ecosystem::Ubuntu(Some(want)), Ecosystem::Ubuntu(Some(have)))
            if crate::ecosystem::ubuntu_release(want) != crate::ecosystem::ubuntu_release(have) =>
        {
            return None
        }
        (Ecosystem::Ubuntu(None), Ecosystem::Ubuntu(Some(have))) => Some(format!(
            "This is Ubuntu {have}'s advisory; the distro qualifier (Ubuntu release) would settle it."
        )),
        (
            Ecosystem::Rpm {
                family,
                release: Some(want),
            },
            Ecosystem::Rpm {
                release: Some(have),
                ..
            },
        ) => match crate::rpm_distro::fit(family, want, have) {
            crate::rpm_distro::Fit::Same => None,
            crate::rpm_distro::Fit::Possible(why) => Some(why),
            crate::rpm_distro::Fit::Different => return None,
        },
        (
            Ecosystem::Rpm {
                family,
                release: None,
            },
            Ecosystem::Rpm {
                release: Some(have),
                ..
            },
        ) => Some(format!(
            "This is {family} {have}'s advisory; the distro qualifier (the release from os-release) would settle it."
        )),
        _ => None,
    };
    let (hit, certain, note) = match parsed {
        Some(Ok((key, v))) => {
            let listed = || {
                let raw = version.is_some_and(|r| entry.versions.contains(r));
                (raw || entry.versions.contains(key)).then(|| Hit {
                    introduced: String::new(),
                    fixed: None,
                    last_affected: None,
                })
            };
            let hit = entry
                .ranges
                .iter()
                .find_map(|r| r.affects(v))
                .or_else(listed)?;
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
    let p = &entry.advisory;
    let a = &p.advisory;
    Some((
        Match {
            id: a.id.clone(),
            aliases: a.aliases.clone(),
            summary: p.summary.clone(),
            details: p.details.clone(),
            severity: p.rating.unwrap_or(Severity::Medium),
            rated: p.rating.is_some(),
            cvss: p.cvss.clone(),
            ecosystem: entry.ecosystem_name.clone(),
            package: entry.package.clone(),
            version: version.filter(|_| hit.is_some()).map(str::to_string),
            affected_versions: entry.described.clone(),
            fixed: hit.and_then(|h| h.fixed),
            references: p.references.clone(),
            confidence,
            source: entry.source,
            note,
            mitigation: p.mitigation.clone(),
        },
        certain,
    ))
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
/// aliases. Matches already present in `already` are dropped. Linear in
/// the number of ids: packages such as Go's `stdlib` match hundreds of
/// advisories at old versions.
fn dedupe(mut matches: Vec<Match>, already: &[Match]) -> Vec<Match> {
    // Database records first, whichever package name (current or former)
    // they were filed under, so that they keep their id when a curated
    // record describes the same vulnerability. The sort is stable.
    matches.sort_by_key(|m| m.source);
    fn names(m: &Match) -> impl Iterator<Item = &str> {
        std::iter::once(m.id.as_str()).chain(m.aliases.iter().map(String::as_str))
    }
    let taken: HashSet<&str> = already.iter().flat_map(names).collect();
    let mut kept: Vec<Match> = Vec::with_capacity(matches.len());
    let mut owner: HashMap<String, usize> = HashMap::new();
    for m in matches {
        if names(&m).any(|n| taken.contains(n)) {
            continue;
        }
        let ids: Vec<String> = names(&m).map(str::to_string).collect();
        match ids.iter().find_map(|n| owner.get(n).copied()) {
            Some(i) => {
                let k = &mut kept[i];
                for n in &ids {
                    if *n != k.id && !k.aliases.contains(n) {
                        k.aliases.push(n.clone());
                    }
                }
                if k.fixed.is_none() {
                    k.fixed = m.fixed;
                }
                if !k.rated && m.rated {
                    (k.severity, k.rated, k.cvss) = (m.severity, true, m.cvss);
                }
                for n in ids {
                    owner.entry(n).or_insert(i);
                }
            }
            None => {
                for n in ids {
                    owner.entry(n).or_insert(kept.len());
                }
                kept.push(m);
            }
        }
    }
    kept
}
