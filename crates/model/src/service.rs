use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::access::{AuthVerdict, Capabilities};
use crate::Finding;

/// Where a version string came from, so the advisory matcher can weigh it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionSource {
    /// The service's own API reported it.
    Api,
    /// A banner or greeting.
    Banner,
    /// A response header.
    Header,
    /// Hashes of static assets.
    AssetHash,
}

/// How far the identification can be trusted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The answers fit the product and nothing contradicts them.
    #[default]
    High,
    /// The answers contradict each other (see `labels` and the evidence):
    /// a look-alike, a proxy or a honeypot imitating the product.
    Low,
}

/// A mark on a service that a reader should see before trusting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Label {
    /// Its answers contradict each other: it also answers as another
    /// product, answers a path no product serves the same way, or reports
    /// a version that cannot be the product's. The reasons are evidence
    /// entries with probe `contradiction`.
    Contradictory,
    /// The server refused for a Host header it did not accept (a
    /// DNS-rebinding or allowed-hosts check, not authentication), and the
    /// same read-only request with `Host: localhost` was served. Behind a
    /// port forwarder, tunnel or proxy that keeps such a Host, that is what
    /// every client gets.
    HostCheck,
    /// Anyone can make themselves its administrator: a fresh install in
    /// onboarding (the first sign-up becomes admin), an auto-login that
    /// hands every visitor a session, documented default credentials.
    /// Detected from what the server says about itself, never by trying.
    Claimable,
}

/// One read-only exchange that backs a verdict: what was asked, what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The rule's name for this exchange (`version`, `models`).
    pub probe: String,
    /// The request as sent, in one line (`GET /api/tags`, `INFO server`).
    pub request: String,
    /// HTTP status, when the protocol has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The start of the answer, bounded and made printable.
    pub excerpt: String,
}

/// The certificate a TLS service presented. aimap accepts any certificate
/// (it is looking, not trusting) and records what it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsInfo {
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
    pub self_signed: bool,
}

/// An AI service found on the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub host: String,
    pub port: u16,
    /// Lowercase id of the rule that identified it (`ollama`, `redis`).
    pub service: String,
    /// Human name (`Ollama`, `NVIDIA Triton Inference Server`).
    pub product: String,
    pub version: Option<String>,
    pub version_source: Option<VersionSource>,
    /// When `version` is null but static-asset hashes narrowed it down: the
    /// releases that ship exactly what the server served, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub version_candidates: Vec<String>,
    /// `low` when the answers contradict each other.
    #[serde(default)]
    pub confidence: Confidence,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
    /// Package URL of the product, with the version when it was read
    /// (`pkg:golang/github.com/ollama/ollama@0.1.32`): the key advisories match on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// `none` | `partial` | `required` | `unknown`, derived from
    /// `capabilities` ([`crate::service_verdict`]).
    pub auth: AuthVerdict,
    /// What an unauthenticated client can do, per capability the rule
    /// probes, each with the answer that proves it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capabilities: Capabilities,
    /// `http`, `https`, `resp` or `tcp`.
    pub transport: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
    /// Named lists the probes extracted: `models`, `collections`, `extensions`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, Vec<String>>,
    pub evidence: Vec<Evidence>,
    pub findings: Vec<Finding>,
    /// Known vulnerabilities of this version (each also a finding of kind
    /// `vulnerability`).
    #[serde(default)]
    pub vulnerabilities: Vec<VulnerabilityRef>,
    /// Advisories that may apply but cannot be settled (the version was not
    /// read): listed apart, outside findings, counts and the exit code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub possible_vulnerabilities: Vec<VulnerabilityRef>,
}

/// A vulnerability matched to a service, in brief; the full text is in the
/// matching finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnerabilityRef {
    pub id: String,
    pub aliases: Vec<String>,
    pub severity: crate::Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    /// The first release that fixes it; `null` when none is known.
    pub fixed: Option<String>,
    /// `package` (a package manager's version) or `version-only` (a banner:
    /// a distribution build may carry a backported fix).
    pub confidence: String,
    pub summary: String,
    /// What would settle a possible match, or why it is only possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A target that could not be scanned, recorded instead of aborting the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetError {
    pub target: String,
    pub error: String,
}

/// Counters of one scan run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanStats {
    pub probes_planned: u64,
    pub probes_sent: u64,
    pub open_ports: u64,
    pub services: u64,
    pub interrupted: bool,
}

/// Which stored run a report belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    pub id: String,
    pub shard: u64,
    pub shards: u64,
    /// This process continued an earlier attempt.
    pub resumed: bool,
}

/// The whole result of `aimap scan`: the JSON contract in docs/scan-output.schema.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub aimap_version: String,
    /// Absent with --no-store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunRef>,
    pub started_at: String,
    pub finished_at: String,
    pub targets: Vec<String>,
    pub ports: Vec<u16>,
    pub stats: ScanStats,
    pub services: Vec<Service>,
    /// Open ports that answered but matched no rule.
    pub unidentified: Vec<String>,
    pub errors: Vec<TargetError>,
}

impl ScanReport {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.services.iter().flat_map(|s| s.findings.iter())
    }
}
