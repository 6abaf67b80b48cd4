//! The one data model every aimap stage speaks.
//!
//! Pipeline position: everything. Discovery and fingerprinting produce
//! [`Service`]s; scan, inventory and audit all produce [`Finding`]s; the
//! store and every reporter consume them. Nothing here performs I/O.
#![forbid(unsafe_code)]

mod access;
mod checkpoint;
mod finding;
mod service;
mod severity;

pub use access::{
    open_capabilities, service_verdict, AuthVerdict, Capabilities, Capability, CapabilityAccess,
};
pub use checkpoint::{Checkpoint, CheckpointError};
pub use finding::{Finding, FindingKind, Subject};
pub use service::{
    Confidence, Evidence, Label, RunRef, ScanReport, ScanStats, Service, TargetError, TlsInfo,
    VersionSource, VulnerabilityRef,
};
pub use severity::{ParseSeverityError, Severity};
