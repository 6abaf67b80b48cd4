//! Network scanning: the first stages of aimap's pipeline.
//!
//! ```text
//! targets ──► discovery ──► fingerprint ──► Service (+ exposure Finding)
//! (lazy)      (bounded       (rules from aimap-rules,
//!              connect)       read-only requests)
//! ```
//! [`targets`] turns what the user typed into a lazily indexed probe space
//! (a /8 is never materialised); [`discovery`] connects to each (address,
//! port) with bounded concurrency and an optional rate; [`fingerprint`]
//! runs the candidate rules against every open port through the
//! [`transport`] layer, which caps every read and times out every wait;
//! [`engine`] wires the stages together and streams [`Event`]s.
#![forbid(unsafe_code)]

mod completion;
mod contradiction;
pub mod discovery;
pub mod engine;
mod error;
mod findings;
pub mod fingerprint;
mod identify_stage;
pub mod order;
mod pacer;
pub mod ports;
pub mod targets;
pub mod timing;
pub mod transport;

pub use engine::{scan, Event, Plan, Progress, ScanOptions};
pub use error::TargetParseError;
pub use order::ProbeOrder;
pub use targets::{ProbeSpace, TargetSet};
pub use timing::TimingConfig;
