//! aimap's vulnerability side: OSV advisories, version schemes, an on-disk
//! advisory store, and index-based matching of components.
//!
//! Pipeline position: after discovery and inventory. Scan turns a
//! network-observed service into a package coordinate (Ollama → its Go
//! module, ChromaDB → its PyPI package, Redis → `pkg:generic/redis`),
//! inventory reads components from files; both hand a purl and a version to
//! [`Index::match_purl`], and [`to_finding`] turns each [`Match`] into an
//! `aimap_model::Finding` of kind `vulnerability`. The CLI's
//! `aimap db import|update|status` drive [`Store`].
//!
//! ```no_run
//! use aimap_advisory::{Store, to_finding};
//! use aimap_model::Subject;
//!
//! let store = Store::new(Store::default_dir().unwrap_or_else(|| "advisories".into()));
//! store.import(&["osv-export/all.zip"])?;          // aimap db import
//! let index = store.index()?;                      // stored + curated advisories
//! let result = index.match_purl("pkg:golang/github.com/ollama/ollama", Some("0.1.29"));
//! for m in &result.affected {
//!     let subject = Subject::Component { purl: "pkg:golang/github.com/ollama/ollama@0.1.29".into() };
//!     println!("{}", to_finding(m, subject, "ollama").remediation);
//! }
//! # Ok::<(), aimap_advisory::Error>(())
//! ```
//!
//! Decisions a caller should know (details in [`matching`]):
//! * advisories with **no fixed version** still match, with `fixed: None`
//!   and a remediation that says so and what to do meanwhile;
//! * with **no version**, only advisories affecting every version are
//!   `affected`; the rest are `possible`, with a note on what would settle
//!   them;
//! * **generic products** (banner versions) match with
//!   [`Confidence::VersionOnly`]: distributions backport fixes;
//! * **withdrawn** advisories are stored but never matched, and `GIT`
//!   ranges are ignored for version matching;
//! * one vulnerability under several ids (PYSEC + GHSA, curated + database)
//!   is reported once, the database record first, the other ids as aliases.
#![forbid(unsafe_code)]

pub mod conditions;
pub mod curated;
pub mod cvss;
pub mod ecosystem;
mod error;
mod index;
pub mod matching;
pub mod osv;
pub mod products;
pub mod range;
mod rpm_distro;
pub mod snapshot;
mod store;
pub mod version;

pub use curated::{curated, lint_curated};
pub use cvss::Cvss;
pub use ecosystem::{Ecosystem, Purl};
pub use error::{Error, Result};
pub use index::{lookup_keys, Index, Query};
pub use matching::{to_finding, Confidence, Match, MatchResult, Source};
pub use osv::Advisory;
pub use products::{Mapped, Product, Products};
pub use snapshot::SnapshotInfo;
pub use store::{
    EcosystemUpdate, ImportError, ImportReport, Loaded, SourceState, Status, Store, UpdateReport,
    DEFAULT_BASE_URL, MAX_ARCHIVE_BYTES, MAX_DOWNLOAD_BYTES, MAX_ENTRIES, MAX_ENTRY_BYTES,
    MAX_FILE_BYTES,
};
pub use version::{Scheme, Version};
