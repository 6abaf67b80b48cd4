//! `aimap audit`: paths → model files and configuration files → verdicts
//! and findings → one report (table, JSON or SARIF) → exit code. Model files
//! are judged by aimap-modelscan, configuration by aimap-audit ([`configs`]).
mod configs;

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aimap_audit::ConfigReport;
use aimap_model::Severity;
use aimap_modelscan::{FileReport, Limits, ModelFormat, Target, Verdict};
use aimap_report::{SarifResult, SarifTool, Style};
use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::cli::AuditArgs;
use crate::run::exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuditFormat {
    Table,
    Json,
    Sarif,
}

/// The JSON report: every file with its verdict, then the totals.
#[derive(Serialize)]
struct AuditReport<'a> {
    aimap_version: &'a str,
    files: &'a [FileReport],
    summary: Summary,
    /// Configuration files (compose, Kubernetes, Dockerfiles, service configs).
    configs: &'a [ConfigReport],
    config_summary: configs::ConfigSummary,
    /// Files under the given directories that no auditor read, with the
    /// reason (the first [`configs::MAX_SKIPPED_LISTED`]; the summary
    /// counts them all).
    skipped: &'a [configs::Skipped],
}

#[derive(Serialize, Default)]
struct Summary {
    files: usize,
    safe: usize,
    suspicious: usize,
    #[serde(rename = "unsafe")]
    unsafe_: usize,
    error: usize,
    findings: usize,
}

impl Summary {
    fn of(files: &[FileReport]) -> Self {
        let mut s = Summary {
            files: files.len(),
            ..Summary::default()
        };
        for f in files {
            s.findings += f.findings.len();
            match f.verdict {
                Verdict::Safe => s.safe += 1,
                Verdict::Suspicious => s.suspicious += 1,
                Verdict::Unsafe => s.unsafe_ += 1,
                Verdict::Error => s.error += 1,
            }
        }
        s
    }
}

pub fn run(args: AuditArgs, store_args: &crate::cli::StoreArgs) -> Result<u8> {
    run_recorded(args, store_args).map(|(code, _)| code)
}

/// Run, and say which stored run holds the result (for `watch`).
pub fn run_recorded(
    args: AuditArgs,
    store_args: &crate::cli::StoreArgs,
) -> Result<(u8, Option<String>)> {
    let format = match args.format.as_deref().unwrap_or("table") {
        "table" => AuditFormat::Table,
        "json" => AuditFormat::Json,
        "sarif" => AuditFormat::Sarif,
        other => bail!("unknown format {other:?} (table, json, sarif)"),
    };
    let fail_on = match args.fail_on.as_deref().unwrap_or("high") {
        "none" => None,
        s => Some(s.parse::<Severity>()?),
    };
    let remember = crate::run::store::Remember::open(store_args)?;
    // Open the output first: an unwritable path fails before any work.
    let (out, to_terminal): (Box<dyn Write>, bool) = match &args.output {
        Some(path) => {
            let f =
                File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            (Box::new(BufWriter::new(f)), false)
        }
        // Buffered: stdout is line-buffered, and a JSON report is thousands of lines.
        None => (
            Box::new(BufWriter::new(std::io::stdout().lock())),
            std::io::stdout().is_terminal(),
        ),
    };
    let style = Style {
        color: to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let (collected, model_paths) = configs::split(&args.paths);
    let configs = configs::audit(&args, &collected)?;
    let model_targets = if model_paths.is_empty() {
        Vec::new()
    } else {
        aimap_modelscan::collect(&model_paths)
    };
    let reports = audit_all(&model_targets, &Limits::default());
    let model_files: Vec<std::path::PathBuf> = model_targets
        .iter()
        .filter_map(|t| match t {
            Target::File(p) => Some(p.clone()),
            Target::Unreadable { .. } => None,
        })
        .collect();
    let skipped = configs::skipped(&collected, &model_files);
    write_report(out, format, style, &reports, &configs, &skipped)
        .context("cannot write the report")?;
    let run_id = remember.and_then(|remember| remember_audit(remember, &args, &reports, &configs));

    let failing = fail_on.is_some_and(|t| {
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .any(|f| f.finding.severity >= t)
            || configs::worst(&configs).is_some_and(|w| w >= t)
    });
    let code = if failing {
        exit::FINDINGS
    } else if reports.iter().any(|r| r.verdict == Verdict::Error)
        || configs.iter().any(|c| c.error.is_some())
    {
        exit::ERROR
    } else {
        exit::OK
    };
    Ok((code, run_id))
}

/// Store the run: every model and configuration finding (suppressed ones
/// are not findings of the run). A store failure is only a warning.
fn remember_audit(
    remember: crate::run::store::Remember,
    args: &AuditArgs,
    reports: &[FileReport],
    config_reports: &[ConfigReport],
) -> Option<String> {
    use crate::run::store::{label, numbered_keys, scope_key};
    let parts: Vec<String> = args
        .paths
        .iter()
        .map(|p| {
            std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        })
        .collect();
    let summary = serde_json::json!({
        "models": Summary::of(reports),
        "configs": config_reports.len(),
    });
    let new = aimap_store::NewRun {
        id: None,
        kind: aimap_store::RunKind::Audit,
        scope: scope_key("audit", &parts),
        label: label(&parts, ""),
        params: serde_json::json!({ "paths": parts }),
        shard_count: 1,
        parent: None,
    };
    let result = remember.record(new, summary, |w| {
        // Model findings keep their byte offsets in the store.
        let model = reports
            .iter()
            .flat_map(|r| r.findings.iter().map(|f| (&f.finding, f.byte_offset)));
        let config = config_reports
            .iter()
            .flat_map(|c| c.findings.iter().map(|f| (f, None)));
        let all: Vec<_> = model.chain(config).collect();
        let keys = numbered_keys(all.iter().map(|(f, _)| *f));
        for ((f, key), (_, offset)) in keys.into_iter().zip(&all) {
            w.finding_at(f, key, *offset)?;
        }
        Ok(())
    });
    match result {
        Ok(id) => {
            tracing::info!(run = %id, "audit remembered");
            Some(id)
        }
        Err(e) => {
            tracing::warn!("this audit is not remembered: {e:#}");
            None
        }
    }
}

/// Audit every target on all cores; reports keep the targets' order.
fn audit_all(targets: &[Target], limits: &Limits) -> Vec<FileReport> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<FileReport>>> = Mutex::new(vec![None; targets.len()]);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(targets.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(target) = targets.get(i) else { break };
                let report = audit_one(target, limits);
                if let Ok(mut slots) = slots.lock() {
                    slots[i] = Some(report);
                }
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

fn audit_one(target: &Target, limits: &Limits) -> FileReport {
    match target {
        Target::File(path) => aimap_modelscan::scan_file(path, limits),
        Target::Unreadable { path, reason } => unreadable(path, reason),
    }
}

fn unreadable(path: &std::path::Path, reason: &str) -> FileReport {
    FileReport {
        path: path.display().to_string(),
        format: ModelFormat::Unknown,
        verdict: Verdict::Error,
        findings: Vec::new(),
        error: Some(format!("cannot read {}: {reason}", path.display())),
    }
}

fn write_report(
    mut out: Box<dyn Write + '_>,
    format: AuditFormat,
    st: Style,
    reports: &[FileReport],
    config_reports: &[ConfigReport],
    skipped: &[configs::Skipped],
) -> std::io::Result<()> {
    match format {
        AuditFormat::Json => {
            let report = AuditReport {
                aimap_version: env!("CARGO_PKG_VERSION"),
                files: reports,
                summary: Summary::of(reports),
                configs: config_reports,
                config_summary: configs::ConfigSummary::of(config_reports, skipped),
                skipped: &skipped[..skipped.len().min(configs::MAX_SKIPPED_LISTED)],
            };
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        AuditFormat::Sarif => {
            let mut results: Vec<SarifResult> = reports
                .iter()
                .flat_map(|r| &r.findings)
                .map(|f| SarifResult {
                    finding: &f.finding,
                    byte_offset: f.byte_offset,
                })
                .collect();
            let config_results = |f| SarifResult {
                finding: f,
                byte_offset: None,
            };
            results.extend(
                config_reports
                    .iter()
                    .flat_map(|r| &r.findings)
                    .map(config_results),
            );
            // Suppressed findings last, marked as such (never dropped).
            let first_suppressed = results.len();
            results.extend(
                config_reports
                    .iter()
                    .flat_map(|r| &r.suppressed)
                    .map(|s| config_results(&s.finding)),
            );
            let tool = SarifTool {
                name: "aimap",
                version: env!("CARGO_PKG_VERSION"),
                information_uri: "https://example.invalid/aimap",
            };
            let mut log = aimap_report::sarif_log(&tool, &results);
            configs::mark_suppressed(&mut log, first_suppressed, config_reports);
            let errors: Vec<(&str, &str)> = reports
                .iter()
                .filter_map(|r| Some((r.path.as_str(), r.error.as_deref()?)))
                .chain(
                    config_reports
                        .iter()
                        .filter_map(|r| Some((r.path.as_str(), r.error.as_deref()?))),
                )
                .collect();
            aimap_report::add_notifications(&mut log, &errors);
            serde_json::to_writer_pretty(&mut out, &log)?;
            writeln!(out)?;
        }
        AuditFormat::Table => {
            if !reports.is_empty() || config_reports.is_empty() {
                table(&mut out, st, reports)?;
            }
            configs::table(&mut out, st, config_reports, skipped)?;
        }
    }
    out.flush()
}

fn verdict_style(st: Style, v: Verdict, text: &str) -> String {
    match v {
        Verdict::Unsafe => st.severity(Severity::Critical, text),
        Verdict::Suspicious => st.severity(Severity::Medium, text),
        Verdict::Error => st.severity(Severity::High, text),
        Verdict::Safe => st.dim(text),
    }
}

fn table(out: &mut dyn Write, st: Style, reports: &[FileReport]) -> std::io::Result<()> {
    if reports.is_empty() {
        writeln!(out, "No model or configuration files found.")?;
        return Ok(());
    }
    let fmt_w = reports
        .iter()
        .map(|r| r.format.as_str().len())
        .max()
        .unwrap_or(6)
        .max(6);
    writeln!(
        out,
        "{}",
        st.bold(&format!("{:<10}  {:<fmt_w$}  FILE", "VERDICT", "FORMAT"))
    )?;
    for r in reports {
        let verdict = verdict_style(st, r.verdict, &format!("{:<10}", r.verdict.as_str()));
        writeln!(out, "{verdict}  {:<fmt_w$}  {}", r.format.as_str(), r.path)?;
        for f in &r.findings {
            let f = &f.finding;
            let sev = st.severity(
                f.severity,
                &format!("{:<8}", f.severity.as_str().to_uppercase()),
            );
            writeln!(out, "    {sev} {}  [{}]", f.title, f.id)?;
            writeln!(out, "             {} {}", st.dim("evidence:"), f.evidence)?;
        }
        if let Some(e) = &r.error {
            writeln!(out, "    {} {e}", st.dim("error:"))?;
        }
    }
    let s = Summary::of(reports);
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        st.dim(&format!(
            "{} files: {} unsafe, {} suspicious, {} error, {} safe",
            s.files, s.unsafe_, s.suspicious, s.error, s.safe
        ))
    )
}
