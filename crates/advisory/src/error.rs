use std::path::PathBuf;

/// Everything that can go wrong in the advisory crate. Each variant names
/// the operation and the input, so a caller can print it as is.
///
/// Problems with one input file (unreadable, not OSV, over a size limit)
/// are not errors of the whole import: they are listed by name in
/// [`crate::ImportReport::errors`] and the import goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An advisory that breaks the OSV rules we rely on (no introduced
    /// event, an unparseable version, an event with two keys...).
    #[error("invalid advisory {id}: {reason}")]
    InvalidAdvisory { id: String, reason: String },

    /// A version string the scheme cannot read.
    #[error("invalid {scheme} version {version:?}: {reason}")]
    InvalidVersion {
        scheme: &'static str,
        version: String,
        reason: String,
    },

    /// A file system operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A download that failed or returned something other than 200.
    #[error("download {url}: {reason}")]
    Download { url: String, reason: String },

    /// A package URL we cannot read.
    #[error("invalid package URL {purl:?}: {reason}")]
    InvalidPurl { purl: String, reason: String },

    /// The store's own files are damaged.
    #[error("advisory store {}: {reason}", path.display())]
    Store { path: PathBuf, reason: String },
}

impl Error {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(id: &str, reason: impl Into<String>) -> Self {
        Self::InvalidAdvisory {
            id: id.to_string(),
            reason: reason.into(),
        }
    }
}

/// Shorthand used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
