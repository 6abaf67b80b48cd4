//! Downloads: findings as CSV or JSON (the list's filters apply), and an
//! inventory run as a CycloneDX 1.6 SBOM. Redacted like every other answer.
use aimap_report::bom::{render_stored, StoredBom};
use aimap_store::{rfc3339, RunKind, StoredFinding};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, WebError};
use crate::params::{ApiQuery, Checked, ListQuery};
use crate::redact::{redact, redact_json};
use crate::AppState;

/// The most findings one export carries; more is flagged in a header.
pub const MAX_EXPORT: u32 = 100_000;

pub async fn findings(
    State(app): State<AppState>,
    Checked(q, _): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let format = q.format.as_deref().unwrap_or("csv");
    if !matches!(format, "csv" | "json") {
        return Err(ApiError(WebError::BadRequest(format!(
            "format={:?}: expected csv or json",
            format.chars().take(20).collect::<String>()
        ))));
    }
    let scope = q.scope(&app.store).await?;
    let filter = q.findings(scope.runs)?;
    let rows = app.store.findings_export(&filter, MAX_EXPORT + 1).await?;
    let truncated = rows.len() > MAX_EXPORT as usize;
    let rows = &rows[..rows.len().min(MAX_EXPORT as usize)];
    let (body, mime, ext) = if format == "csv" {
        (findings_csv(rows), "text/csv; charset=utf-8", "csv")
    } else {
        let mut v = serde_json::to_value(rows).map_err(|_| WebError::Internal)?;
        redact_json(&mut v);
        (v.to_string(), "application/json", "json")
    };
    let mut resp = (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"aimap-findings.{ext}\""),
            ),
        ],
        body,
    )
        .into_response();
    if truncated {
        resp.headers_mut().insert(
            "x-aimap-truncated",
            header::HeaderValue::from_static("true"),
        );
    }
    Ok(resp)
}

const CSV_COLUMNS: [&str; 10] = [
    "fingerprint",
    "severity",
    "kind",
    "rule",
    "title",
    "subject",
    "first_seen",
    "evidence",
    "remediation",
    "references",
];

pub fn findings_csv(rows: &[StoredFinding]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for r in rows {
        let f = &r.finding;
        let first_seen = r.first_seen_ms.map(rfc3339).unwrap_or_default();
        let cells = [
            r.fingerprint.as_str(),
            f.severity.as_str(),
            f.kind.as_str(),
            f.id.as_str(),
            &f.title,
            &f.subject.key(),
            &first_seen,
            &f.evidence,
            &f.remediation,
            &f.references.join(" "),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(&redact(c))).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// RFC 4180 quoting, and a leading `'` before `= + - @` (and tab, CR) so a
/// spreadsheet never runs a formula that a target planted in its answer.
fn csv_cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

pub async fn sbom(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let run = app.store.resolve(&id).await?;
    if run.kind != RunKind::Inventory {
        return Err(ApiError(WebError::NotFound(format!(
            "run {} is a {} run: only inventory runs have an SBOM",
            run.id,
            run.kind.as_str()
        ))));
    }
    let rows = app.store.components(&run.id).await?;
    let findings = app.store.findings(&run.id).await?;
    // The same assembly and writer as `aimap show RUN --format cyclonedx`.
    let body = render_stored(StoredBom::CycloneDx("1.6"), &run, &rows, &findings).map_err(|e| {
        tracing::error!(error = %e, run = %run.id, "stored inventory does not render");
        WebError::Internal
    })?;
    let body = redact(&body).into_owned();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.cyclonedx+json".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"aimap-sbom-{}.cdx.json\"", run.id),
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }
}
