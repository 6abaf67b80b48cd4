//! `/runs`, `/runs/{id}` (with shard progress) and `/diff`.
use std::fmt::Write;

use aimap_store::{Diff, FindingBrief, RunKind, RunSummary, ServiceBrief};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;

use crate::error::PageError;
use crate::html::{self, auth_badge, enc, esc, severity_badge, thousands, when};
use crate::params::{Checked, DiffQuery, PageQuery, RunsQuery};
use crate::security::Viewer;
use crate::AppState;

fn runs_table(runs: &[RunSummary]) -> String {
    let mut t = String::from(
        r#"<table id="runs"><thead><tr><th>Run</th><th>Kind</th><th>What</th><th>Started</th><th>Status</th><th>Services</th><th>Components</th><th>Findings</th></tr></thead><tbody>"#,
    );
    for r in runs {
        let _ = write!(
            t,
            r#"<tr><td><a href="/runs/{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            enc(&r.run.id),
            esc(&r.run.id),
            r.run.kind.as_str(),
            esc(&r.run.label),
            when(r.run.started_ms),
            r.run.status.as_str(),
            thousands(r.services),
            thousands(r.components),
            thousands(r.findings)
        );
    }
    t.push_str("</tbody></table>");
    t
}

pub async fn list(
    State(app): State<AppState>,
    Checked(q, _): PageQuery<RunsQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, PageError> {
    let (limit, kind) = q.parse()?;
    let runs = app.store.list_runs(limit, kind).await?;
    let body = format!("<h1>Runs</h1>{}", runs_table(&runs));
    Ok(html::page("Runs", "/runs", &viewer, &body))
}

pub async fn detail(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, PageError> {
    let info = app.store.resolve(&id).await?;
    let previous = app.store.previous_comparable(&info).await?;
    let shards = app.store.shards(&info.id).await?;
    let s = app.store.summarize(info).await?;
    let id = enc(&s.run.id);
    let mut body = format!(
        r#"<h1>Run {}</h1><dl class="facts"><dt>Kind</dt><dd>{}</dd><dt>What</dt><dd>{}</dd><dt>Started</dt><dd>{}</dd><dt>Finished</dt><dd>{}</dd><dt>Status</dt><dd>{}</dd><dt>aimap</dt><dd>{}</dd></dl>"#,
        esc(&s.run.id),
        s.run.kind.as_str(),
        esc(&s.run.label),
        when(s.run.started_ms),
        s.run.finished_ms.map(when).unwrap_or_else(|| "-".into()),
        s.run.status.as_str(),
        esc(&s.run.aimap_version)
    );
    let _ = write!(
        body,
        r#"<p class="links"><a href="/?run={id}">Overview of this run</a> · <a href="/services?run={id}">{} services</a> · <a href="/findings?run={id}">{} findings</a> · <a href="/components?run={id}">{} components</a>"#,
        thousands(s.services),
        thousands(s.findings),
        thousands(s.components)
    );
    if let Some(p) = &previous {
        let _ = write!(
            body,
            r#" · <a id="diff-previous" href="/diff?from={}&amp;to={id}">What changed since {}</a>"#,
            enc(&p.id),
            esc(&p.id)
        );
    }
    if s.run.kind == RunKind::Inventory {
        let _ = write!(
            body,
            r#" · <a class="button" href="/api/v1/runs/{id}/sbom">SBOM (CycloneDX)</a>"#
        );
    }
    body.push_str("</p>");
    if shards.len() > 1 || shards.iter().any(|sh| sh.attempts > 1) {
        body.push_str(r#"<h2>Shards</h2><table id="shards"><thead><tr><th>Shard</th><th>Status</th><th>Done</th><th>Probes</th><th>Services</th><th>Attempts</th><th>Updated</th></tr></thead><tbody>"#);
        for sh in &shards {
            let pct = if sh.total == 0 {
                100.0
            } else {
                100.0 * sh.done as f64 / sh.total as f64
            };
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{pct:.1} %</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                sh.shard,
                sh.status.as_str(),
                thousands(sh.probes_sent),
                thousands(sh.services),
                sh.attempts,
                when(sh.updated_ms)
            );
        }
        body.push_str("</tbody></table>");
    }
    Ok(html::page(
        &format!("Run {}", s.run.id),
        "/runs",
        &viewer,
        &body,
    ))
}

fn service_rows(title: &str, id: &str, rows: &[ServiceBrief]) -> String {
    let mut t = format!(
        r#"<h3>{title} ({})</h3><table id="{id}"><thead><tr><th>Address</th><th>Product</th><th>Version</th><th>Credentials</th></tr></thead><tbody>"#,
        rows.len()
    );
    for s in rows {
        let _ = write!(
            t,
            "<tr><td>{}:{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.host),
            s.port,
            esc(&s.product),
            esc(s.version.as_deref().unwrap_or("unknown")),
            auth_badge(&s.auth)
        );
    }
    t.push_str("</tbody></table>");
    t
}

fn finding_rows(title: &str, id: &str, rows: &[FindingBrief]) -> String {
    let mut t = format!(
        r#"<h3>{title} ({})</h3><table id="{id}"><thead><tr><th>Severity</th><th>Finding</th><th>Subject</th></tr></thead><tbody>"#,
        rows.len()
    );
    for f in rows {
        let _ = write!(
            t,
            r#"<tr><td>{}</td><td><a href="/findings/{}">{}</a></td><td>{}</td></tr>"#,
            severity_badge(f.severity),
            enc(&f.fingerprint),
            esc(&f.title),
            esc(&f.subject)
        );
    }
    t.push_str("</tbody></table>");
    t
}

fn diff_body(d: &Diff) -> String {
    let mut body = format!(
        r#"<h1>What changed</h1><p class="sub">From <a href="/runs/{}">{}</a> ({}) to <a href="/runs/{}">{}</a> ({})</p>"#,
        enc(&d.from.id),
        esc(&d.from.id),
        when(d.from.started_ms),
        enc(&d.to.id),
        esc(&d.to.id),
        when(d.to.started_ms)
    );
    if d.is_empty() {
        body.push_str(r#"<p class="empty" id="no-changes">Nothing changed.</p>"#);
        return body;
    }
    body.push_str("<h2>Services</h2>");
    body.push_str(&service_rows("New", "services-new", &d.services.new));
    body.push_str(&service_rows("Gone", "services-gone", &d.services.gone));
    let _ = write!(
        body,
        r#"<h3>Changed ({})</h3><table id="services-changed"><thead><tr><th>Address</th><th>What</th><th>Before</th><th>After</th></tr></thead><tbody>"#,
        d.services.changed.len()
    );
    for c in &d.services.changed {
        let _ = write!(
            body,
            "<tr><td>{}:{}</td><td>{}</td><td>{} {} {}</td><td>{} {} {}</td></tr>",
            esc(&c.after.host),
            c.after.port,
            esc(&c.changed.join(", ")),
            esc(&c.before.product),
            esc(c.before.version.as_deref().unwrap_or("?")),
            auth_badge(&c.before.auth),
            esc(&c.after.product),
            esc(c.after.version.as_deref().unwrap_or("?")),
            auth_badge(&c.after.auth)
        );
    }
    body.push_str("</tbody></table><h2>Findings</h2>");
    body.push_str(&finding_rows("New", "findings-new", &d.findings.new));
    body.push_str(&finding_rows(
        "Resolved",
        "findings-resolved",
        &d.findings.gone,
    ));
    let changed: Vec<FindingBrief> = d.findings.changed.iter().map(|c| c.after.clone()).collect();
    body.push_str(&finding_rows(
        "Changed severity",
        "findings-changed",
        &changed,
    ));
    if !d.components.is_empty() {
        let _ = write!(
            body,
            "<h2>Components</h2><p>{} added, {} removed, {} changed version.</p>",
            d.components.new.len(),
            d.components.gone.len(),
            d.components.changed.len()
        );
    }
    body
}

pub async fn diff(
    State(app): State<AppState>,
    Checked(q, _): PageQuery<DiffQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, PageError> {
    let (from, to) = q.runs(&app.store).await?;
    let d = app.store.diff(&from, &to).await?;
    Ok(html::page("Diff", "/diff", &viewer, &diff_body(&d)))
}
