//! `/findings`: filter, sort, page; `/findings/{fingerprint}`: one finding
//! with its evidence, remediation and the runs that saw it.
use std::fmt::Write;

use aimap_model::{FindingKind, Severity, Subject};
use aimap_store::FindingSort;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;

use crate::error::{PageError, WebError};
use crate::html::{self, enc, esc, pager, query, select, severity_badge, when};
use crate::params::{Checked, ListQuery, PageQuery};
use crate::security::Viewer;
use crate::AppState;

pub async fn list(
    State(app): State<AppState>,
    Checked(q, _): PageQuery<ListQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, PageError> {
    let scope = q.scope(&app.store).await?;
    let filter = q.findings(scope.runs)?;
    let page = app.store.findings_page(&filter).await?;

    let run = q.run.clone().unwrap_or_default();
    let sev = filter.min_severity.map_or("", Severity::as_str);
    let kind = filter.kind.map_or("", FindingKind::as_str);
    let text = filter.text.clone().unwrap_or_default();
    let sort = match filter.sort {
        FindingSort::Severity => "severity",
        FindingSort::Age => "age",
        FindingSort::Newest => "newest",
    };
    let limit = filter.limit.to_string();
    let pairs = [
        ("run", run.as_str()),
        ("severity", sev),
        ("kind", kind),
        ("q", text.as_str()),
        ("sort", sort),
    ];

    let mut body = String::from("<h1>Findings</h1>");
    let mut sev_opts = vec![("", "any severity")];
    sev_opts.extend(Severity::ALL.iter().rev().map(|s| (s.as_str(), s.as_str())));
    let mut kind_opts = vec![("", "any kind")];
    kind_opts.extend(FindingKind::ALL.iter().map(|k| (k.as_str(), k.as_str())));
    let _ = write!(
        body,
        r#"<form class="filters" method="get" action="/findings" id="finding-filters">
<label>At least {}</label><label>Kind {}</label>
<label>Search <input type="search" name="q" id="f-q" value="{}" maxlength="200"></label>
<label>Sort {}</label><label>Run <input type="text" name="run" id="f-run" value="{}" size="12" placeholder="current"></label>
<button type="submit" id="apply">Filter</button></form>"#,
        select("severity", sev, &sev_opts),
        select("kind", kind, &kind_opts),
        esc(&text),
        select(
            "sort",
            sort,
            &[
                ("severity", "worst first"),
                ("age", "oldest first"),
                ("newest", "newest first")
            ]
        ),
        esc(&run),
    );
    let export_q = |format: &str| {
        let mut p = pairs.to_vec();
        p.push(("format", format));
        query(&p)
    };
    let _ = write!(
        body,
        r#"<p class="exports">Export: <a class="button" id="export-csv" href="/api/v1/findings/export{}">CSV</a> <a class="button" id="export-json" href="/api/v1/findings/export{}">JSON</a></p>"#,
        esc(&export_q("csv")),
        esc(&export_q("json"))
    );
    body.push_str(r#"<table id="findings"><thead><tr><th>Severity</th><th>Finding</th><th>Subject</th><th>Kind</th><th>Rule</th><th>First seen</th></tr></thead><tbody>"#);
    for f in &page.items {
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td><a class="finding" href="/findings/{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            severity_badge(f.severity),
            enc(&f.fingerprint),
            esc(&f.title),
            esc(&f.subject),
            esc(&f.kind),
            esc(&f.rule),
            f.first_seen_ms.map(when).unwrap_or_default()
        );
    }
    body.push_str("</tbody></table>");
    let mut pager_pairs = pairs.to_vec();
    pager_pairs.push(("limit", limit.as_str()));
    body.push_str(&pager(
        "/findings",
        &pager_pairs,
        page.total,
        page.offset,
        page.limit,
    ));
    Ok(html::page("Findings", "/findings", &viewer, &body))
}

pub async fn detail(
    State(app): State<AppState>,
    Path(fingerprint): Path<String>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, PageError> {
    let Some(d) = app.store.finding_detail(&fingerprint, &[]).await? else {
        return Err(PageError(WebError::NotFound(format!(
            "No stored finding has fingerprint {fingerprint:?}."
        ))));
    };
    let f = &d.finding.finding;
    let mut body = format!(
        r#"<h1>{} {}</h1><dl class="facts">"#,
        severity_badge(f.severity),
        esc(&f.title)
    );
    let subject = match &f.subject {
        Subject::Service {
            host,
            port,
            service,
        } => format!(
            r#"<a href="/services/{}/{}/{port}">{}</a> ({})"#,
            enc(&d.run_id),
            enc(host),
            esc(&f.subject.key()),
            esc(service)
        ),
        other => esc(&other.key()),
    };
    let facts = [
        ("Kind", esc(f.kind.as_str())),
        ("Rule", esc(&f.id)),
        ("Subject", subject),
        (
            "Fingerprint",
            format!("<code>{}</code>", esc(&d.finding.fingerprint)),
        ),
        (
            "First seen",
            d.finding
                .first_seen_ms
                .map(when)
                .unwrap_or_else(|| "unknown".into()),
        ),
    ];
    for (k, v) in facts {
        let _ = write!(body, "<dt>{k}</dt><dd>{v}</dd>");
    }
    body.push_str("</dl>");
    if !f.description.is_empty() {
        let _ = write!(body, "<p>{}</p>", esc(&f.description));
    }
    let _ = write!(
        body,
        r#"<h2>Evidence</h2><pre id="evidence">{}</pre><h2>Remediation</h2><p id="remediation">{}</p>"#,
        esc(&f.evidence),
        esc(&f.remediation)
    );
    if !f.references.is_empty() {
        body.push_str("<h2>References</h2><ul>");
        for r in &f.references {
            // Only web links become links; anything else is shown as text.
            if r.starts_with("https://") || r.starts_with("http://") {
                let _ = write!(
                    body,
                    r#"<li><a href="{0}" rel="noreferrer noopener">{0}</a></li>"#,
                    esc(r)
                );
            } else {
                let _ = write!(body, "<li>{}</li>", esc(r));
            }
        }
        body.push_str("</ul>");
    }
    body.push_str(r#"<h2>Seen in</h2><table id="seen-in"><thead><tr><th>Run</th><th>Started</th></tr></thead><tbody>"#);
    for s in &d.seen_in {
        let _ = write!(
            body,
            r#"<tr><td><a href="/runs/{}">{}</a></td><td>{}</td></tr>"#,
            enc(&s.run_id),
            esc(&s.run_id),
            when(s.started_ms)
        );
    }
    body.push_str("</tbody></table>");
    Ok(html::page(&f.title, "/findings", &viewer, &body))
}
