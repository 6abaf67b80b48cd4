//! `aimap rules list` and `aimap rules lint`.
use std::path::Path;

use aimap_rules::{AuthProof, ExtractTarget, Rule, RuleSet};
use anyhow::Result;

use crate::run::exit;

pub fn list(extra: Option<&Path>, markdown: bool) -> Result<u8> {
    let mut set = aimap_rules::builtin_rules()?;
    if let Some(dir) = extra {
        let (rules, errors) = aimap_rules::load_dir(dir)?;
        for e in &errors {
            eprintln!("warning: skipped {e}");
        }
        set.extend(rules);
    }
    if markdown {
        print!("{}", render_markdown(&set));
    } else {
        print!("{}", render_list(&set));
    }
    Ok(exit::OK)
}

fn render_markdown(set: &RuleSet) -> String {
    let mut out = String::from("| service | product | ports | transport | version from | auth check | exposure | remediation |\n|---|---|---|---|---|---|---|---|\n");
    for r in set.rules() {
        let ports: Vec<String> = r.ports.iter().map(u16::to_string).collect();
        let cell = |s: &str| s.replace('|', "\\|");
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            cell(&r.product),
            ports.join(", "),
            r.transport.as_str(),
            cell(&version_source(r)),
            cell(&auth_check(r)),
            r.exposure_severity,
            cell(&r.remediation)
        ));
    }
    out
}

fn render_list(set: &RuleSet) -> String {
    let rows: Vec<[String; 5]> = set
        .rules()
        .iter()
        .map(|r| {
            let ports: Vec<String> = r.ports.iter().map(u16::to_string).collect();
            [
                r.id.clone(),
                r.product.clone(),
                ports.join(","),
                version_source(r),
                auth_check(r),
            ]
        })
        .collect();
    let headers = ["SERVICE", "PRODUCT", "PORTS", "VERSION FROM", "AUTH CHECK"];
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: [&str; 5]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(headers);
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
    out
}

/// Every request a version is read from, in probe order (the first that
/// answers wins; asset hashes come last whatever their place).
fn version_source(rule: &Rule) -> String {
    let sources: Vec<String> = rule
        .probes
        .iter()
        .flat_map(|p| {
            p.extract.iter().filter_map(move |e| match e.target() {
                ExtractTarget::Version(src) => {
                    Some(format!("{} ({})", p.request, serde_json_str(src)))
                }
                _ => None,
            })
        })
        .collect();
    if sources.is_empty() {
        "-".into()
    } else {
        sources.join("; ")
    }
}

fn serde_json_str<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The read-only requests that settle each capability without
/// credentials, capability by capability (`data: GET /api/tags`);
/// `claimable` marks an install anyone can make themselves admin of.
fn auth_check(rule: &Rule) -> String {
    let mut by_cap: Vec<(&'static str, Vec<String>)> = Vec::new();
    for p in &rule.probes {
        let (Some(cap), true) = (p.capability, p.auth != AuthProof::Nothing) else {
            continue;
        };
        let request = match p.auth {
            AuthProof::Claimable => format!("{} (claimable)", p.request),
            _ => p.request.to_string(),
        };
        match by_cap.iter_mut().find(|(c, _)| *c == cap.as_str()) {
            Some((_, reqs)) if !reqs.contains(&request) => reqs.push(request),
            Some(_) => {}
            None => by_cap.push((cap.as_str(), vec![request])),
        }
    }
    if by_cap.is_empty() {
        return "-".into();
    }
    by_cap
        .iter()
        .map(|(cap, reqs)| format!("{cap}: {}", reqs.join(" | ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Check probe rules (`*.toml`) and advisory data (`*.yaml`, `*.yml`,
/// `*.json`, OSV format): a directory's files, or everything built in.
pub fn lint(dir: Option<&Path>) -> Result<u8> {
    let (count, mut errors) = match dir {
        Some(dir) => {
            let (rules, errors) = aimap_rules::load_dir(dir)?;
            let mut problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
            // A directory's rules must also be consistent among themselves.
            if let Err(e) = RuleSet::new(rules.clone()) {
                problems.push(e.to_string());
            }
            (rules.len(), problems)
        }
        None => match aimap_rules::builtin_rules() {
            Ok(set) => (set.rules().len(), Vec::new()),
            Err(e) => (0, vec![e.to_string()]),
        },
    };
    let advisories = match dir {
        Some(dir) => {
            let files = advisory_files(dir)?;
            let borrowed: Vec<(&str, &str)> = files
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            errors.extend(aimap_advisory::curated::lint(&borrowed));
            files.len()
        }
        None => {
            errors.extend(aimap_advisory::lint_curated());
            aimap_advisory::curated().len()
        }
    };
    for e in &errors {
        eprintln!("error: {e}");
    }
    if errors.is_empty() {
        println!("ok: {count} probe rule(s), {advisories} advisory file(s)/record(s) valid");
        Ok(exit::OK)
    } else {
        eprintln!("{} problem(s), {count} rule(s) valid", errors.len());
        Ok(exit::FINDINGS)
    }
}

fn advisory_files(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_data = path
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json");
        if is_data && path.is_file() {
            out.push((
                path.display().to_string(),
                crate::config::read_small(&path)?,
            ));
        }
    }
    out.sort();
    Ok(out)
}
