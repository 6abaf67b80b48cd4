//! `/`: what is exposed now, how bad, and how it moved.
use std::fmt::Write;

use aimap_model::Severity;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;

use crate::api::TREND_RUNS;
use crate::chart;
use crate::error::PageError;
use crate::html::{self, enc, esc, thousands, when, with_param};
use crate::params::{Checked, ListQuery, PageQuery};
use crate::security::Viewer;
use crate::AppState;

pub async fn page_handler(
    app: &AppState,
    q: &ListQuery,
    viewer: &Viewer,
) -> Result<Response, PageError> {
    let scope = q.scope(&app.store).await?;
    let o = app.store.overview(&scope.runs).await?;
    let trend = app.store.trend(TREND_RUNS).await?;
    let current = app.store.current_runs().await?;
    let run = scope.selected.as_ref().map_or("", |r| r.id.as_str());
    let run_q = if run.is_empty() {
        String::new()
    } else {
        format!("&run={}", enc(run))
    };

    let mut body = String::new();
    let heading = match &scope.selected {
        Some(r) => format!("Run {}", esc(&r.id)),
        None => format!("Now: the latest of {} stored scopes", current.len()),
    };
    let _ = write!(body, "<h1>Overview</h1><p class=\"sub\">{heading}</p>");
    let high = o.findings_by_severity[Severity::High.rank() as usize]
        + o.findings_by_severity[Severity::Critical.rank() as usize];
    let cards = [
        ("Open findings", o.findings, "/findings".to_string(), ""),
        (
            "Critical and high",
            high,
            "/findings?severity=high".into(),
            "hot",
        ),
        ("Services", o.services, "/services".into(), ""),
        (
            "Answer without credentials",
            o.exposed,
            "/services?auth=none".into(),
            "hot",
        ),
        (
            "Vulnerable services",
            o.vulnerable_services,
            "/services?vulnerable=yes".into(),
            "hot",
        ),
        ("Components", o.components, "/components".into(), ""),
    ];
    body.push_str(r#"<section class="cards">"#);
    for (label, n, href, class) in cards {
        let _ = write!(
            body,
            r#"<a class="card {class}" href="{}" data-card="{}"><span class="n">{}</span><span class="l">{label}</span></a>"#,
            esc(&with_param(&href, "run", run)),
            esc(label),
            thousands(n)
        );
    }
    body.push_str("</section>");

    let _ = write!(
        body,
        r#"<section><h2>Open findings over time</h2><p class="sub">After each of the last {} runs; each scope counts with its latest run.</p>{}</section>"#,
        trend.len(),
        chart::trend(&trend)
    );

    let sev_rows: Vec<(String, u64, &str)> = Severity::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                o.findings_by_severity[s.rank() as usize],
                s.as_str(),
            )
        })
        .collect();
    let kind_rows: Vec<(String, u64, &str)> = o
        .findings_by_kind
        .iter()
        .map(|(k, n)| (k.clone(), *n, "kind"))
        .collect();
    let _ = write!(
        body,
        r#"<section class="split"><div><h2>Findings by severity</h2>{}</div><div><h2>Findings by kind</h2>{}</div></section>"#,
        chart::bars(&sev_rows, |s| Some(format!(
            "/findings?severity={s}{run_q}"
        ))),
        chart::bars(&kind_rows, |k| Some(format!(
            "/findings?kind={}{run_q}",
            enc(k)
        ))),
    );

    body.push_str(r#"<section><h2>Exposed services by product</h2>"#);
    if o.products.is_empty() {
        body.push_str(r#"<p class="empty">No services stored.</p>"#);
    } else {
        body.push_str(r#"<table id="products"><thead><tr><th>Product</th><th>Services</th><th>Without credentials</th><th>Vulnerable</th></tr></thead><tbody>"#);
        let run_amp = run_q.replace('&', "&amp;");
        for p in &o.products {
            let pq = enc(&p.product);
            let _ = write!(
                body,
                r#"<tr><td><a href="/services?product={pq}{run_amp}">{}</a></td><td>{}</td><td><a href="/services?product={pq}&amp;auth=none{run_amp}">{}</a></td><td><a href="/services?product={pq}&amp;vulnerable=yes{run_amp}">{}</a></td></tr>"#,
                esc(&p.product),
                thousands(p.services),
                thousands(p.exposed),
                thousands(p.vulnerable)
            );
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("</section>");

    body.push_str(r#"<section><h2>Current runs</h2><table><thead><tr><th>Run</th><th>Kind</th><th>What</th><th>Started</th><th>Status</th></tr></thead><tbody>"#);
    for r in &current {
        let _ = write!(
            body,
            r#"<tr><td><a href="/runs/{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            enc(&r.id),
            esc(&r.id),
            r.kind.as_str(),
            esc(&r.label),
            when(r.started_ms),
            r.status.as_str()
        );
    }
    body.push_str("</tbody></table></section>");
    Ok(html::page("Overview", "/", viewer, &body))
}

pub async fn page(
    State(app): State<AppState>,
    Checked(q, _): PageQuery<ListQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, PageError> {
    page_handler(&app, &q, &viewer).await
}
