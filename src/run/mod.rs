//! One module per command: each turns validated settings into a run of the
//! library crates and returns the process exit code.
pub mod audit;
pub mod db;
pub mod history;
pub mod inventory;
pub mod products;
pub mod rematch;
pub mod rules;
pub mod scan;
pub mod serve;
pub mod store;
pub mod vulns;
pub mod watch;

/// Exit codes shared by every command.
pub mod exit {
    /// Nothing at or above the failure threshold.
    pub const OK: u8 = 0;
    /// Findings at or above the threshold (or lint problems).
    pub const FINDINGS: u8 = 1;
    /// Bad input or a failure that stopped the command.
    pub const ERROR: u8 = 2;
    /// Stopped by Ctrl-C before finishing, with nothing at the threshold.
    pub const INTERRUPTED: u8 = 130;
}
