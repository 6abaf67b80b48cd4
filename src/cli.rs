//! What the user can type. Flags are `Option`s without clap defaults so the
//! settings layer can tell "given" from "not given" and apply the config
//! file underneath: flag > AIMAP_* environment > aimap.toml > default.
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  aimap scan 127.0.0.1                      scan one host on the AI port set
  aimap scan 127.0.0.0/24 -p 6379,8000-8002  a network, chosen ports
  aimap scan -iL targets.txt --exclude 127.0.0.5 --format jsonl -o out.jsonl
  aimap scan 127.0.0.1 --fail-on critical   exit 1 only for critical findings
  aimap rules list                          the services aimap recognises
  aimap rules lint ./my-rules               check rule files

Only scan networks you are allowed to scan.";

#[derive(Debug, Parser)]
#[command(name = "aimap", version, about = "Find exposed AI infrastructure: what runs, which version, whether it answers without credentials", after_help = EXAMPLES)]
pub struct Cli {
    /// More logs on stderr (-v info, -vv every probe exchange, -vvv trace)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr, no progress bar
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Config file (default: ./aimap.toml, then $XDG_CONFIG_HOME/aimap/aimap.toml)
    #[arg(long, global = true, env = "AIMAP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where runs are remembered.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The run store: a SQLite file, sqlite://PATH or postgres://user@host/db [default: $XDG_DATA_HOME/aimap/aimap.db]
    #[arg(long, global = true, env = "AIMAP_DB", value_name = "URL")]
    pub db: Option<String>,
    /// Do not remember this run
    #[arg(long, global = true, env = "AIMAP_NO_STORE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_store: bool,
}

/// `--format` of the history commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    Table,
    Json,
    Markdown,
}

/// `--format` of `aimap show`: the history formats, and the BOM formats
/// the dashboard also exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
    Markdown,
    Cyclonedx,
    Spdx,
}

/// `aimap serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; anything but loopback requires a token
    #[arg(
        long,
        default_value = "127.0.0.1:8717",
        env = "AIMAP_LISTEN",
        value_name = "ADDR:PORT"
    )]
    pub listen: std::net::SocketAddr,
    /// Require this token (at least 16 characters) as a bearer header or via the login form;
    /// without it, a non-loopback listener gets a generated token, printed once
    #[arg(long, env = "AIMAP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan networks for AI services
    Scan(ScanArgs),
    /// Audit model files (unsafe serialization) and deployment configuration (compose, Kubernetes, Dockerfiles, service configs)
    Audit(AuditArgs),
    /// SBOM of an AI stack: a directory, a container image (docker save / OCI layout) or the running host
    Inventory(InventoryArgs),
    /// List or check probe rules
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Manage the vulnerability advisory database (OSV)
    Db {
        /// Advisory store directory [default: $XDG_DATA_HOME/aimap/advisories]
        #[arg(long, global = true, env = "AIMAP_ADVISORIES", value_name = "DIR")]
        advisories: Option<PathBuf>,
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Repeat a scan, inventory or audit on a schedule and alert on what got worse, or watch this host
    Watch(WatchArgs),
    /// List stored runs, newest first
    Runs {
        /// How many
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Only runs of this kind (scan, inventory, audit)
        #[arg(long)]
        kind: Option<String>,
        #[arg(short, long, value_enum, default_value_t = HistoryFormat::Table)]
        format: HistoryFormat,
    },
    /// Show one stored run: its services, components and findings (an inventory run also as CycloneDX or SPDX)
    Show {
        /// Run id, unique prefix, `last` or `last:KIND`
        run: String,
        #[arg(short, long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
    },
    /// What changed between two runs (default: the newest run and the one before it with the same targets)
    Diff {
        /// The earlier run (alone: the run to compare with its predecessor)
        run_a: Option<String>,
        /// The later run
        run_b: Option<String>,
        #[arg(short, long, value_enum, default_value_t = HistoryFormat::Table)]
        format: HistoryFormat,
    },
    /// Match a stored run's services and components against today's advisories, without scanning again
    Rematch {
        /// Run id, prefix or `last` [default: the newest run]
        run: Option<String>,
        /// Advisory store [default: $XDG_DATA_HOME/aimap/advisories, plus the curated set]
        #[arg(long, env = "AIMAP_ADVISORIES", value_name = "DIR")]
        advisories: Option<PathBuf>,
        #[arg(short, long, value_enum, default_value_t = HistoryFormat::Table)]
        format: HistoryFormat,
    },
    /// Delete runs older than a retention period (nothing newer is touched)
    Prune {
        /// Keep runs active within this long: 30d, 12h, 2w
        #[arg(long, value_parser = parse_age, value_name = "AGE")]
        keep: Duration,
    },
    /// Progress of a (sharded) run
    #[command(subcommand)]
    Run(RunCommand),
    /// Dashboard and JSON API over the run store (loopback by default; any other address needs a token)
    Serve(ServeArgs),
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import OSV advisories: JSON/YAML files, directories of them, or an OSV all.zip export
    Import {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Download the published OSV exports of the named ecosystems and import them
    Update {
        /// OSV ecosystem name (Go, PyPI, npm, crates.io, Debian, ...); repeatable
        #[arg(long = "ecosystem", short = 'e', value_name = "NAME")]
        ecosystems: Vec<String>,
        /// Where the exports live ({base}/{ecosystem}/all.zip)
        #[arg(long, default_value = aimap_advisory::DEFAULT_BASE_URL)]
        base_url: String,
    },
    /// Sources, counts per ecosystem and age of the store
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  aimap watch --every 1h 127.0.0.0/24                 scan hourly, alert on new or worse findings\n  aimap watch --every 1h scan 127.0.0.1 -p 11434       the same, with scan options\n  aimap watch --every 6h inventory /srv/models\n  aimap watch --every 1h audit ./deploy --webhook https://hooks.example/aimap\n  aimap watch --host --file /etc/redis/redis.conf      AI servers opening all-interface sockets, config changes\n\nAlerts go to stdout as JSON lines, and to --webhook and --syslog when given."
)]
pub struct WatchArgs {
    /// How often to run (start to start): 30m, 1h, 1d
    #[arg(long, value_parser = parse_age, required_unless_present = "host")]
    pub every: Option<Duration>,
    /// Stop after this many runs (or host polls) [default: never]
    #[arg(long)]
    pub count: Option<u64>,
    /// POST each batch of alerts here as JSON (retried with backoff until delivered)
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Sign webhook bodies: X-Aimap-Signature: sha256=HMAC(secret, body)
    #[arg(
        long,
        env = "AIMAP_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub webhook_secret: Option<String>,
    /// Also send alerts to syslog: a Unix socket [default: /dev/log] or udp://HOST:PORT
    #[arg(long, num_args = 0..=1, default_missing_value = "/dev/log", value_name = "TARGET")]
    pub syslog: Option<String>,
    /// Watch this host: AI server processes that start listening on all interfaces
    #[arg(long, conflicts_with = "every")]
    pub host: bool,
    /// With --host: also alert when this file changes (repeatable)
    #[arg(long = "file", value_name = "FILE", requires = "host")]
    pub files: Vec<PathBuf>,
    /// With --host: how often to look
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    pub interval: Duration,
    /// Targets to scan with default settings (or use the scan subcommand)
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    #[command(subcommand)]
    pub what: Option<WatchWhat>,
}

/// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Subcommand)]
pub enum WatchWhat {
    /// Scan on a schedule
    Scan(ScanArgs),
    /// Inventory on a schedule
    Inventory(InventoryArgs),
    /// Audit on a schedule
    Audit(AuditArgs),
}

#[derive(Debug, Subcommand)]
pub enum RunCommand {
    /// Shards done, rate, services found and stragglers
    Status {
        /// Run id, prefix or `last`
        run: String,
        /// A shard without a checkpoint for this long is a straggler
        #[arg(long, value_parser = parse_duration, default_value = "60s")]
        stale_after: Duration,
        #[arg(short, long, value_enum, default_value_t = HistoryFormat::Table)]
        format: HistoryFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// The services aimap recognises, their ports, version source and auth check
    List {
        /// Extra rule directory
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// A Markdown table (with remediation), as in docs/services.md
        #[arg(long)]
        markdown: bool,
    },
    /// Validate rule files (the built-in ones when no directory is given)
    Lint { dir: Option<PathBuf> },
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Addresses, CIDRs (127.0.0.0/24), ranges (127.0.0.1-127.0.0.40 or 127.0.0.1-40), hostnames
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Read targets from a file, one per line (# comments); `-iL` works too
    #[arg(long = "input-list", value_name = "FILE")]
    pub input_list: Option<PathBuf>,
    /// Never scan these (comma-separated, same forms as targets)
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        env = "AIMAP_EXCLUDE"
    )]
    pub exclude: Vec<String>,
    /// Read exclusions from a file
    #[arg(long, value_name = "FILE")]
    pub exclude_file: Option<PathBuf>,
    /// Also exclude every block that is not globally reachable (IANA special-purpose registries: private,
    /// loopback, link-local, documentation, multicast, class E); for internet-wide scans
    #[arg(long)]
    pub exclude_reserved: bool,
    /// Ports: 80,443,8000-8010 or - for all [default: every port a rule claims]
    #[arg(short, long, env = "AIMAP_PORTS")]
    pub ports: Option<String>,
    /// Connections in flight at once [default: adaptive, up to 16384 within the open-file limit]
    #[arg(long, env = "AIMAP_CONCURRENCY")]
    pub concurrency: Option<usize>,
    /// Connection attempts per second [default: unlimited]
    #[arg(long, env = "AIMAP_RATE")]
    pub rate: Option<u32>,
    /// Connect and per-exchange timeout, e.g. 800ms, 3s [default: connect learnt from round trips, exchanges 3s]
    #[arg(long, value_parser = parse_duration, env = "AIMAP_TIMEOUT")]
    pub timeout: Option<Duration>,
    /// Connect retries after a timeout [default: adaptive, where loss is seen]
    #[arg(long, env = "AIMAP_RETRIES")]
    pub retries: Option<u32>,
    /// Extra probe rules (*.toml); a rule with a built-in id replaces it
    #[arg(long, value_name = "DIR", env = "AIMAP_RULES")]
    pub rules: Option<PathBuf>,
    /// table, json, jsonl, or the AI-BOM of what was found: cyclonedx or spdx [default: table]
    #[arg(short, long, env = "AIMAP_FORMAT")]
    pub format: Option<String>,
    /// CycloneDX version with --format cyclonedx: 1.6 or 1.7 [default: 1.6]
    #[arg(long, value_name = "VERSION")]
    pub spec: Option<String>,
    /// Write the report here instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity (critical, high, medium, low, info, none) [default: high]
    #[arg(long, env = "AIMAP_FAIL_ON", value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Advisory store to match versions against [default: $XDG_DATA_HOME/aimap/advisories, plus the curated set]
    #[arg(long, env = "AIMAP_ADVISORIES", value_name = "DIR")]
    pub advisories: Option<PathBuf>,
    /// Do not match found versions against known vulnerabilities
    #[arg(long)]
    pub no_vulns: bool,
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// Resuming and sharding a scan.
#[derive(Debug, Clone, Default, Args)]
pub struct ShardArgs {
    /// Continue a stored run that did not finish: its targets, ports and order come from the store
    #[arg(long, value_name = "RUN", conflicts_with_all = ["targets", "input_list", "run_id"])]
    pub resume: Option<String>,
    /// Name the run; workers of one sharded scan share it, and a restarted worker resumes its shard
    #[arg(long, env = "AIMAP_RUN_ID", value_name = "ID")]
    pub run_id: Option<String>,
    /// Scan only shard I of N (0 <= I < N), e.g. 3/16
    #[arg(long, value_name = "I/N", conflicts_with = "shard_count")]
    pub shard: Option<String>,
    /// Number of shards; this worker's index is --shard-index, else $JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs)
    #[arg(long, env = "AIMAP_SHARD_COUNT", value_name = "N")]
    pub shard_count: Option<u64>,
    /// This worker's shard, with --shard-count
    #[arg(long, value_name = "I", requires = "shard_count")]
    pub shard_index: Option<u64>,
    /// Seed of the pseudo-random probe order [default: derived from --run-id, else random]
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 a file could not be read or judged."
)]
pub struct AuditArgs {
    /// Model and configuration files, or directories to search for them (recursively; .gitignore honoured for configs)
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// table, json or sarif [default: table]
    #[arg(short, long)]
    pub format: Option<String>,
    /// Write the report here instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity (critical, high, medium, low, info, none) [default: high]
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Suppress configuration findings recorded in this baseline file (still reported as suppressed)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current configuration findings in this baseline file
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Advisory store to match image tags against [default: $XDG_DATA_HOME/aimap/advisories, plus the curated set]
    #[arg(long, env = "AIMAP_ADVISORIES", value_name = "DIR")]
    pub advisories: Option<PathBuf>,
    /// Do not match image tags against known vulnerabilities
    #[arg(long)]
    pub no_vulns: bool,
}

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Exit status: 0 nothing at or above --fail-on, 1 vulnerable components at or above it, 2 the target could not be read."
)]
pub struct InventoryArgs {
    /// A directory or root filesystem, a `docker save` tarball, or an OCI image layout (directory or tar)
    #[arg(value_name = "TARGET")]
    pub target: Option<PathBuf>,
    /// Add the running host: AI server processes from /proc and the sockets they listen on
    #[arg(long)]
    pub host: bool,
    /// cyclonedx, spdx, json or table [default: table]
    #[arg(short, long)]
    pub format: Option<String>,
    /// CycloneDX version: 1.6 or 1.7 [default: 1.6]
    #[arg(long, value_name = "VERSION")]
    pub spec: Option<String>,
    /// Write the report here instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a vulnerability is at or above this severity (critical, high, medium, low, info, none) [default: high]
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Advisory store to match components against [default: $XDG_DATA_HOME/aimap/advisories, plus the curated set]
    #[arg(long, env = "AIMAP_ADVISORIES", value_name = "DIR")]
    pub advisories: Option<PathBuf>,
    /// Do not match components against known vulnerabilities
    #[arg(long)]
    pub no_vulns: bool,
    /// Uncompressed bytes one image layer may inflate to (decompression-bomb cap)
    #[arg(long, hide = true, value_name = "BYTES")]
    pub max_layer_bytes: Option<u64>,
}

/// `500ms`, `3s`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 500ms, 3s)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?} (ms, s, m, h)")),
    };
    if !(0.001..=86_400.0).contains(&secs) {
        return Err(format!("{s:?} is out of range (1ms to 24h)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A retention age: `30d`, `2w`, `12h`, `90m`, `45s`.
pub fn parse_age(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not an age (e.g. 30d, 12h)"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("unknown unit {unit:?} in {s:?} (s, m, h, d, w)")),
    };
    n.checked_mul(secs)
        .filter(|&t| t <= 100 * 365 * 86_400)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{s:?} is too long"))
}

/// nmap users type `-iL FILE`; clap has no two-letter short flags, so it is
/// rewritten to `--input-list` before parsing.
pub fn rewrite_nmap_style(
    args: impl Iterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    args.map(|a| if a == "-iL" { "--input-list".into() } else { a })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("3d").is_err());
        assert!(parse_duration("0s").is_err());
        assert_eq!(parse_age("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse_age("2w").unwrap(), Duration::from_secs(14 * 86_400));
        assert!(parse_age("30").is_err());
        assert!(parse_age("1y").is_err());
        assert!(parse_age("99999999999999w").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
