//! aimap's curated AI-infrastructure advisories, embedded at build time
//! from `rules/advisories/` (OSV JSON or YAML, one file per product).
//!
//! They cover what public OSV data misses or cannot express: products with
//! no package ecosystem (Redis and Triton report versions in banners), and
//! AI packages whose advisories only live in GHSA. Ids are `AIMAP-YYYY-NNNN`
//! with the CVE as an alias; the ecosystem of a product without one is
//! [`crate::ecosystem::GENERIC`], named by a `pkg:generic/...` purl.

use std::collections::{HashMap, HashSet};

use crate::ecosystem::{Ecosystem, Purl};
use crate::osv::{raw, Advisory, EventKind, RangeKind};

include!(concat!(env!("OUT_DIR"), "/curated.rs"));

/// Parses every curated file; invalid ones are skipped (`lint_curated`
/// reports them, and the crate's tests keep them out).
pub fn curated() -> Vec<Advisory> {
    parse_all(CURATED)
        .into_iter()
        .filter_map(|(_, r)| r.ok())
        .collect()
}

fn parse_all(files: &[(&str, &str)]) -> Vec<(String, Result<Advisory, String>)> {
    let mut out = Vec::new();
    for (file, text) in files {
        let parsed = if file.ends_with(".json") {
            raw::from_json(text.as_bytes())
        } else {
            raw::from_yaml(text)
        };
        match parsed {
            Ok(raws) => {
                for r in raws {
                    out.push((
                        file.to_string(),
                        Advisory::try_from(r).map_err(|e| e.to_string()),
                    ));
                }
            }
            Err(e) => out.push((file.to_string(), Err(e))),
        }
    }
    out
}

/// Checks the curated data like code: returns one message per problem,
/// empty when all is well. Used by `aimap rules lint` and by the tests.
pub fn lint_curated() -> Vec<String> {
    lint(CURATED)
}

/// [`lint_curated`] for any set of (file name, contents), e.g. files a
/// user is about to add.
pub fn lint(files: &[(&str, &str)]) -> Vec<String> {
    let mut errors = Vec::new();
    let mut ids = HashSet::new();
    let mut aliases: HashMap<(String, String), String> = HashMap::new();
    for (file, parsed) in parse_all(files) {
        let a = match parsed {
            Ok(a) => a,
            Err(e) => {
                errors.push(format!("{file}: {e}"));
                continue;
            }
        };
        let mut err = |msg: String| errors.push(format!("{file}: {}: {msg}", a.id));
        if !is_aimap_id(&a.id) {
            err("id must look like AIMAP-YYYY-NNNN".into());
        }
        if !ids.insert(a.id.clone()) {
            err("duplicate id".into());
        }
        if !a
            .aliases
            .iter()
            .any(|x| x.starts_with("CVE-") || x.starts_with("GHSA-"))
        {
            err("needs a CVE or GHSA alias".into());
        }
        if a.summary.is_empty() || a.details.is_empty() {
            err("needs a summary and details".into());
        }
        if a.published.is_none() {
            err("needs a published date".into());
        }
        for stamp in std::iter::once(&a.modified).chain(a.published.as_ref()) {
            if time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339)
                .is_err()
            {
                err(format!("timestamp {stamp:?} is not RFC 3339"));
            }
        }
        if a.rating().is_none() {
            err("needs a CVSS v3 vector or database_specific.severity".into());
        }
        if a.references.is_empty() {
            err("needs at least one reference".into());
        }
        if a.affected.is_empty() {
            err("affects nothing".into());
        }
        for af in &a.affected {
            let eco = Ecosystem::parse(&af.package.ecosystem);
            if eco.scheme().is_none() {
                err(format!(
                    "ecosystem {:?} has no version scheme",
                    af.package.ecosystem
                ));
            }
            match af.package.purl.as_deref().map(Purl::parse) {
                None => err("every package needs a purl".into()),
                Some(Err(e)) => err(e.to_string()),
                Some(Ok(p)) => {
                    let want = (eco.clone(), eco.normalize_name(&af.package.name));
                    if p.version.is_some() || p.ecosystem_and_name().as_ref() != Some(&want) {
                        err(format!(
                            "purl {:?} does not name {} package {:?} (and must carry no version)",
                            p, eco, af.package.name
                        ));
                    }
                }
            }
            if af.ranges.iter().any(|r| r.kind == RangeKind::Git) || af.ranges.is_empty() {
                err("needs SEMVER or ECOSYSTEM ranges (and no GIT ranges)".into());
            }
            let open = af.ranges.iter().any(|r| {
                !r.events
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::Fixed | EventKind::LastAffected))
            });
            if open && a.mitigation.is_none() {
                err(
                    "a range without fixed or last_affected needs database_specific.mitigation"
                        .into(),
                );
            }
            for alias in &a.aliases {
                let key = (format!("{eco}/{}", af.package.name), alias.clone());
                if let Some(other) = aliases.insert(key, a.id.clone()) {
                    if other != a.id {
                        err(format!(
                            "alias {alias} is also used by {other} for the same package"
                        ));
                    }
                }
            }
        }
    }
    errors
}

fn is_aimap_id(id: &str) -> bool {
    let mut parts = id.split('-');
    let digits = |s: Option<&str>, n: usize| {
        s.is_some_and(|s| s.len() >= n && s.bytes().all(|b| b.is_ascii_digit()))
    };
    parts.next() == Some("AIMAP")
        && digits(parts.next(), 4)
        && digits(parts.next(), 4)
        && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_aimap_id("AIMAP-2025-0001"));
        assert!(!is_aimap_id("AIMAP-25-1"));
        assert!(!is_aimap_id("GO-2024-2901"));
    }
}
