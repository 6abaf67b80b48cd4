//! A stored inventory run as a BOM: the one assembly that `aimap show
//! --format cyclonedx|spdx` and the dashboard's `/api/v1/runs/{id}/sbom`
//! both call, so one run exports the same bytes from either. Everything
//! comes from the store (the document time is the run's start, the tool
//! version the one that made the run), nothing from the clock.
use std::collections::BTreeMap;

use aimap_inventory::{Component, Inventory};
use aimap_model::{FindingKind, Subject};
use aimap_store::{rfc3339, ComponentRow, RunInfo, StoredFinding};

use super::{cyclonedx, spdx, DocInfo, Vulnerability};

/// The BOM formats a stored inventory run exports as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredBom<'a> {
    /// CycloneDX JSON of this spec version ("1.6" or "1.7").
    CycloneDx(&'a str),
    Spdx,
}

/// The run's components and its vulnerability findings, as they were
/// when the run was stored. A component body that does not parse is an
/// error (a corrupt store), never silently dropped.
pub fn stored_inventory(
    run: &RunInfo,
    rows: &[ComponentRow],
    findings: &[StoredFinding],
) -> serde_json::Result<(Inventory, Vec<Vulnerability>)> {
    let components = rows
        .iter()
        .map(|r| serde_json::from_value::<Component>(r.body.clone()))
        .collect::<serde_json::Result<Vec<_>>>()?;
    // One entry per advisory, affecting every component it was matched
    // on, as `aimap inventory` writes it.
    let mut by_id: BTreeMap<&str, Vulnerability> = BTreeMap::new();
    for f in findings.iter().map(|f| &f.finding) {
        let (FindingKind::Vulnerability, Subject::Component { purl }) = (f.kind, &f.subject) else {
            continue;
        };
        let v = by_id.entry(&f.id).or_insert_with(|| Vulnerability {
            id: f.id.clone(),
            aliases: Vec::new(),
            severity: f.severity,
            score: None,
            summary: f.title.clone(),
            recommendation: f.remediation.clone(),
            references: f.references.clone(),
            affects: Vec::new(),
        });
        for c in components
            .iter()
            .filter(|c| c.purl.as_deref() == Some(purl))
        {
            let key = c.key();
            if !v.affects.contains(&key) {
                v.affects.push(key);
            }
        }
    }
    let inv = Inventory {
        target: run.label.clone(),
        source: run.params["source"]
            .as_str()
            .unwrap_or("directory")
            .to_string(),
        components,
        ..Inventory::default()
    };
    Ok((inv, by_id.into_values().collect()))
}

/// The whole document for a stored inventory run, newline-terminated.
pub fn render_stored(
    format: StoredBom<'_>,
    run: &RunInfo,
    rows: &[ComponentRow],
    findings: &[StoredFinding],
) -> serde_json::Result<String> {
    let (inv, vulns) = stored_inventory(run, rows, findings)?;
    let doc = DocInfo {
        timestamp: rfc3339(run.started_ms),
        // The aimap that made the inventory, not the one exporting it.
        tool_version: run.aimap_version.clone(),
    };
    let mut text = match format {
        StoredBom::CycloneDx(spec) => cyclonedx::write(&inv, &vulns, spec, &doc)?,
        StoredBom::Spdx => spdx::write(&inv, &doc)?,
    };
    // A file ends with a newline, as `aimap inventory` writes it.
    text.push('\n');
    Ok(text)
}
