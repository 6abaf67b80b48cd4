//! `aimap db import|update|status`: the advisory store.
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::run::{exit, vulns};

pub fn import(dir: Option<&Path>, paths: &[PathBuf]) -> Result<u8> {
    let store = vulns::store(dir);
    let report = store.import(paths)?;
    for e in &report.errors {
        eprintln!("skipped {}: {}", e.origin, e.message);
    }
    for w in &report.warnings {
        eprintln!("warning: {}: {}", w.origin, w.message);
    }
    println!(
        "{}: {} files, {} advisories ({} new, {} changed, {} unchanged), {} skipped, {} ranges skipped",
        store.dir().display(),
        report.files,
        report.advisories,
        report.new,
        report.changed,
        report.unchanged,
        report.errors.len(),
        report.skipped_ranges
    );
    // Corrupt files are reported and skipped; the rest is imported. A
    // range left out of an advisory is a warning: the import succeeded.
    Ok(if report.errors.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

pub fn update(dir: Option<&Path>, ecosystems: &[String], base_url: &str) -> Result<u8> {
    if ecosystems.is_empty() {
        bail!("name at least one ecosystem, e.g. --ecosystem Go --ecosystem PyPI");
    }
    let store = vulns::store(dir);
    let names: Vec<&str> = ecosystems.iter().map(String::as_str).collect();
    let report = store.update(&names, base_url)?;
    for e in &report.ecosystems {
        match &e.result {
            Ok(r) => println!(
                "{}: {} bytes, {} advisories ({} new, {} changed)",
                e.ecosystem, e.bytes, r.advisories, r.new, r.changed
            ),
            Err(why) => eprintln!("{}: failed: {why}", e.ecosystem),
        }
    }
    Ok(if report.ok() { exit::OK } else { exit::ERROR })
}

pub fn status(dir: Option<&Path>, json: bool) -> Result<u8> {
    let status = vulns::store(dir).status()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(exit::OK);
    }
    println!("store:      {}", status.dir.display());
    println!(
        "advisories: {} stored ({} withdrawn), {} curated built in",
        status.advisories, status.withdrawn, status.curated
    );
    let snap = &status.snapshot;
    println!(
        "built in:   {} OSV records, snapshot of {}{} ({}); stored records replace them",
        snap.records,
        snap.date,
        age(&snap.date)
            .map(|d| format!(", {d} days old"))
            .unwrap_or_default(),
        snap.sources.join("; ")
    );
    println!(
        "updated:    {}",
        status
            .updated_at
            .as_deref()
            .unwrap_or("never (run aimap db update or aimap db import)")
    );
    for (eco, n) in &status.ecosystems {
        println!("  {eco:<12} {n}");
    }
    for s in &status.sources {
        println!(
            "  source {} ({}, {} advisories, {})",
            s.source, s.kind, s.advisories, s.imported_at
        );
    }
    Ok(exit::OK)
}

/// Whole days since `date` (`YYYY-MM-DD`), when it reads.
fn age(date: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date, fmt).ok()?;
    Some((time::OffsetDateTime::now_utc().date() - day).whole_days())
}
