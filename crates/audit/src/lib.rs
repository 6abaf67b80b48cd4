//! Configuration auditing: compose files, Kubernetes manifests,
//! Dockerfiles and AI service configs → findings at the line to change.
//!
//! Pipeline position: the `misconfiguration` half of audit —
//! `files (walk) → detect → parsers → documents → checks → rules (data) →
//! Finding(misconfiguration | exposure | vulnerability) → suppression` —
//! used by `aimap audit` beside aimap-modelscan. Image tags are matched
//! against aimap-advisory's index. Every read is capped; a file that is too
//! large, binary, not UTF-8 or not valid YAML comes back with an error on
//! its [`ConfigReport`] and the run goes on.
#![forbid(unsafe_code)]

pub mod checks;
pub mod dedup;
pub mod detect;
mod error;
pub mod mitigate;
pub mod resolve;
pub mod rules;
pub mod suppress;
mod walk;
pub mod yaml;

use std::io::Read;
use std::path::Path;

use aimap_advisory::{to_finding, Index};
use aimap_model::{Finding, Subject};
use serde::Serialize;

pub use detect::DocKind;
pub use error::AuditError;
pub use rules::{Catalog, Rule};
pub use suppress::{Baseline, Suppressed};
pub use walk::{collect, kind_of, Collected};

/// Largest configuration file read (real ones are kilobytes).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What a run needs besides the files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Advisories to match image tags against.
    pub index: Option<&'a Index>,
    pub baseline: Option<&'a Baseline>,
}

/// The result for one configuration file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigReport {
    pub path: String,
    pub kind: DocKind,
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Problems that did not stop the audit (a required env file missing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Audit one file on disk as `kind`. Never panics on content.
pub fn audit_file(path: &Path, kind: DocKind, opts: &Options<'_>) -> ConfigReport {
    let shown = path.display().to_string();
    match read_text(path) {
        Ok(text) => audit_in(&shown, kind, &text, opts, path.parent()),
        Err(e) => failed(&shown, kind, e),
    }
}

fn failed(path: &str, kind: DocKind, e: AuditError) -> ConfigReport {
    ConfigReport {
        path: path.into(),
        kind,
        findings: Vec::new(),
        suppressed: Vec::new(),
        error: Some(e.to_string()),
        notes: Vec::new(),
    }
}

/// Read at most [`MAX_FILE_BYTES`]; refuse binary and non-UTF-8 content.
pub fn read_text(path: &Path) -> Result<String, AuditError> {
    let io = |source| AuditError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(AuditError::TooLarge {
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let mut data = Vec::new();
    // The cap holds even if the file grows between stat and read.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(io)?;
    if data.len() as u64 > MAX_FILE_BYTES {
        return Err(AuditError::TooLarge {
            size: data.len() as u64,
            limit: MAX_FILE_BYTES,
        });
    }
    if data.contains(&0) {
        return Err(AuditError::Binary);
    }
    String::from_utf8(data).map_err(|e| AuditError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Audit text in memory as a file called `path` of kind `kind`. Nothing
/// else is read: a compose file's `env_file:` needs [`audit_file`].
pub fn audit_text(path: &str, kind: DocKind, text: &str, opts: &Options<'_>) -> ConfigReport {
    audit_in(path, kind, text, opts, None)
}

/// `base`: the directory files named by the text are relative to.
fn audit_in(
    path: &str,
    kind: DocKind,
    text: &str,
    opts: &Options<'_>,
    base: Option<&Path>,
) -> ConfigReport {
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => return failed(path, kind, e),
    };
    let mut out = checks::Out {
        base: base.map(Path::to_path_buf),
        ..checks::Out::default()
    };
    let parsed = match kind {
        DocKind::Compose => yaml::parse_documents(text).map(|mut d| {
            // Interpolate from the project's .env before any rule runs.
            let vars = base.map(resolve::project_env).unwrap_or_default();
            resolve::compose(&mut d, &vars);
            d.iter().for_each(|d| checks::compose::check(d, &mut out))
        }),
        DocKind::Kubernetes => {
            yaml::parse_documents(text).map(|d| checks::kubernetes::check(&d, &mut out))
        }
        DocKind::Milvus => {
            yaml::parse_documents(text).map(|d| checks::service::milvus(&d, &mut out))
        }
        DocKind::Qdrant => {
            yaml::parse_documents(text).map(|d| checks::service::qdrant(&d, &mut out))
        }
        DocKind::Dockerfile => {
            checks::dockerfile::check(text, &mut out);
            Ok(())
        }
        DocKind::Redis => {
            checks::service::redis(text, &mut out);
            Ok(())
        }
        DocKind::Systemd => {
            checks::service::systemd(text, &mut out);
            Ok(())
        }
        DocKind::Env => {
            checks::service::env_file(text, &mut out);
            Ok(())
        }
        DocKind::Jupyter => {
            checks::service::jupyter(text, &mut out);
            Ok(())
        }
    };
    if let Err(e) = parsed {
        return failed(path, kind, e);
    }
    let subject_in = |file: Option<&String>, line: u32, column: u32| Subject::File {
        path: file.map_or(path, String::as_str).to_string(),
        line: Some(line),
        column: (column > 0).then_some(column),
    };
    let mut found: Vec<(Finding, &str, bool)> = Vec::new();
    for h in &out.hits {
        let Some(rule) = catalog.get(h.rule) else {
            continue;
        };
        let f = Finding {
            id: rule.id.clone(),
            kind: rule.kind,
            severity: h.severity.unwrap_or(rule.severity),
            title: rule.title.clone(),
            description: rule.rationale.clone(),
            subject: subject_in(h.file.as_ref(), h.line, h.column),
            evidence: h.evidence.clone(),
            remediation: rule.fix.clone(),
            references: rule.references.clone(),
        };
        found.push((f, h.rule, h.file.is_some()));
    }
    // Advisories a control in the same workload closes: kept, suppressed.
    let mut mitigated: Vec<(Finding, String)> = Vec::new();
    if let Some(index) = opts.index {
        let mitigations = match mitigate::builtin() {
            Ok(m) => m,
            Err(e) => return failed(path, kind, e),
        };
        for img in &out.images {
            let r = checks::images::parse(&img.reference);
            let Some((purl, version)) = r.package() else {
                continue;
            };
            for m in &index.match_purl(purl, Some(&version)).affected {
                let mut f = to_finding(m, subject_in(None, img.line, img.column), r.short());
                f.evidence = format!("image {} ({purl}@{version})", img.reference);
                match mitigate::reason(mitigations, m, &version, &img.controls) {
                    Some(why) => mitigated.push((f, why)),
                    None => found.push((f, "vulnerable-image", false)),
                }
            }
        }
    }
    found.sort_by_key(|(f, _, _)| match &f.subject {
        Subject::File { line, column, .. } => (line.unwrap_or(0), column.unwrap_or(0)),
        _ => (0, 0),
    });
    // One finding per place: a value reached from many services is one.
    dedup::merge(&mut found);
    let lines: Vec<&str> = text.lines().collect();
    let mut report = ConfigReport {
        path: path.into(),
        kind,
        findings: Vec::new(),
        suppressed: Vec::new(),
        error: None,
        notes: out.notes,
    };
    for (finding, reason) in mitigated {
        report.suppressed.push(Suppressed {
            finding,
            by: "configuration",
            reason,
        });
    }
    for (f, rule, elsewhere) in found {
        let line = match &f.subject {
            Subject::File { line, .. } => line.unwrap_or(0),
            _ => 0,
        };
        // Inline comments in another file (an env file) are not read.
        let inline = if elsewhere {
            None
        } else {
            suppress::inline(&lines, &f.id, line).or_else(|| suppress::inline(&lines, rule, line))
        };
        if let Some(reason) = inline {
            report.suppressed.push(Suppressed {
                finding: f,
                by: "inline",
                reason,
            });
        } else if opts.baseline.is_some_and(|b| b.contains(&f)) {
            report.suppressed.push(Suppressed {
                finding: f,
                by: "baseline",
                reason: "in the baseline".into(),
            });
        } else {
            report.findings.push(f);
        }
    }
    report
}

/// Audit many files on all cores; reports keep the input order.
pub fn audit_all(files: &[(std::path::PathBuf, DocKind)], opts: &Options<'_>) -> Vec<ConfigReport> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots = std::sync::Mutex::new(vec![None; files.len()]);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((path, kind)) = files.get(i) else {
                    break;
                };
                let r = audit_file(path, *kind, opts);
                if let Ok(mut slots) = slots.lock() {
                    slots[i] = Some(r);
                }
            });
        }
    });
    let mut reports: Vec<ConfigReport> = slots
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    dedup::across(&mut reports);
    reports
}
