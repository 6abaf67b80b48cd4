//! `aimap watch`: repeat a scan, inventory or audit on a schedule (each
//! run stored like any other), diff it with the previous comparable run,
//! and alert on what got worse; or watch this host (see [`host`]).
mod alerts;
mod deliver;
mod host;

use std::time::{Duration, Instant};

use aimap_store::RunKind;
use anyhow::{bail, Context, Result};
use clap::Parser;
use tracing::{info, warn};

use crate::cli::{ScanArgs, StoreArgs, WatchArgs, WatchWhat};
use crate::config::ScanConfig;
use crate::run::exit;
use crate::run::store::{for_reading, runtime};
use deliver::{Outputs, Syslog, Webhook};

/// Parses the shorthand `aimap watch TARGETS` as a scan with defaults.
#[derive(Parser)]
struct ShorthandScan {
    #[command(flatten)]
    args: ScanArgs,
}

pub fn run(args: WatchArgs, cfg: ScanConfig, store: &StoreArgs) -> Result<u8> {
    let mut outputs = Outputs {
        webhook: args
            .webhook
            .as_deref()
            .map(|url| Webhook::new(url, args.webhook_secret.clone()))
            .transpose()?,
        syslog: args.syslog.as_deref().map(Syslog::new).transpose()?,
    };
    if args.host {
        host::watch(&args.files, args.interval, args.count, &mut outputs)?;
        drain(&mut outputs);
        return Ok(exit::OK);
    }
    if store.no_store {
        bail!("watch compares each run with the previous one: it needs the run store (drop --no-store)");
    }
    let every = args.every.context("--every is required")?;
    let what = match args.what {
        Some(w) => w,
        None if !args.targets.is_empty() => {
            let argv = std::iter::once("scan".to_string()).chain(args.targets.iter().cloned());
            WatchWhat::Scan(ShorthandScan::try_parse_from(argv)?.args)
        }
        None => bail!(
            "nothing to watch: give TARGETS, or `scan …`, `inventory …`, `audit …`, or --host"
        ),
    };
    if let WatchWhat::Scan(s) = &what {
        if s.shard.resume.is_some() || s.shard.run_id.is_some() {
            bail!("watch names its own runs: drop --resume and --run-id");
        }
    }
    let mut cycles = 0u64;
    loop {
        let t0 = Instant::now();
        match cycle(&what, &cfg, store) {
            Ok(Some(run_id)) => match compare(store, &run_id) {
                Ok(alerts) => {
                    info!(run = %run_id, alerts = alerts.len(), "watch cycle done");
                    outputs.emit(&alerts)?;
                }
                Err(e) => warn!("cannot compare run {run_id}: {e:#}"),
            },
            Ok(None) => warn!("this run was not stored; nothing to compare"),
            // Settings that are wrong from the start end the watch; a later
            // failed run (a target that no longer resolves) does not.
            Err(e) if cycles == 0 => return Err(e),
            Err(e) => warn!("watch run failed: {e:#}"),
        }
        cycles += 1;
        if args.count.is_some_and(|c| cycles >= c) {
            drain(&mut outputs);
            return Ok(exit::OK);
        }
        // Sleep until the next start, retrying undelivered alerts meanwhile.
        let next = t0 + every;
        while Instant::now() < next {
            outputs.retry();
            std::thread::sleep(
                next.saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(250)),
            );
        }
    }
}

/// The last chance for undelivered webhook batches before stopping.
fn drain(outputs: &mut Outputs) {
    if let Some(w) = &mut outputs.webhook {
        w.drain(Duration::from_secs(30));
    }
}

/// One run, its report discarded (the store keeps it); returns its id.
fn cycle(what: &WatchWhat, cfg: &ScanConfig, store: &StoreArgs) -> Result<Option<String>> {
    let devnull = Some(std::path::PathBuf::from("/dev/null"));
    match what.clone() {
        WatchWhat::Scan(mut a) => {
            let id = aimap_store::new_run_id();
            a.shard.run_id = Some(id.clone());
            a.output = devnull;
            a.format = Some("json".into());
            crate::run::scan::run(a, cfg.clone(), store, true)?;
            Ok(Some(id))
        }
        WatchWhat::Inventory(mut a) => {
            a.output = devnull;
            a.format = Some("json".into());
            Ok(crate::run::inventory::run_recorded(a, store)?.1)
        }
        WatchWhat::Audit(mut a) => {
            a.output = devnull;
            a.format = Some("json".into());
            Ok(crate::run::audit::run_recorded(a, store)?.1)
        }
    }
}

/// Alerts for run `id` against the previous run of its scope.
fn compare(store: &StoreArgs, id: &str) -> Result<Vec<alerts::Alert>> {
    runtime()?.block_on(async {
        let store = for_reading(store).await?;
        let run = store.resolve(id).await?;
        let alerts = match store.previous_comparable(&run).await? {
            Some(prev) => alerts::from_diff(&store.diff(&prev, &run).await?),
            None => {
                let findings = store.findings(&run.id).await?;
                let mut a = alerts::from_first_run(&run, &findings);
                if run.kind == RunKind::Scan {
                    a.retain(|x| x.event == "new-finding");
                }
                a
            }
        };
        store.close().await;
        Ok(alerts)
    })
}
