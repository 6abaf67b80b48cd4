//! `/services`: every stored service, filtered by product, auth verdict,
//! version and vulnerability; `/services/{run}/{host}/{port}`: one in full.
use std::fmt::Write;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;

use crate::error::{PageError, WebError};
use crate::html::{self, auth_badge, enc, esc, pager, select, severity_badge};
use crate::params::{Checked, ListQuery, PageQuery};
use crate::security::Viewer;
use crate::AppState;

pub async fn list(
    State(app): State<AppState>,
    Checked(q, _): PageQuery<ListQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, PageError> {
    let scope = q.scope(&app.store).await?;
    let products = app.store.products(&scope.runs).await?;
    let filter = q.services(scope.runs)?;
    let page = app.store.services_page(&filter).await?;

    let run = q.run.clone().unwrap_or_default();
    let product = filter.product.clone().unwrap_or_default();
    let auth = filter.auth.clone().unwrap_or_default();
    let version = filter.version.clone().unwrap_or_default();
    let vulnerable = match filter.vulnerable {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    let text = filter.text.clone().unwrap_or_default();

    let mut product_opts = vec![("", "any product")];
    product_opts.extend(products.iter().map(|p| (p.as_str(), p.as_str())));
    let mut body = String::from("<h1>Services</h1>");
    let _ = write!(
        body,
        r#"<form class="filters" method="get" action="/services" id="service-filters">
<label>Product {}</label><label>Credentials {}</label>
<label>Version <input type="text" name="version" id="f-version" value="{}" size="10" placeholder="0.1.* or unknown"></label>
<label>Vulnerable {}</label><label>Search <input type="search" name="q" id="f-q" value="{}" maxlength="200"></label>
<label>Run <input type="text" name="run" id="f-run" value="{}" size="12" placeholder="current"></label>
<button type="submit" id="apply">Filter</button></form>"#,
        select("product", &product, &product_opts),
        select(
            "auth",
            &auth,
            &[
                ("", "any"),
                ("none", "none needed"),
                ("partial", "partial"),
                ("required", "required"),
                ("unknown", "unknown")
            ]
        ),
        esc(&version),
        select(
            "vulnerable",
            vulnerable,
            &[("", "any"), ("yes", "yes"), ("no", "no")]
        ),
        esc(&text),
        esc(&run),
    );
    body.push_str(r#"<table id="services"><thead><tr><th>Address</th><th>Product</th><th>Version</th><th>Credentials</th><th>Vulnerabilities</th><th>Run</th></tr></thead><tbody>"#);
    for s in &page.items {
        let host = if s.host.contains(':') {
            format!("[{}]", s.host)
        } else {
            s.host.clone()
        };
        let _ = write!(
            body,
            r#"<tr><td><a href="/services/{}/{}/{}">{}:{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href="/runs/{}">{}</a></td></tr>"#,
            enc(&s.run_id),
            enc(&s.host),
            s.port,
            esc(&host),
            s.port,
            esc(&s.product),
            esc(s.version.as_deref().unwrap_or("unknown")),
            auth_badge(&s.auth),
            s.vulnerabilities,
            enc(&s.run_id),
            esc(&s.run_id),
        );
    }
    body.push_str("</tbody></table>");
    let limit = filter.limit.to_string();
    body.push_str(&pager(
        "/services",
        &[
            ("run", &run),
            ("product", &product),
            ("auth", &auth),
            ("version", &version),
            ("vulnerable", vulnerable),
            ("q", &text),
            ("limit", &limit),
        ],
        page.total,
        page.offset,
        page.limit,
    ));
    Ok(html::page("Services", "/services", &viewer, &body))
}

pub async fn detail(
    State(app): State<AppState>,
    Path((run, host, port)): Path<(String, String, String)>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, PageError> {
    let port: u16 = port
        .parse()
        .map_err(|_| WebError::BadRequest(format!("{port:?} is not a port number")))?;
    let Some(s) = app.store.service_detail(&run, &host, port).await? else {
        return Err(PageError(WebError::NotFound(format!(
            "Run {run} has no service at {host}:{port}."
        ))));
    };
    let mut body = format!(
        r#"<h1>{} on {}:{}</h1><dl class="facts">"#,
        esc(&s.product),
        esc(&s.host),
        s.port
    );
    let facts = [
        ("Service", esc(&s.service)),
        ("Version", esc(s.version.as_deref().unwrap_or("unknown"))),
        (
            "Version from",
            esc(&s
                .version_source
                .map(|v| {
                    serde_json::to_value(v)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default()
                })
                .unwrap_or_else(|| "-".into())),
        ),
        ("Credentials", auth_badge(s.auth.as_str())),
        ("Transport", esc(&s.transport)),
        ("Package URL", esc(s.purl.as_deref().unwrap_or("-"))),
        (
            "Run",
            format!(r#"<a href="/runs/{}">{}</a>"#, enc(&run), esc(&run)),
        ),
    ];
    for (k, v) in facts {
        let _ = write!(body, "<dt>{k}</dt><dd>{v}</dd>");
    }
    if !s.labels.is_empty() {
        let _ = write!(
            body,
            r#"<dt>Labels</dt><dd class="error" id="labels">{} (identification confidence: low; see the evidence)</dd>"#,
            esc(&s
                .labels
                .iter()
                .filter_map(|l| serde_json::to_value(l).ok()?.as_str().map(String::from))
                .collect::<Vec<_>>()
                .join(", "))
        );
    }
    if !s.version_candidates.is_empty() {
        let _ = write!(
            body,
            "<dt>Version candidates</dt><dd>{}</dd>",
            esc(&s.version_candidates.join(", "))
        );
    }
    if let Some(tls) = &s.tls {
        let _ = write!(
            body,
            "<dt>TLS</dt><dd>{} (issuer {}, until {}{})</dd>",
            esc(&tls.subject),
            esc(&tls.issuer),
            esc(&tls.not_after),
            if tls.self_signed { ", self-signed" } else { "" }
        );
    }
    body.push_str("</dl>");
    capability_table(&mut body, &s);
    for (name, items) in &s.details {
        let _ = write!(body, "<h2>{}</h2><ul class=\"inline\">", esc(name));
        for i in items.iter().take(200) {
            let _ = write!(body, "<li>{}</li>", esc(i));
        }
        body.push_str("</ul>");
    }
    if !s.vulnerabilities.is_empty() || !s.possible_vulnerabilities.is_empty() {
        body.push_str("<h2>Vulnerabilities</h2>");
        // The one upgrade that fixes them all, as the CLI's table says it.
        if let Some(g) = aimap_report::vulngroup::VulnGroup::of(&s) {
            let _ = write!(
                body,
                r#"<p id="vuln-group">{} {}</p>"#,
                severity_badge(g.worst()),
                esc(&g.headline())
            );
        }
        body.push_str(r#"<table id="vulns"><thead><tr><th>Advisory</th><th>Severity</th><th>Fixed in</th><th>Summary</th></tr></thead><tbody>"#);
        for (v, possible) in s
            .vulnerabilities
            .iter()
            .map(|v| (v, false))
            .chain(s.possible_vulnerabilities.iter().map(|v| (v, true)))
        {
            let _ = write!(
                body,
                "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&v.id),
                if possible { " <em>(possible)</em>" } else { "" },
                severity_badge(v.severity),
                esc(v.fixed.as_deref().unwrap_or("no fix known")),
                esc(&v.summary)
            );
        }
        body.push_str("</tbody></table>");
    }
    if !s.findings.is_empty() {
        body.push_str("<h2>Findings</h2><ul>");
        for f in &s.findings {
            let _ = write!(
                body,
                r#"<li>{} <a href="/findings/{}">{}</a></li>"#,
                severity_badge(f.severity),
                enc(&f.identity()),
                esc(&f.title)
            );
        }
        body.push_str("</ul>");
    }
    body.push_str("<h2>Evidence</h2>");
    for e in &s.evidence {
        let _ = write!(
            body,
            r#"<p class="probe"><code>{}</code> → {}</p><pre>{}</pre>"#,
            esc(&e.request),
            e.status
                .map(|c| c.to_string())
                .unwrap_or_else(|| "answer".into()),
            esc(&e.excerpt)
        );
    }
    Ok(html::page(&s.product, "/services", &viewer, &body))
}

/// What an unauthenticated client can do, capability by capability, with
/// the answer that settled each (docs/fingerprinting.md, "Verdicts per
/// capability").
fn capability_table(body: &mut String, s: &aimap_model::Service) {
    if s.capabilities.is_empty() {
        return;
    }
    body.push_str(r#"<h2>Without credentials</h2><table id="capabilities"><thead><tr><th>Capability</th><th>Verdict</th><th>Proof</th></tr></thead><tbody>"#);
    for (cap, access) in &s.capabilities {
        let proof = access
            .evidence
            .as_ref()
            .map(|e| match e.status {
                Some(st) => format!("{} \u{2192} {st}: {}", e.request, e.excerpt),
                None => format!("{}: {}", e.request, e.excerpt),
            })
            .unwrap_or_else(|| "not settled".into());
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            cap.as_str(),
            auth_badge(access.auth.as_str()),
            esc(&proof)
        );
    }
    body.push_str("</tbody></table>");
}
