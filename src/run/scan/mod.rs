//! `aimap scan`: settings → targets → engine → store and sinks → exit code.
mod persist;
mod settings;

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use aimap_model::{Checkpoint, ScanReport, ScanStats, Service, TargetError};
use aimap_report::Style;
use aimap_scan::{Event, Plan, Progress};
use aimap_store::RunKind;
use anyhow::{bail, Context, Result};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::cli::{ScanArgs, StoreArgs};
use crate::config::ScanConfig;
use crate::progress::Bar;
use crate::run::exit;
pub use settings::ScanParams;

use persist::Persist;

pub fn run(args: ScanArgs, cfg: ScanConfig, store_args: &StoreArgs, quiet: bool) -> Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // The store first: a bad --db, or a --resume of an unknown run, stops
    // before any probe.
    let resume = args.shard.resume.clone();
    let (store, stored) = runtime.block_on(async {
        let store = crate::run::store::for_writing(store_args).await?;
        let stored = match &resume {
            None => None,
            Some(spec) => {
                let Some(store) = &store else {
                    bail!("--resume needs the run store (it is off or could not be opened)");
                };
                let run = store.resolve(spec).await?;
                if run.kind != RunKind::Scan {
                    bail!("run {} is a {}, not a scan", run.id, run.kind);
                }
                let params: ScanParams = serde_json::from_value(run.params.clone())
                    .with_context(|| format!("run {} has no resumable parameters", run.id))?;
                Some((run.id, params))
            }
        };
        anyhow::Ok((store, stored))
    })?;
    let mut s = settings::settings(args, cfg, stored)?;

    // Open the output next: an unwritable path fails before any probe.
    let (out, to_terminal): (Box<dyn Write>, bool) = match &s.output {
        Some(path) => {
            let f =
                File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            (Box::new(BufWriter::new(f)), false)
        }
        None => (
            Box::new(std::io::stdout().lock()),
            std::io::stdout().is_terminal(),
        ),
    };
    let style = Style {
        color: to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut sink = aimap_report::sink(s.format, out, style);

    let mut persist = match store {
        Some(store) => Some(runtime.block_on(Persist::begin(store, &s))?),
        None => None,
    };
    let resume_from = persist
        .as_ref()
        .map_or_else(Checkpoint::default, Persist::resume_from);
    if persist.as_ref().is_some_and(Persist::already_done) {
        info!("this shard of the run is already done; nothing to scan");
    }

    size_to_fd_limit(&mut s.opts.discovery);
    let started_at = now();
    let total = u128::from(s.order.probes_in_shard());
    info!(probes = %total, ports = s.space.ports().len(), shard = s.shard, shards = s.params.order.shard_count, "scan starting");
    let progress = Arc::new(Progress::default());
    let bar = Bar::start(total, quiet, progress.clone());
    let cancel = CancellationToken::new();
    let ports = s.space.ports().to_vec();
    let skip_all = persist.as_ref().is_some_and(Persist::already_done);
    let plan = Plan {
        space: Arc::new(s.space),
        order: s.order,
        resume: resume_from,
    };

    let (mut services, mut unidentified, mut probe_errors, write_error) = runtime.block_on(async {
        let (tx, mut rx) = mpsc::channel(256);
        let stop = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                warn!("interrupted: stopping and reporting what was found");
                stop.cancel();
            }
        });
        let engine = (!skip_all).then(|| {
            tokio::spawn(aimap_scan::scan(
                plan,
                Arc::new(s.rules),
                s.opts,
                progress.clone(),
                cancel.clone(),
                tx,
            ))
        });
        let (mut services, mut unidentified): (Vec<Service>, Vec<String>) =
            (Vec::new(), Vec::new());
        let mut probe_errors: Vec<TargetError> = Vec::new();
        let mut write_error = None;
        while let Some(event) = rx.recv().await {
            match event {
                Event::Service(mut svc) => {
                    if let Some(index) = &s.advisories {
                        crate::run::vulns::enrich(&mut svc, index);
                    }
                    if let Err(e) = sink.service(&svc) {
                        write_error.get_or_insert(e);
                    }
                    if let Some(p) = &mut persist {
                        p.service(&svc).await;
                    }
                    services.push(*svc);
                }
                Event::Unidentified(addr) => unidentified.push(addr.to_string()),
                // A probe that failed is data: the port is reported, the
                // scan goes on (see aimap_scan's identify stage).
                Event::Failed { addr, error } => {
                    warn!(%addr, "{error}");
                    if let Some(p) = &mut persist {
                        p.probe_error(addr, &error);
                    }
                    probe_errors.push(TargetError {
                        target: addr.to_string(),
                        error,
                    });
                }
                Event::Checkpoint {
                    checkpoint,
                    probes_sent,
                    open_ports,
                } => {
                    if let Some(p) = &mut persist {
                        p.checkpoint(checkpoint, probes_sent, open_ports).await;
                    }
                }
            }
        }
        if let Some(engine) = engine {
            let _ = engine.await;
        }
        (services, unidentified, probe_errors, write_error)
    });
    bar.finish();
    if let Some(e) = write_error {
        warn!("writing results failed: {e}");
    }
    let interrupted = cancel.is_cancelled();
    let mut errors = Vec::new();
    let mut run_ref = None;
    if let Some(p) = persist {
        let run = p.run().clone();
        let (store, failed) = runtime.block_on(p.finish(interrupted));
        if let Some(e) = failed {
            errors.push(TargetError {
                target: "store".into(),
                error: e,
            });
        } else if run.resumed && run.shards == 1 {
            // A resumed run reports all of it: earlier attempts' services too.
            match runtime.block_on(store.services(&run.id)) {
                Ok(all) => services = all,
                Err(e) => warn!("cannot read the earlier attempts' services: {e}"),
            }
            match runtime.block_on(store.probe_errors(&run.id)) {
                Ok(all) => probe_errors = persist::probe_errors_from(all),
                Err(e) => warn!("cannot read the earlier attempts' probe errors: {e}"),
            }
        }
        runtime.block_on(store.close());
        run_ref = Some(run);
    }
    services.sort_by_key(|sv| (sv.host.parse::<IpAddr>().ok(), sv.port));
    unidentified.sort();
    probe_errors.sort_by_key(|e| e.target.parse::<std::net::SocketAddr>().ok());
    errors.extend(probe_errors);

    let report = ScanReport {
        aimap_version: env!("CARGO_PKG_VERSION").to_string(),
        run: run_ref,
        started_at,
        finished_at: now(),
        targets: s.params.targets,
        ports,
        stats: ScanStats {
            probes_planned: total.min(u64::MAX as u128) as u64,
            probes_sent: progress.get(&progress.probes_done),
            open_ports: progress.get(&progress.open_ports),
            services: services.len() as u64,
            interrupted,
        },
        services,
        unidentified,
        errors,
    };
    sink.finish(&report).context("cannot write the report")?;
    drop(sink);
    runtime.shutdown_timeout(Duration::from_millis(200));

    let failing = s
        .fail_on
        .is_some_and(|t| report.findings().any(|f| f.severity >= t));
    Ok(match (failing, interrupted, report.errors.is_empty()) {
        (true, _, _) => exit::FINDINGS,
        (false, true, _) => exit::INTERRUPTED,
        (false, false, false) => exit::ERROR,
        (false, false, true) => exit::OK,
    })
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Descriptors kept back from discovery: fingerprint connections, the
/// store, the runtime's own.
const FD_RESERVE: u64 = 512;

/// Each in-flight connect holds a descriptor: lift the soft open-file
/// limit to the hard one, and keep the adaptive window (or warn of a
/// pinned --concurrency) inside it.
fn size_to_fd_limit(timing: &mut aimap_scan::TimingConfig) {
    let soft = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(_) => rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(s, _)| s),
    };
    let budget = usize::try_from(soft.saturating_sub(FD_RESERVE).max(32)).unwrap_or(usize::MAX);
    match timing.concurrency {
        Some(c) if c > budget => {
            warn!("open-file limit is {soft}; --concurrency {c} may exceed it")
        }
        Some(_) => {}
        None => timing.max_concurrency = timing.max_concurrency.min(budget),
    }
    tracing::debug!(
        soft,
        window_max = timing.max_concurrency,
        "descriptor budget"
    );
}
