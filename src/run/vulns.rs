//! Where scan meets the advisory database: a found service becomes a
//! package coordinate, and every advisory for its version becomes a
//! finding. This glue lives in the binary because only the binary sees
//! both stages.
use std::path::{Path, PathBuf};

use aimap_advisory::{to_finding, Index, Match, Store};
use aimap_model::{Service, Subject, VulnerabilityRef};
use anyhow::{Context, Result};

/// The advisory store: `--advisories DIR`, else the XDG data directory.
pub fn store(dir: Option<&Path>) -> Store {
    let dir = dir
        .map(Path::to_path_buf)
        .or_else(Store::default_dir)
        .unwrap_or_else(|| PathBuf::from(".aimap-advisories"));
    Store::new(dir)
}

/// Stored advisories plus the curated set built into the binary.
pub fn load_index(dir: Option<&Path>) -> Result<Index> {
    let store = store(dir);
    let index = store
        .index()
        .with_context(|| format!("cannot read the advisory store {}", store.dir().display()))?;
    tracing::info!(advisories = index.len(), store = %store.dir().display(), "advisories loaded");
    Ok(index)
}

/// Attach known vulnerabilities to a service: matches become findings and
/// `vulnerabilities`; what only an unread version could settle goes to
/// `possible_vulnerabilities`, outside findings and the exit code.
pub fn enrich(service: &mut Service, index: &Index) {
    let Some(purl) = service.purl.as_deref() else {
        return;
    };
    let base = purl.split('@').next().unwrap_or(purl).to_string();
    let result = index.match_purl(&base, service.version.as_deref());
    let subject = Subject::Service {
        host: service.host.clone(),
        port: service.port,
        service: service.service.clone(),
    };
    for m in &result.affected {
        service
            .findings
            .push(to_finding(m, subject.clone(), &service.product));
        service.vulnerabilities.push(summary(m));
    }
    service
        .possible_vulnerabilities
        .extend(result.possible.iter().map(summary));
}

fn summary(m: &Match) -> VulnerabilityRef {
    VulnerabilityRef {
        id: m.id.clone(),
        aliases: m.aliases.clone(),
        severity: m.severity,
        cvss_score: m.cvss.as_ref().and_then(|c| c.score),
        fixed: m.fixed.clone(),
        confidence: m.confidence.as_str().to_string(),
        summary: m.summary.to_string(),
        note: m.note.clone(),
    }
}
