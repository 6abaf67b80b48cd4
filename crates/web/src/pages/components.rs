//! `/components`: the stored SBOM rows, filtered by ecosystem and name.
use std::fmt::Write;

use axum::extract::State;
use axum::response::Response;
use axum::Extension;

use crate::error::PageError;
use crate::html::{self, enc, esc, pager};
use crate::params::{Checked, ListQuery, PageQuery};
use crate::security::Viewer;
use crate::AppState;

pub async fn list(
    State(app): State<AppState>,
    Checked(q, _): PageQuery<ListQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, PageError> {
    let scope = q.scope(&app.store).await?;
    let filter = q.components(scope.runs)?;
    let page = app.store.components_page(&filter).await?;
    let run = q.run.clone().unwrap_or_default();
    let eco = filter.ecosystem.clone().unwrap_or_default();
    let text = filter.text.clone().unwrap_or_default();
    let mut body = String::from("<h1>Components</h1>");
    let _ = write!(
        body,
        r#"<form class="filters" method="get" action="/components" id="component-filters">
<label>Ecosystem <input type="text" name="ecosystem" id="f-ecosystem" value="{}" size="10" placeholder="pypi, npm, deb…"></label>
<label>Search <input type="search" name="q" id="f-q" value="{}" maxlength="200"></label>
<label>Run <input type="text" name="run" id="f-run" value="{}" size="12" placeholder="current"></label>
<button type="submit" id="apply">Filter</button></form>"#,
        esc(&eco),
        esc(&text),
        esc(&run)
    );
    body.push_str(r#"<table id="components"><thead><tr><th>Name</th><th>Version</th><th>Ecosystem</th><th>Package URL</th><th>Run</th></tr></thead><tbody>"#);
    let mut runs_seen: Vec<&str> = Vec::new();
    for c in &page.items {
        if !runs_seen.contains(&c.run_id.as_str()) {
            runs_seen.push(&c.run_id);
        }
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><a href="/runs/{}">{}</a></td></tr>"#,
            esc(&c.name),
            esc(c.version.as_deref().unwrap_or("")),
            esc(&c.ecosystem),
            esc(c.purl.as_deref().unwrap_or("")),
            enc(&c.run_id),
            esc(&c.run_id)
        );
    }
    body.push_str("</tbody></table>");
    let limit = filter.limit.to_string();
    body.push_str(&pager(
        "/components",
        &[
            ("run", &run),
            ("ecosystem", &eco),
            ("q", &text),
            ("limit", &limit),
        ],
        page.total,
        page.offset,
        page.limit,
    ));
    if !runs_seen.is_empty() {
        body.push_str(r#"<p class="exports">SBOM (CycloneDX 1.6):"#);
        for r in runs_seen {
            let _ = write!(
                body,
                r#" <a class="button sbom" href="/api/v1/runs/{}/sbom">{}</a>"#,
                enc(r),
                esc(r)
            );
        }
        body.push_str("</p>");
    }
    Ok(html::page("Components", "/components", &viewer, &body))
}
