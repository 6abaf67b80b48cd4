//! What the auditor says about one file.
use aimap_model::Finding;
use serde::Serialize;

use crate::rules::{Issue, Level};

/// The one-word answer for a file. Ordered by how much it should worry a user,
/// except that `error` (could not be judged) sits between suspicious and unsafe:
/// a file proven unsafe stays unsafe even if its tail was unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Safe,
    Suspicious,
    Error,
    Unsafe,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safe => "safe",
            Self::Suspicious => "suspicious",
            Self::Error => "error",
            Self::Unsafe => "unsafe",
        }
    }
}

/// The serialization format a file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelFormat {
    Pickle,
    Joblib,
    TorchZip,
    TorchLegacyTar,
    TorchLegacy,
    Npy,
    Npz,
    Keras,
    KerasH5,
    Onnx,
    Gguf,
    Safetensors,
    Zip,
    Unknown,
}

impl ModelFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pickle => "pickle",
            Self::Joblib => "joblib",
            Self::TorchZip => "torch-zip",
            Self::TorchLegacyTar => "torch-legacy-tar",
            Self::TorchLegacy => "torch-legacy",
            Self::Npy => "npy",
            Self::Npz => "npz",
            Self::Keras => "keras",
            Self::KerasH5 => "keras-h5",
            Self::Onnx => "onnx",
            Self::Gguf => "gguf",
            Self::Safetensors => "safetensors",
            Self::Zip => "zip",
            Self::Unknown => "unknown",
        }
    }
}

/// A shared finding plus where it is in the file, for SARIF regions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelFinding {
    #[serde(flatten)]
    pub finding: Finding,
    /// Byte offset in the file on disk (absent inside compressed entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
}

/// Everything the auditor found in one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    pub path: String,
    pub format: ModelFormat,
    pub verdict: Verdict,
    pub findings: Vec<ModelFinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl FileReport {
    pub(crate) fn build(
        path: &str,
        format: ModelFormat,
        mut issues: Vec<Issue>,
        error: Option<String>,
    ) -> Self {
        // Most severe first; the same import at many offsets is reported once
        // per offset, but an identical (rule, title, offset) only once.
        issues.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then(b.severity.cmp(&a.severity))
                .then(a.offset.cmp(&b.offset))
        });
        issues.dedup_by(|a, b| a.rule == b.rule && a.title == b.title && a.offset == b.offset);
        let worst = issues.iter().map(|i| i.level).max();
        let verdict = match (worst, &error) {
            (Some(Level::Unsafe), _) => Verdict::Unsafe,
            (_, Some(_)) => Verdict::Error,
            (Some(Level::Suspicious), None) => Verdict::Suspicious,
            _ => Verdict::Safe,
        };
        let findings = issues
            .iter()
            .map(|i| ModelFinding {
                finding: i.to_finding(path),
                byte_offset: i.offset,
            })
            .collect();
        Self {
            path: path.to_string(),
            format,
            verdict,
            findings,
            error,
        }
    }
}
