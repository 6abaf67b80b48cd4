//! Sources: where files come from. Each yields `(path, size, reader)` to
//! [`crate::analyze`] and records per-file errors on the inventory.
pub mod dir;
pub mod host;
pub mod image;
pub mod tarfs;
mod zstd;
