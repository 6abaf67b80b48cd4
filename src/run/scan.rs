//! `aimap scan`: settings → targets → engine → sinks → exit code.
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::net::{IpAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aimap_model::{ScanReport, ScanStats, Service, Severity};
use aimap_report::{Format, Style};
use aimap_rules::RuleSet;
use aimap_scan::{ports::parse_ports, Event, ProbeSpace, Progress, ScanOptions, TargetSet};
use anyhow::{bail, Context, Result};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::cli::{parse_duration, ScanArgs};
use crate::config::{list_entries, read_small, ScanConfig};
use crate::progress::Bar;
use crate::run::exit;

/// Everything a scan needs, validated before the first packet.
struct Settings {
    space: ProbeSpace,
    /// `None` with --no-vulns.
    advisories: Option<aimap_advisory::Index>,
    targets: Vec<String>,
    rules: RuleSet,
    opts: ScanOptions,
    format: Format,
    output: Option<PathBuf>,
    fail_on: Option<Severity>,
}

fn settings(args: ScanArgs, cfg: ScanConfig) -> Result<Settings> {
    let mut targets = args.targets;
    if let Some(path) = &args.input_list {
        let text = read_small(path)
            .with_context(|| format!("cannot read target list {}", path.display()))?;
        targets.extend(list_entries(&text));
    }
    if targets.is_empty() {
        bail!("no targets: give addresses, CIDRs, ranges or hostnames, or -iL FILE");
    }
    let mut excludes = if args.exclude.is_empty() {
        cfg.exclude
    } else {
        args.exclude
    };
    if let Some(path) = &args.exclude_file {
        let text = read_small(path)
            .with_context(|| format!("cannot read exclude file {}", path.display()))?;
        excludes.extend(list_entries(&text));
    }

    let mut rules = aimap_rules::builtin_rules().context("built-in rules are invalid")?;
    if let Some(dir) = args.rules.or(cfg.rules) {
        let (extra, errors) = aimap_rules::load_dir(&dir)?;
        if let Some(first) = errors.first() {
            bail!(
                "{} rule file(s) in {} are invalid; first: {first} (run `aimap rules lint {}`)",
                errors.len(),
                dir.display(),
                dir.display()
            );
        }
        rules.extend(extra);
    }

    let ports = match args.ports.or(cfg.ports) {
        Some(spec) => parse_ports(&spec)?,
        None => rules.default_ports(),
    };
    let set = TargetSet::build(&targets, &excludes, resolve)?;
    if set.address_count() == 0 {
        bail!("every target is excluded: nothing to scan");
    }
    let timeout = match (args.timeout, cfg.timeout) {
        (Some(t), _) => t,
        (None, Some(s)) => parse_duration(&s)
            .map_err(anyhow::Error::msg)
            .context("config scan.timeout")?,
        (None, None) => Duration::from_secs(3),
    };
    let concurrency = args.concurrency.or(cfg.concurrency).unwrap_or(1024);
    if concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let rate = args.rate.or(cfg.rate);
    if rate == Some(0) {
        bail!("--rate must be at least 1 probe per second");
    }
    let format: Format = args
        .format
        .or(cfg.format)
        .as_deref()
        .unwrap_or("table")
        .parse()
        .map_err(anyhow::Error::msg)?;
    let fail_on = match args.fail_on.or(cfg.fail_on).as_deref().unwrap_or("high") {
        "none" => None,
        s => Some(s.parse::<Severity>()?),
    };
    let opts = ScanOptions {
        concurrency,
        rate,
        timeout,
        retries: args.retries.or(cfg.retries).unwrap_or(1),
        ..ScanOptions::default()
    };
    let advisories = match args.no_vulns {
        true => None,
        false => Some(crate::run::vulns::load_index(args.advisories.as_deref())?),
    };
    Ok(Settings {
        space: ProbeSpace::new(set, ports),
        advisories,
        targets,
        rules,
        opts,
        format,
        output: args.output,
        fail_on,
    })
}

fn resolve(name: &str) -> Result<Vec<IpAddr>, String> {
    let addrs = (name, 0)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve: {e}"))?;
    let mut ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
    ips.sort();
    ips.dedup();
    Ok(ips)
}

pub fn run(args: ScanArgs, cfg: ScanConfig, quiet: bool) -> Result<u8> {
    let s = settings(args, cfg)?;
    // Open the output first: an unwritable path fails before any probe.
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

    raise_fd_limit(s.opts.concurrency);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let started_at = now();
    let total = s.space.len();
    info!(probes = %total, ports = s.space.ports().len(), "scan starting");
    let progress = Arc::new(Progress::default());
    let bar = Bar::start(total, quiet, progress.clone());
    let cancel = CancellationToken::new();
    let ports = s.space.ports().to_vec();

    let (mut services, mut unidentified, write_error) = runtime.block_on(async {
        let (tx, mut rx) = mpsc::channel(256);
        let stop = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                warn!("interrupted: stopping and reporting what was found");
                stop.cancel();
            }
        });
        let engine = tokio::spawn(aimap_scan::scan(
            Arc::new(s.space),
            Arc::new(s.rules),
            s.opts,
            progress.clone(),
            cancel.clone(),
            tx,
        ));
        let (mut services, mut unidentified): (Vec<Service>, Vec<String>) =
            (Vec::new(), Vec::new());
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
                    services.push(*svc);
                }
                Event::Unidentified(addr) => unidentified.push(addr.to_string()),
            }
        }
        let _ = engine.await;
        (services, unidentified, write_error)
    });
    bar.finish();
    if let Some(e) = write_error {
        warn!("writing results failed: {e}");
    }
    services.sort_by_key(|sv| (sv.host.parse::<IpAddr>().ok(), sv.port));
    unidentified.sort();

    let interrupted = cancel.is_cancelled();
    let report = ScanReport {
        aimap_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at,
        finished_at: now(),
        targets: s.targets,
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
        errors: Vec::new(),
    };
    sink.finish(&report).context("cannot write the report")?;
    drop(sink);
    runtime.shutdown_timeout(Duration::from_millis(200));

    let failing = s
        .fail_on
        .is_some_and(|t| report.findings().any(|f| f.severity >= t));
    Ok(match (failing, interrupted) {
        (true, _) => exit::FINDINGS,
        (false, true) => exit::INTERRUPTED,
        (false, false) => exit::OK,
    })
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Each in-flight connect holds a descriptor; lift the soft limit toward
/// the hard one so a large --concurrency does not fail with EMFILE.
fn raise_fd_limit(concurrency: usize) {
    let want = concurrency as u64 + 512;
    match rlimit::increase_nofile_limit(want) {
        Ok(got) if got < want => {
            warn!("open-file limit is {got}; --concurrency {concurrency} may exceed it")
        }
        _ => {}
    }
}
