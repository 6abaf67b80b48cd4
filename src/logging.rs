//! Logs go to stderr through tracing; stdout carries only the report.
use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    // Our crates at the chosen level; dependencies stay quiet unless RUST_LOG says otherwise.
    let default = format!("warn,aimap={level},aimap_scan={level},aimap_rules={level}");
    let filter = EnvFilter::try_from_env("AIMAP_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
