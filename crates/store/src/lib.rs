//! aimap's memory: every scan, inventory and audit run, persisted.
//!
//! Pipeline position: beside the reporters, at the end.
//! ```text
//! scan / inventory / audit ──► RunWriter (batches + checkpoints) ──► SQLite | PostgreSQL
//!                                                     runs, show, diff, rematch, prune, serve ◄──┘
//! ```
//! One schema (migrations/, dialect-neutral SQL) and one code path for both
//! engines through sqlx's `Any` driver. A finding keeps its identity
//! across runs through its key, [`aimap_model::Finding::identity`] (the
//! rule and what it is about, never a line number), which is what diffs,
//! watch alerts and first-seen times are keyed on.
#![forbid(unsafe_code)]

mod clock;
mod diff;
mod error;
mod migrate;
mod open;
mod prune;
mod query;
mod read;
mod rekey;
mod runs;
mod sql;
mod write;

use sqlx::AnyPool;

pub use clock::{now_ms, rfc3339};
pub use diff::{
    Changes, ComponentBrief, ComponentChange, Diff, FindingBrief, FindingChange, ServiceBrief,
    ServiceChange,
};
pub use error::{Result, StoreError};
pub use migrate::{MIGRATION_COUNT, SCHEMA_VERSION};
pub use open::{Backend, Location};
pub use prune::PruneStats;
pub use query::{
    ComponentFilter, ComponentListRow, FindingDetail, FindingFilter, FindingRow, FindingSort,
    Overview, Page, ProductCount, RunSighting, ServiceFilter, ServiceRow, TrendPoint, MAX_PAGE,
};
pub use read::{ShardInfo, StoredFinding};
pub use runs::{new_run_id, NewRun, RunInfo, RunKind, RunStatus, RunSummary, ShardStart};
pub use write::{ComponentRow, RunWriter, ShardProgress, BATCH_ROWS};

/// An open store. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    location: Location,
}

impl Store {
    /// Connect (creating a SQLite file and its directory if needed) and
    /// bring the schema up to date.
    pub async fn open(location: &Location) -> Result<Self> {
        let pool = open::connect(location).await?;
        migrate::migrate(&pool, location.backend()).await?;
        Ok(Self {
            pool,
            location: location.clone(),
        })
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn backend(&self) -> Backend {
        self.location.backend()
    }

    /// Close every connection (waits for them to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool, for queries the store does not wrap (the dashboard's).
    pub fn raw_pool(&self) -> &AnyPool {
        &self.pool
    }
}
