//! The one neutral component model every analyzer produces and every BOM
//! writer reads: whatever the ecosystem, a component is a name, a version,
//! a purl and where it was found.
use serde::{Deserialize, Serialize};

/// Where a component comes from: decides the purl type and the summary row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Pypi,
    Npm,
    Golang,
    Cargo,
    Deb,
    Apk,
    Rpm,
    /// The operating system itself, from os-release.
    Os,
    /// AI servers and runtimes recognised by file (redis-server, CUDA, ...).
    Generic,
    /// Model files (GGUF, safetensors, ONNX, PyTorch, Keras).
    Model,
}

impl Ecosystem {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pypi => "pypi",
            Self::Npm => "npm",
            Self::Golang => "golang",
            Self::Cargo => "cargo",
            Self::Deb => "deb",
            Self::Apk => "apk",
            Self::Rpm => "rpm",
            Self::Os => "os",
            Self::Generic => "generic",
            Self::Model => "model",
        }
    }
}

/// What sort of thing a component is, in CycloneDX's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    Library,
    Application,
    MachineLearningModel,
    OperatingSystem,
}

/// One place a component was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Path inside the target (image paths start with `/`).
    pub path: String,
    /// The image layer (its digest) that brought the file; `None` outside images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// What a model file's header says. Every field is optional: headers differ.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tensors: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dtypes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub producer: Option<String>,
}

/// A package, runtime or model found in the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    pub ecosystem: Ecosystem,
    pub kind: ComponentKind,
    /// The analyzer that recognised it (`python-dist-info`, `go-buildinfo`, ...).
    pub identified_by: String,
    pub locations: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelInfo>,
    /// The license as the package declares it (rpm's License tag): free
    /// text, not necessarily an SPDX expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
}

impl Component {
    /// A package found at `path` by `analyzer`; the purl is derived from
    /// the ecosystem, name and version.
    pub fn package(eco: Ecosystem, name: &str, version: Option<&str>, analyzer: &str) -> Self {
        let version = version.map(str::trim).filter(|v| !v.is_empty());
        Self {
            name: name.to_string(),
            version: version.map(str::to_string),
            purl: crate::purl::build(eco, name, version),
            ecosystem: eco,
            kind: match eco {
                Ecosystem::Generic => ComponentKind::Application,
                Ecosystem::Os => ComponentKind::OperatingSystem,
                _ => ComponentKind::Library,
            },
            identified_by: analyzer.to_string(),
            locations: Vec::new(),
            sha256: None,
            size: None,
            model: None,
            license: None,
        }
    }

    /// The identity used to merge sightings of one component.
    pub fn key(&self) -> String {
        match (&self.purl, &self.sha256) {
            (Some(p), _) => p.clone(),
            (None, Some(h)) => format!("{}#{h}", self.name),
            (None, None) => format!("{}:{}", self.ecosystem.as_str(), self.name),
        }
    }
}

/// An AI server process on the running host and what it listens on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Process {
    pub pid: u32,
    pub name: String,
    pub cmdline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
    pub listeners: Vec<Listener>,
}

/// A listening TCP socket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listener {
    pub address: String,
    pub port: u16,
    /// Bound to 0.0.0.0 or `::`: reachable from every interface.
    pub all_interfaces: bool,
}

/// A file that could not be read or understood; the run goes on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileError {
    pub path: String,
    pub error: String,
}

/// Longer names (Go module paths are the longest) or versions are garbage.
const MAX_NAME: usize = 1024;
const MAX_VERSION: usize = 256;

/// Everything one run found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    /// The target as given.
    pub target: String,
    /// `directory`, `docker-archive`, `oci-layout` or `host`.
    pub source: String,
    /// Image layers in order (digests), when the target is an image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
    pub components: Vec<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<Process>,
    pub errors: Vec<FileError>,
}

impl Inventory {
    /// Add sightings, merging those with the same identity. A name or
    /// version no package has (a manifest's one 8 MiB line) is dropped
    /// with an error here, before reports, BOMs and the store copy it.
    pub fn merge(&mut self, found: Vec<Component>) {
        let (found, absurd): (Vec<Component>, Vec<Component>) = found.into_iter().partition(|c| {
            c.name.len() <= MAX_NAME && c.version.as_ref().is_none_or(|v| v.len() <= MAX_VERSION)
        });
        for c in absurd {
            self.errors.push(FileError {
                path: c
                    .locations
                    .first()
                    .map(|l| l.path.clone())
                    .unwrap_or_default(),
                error: format!(
                    "a {}-byte name or {}-byte version is no package's: dropped",
                    c.name.len(),
                    c.version.as_ref().map_or(0, String::len)
                ),
            });
        }
        let mut index: std::collections::HashMap<String, usize> = self
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| (c.key(), i))
            .collect();
        for c in found {
            let key = c.key();
            match index.get(&key) {
                Some(&i) => {
                    if let Some(existing) = self.components.get_mut(i) {
                        for l in c.locations {
                            if !existing.locations.contains(&l) {
                                existing.locations.push(l);
                            }
                        }
                    }
                }
                None => {
                    index.insert(key, self.components.len());
                    self.components.push(c);
                }
            }
        }
    }

    /// Stable output: components sorted by ecosystem, name, version.
    pub fn sort(&mut self) {
        self.components.sort_by(|a, b| {
            (a.ecosystem, &a.name, &a.version).cmp(&(b.ecosystem, &b.name, &b.version))
        });
    }
}
