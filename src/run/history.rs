//! `aimap runs`, `show`, `diff`, `prune` and `run status`: reading the store.
use std::io::{IsTerminal, Write};

use aimap_report::bom::{render_stored, StoredBom};
use aimap_report::history::{self, HistoryFormat as Fmt};
use aimap_report::Style;
use aimap_store::{RunKind, Store};
use anyhow::{bail, Result};

use crate::cli::{HistoryFormat, ShowFormat, StoreArgs};
use crate::run::exit;
use crate::run::store::{for_reading, runtime};

impl From<HistoryFormat> for Fmt {
    fn from(f: HistoryFormat) -> Self {
        match f {
            HistoryFormat::Table => Fmt::Table,
            HistoryFormat::Json => Fmt::Json,
            HistoryFormat::Markdown => Fmt::Markdown,
        }
    }
}

fn style() -> Style {
    Style {
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Run `f` with the store open, writing to buffered stdout.
fn with_store<F>(args: &StoreArgs, f: F) -> Result<u8>
where
    F: for<'a> AsyncFnOnce(&'a Store, &'a mut dyn Write) -> Result<u8>,
{
    let rt = runtime()?;
    rt.block_on(async {
        let store = for_reading(args).await?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let code = f(&store, &mut out).await?;
        out.flush()?;
        store.close().await;
        Ok(code)
    })
}

pub fn runs(args: &StoreArgs, limit: u32, kind: Option<&str>, fmt: HistoryFormat) -> Result<u8> {
    let kind = match kind {
        None => None,
        Some("scan") => Some(RunKind::Scan),
        Some("inventory") => Some(RunKind::Inventory),
        Some("audit") => Some(RunKind::Audit),
        Some(other) => bail!("unknown run kind {other:?} (scan, inventory, audit)"),
    };
    with_store(args, async |store, out| {
        let list = store.list_runs(limit, kind).await?;
        history::write_runs(out, &list, fmt.into(), style())?;
        Ok(exit::OK)
    })
}

pub fn show(args: &StoreArgs, spec: &str, fmt: ShowFormat) -> Result<u8> {
    let fmt = match fmt {
        ShowFormat::Table => HistoryFormat::Table,
        ShowFormat::Json => HistoryFormat::Json,
        ShowFormat::Markdown => HistoryFormat::Markdown,
        ShowFormat::Cyclonedx => return show_bom(args, spec, StoredBom::CycloneDx("1.6")),
        ShowFormat::Spdx => return show_bom(args, spec, StoredBom::Spdx),
    };
    with_store(args, async |store, out| {
        let run = store.resolve(spec).await?;
        let services = store.services(&run.id).await?;
        let findings = store.findings(&run.id).await?;
        let components = store.components(&run.id).await?;
        let summary = store.summarize(run).await?;
        history::write_run(
            out,
            &summary,
            &services,
            &findings,
            &components,
            fmt.into(),
            style(),
        )?;
        Ok(exit::OK)
    })
}

/// A stored inventory run as a BOM: the dashboard's SBOM download, byte
/// for byte (one assembly and writer, aimap-report's `bom`).
fn show_bom(args: &StoreArgs, spec: &str, format: StoredBom<'_>) -> Result<u8> {
    with_store(args, async |store, out| {
        let run = store.resolve(spec).await?;
        if run.kind != RunKind::Inventory {
            bail!(
                "run {} is a {} run: only inventory runs have an SBOM",
                run.id,
                run.kind
            );
        }
        let rows = store.components(&run.id).await?;
        let findings = store.findings(&run.id).await?;
        out.write_all(render_stored(format, &run, &rows, &findings)?.as_bytes())?;
        Ok(exit::OK)
    })
}

pub fn diff(args: &StoreArgs, a: Option<&str>, b: Option<&str>, fmt: HistoryFormat) -> Result<u8> {
    with_store(args, async |store, out| {
        let (from, to) = match (a, b) {
            (Some(a), Some(b)) => (store.resolve(a).await?, store.resolve(b).await?),
            (one, None) => {
                let to = store.resolve(one.unwrap_or("last")).await?;
                let Some(from) = store.previous_comparable(&to).await? else {
                    bail!(
                        "run {} has no earlier run of the same targets to compare with; name two runs",
                        to.id
                    );
                };
                (from, to)
            }
            (None, Some(_)) => unreachable!("clap fills run_a first"),
        };
        if from.kind != to.kind {
            bail!(
                "run {} is a {} and run {} a {}: only runs of one kind compare",
                from.id,
                from.kind,
                to.id,
                to.kind
            );
        }
        let d = store.diff(&from, &to).await?;
        history::write_diff(out, &d, fmt.into(), style())?;
        Ok(exit::OK)
    })
}

pub fn prune(args: &StoreArgs, keep: std::time::Duration) -> Result<u8> {
    with_store(args, async |store, out| {
        let cutoff = aimap_store::now_ms() - keep.as_millis() as i64;
        let stats = store.prune(cutoff).await?;
        writeln!(
            out,
            "pruned {} run(s) last active before {}: {} services, {} findings, {} components, {} shards",
            stats.runs,
            aimap_store::rfc3339(cutoff),
            stats.services,
            stats.findings,
            stats.components,
            stats.shards
        )?;
        Ok(exit::OK)
    })
}

pub fn run_status(
    args: &StoreArgs,
    spec: &str,
    stale_after: std::time::Duration,
    fmt: HistoryFormat,
) -> Result<u8> {
    with_store(args, async |store, out| {
        let run = store.resolve(spec).await?;
        let shards = store.shards(&run.id).await?;
        let summary = store.summarize(run).await?;
        history::write_shards(
            out,
            &summary,
            &shards,
            aimap_store::now_ms(),
            stale_after.as_millis() as i64,
            fmt.into(),
            style(),
        )?;
        Ok(exit::OK)
    })
}
