use thiserror::Error;

/// Why one file, layer or source could not be inventoried. Per-file errors
/// are recorded on the [`crate::Inventory`]; only an unreadable target
/// stops a run.
#[derive(Debug, Error)]
pub enum InventoryError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Malformed { path: String, reason: String },
    #[error("{path}: {reason}")]
    Limit { path: String, reason: String },
    #[error("{0} is not a directory, a docker save tarball or an OCI image layout")]
    UnknownTarget(String),
}

impl InventoryError {
    pub(crate) fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
    pub(crate) fn malformed(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Malformed {
            path: path.into(),
            reason: reason.into(),
        }
    }
    pub(crate) fn limit(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Limit {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, InventoryError>;
