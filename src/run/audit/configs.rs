//! The configuration half of `aimap audit`: which paths go to
//! aimap-audit, the advisory index for image tags, baselines, and how
//! configuration results join the one report (JSON, SARIF, table).
use std::io::Write;
use std::path::{Path, PathBuf};

use aimap_audit::{Baseline, Collected, ConfigReport, Options};
use aimap_model::{Finding, Severity, Subject};
use aimap_report::Style;
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{json, Value};

use crate::cli::AuditArgs;

/// Configuration files found under the paths, and the paths left for the
/// model auditor (directories, and files that are not configuration).
pub fn split(paths: &[PathBuf]) -> (Collected, Vec<PathBuf>) {
    let collected = aimap_audit::collect(paths);
    let models = paths
        .iter()
        .filter(|p| !collected.configs.iter().any(|(c, _)| c == *p))
        .cloned()
        .collect();
    (collected, models)
}

/// Audit the configuration files; writes `--write-baseline` if asked.
pub fn audit(args: &AuditArgs, collected: &Collected) -> Result<Vec<ConfigReport>> {
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let index = match (args.no_vulns, collected.configs.is_empty()) {
        (false, false) => Some(crate::run::vulns::load_index(args.advisories.as_deref())?),
        _ => None,
    };
    let opts = Options {
        index: index.as_ref(),
        baseline: baseline.as_ref(),
    };
    let reports = aimap_audit::audit_all(&collected.configs, &opts);
    if let Some(path) = &args.write_baseline {
        write_baseline(path, &reports)?;
    }
    Ok(reports)
}

fn write_baseline(path: &Path, reports: &[ConfigReport]) -> Result<()> {
    // Baseline-suppressed findings stay in a rewritten baseline; inline
    // ignores live in the files themselves.
    let all = reports.iter().flat_map(|r| {
        r.findings.iter().chain(
            r.suppressed
                .iter()
                .filter(|s| s.by == "baseline")
                .map(|s| &s.finding),
        )
    });
    let text = serde_json::to_string_pretty(&Baseline::of(all))?;
    std::fs::write(path, text + "\n")
        .with_context(|| format!("cannot write the baseline {}", path.display()))
}

#[derive(Serialize, Default)]
pub struct ConfigSummary {
    pub files: usize,
    pub findings: usize,
    pub suppressed: usize,
    pub error: usize,
    /// Files met in the walk that neither auditor read.
    pub skipped: usize,
}

impl ConfigSummary {
    pub fn of(reports: &[ConfigReport], skipped: &[Skipped]) -> Self {
        Self {
            files: reports.len(),
            findings: reports.iter().map(|r| r.findings.len()).sum(),
            suppressed: reports.iter().map(|r| r.suppressed.len()).sum(),
            error: reports.iter().filter(|r| r.error.is_some()).count(),
            skipped: skipped.len(),
        }
    }
}

/// A file found under a directory that no auditor read, and why.
#[derive(Serialize, Debug, Clone)]
pub struct Skipped {
    pub path: String,
    pub reason: &'static str,
}

/// The most skipped files listed in a report (the count is always whole).
pub const MAX_SKIPPED_LISTED: usize = 1000;

/// Files the config walk passed over that the model auditor does not take
/// either; each is logged at `-v`.
pub fn skipped(collected: &Collected, model_files: &[PathBuf]) -> Vec<Skipped> {
    let models: std::collections::HashSet<&PathBuf> = model_files.iter().collect();
    collected
        .skipped
        .iter()
        .filter(|(p, _)| !models.contains(p))
        .map(|(p, why)| {
            tracing::info!(path = %p.display(), reason = why, "skipped");
            Skipped {
                path: p.display().to_string(),
                reason: why,
            }
        })
        .collect()
}

pub fn worst(reports: &[ConfigReport]) -> Option<Severity> {
    reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| f.severity)
        .max()
}

/// Adds SARIF `suppressions` to the results of suppressed findings, which
/// `results` lists after the active ones from `first` on.
pub fn mark_suppressed(log: &mut Value, first: usize, reports: &[ConfigReport]) {
    let suppressed = reports.iter().flat_map(|r| &r.suppressed);
    let Some(results) = log["runs"][0]["results"].as_array_mut() else {
        return;
    };
    for (r, s) in results.iter_mut().skip(first).zip(suppressed) {
        let kind = if s.by == "inline" {
            "inSource"
        } else {
            "external"
        };
        r["suppressions"] = json!([{ "kind": kind, "justification": s.reason }]);
    }
}

fn line_of(f: &Finding) -> String {
    match &f.subject {
        Subject::File { line: Some(l), .. } => format!(":{l}"),
        _ => String::new(),
    }
}

pub fn table(
    out: &mut dyn Write,
    st: Style,
    reports: &[ConfigReport],
    skipped: &[Skipped],
) -> std::io::Result<()> {
    if reports.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", st.bold("CONFIGURATION"))?;
    for r in reports {
        writeln!(out, "{}  ({})", r.path, r.kind.as_str())?;
        for f in &r.findings {
            let sev = st.severity(
                f.severity,
                &format!("{:<8}", f.severity.as_str().to_uppercase()),
            );
            writeln!(
                out,
                "    {sev} {}{}  {}  [{}]",
                r.path,
                line_of(f),
                f.title,
                f.id
            )?;
            writeln!(out, "             {} {}", st.dim("evidence:"), f.evidence)?;
            writeln!(out, "             {} {}", st.dim("fix:"), f.remediation)?;
        }
        for s in &r.suppressed {
            let f = &s.finding;
            writeln!(
                out,
                "    {} {}{}  [{}] ({}: {})",
                st.dim("SUPPRESSED"),
                r.path,
                line_of(f),
                f.id,
                s.by,
                s.reason
            )?;
        }
        if let Some(e) = &r.error {
            writeln!(out, "    {} {e}", st.dim("error:"))?;
        }
    }
    let s = ConfigSummary::of(reports, skipped);
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        st.dim(&format!(
            "{} configuration files: {} findings, {} suppressed, {} error; {} other files skipped (-v lists them)",
            s.files, s.findings, s.suppressed, s.error, s.skipped
        ))
    )
}
