//! The OSV advisory model: a raw serde twin ([`raw`]) and the validated
//! types built from it ([`Advisory`] and friends).

mod model;
pub mod raw;

pub use model::{Advisory, Affected, Event, EventKind, Package, Range, RangeKind, Reference};
