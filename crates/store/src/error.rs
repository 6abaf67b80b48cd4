use thiserror::Error;

/// Everything that can go wrong in the store, with the operation it broke.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the store {url}: {source}")]
    Open {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("store: {op}: {source}")]
    Db {
        op: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("the store's schema is version {found}, newer than this aimap knows ({known}): upgrade aimap")]
    TooNew { found: i64, known: i64 },
    #[error("no run matches {0:?} (see `aimap runs`)")]
    NoRun(String),
    #[error("run id {spec:?} is ambiguous: {candidates}")]
    Ambiguous { spec: String, candidates: String },
    #[error("corrupt {table} row in the store: {why}")]
    Corrupt { table: &'static str, why: String },
    #[error("{0}")]
    Invalid(String),
    #[error("cannot create {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Attach the operation to a database error: `.map_err(db("insert findings"))`.
pub(crate) fn db(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Db { op, source }
}

pub(crate) fn corrupt(table: &'static str, why: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table,
        why: why.to_string(),
    }
}
