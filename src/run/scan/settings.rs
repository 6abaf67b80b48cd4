//! Flags, environment and config file → validated scan settings, before
//! the first packet. A resumed run takes its targets, ports and order from
//! the store instead.
use std::net::{IpAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use aimap_model::Severity;
use aimap_report::Format;
use aimap_rules::RuleSet;
use aimap_scan::{
    ports::parse_ports, ProbeOrder, ProbeSpace, ScanOptions, TargetSet, TimingConfig,
};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::cli::{parse_duration, ScanArgs, ShardArgs};
use crate::config::{list_entries, read_small, ScanConfig};

/// Blocks no internet scan should probe (`--exclude-reserved`); data, not code.
const RESERVED_BLOCKS: &str = include_str!("../../../rules/exclude-reserved.txt");

/// What a run needs to be rebuilt exactly: stored with it, read by `--resume`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanParams {
    pub targets: Vec<String>,
    pub exclude: Vec<String>,
    pub ports: Vec<u16>,
    pub rules: Option<PathBuf>,
    /// Discovery's pinned values; `None`: learnt as the scan goes.
    pub timeout_ms: Option<u64>,
    pub retries: Option<u32>,
    pub concurrency: Option<usize>,
    pub rate: Option<u32>,
    /// Every worker of a run must agree on this, or shards would overlap.
    pub order: OrderParams,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderParams {
    pub seed: u64,
    pub shard_count: u64,
    pub probes: u64,
}

/// Everything a scan needs, validated.
pub struct Settings {
    pub space: ProbeSpace,
    pub order: ProbeOrder,
    pub shard: u64,
    pub run_id: Option<String>,
    pub params: ScanParams,
    /// `None` with --no-vulns.
    pub advisories: Option<aimap_advisory::Index>,
    pub rules: RuleSet,
    pub opts: ScanOptions,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub fail_on: Option<Severity>,
}

/// `3/16` → (3, 16).
fn parse_shard(s: &str) -> Result<(u64, u64)> {
    let (i, n) = s.split_once('/').context("--shard takes I/N, e.g. 3/16")?;
    let (i, n): (u64, u64) = (
        i.trim().parse().context("--shard: I is not a number")?,
        n.trim().parse().context("--shard: N is not a number")?,
    );
    if n == 0 || i >= n {
        bail!("--shard {s}: need 0 <= I < N");
    }
    Ok((i, n))
}

/// (index, count) from --shard, or --shard-count with --shard-index or
/// Kubernetes' JOB_COMPLETION_INDEX.
fn shard_of(args: &ShardArgs) -> Result<(u64, u64)> {
    if let Some(s) = &args.shard {
        return parse_shard(s);
    }
    let Some(n) = args.shard_count else {
        return Ok((0, 1));
    };
    let i = match args.shard_index {
        Some(i) => i,
        None => match std::env::var("JOB_COMPLETION_INDEX") {
            Ok(v) => v
                .trim()
                .parse()
                .with_context(|| format!("JOB_COMPLETION_INDEX={v:?} is not a number"))?,
            Err(_) => bail!("--shard-count needs --shard-index or JOB_COMPLETION_INDEX"),
        },
    };
    if n == 0 || i >= n {
        bail!("shard {i} of {n}: need 0 <= index < count");
    }
    Ok((i, n))
}

/// The same seed for every worker of a named run; random otherwise.
fn default_seed(run_id: Option<&str>) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    match run_id {
        Some(id) => {
            // FNV-1a: stable across machines and builds, unlike std's hasher.
            id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
        }
        None => {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            h.finish()
        }
    }
}

/// Build settings from the command line and config, or, when resuming,
/// from the stored parameters (`stored`) with the command line's output
/// and speed flags on top.
pub fn settings(
    args: ScanArgs,
    cfg: ScanConfig,
    stored: Option<(String, ScanParams)>,
) -> Result<Settings> {
    let resumed = stored.is_some();
    let (targets, excludes, port_list, rules_dir, run_id, seed, (shard, shards)) = match stored {
        Some((id, p)) => {
            if args.shard.shard.is_some() || args.shard.shard_count.is_some() {
                bail!("--resume takes the shard count from the store; give only --shard-index for a sharded run");
            }
            let shard = args.shard.shard_index.unwrap_or(0);
            if shard >= p.order.shard_count {
                bail!(
                    "run {id} has {} shard(s); --shard-index {shard} is out of range",
                    p.order.shard_count
                );
            }
            (
                p.targets,
                p.exclude,
                Some(p.ports),
                p.rules,
                Some(id),
                p.order.seed,
                (shard, p.order.shard_count),
            )
        }
        None => {
            let mut targets = args.targets.clone();
            if let Some(path) = &args.input_list {
                let text = read_small(path)
                    .with_context(|| format!("cannot read target list {}", path.display()))?;
                targets.extend(list_entries(&text));
            }
            if targets.is_empty() {
                bail!("no targets: give addresses, CIDRs, ranges or hostnames, or -iL FILE");
            }
            let mut excludes = if args.exclude.is_empty() {
                cfg.exclude.clone()
            } else {
                args.exclude.clone()
            };
            if let Some(path) = &args.exclude_file {
                let text = read_small(path)
                    .with_context(|| format!("cannot read exclude file {}", path.display()))?;
                excludes.extend(list_entries(&text));
            }
            if args.exclude_reserved {
                excludes.extend(list_entries(RESERVED_BLOCKS));
            }
            let run_id = args.shard.run_id.clone();
            let seed = args
                .shard
                .seed
                .unwrap_or_else(|| default_seed(run_id.as_deref()));
            let shard = shard_of(&args.shard)?;
            if shard.1 > 1 && run_id.is_none() {
                bail!("a sharded scan needs --run-id, shared by every worker, so the shards form one run");
            }
            (
                targets,
                excludes,
                None,
                args.rules.clone().or(cfg.rules.clone()),
                run_id,
                seed,
                shard,
            )
        }
    };

    let mut rules = aimap_rules::builtin_rules().context("built-in rules are invalid")?;
    if let Some(dir) = &rules_dir {
        let (extra, errors) = aimap_rules::load_dir(dir)?;
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

    let ports = match port_list {
        Some(_) if args.ports.is_some() => bail!("--resume keeps the run's ports; do not give -p"),
        Some(list) => list,
        None => match args.ports.or(cfg.ports) {
            Some(spec) => parse_ports(&spec)?,
            None => rules.default_ports(),
        },
    };
    let set = TargetSet::build(&targets, &excludes, resolve)?;
    if set.address_count() == 0 {
        bail!("every target is excluded: nothing to scan");
    }
    // A pinned timeout pins discovery's connect timeout too; otherwise
    // discovery learns its own and the exchanges keep 3 s.
    let pinned_timeout = match (args.timeout, cfg.timeout) {
        (Some(t), _) => Some(t),
        (None, Some(s)) => Some(
            parse_duration(&s)
                .map_err(anyhow::Error::msg)
                .context("config scan.timeout")?,
        ),
        (None, None) => None,
    };
    let timeout = pinned_timeout.unwrap_or(Duration::from_secs(3));
    let concurrency = args.concurrency.or(cfg.concurrency);
    if concurrency == Some(0) {
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
        .parse::<Format>()
        .and_then(|f| f.with_spec(args.spec.as_deref().unwrap_or("1.6")))
        .map_err(anyhow::Error::msg)?;
    let fail_on = match args.fail_on.or(cfg.fail_on).as_deref().unwrap_or("high") {
        "none" => None,
        s => Some(s.parse::<Severity>()?),
    };
    let opts = ScanOptions {
        discovery: TimingConfig {
            timeout: pinned_timeout,
            retries: args.retries.or(cfg.retries),
            concurrency,
            ..TimingConfig::default()
        },
        rate,
        timeout,
        ..ScanOptions::default()
    };
    let space = ProbeSpace::new(set, ports.clone());
    let order = ProbeOrder::new(space.len(), seed, shard, shards)?;
    let advisories = match args.no_vulns {
        true => None,
        false => Some(crate::run::vulns::load_index(args.advisories.as_deref())?),
    };
    let params = ScanParams {
        targets,
        exclude: excludes,
        ports,
        rules: rules_dir,
        timeout_ms: pinned_timeout.map(|t| t.as_millis() as u64),
        retries: opts.discovery.retries,
        concurrency,
        rate,
        order: OrderParams {
            seed,
            shard_count: shards,
            probes: order.probes(),
        },
    };
    if resumed {
        tracing::info!(run = ?run_id, shard, "resuming");
    }
    Ok(Settings {
        space,
        order,
        shard,
        run_id,
        params,
        advisories,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_blocks_leave_the_public_ipv4_space() {
        let reserved = list_entries(RESERVED_BLOCKS);
        let set = TargetSet::build(&["0.0.0.0/0".into()], &reserved, |_| Err("no".into())).unwrap();
        // 2^32 minus the collapsed IANA special-purpose blocks, counted by
        // Python's ipaddress module: the figure docs/scale-out.md uses.
        assert_eq!(set.address_count(), 3_702_257_664);
        let set = TargetSet::build(&["::1".into(), "fe80::1".into()], &reserved, |_| {
            Err("no".into())
        });
        assert_eq!(set.unwrap().address_count(), 0);
    }

    #[test]
    fn shards_parse_and_are_checked() {
        assert_eq!(parse_shard("3/16").unwrap(), (3, 16));
        for bad in ["16/16", "1/0", "x/2", "3", "-1/4"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        assert_eq!(default_seed(Some("run-a")), default_seed(Some("run-a")));
        assert_ne!(default_seed(Some("run-a")), default_seed(Some("run-b")));
    }
}
