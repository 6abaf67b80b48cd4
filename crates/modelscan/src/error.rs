use thiserror::Error;

/// Why a model file could not be judged. Each becomes the `error` verdict of
/// that file (with this text as the reason); none stops a run.
#[derive(Debug, Error)]
pub enum ModelScanError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("pickle: {reason} at byte {offset}")]
    Pickle { offset: u64, reason: String },
    #[error("zip: {0}")]
    Zip(String),
    #[error("{format}: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
    #[error("limit exceeded: {0}")]
    Limit(String),
    #[error("not a model format aimap recognises")]
    Unrecognised,
}

impl ModelScanError {
    pub(crate) fn malformed(format: &'static str, reason: impl Into<String>) -> Self {
        Self::Malformed {
            format,
            reason: reason.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, ModelScanError>;
