//! What `watch` says: one alert per thing that got worse.
use aimap_model::Severity;
use aimap_store::{Diff, RunInfo, StoredFinding};
use serde::Serialize;

/// One alert, as sent to stdout (a JSON line), the webhook and syslog.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// `new-finding`, `worse-finding`, `service-opened`,
    /// `listener-opened`, `config-changed`.
    pub event: &'static str,
    pub at: String,
    pub severity: Severity,
    /// One line for people (and syslog).
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_run: Option<String>,
    /// The finding, service, listener or file this is about.
    pub detail: serde_json::Value,
}

pub fn now() -> String {
    aimap_store::rfc3339(aimap_store::now_ms())
}

/// Alerts from the changes between two runs: new findings, findings whose
/// severity rose, and services that now answer without credentials.
pub fn from_diff(d: &Diff) -> Vec<Alert> {
    let at = now();
    let mut out = Vec::new();
    let worse: Vec<_> = d
        .findings
        .changed
        .iter()
        .filter(|c| c.after.severity > c.before.severity)
        .collect();
    for f in &d.findings.new {
        out.push(Alert {
            event: "new-finding",
            at: at.clone(),
            severity: f.severity,
            summary: format!("{} {}: {}", f.severity, f.subject, f.title),
            run: Some(d.to.id.clone()),
            previous_run: Some(d.from.id.clone()),
            detail: serde_json::to_value(f).unwrap_or_default(),
        });
    }
    for c in worse {
        out.push(Alert {
            event: "worse-finding",
            at: at.clone(),
            severity: c.after.severity,
            summary: format!(
                "{} → {} {}: {}",
                c.before.severity, c.after.severity, c.after.subject, c.after.title
            ),
            run: Some(d.to.id.clone()),
            previous_run: Some(d.from.id.clone()),
            detail: serde_json::to_value(c).unwrap_or_default(),
        });
    }
    for s in d.newly_open() {
        out.push(Alert {
            event: "service-opened",
            at: at.clone(),
            severity: Severity::High,
            summary: format!(
                "{} on {}:{} now answers without credentials (auth {}; open: {})",
                s.service,
                s.host,
                s.port,
                s.auth,
                s.open_capabilities.join(", ")
            ),
            run: Some(d.to.id.clone()),
            previous_run: Some(d.from.id.clone()),
            detail: serde_json::to_value(s).unwrap_or_default(),
        });
    }
    out
}

/// The first run of a scope has nothing to compare with: everything it
/// found is news.
pub fn from_first_run(run: &RunInfo, findings: &[StoredFinding]) -> Vec<Alert> {
    let at = now();
    findings
        .iter()
        .map(|f| Alert {
            event: "new-finding",
            at: at.clone(),
            severity: f.finding.severity,
            summary: format!(
                "{} {}: {}",
                f.finding.severity,
                f.finding.subject.key(),
                f.finding.title
            ),
            run: Some(run.id.clone()),
            previous_run: None,
            detail: serde_json::json!({
                "fingerprint": f.fingerprint,
                "id": f.finding.id,
                "kind": f.finding.kind,
                "severity": f.finding.severity,
                "subject": f.finding.subject.key(),
                "title": f.finding.title,
            }),
        })
        .collect()
}
