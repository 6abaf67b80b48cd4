//! `aimap rematch`: the stored services and components of a run, matched
//! again against today's advisories (after `aimap db update`), without
//! scanning again. The result is stored as a new run whose parent is the
//! old one, and the report is the diff between them: what newly became
//! vulnerable, and what no longer matches.
use std::io::{IsTerminal, Write};
use std::path::Path;

use aimap_model::{FindingKind, Service};
use aimap_report::history::write_diff;
use aimap_report::Style;
use aimap_store::{NewRun, RunKind, RunStatus, RunWriter};
use anyhow::{bail, Result};

use crate::cli::{HistoryFormat, StoreArgs};
use crate::run::exit;
use crate::run::store::{for_reading, numbered_keys, runtime};

pub fn run(
    store_args: &StoreArgs,
    spec: Option<&str>,
    advisories: Option<&Path>,
    fmt: HistoryFormat,
) -> Result<u8> {
    let index = crate::run::vulns::load_index(advisories)?;
    let rt = runtime()?;
    rt.block_on(async {
        let store = for_reading(store_args).await?;
        let old = store.resolve(spec.unwrap_or("last")).await?;
        if old.kind == RunKind::Audit {
            bail!(
                "run {} is an audit: only scans and inventories carry versions to rematch",
                old.id
            );
        }
        if old.status == RunStatus::Running {
            bail!("run {} is still running", old.id);
        }
        let new = store
            .begin_run(&NewRun {
                id: None,
                kind: old.kind,
                scope: old.scope.clone(),
                label: old.label.clone(),
                params: old.params.clone(),
                shard_count: 1,
                parent: Some(old.id.clone()),
            })
            .await?;
        let mut w = RunWriter::new(&store, &new.id);
        // Findings other than vulnerabilities carry over as they were.
        let kept: Vec<_> = store
            .findings(&old.id)
            .await?
            .into_iter()
            .map(|f| f.finding)
            .filter(|f| f.kind != FindingKind::Vulnerability)
            .collect();
        match old.kind {
            RunKind::Scan => {
                for mut svc in store.services(&old.id).await? {
                    rematch_service(&mut svc, &index);
                    // Service findings are stored with the service.
                    w.service(&svc)?;
                    flush_if_full(&mut w).await?;
                }
            }
            _ => {
                for f in &kept {
                    w.finding(f)?;
                }
                let components = store.components(&old.id).await?;
                let items = components
                    .iter()
                    .filter_map(|c| match (&c.purl, &c.version) {
                        (Some(p), Some(_)) => Some((p.as_str(), c.name.as_str(), c.key.clone())),
                        _ => None,
                    });
                let (findings, _) = crate::run::inventory::match_components(items, &index);
                for (f, key) in numbered_keys(&findings) {
                    w.finding_keyed(f, key)?;
                }
                for c in components {
                    w.component(c);
                    flush_if_full(&mut w).await?;
                }
            }
        }
        w.finish(RunStatus::Done).await?;
        let new = store.resolve(&new.id).await?;
        let d = store.diff(&old, &new).await?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let st = Style {
            color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        write_diff(&mut out, &d, fmt.into(), st)?;
        out.flush()?;
        store.close().await;
        Ok(exit::OK)
    })
}

/// Drop the service's old advisory results and match it again.
fn rematch_service(svc: &mut Service, index: &aimap_advisory::Index) {
    svc.findings
        .retain(|f| f.kind != FindingKind::Vulnerability);
    svc.vulnerabilities.clear();
    svc.possible_vulnerabilities.clear();
    crate::run::vulns::enrich(svc, index);
}

async fn flush_if_full(w: &mut RunWriter) -> Result<()> {
    if w.wants_flush() {
        w.flush().await?;
    }
    Ok(())
}
