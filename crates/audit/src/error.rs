//! The one error type of the crate: each variant names what failed on which
//! input. A file that fails is recorded on its report; the run goes on.
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AuditError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("file of {size} bytes is larger than the {limit}-byte limit for configuration files")]
    TooLarge { size: u64, limit: u64 },
    #[error("binary content (NUL bytes): not a configuration file")]
    Binary,
    #[error("not valid UTF-8 text (first bad byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("invalid YAML: {0}")]
    Yaml(String),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("audit rule data: {0}")]
    Rules(String),
    #[error("baseline {path}: {reason}")]
    Baseline { path: String, reason: String },
}
