//! Matching logic per document kind. Each check only raises a [`Hit`] that
//! names a rule id and the exact line; text and severity come from the rule
//! data. Compose services, Kubernetes containers and Dockerfile stages are
//! first reduced to one [`Workload`] shape so that the checks on images,
//! environment and server flags are written once.
pub mod compose;
pub mod crds;
pub mod dockerfile;
pub mod envfile;
pub mod images;
pub mod kubernetes;
pub mod reach;
pub mod secrets;
mod servers;
pub mod service;
mod workload;

pub use workload::{check_workload, Ai, Item, Workload};

/// Every rule id a check can raise; `rules.rs` tests that data and code agree.
pub const RULE_IDS: &[&str] = &[
    "port-all-interfaces",
    "network-mode-host",
    "k8s-host-network",
    "k8s-host-port",
    "k8s-service-exposed",
    "k8s-ingress-no-auth",
    "ollama-host-all-interfaces",
    "cors-wildcard",
    "jupyter-no-token",
    "redis-bind-all-no-auth",
    "redis-protected-mode-off",
    "chroma-no-auth",
    "vllm-no-api-key",
    "qdrant-no-api-key",
    "triton-explicit-model-control",
    "ray-dashboard-public",
    "mlflow-no-auth",
    "weaviate-anonymous-access",
    "milvus-no-auth",
    "llamacpp-no-api-key",
    "tgi-no-api-key",
    "localai-no-api-key",
    "privileged",
    "gpu-privileged",
    "cap-add",
    "runs-as-root",
    "writable-root-fs",
    "docker-socket",
    "host-path",
    "host-pid",
    "host-ipc",
    "no-resource-limits",
    "unpinned-image",
    "non-minimal-base",
    "secret-in-env",
    "add-from-url",
    "no-healthcheck",
    "ld-preload-gpu",
    "vulnerable-image",
    "default-credential",
    "host-takeover",
    "security-opt-disabled",
    "allow-privilege-escalation",
    "ray-cluster-no-auth",
    "tei-no-api-key",
];

/// Rules that say "this product runs without its own authentication".
/// When the same service is also published, the publishing finding
/// carries them in its evidence instead (one finding per risk), and when it
/// is not published they are lowered to medium: reachability sets severity.
pub const PRODUCT_NO_AUTH: &[&str] = &[
    "chroma-no-auth",
    "vllm-no-api-key",
    "qdrant-no-api-key",
    "weaviate-anonymous-access",
    "milvus-no-auth",
    "llamacpp-no-api-key",
    "tgi-no-api-key",
    "localai-no-api-key",
    "tei-no-api-key",
    "mlflow-no-auth",
    "jupyter-no-token",
    "ray-dashboard-public",
    "ray-cluster-no-auth",
];

/// One rule matched at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: &'static str,
    pub line: u32,
    pub column: u32,
    pub evidence: String,
    /// Set when the line is in another file (an env file), not the audited one.
    pub file: Option<String>,
    /// Severity set by reachability instead of the rule's own.
    pub severity: Option<aimap_model::Severity>,
}

/// An image reference and where it is written, for advisory matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUse {
    pub reference: String,
    pub line: u32,
    pub column: u32,
    /// Controls the same workload turns on (`ray-token-auth`), which may
    /// close an advisory's attack path (rules/audit/mitigations.toml).
    pub controls: Vec<Control>,
}

/// A security control a workload turns on, and the line that does it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    pub name: &'static str,
    pub evidence: String,
    pub line: u32,
}

/// What the checks of one file found.
#[derive(Debug, Default)]
pub struct Out {
    pub hits: Vec<Hit>,
    pub images: Vec<ImageUse>,
    /// Directory of the audited file, for files it references (compose
    /// `env_file:`); `None` when auditing text that is not on disk.
    pub base: Option<std::path::PathBuf>,
    /// Per-file notes (a required env file that cannot be read).
    pub notes: Vec<String>,
}

impl Out {
    pub fn hit(&mut self, rule: &'static str, at: &Item, evidence: impl Into<String>) {
        self.hits.push(Hit {
            rule,
            line: at.line,
            column: at.column,
            evidence: evidence.into(),
            file: at.file.clone(),
            severity: None,
        });
    }

    /// Like [`Out::hit`], with the severity reachability gives.
    pub fn hit_as(
        &mut self,
        rule: &'static str,
        at: &Item,
        evidence: impl Into<String>,
        severity: aimap_model::Severity,
    ) {
        self.hit(rule, at, evidence);
        if let Some(h) = self.hits.last_mut() {
            h.severity = Some(severity);
        }
    }

    /// Product no-auth hits raised from index `from` on: removed and
    /// returned as (rule, evidence), for a publishing finding to carry.
    pub fn take_product_hits(&mut self, from: usize) -> Vec<(&'static str, String)> {
        let mut taken = Vec::new();
        let mut i = from;
        while i < self.hits.len() {
            if PRODUCT_NO_AUTH.contains(&self.hits[i].rule) {
                let h = self.hits.remove(i);
                taken.push((h.rule, h.evidence));
            } else {
                i += 1;
            }
        }
        taken
    }

    /// Lower product no-auth hits from index `from` on to `severity`.
    pub fn set_product_severity(&mut self, from: usize, severity: aimap_model::Severity) {
        for h in self.hits.iter_mut().skip(from) {
            if PRODUCT_NO_AUTH.contains(&h.rule) && h.severity.is_none() {
                h.severity = Some(severity);
            }
        }
    }
}

/// Host paths that give a container the host (beyond the Docker socket).
pub fn sensitive_host_path(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    const EXACT: &[&str] = &[
        "",
        "/etc",
        "/proc",
        "/sys",
        "/root",
        "/home",
        "/boot",
        "/dev",
        "/var/lib/docker",
        "/var/lib/kubelet",
        "/run",
        "/var/run",
    ];
    EXACT.contains(&p)
        || p.starts_with("/etc/")
        || p.starts_with("/proc/")
        || p.starts_with("/sys/")
        || p.starts_with("/root/")
        || p == "/var/lib/containerd"
}

pub fn is_docker_socket(path: &str) -> bool {
    path.ends_with("docker.sock")
        || path.ends_with("containerd.sock")
        || path.ends_with("crio.sock")
}
