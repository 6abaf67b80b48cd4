//! Opening the run store for a command. An explicit `--db` that cannot be
//! opened is an error before any work; the default store that cannot be
//! opened (a read-only home, say) only costs the memory of this run.
use aimap_store::{Location, Store};
use anyhow::{Context, Result};
use tokio::runtime::Runtime;
use tracing::warn;

use crate::cli::StoreArgs;

/// A small runtime for commands that are not async themselves.
pub fn runtime() -> Result<Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn location(args: &StoreArgs) -> Result<(Location, bool)> {
    match &args.db {
        Some(spec) => Ok((Location::parse(spec)?, true)),
        None => Ok((Location::default_sqlite(), false)),
    }
}

/// The store to remember a run in, or `None` with `--no-store` (or when
/// the default store is unusable, with a warning).
pub async fn for_writing(args: &StoreArgs) -> Result<Option<Store>> {
    if args.no_store {
        return Ok(None);
    }
    let (loc, explicit) = location(args)?;
    match Store::open(&loc).await {
        Ok(store) => Ok(Some(store)),
        Err(e) if !explicit => {
            warn!("not remembering this run: {e}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The store the history commands read.
pub async fn for_reading(args: &StoreArgs) -> Result<Store> {
    if args.no_store {
        anyhow::bail!("--no-store: this command needs the run store");
    }
    let (loc, _) = location(args)?;
    Ok(Store::open(&loc).await?)
}

/// Runs with equal scopes are comparable: a short digest of what was
/// examined (FNV-1a; an identity, not a secret).
pub fn scope_key(kind: &str, parts: &[String]) -> String {
    let mut sorted: Vec<&str> = parts.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in std::iter::once(kind)
        .chain(sorted)
        .flat_map(|p| p.bytes().chain(std::iter::once(0)))
    {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{kind}-{h:016x}")
}

/// A short human label: the first few parts, then a count.
pub fn label(parts: &[String], suffix: &str) -> String {
    let mut s = parts.iter().take(4).cloned().collect::<Vec<_>>().join(" ");
    if parts.len() > 4 {
        s.push_str(&format!(" (+{} more)", parts.len() - 4));
    }
    if !suffix.is_empty() {
        s.push(' ');
        s.push_str(suffix);
    }
    s
}

/// Keys for a list of findings: the identity, numbered (`#2`, `#3`) when
/// one finding repeats (one rule, one file, one value written twice).
pub fn numbered_keys<'a>(
    findings: impl IntoIterator<Item = &'a aimap_model::Finding>,
) -> Vec<(&'a aimap_model::Finding, String)> {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    findings
        .into_iter()
        .map(|f| {
            let fp = f.identity();
            let n = seen.entry(fp.clone()).or_insert(0);
            *n += 1;
            let key = if *n == 1 { fp } else { format!("{fp}#{n}") };
            (f, key)
        })
        .collect()
}

/// Remembering a one-shot run (inventory, audit): the store is opened
/// before the work (a bad --db fails first), the results written after.
pub struct Remember {
    rt: Runtime,
    store: Store,
}

impl Remember {
    pub fn open(args: &StoreArgs) -> Result<Option<Self>> {
        let rt = runtime()?;
        let store = rt.block_on(for_writing(args))?;
        Ok(store.map(|store| Self { rt, store }))
    }

    /// Store one finished run; returns its id. A failure is reported by
    /// the caller: the printed report is already complete.
    pub fn record(
        self,
        new: aimap_store::NewRun,
        summary: serde_json::Value,
        fill: impl FnOnce(&mut aimap_store::RunWriter) -> Result<()>,
    ) -> Result<String> {
        let Self { rt, store } = self;
        rt.block_on(async {
            let run = store.begin_run(&new).await?;
            let mut w = aimap_store::RunWriter::new(&store, &run.id);
            fill(&mut w)?;
            store.set_summary(&run.id, &summary).await?;
            w.finish(aimap_store::RunStatus::Done).await?;
            store.close().await;
            Ok(run.id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_ignore_order_and_duplicates_but_not_content() {
        let a = scope_key("scan", &["127.0.0.1".into(), "::1".into()]);
        let b = scope_key("scan", &["::1".into(), "127.0.0.1".into(), "::1".into()]);
        assert_eq!(a, b);
        assert_ne!(a, scope_key("scan", &["127.0.0.1".into()]));
        assert_ne!(a, scope_key("audit", &["127.0.0.1".into(), "::1".into()]));
    }
}
