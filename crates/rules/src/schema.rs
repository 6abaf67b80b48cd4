//! The raw shape of a rule file, exactly as written. Every struct denies
//! unknown fields so a misspelt key is an error at load, not a rule that
//! quietly never matches. [`crate::compile`] turns these into typed rules.
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Lowercase service id reported in results (`ollama`).
    pub id: String,
    /// Human product name.
    pub product: String,
    /// Default ports: the rule is tried first on these.
    pub ports: Vec<u16>,
    /// `http` (plain, or TLS when the port speaks it), `resp`, `tcp`,
    /// `postgres`, `mcp` or `mongodb`.
    pub transport: String,
    /// Score a rule needs to count as identified (default 1).
    #[serde(default)]
    pub threshold: Option<u32>,
    /// Severity of the exposure finding when data is readable without credentials.
    pub exposure_severity: String,
    /// Package URL of the product without version, for advisory matching.
    #[serde(default)]
    pub purl: Option<String>,
    /// One sentence on why an open instance matters.
    pub risk: String,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    pub probes: Vec<RawProbe>,
    /// Rule ids whose probes this product answers by design (Valkey answers
    /// as Redis, Open WebUI like Ollama): matching them too is expected,
    /// not a contradiction.
    #[serde(default)]
    pub imitates: Vec<String>,
    /// A protocol label rather than a product (the OpenAI API): it matches
    /// every server that speaks it, so matching it beside a product rule
    /// contradicts nothing.
    #[serde(default)]
    pub generic: bool,
    /// A regex every real release's version matches; a version read that
    /// does not is not reported and marks the service contradictory.
    #[serde(default)]
    pub version_pattern: Option<String>,
    /// Matchers (all must hold) that recognise the product's Host-header
    /// check (an allowed-hosts or DNS-rebinding guard, not authentication):
    /// such an answer is asked again with `Host: localhost`, then the
    /// loopback address, and the verdict that holds is reported.
    #[serde(default)]
    pub host_check: Vec<RawMatcher>,
    /// How to close a claimable install (required when a probe proves
    /// `auth = "claimable"`): finish onboarding, turn auto-login off.
    #[serde(default)]
    pub claim_remediation: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProbe {
    pub name: String,
    pub request: RawRequest,
    /// Score added when every matcher holds.
    #[serde(default)]
    pub identify: u32,
    /// Stop probing this rule when this probe does not match.
    #[serde(default)]
    pub gate: bool,
    #[serde(default)]
    pub matchers: Vec<RawMatcher>,
    #[serde(default)]
    pub extract: Vec<RawExtractor>,
    /// `none`: a match proves the capability is open without credentials;
    /// `claimable`: a match proves anyone can make themselves admin (a
    /// fresh install in onboarding, auto-login, default credentials).
    #[serde(default)]
    pub auth: Option<String>,
    /// What this probe's proof (its `auth` match or its `refused` match)
    /// is about: `inference`, `data` (default), `admin` (default for
    /// `claimable`) or `metrics`.
    #[serde(default)]
    pub capability: Option<String>,
    /// Matchers that prove the server demanded credentials for this read.
    #[serde(default)]
    pub refused: Vec<RawMatcher>,
    /// When this probe matches, the version the service reports is not a
    /// release (the product hard-codes it): why, for the report. The
    /// version is then unknown and advisories are not matched on it.
    #[serde(default)]
    pub voids_version: Option<String>,
    /// Values to keep from this answer (when its matchers hold) for later
    /// probes of the rule, which use them as `{name}` in their path or
    /// header values.
    #[serde(default)]
    pub capture: Vec<RawCapture>,
}

/// One captured variable: exactly one of `json`, `regex` (over the body,
/// first group) or `header` (with optional `regex`), first value only.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapture {
    pub name: String,
    #[serde(default)]
    pub json: Option<String>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub header: Option<String>,
    /// Absent is fine: the variable is then empty, and a header that
    /// renders empty is left out of the request.
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    // http
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<String>,
    // resp: the command and its arguments; mongodb: command names
    #[serde(default)]
    pub command: Option<Vec<String>>,
    // tcp: bytes to send, with \r \n \t \xNN escapes; empty = read the banner
    #[serde(default)]
    pub send: Option<String>,
    // postgres: the StartupMessage's user and database (default: the user).
    // No password field exists: a probe never sends one.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub database: Option<String>,
}

/// Exactly one of `status`, `header`, `body_contains`, `body_regex`, `json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatcher {
    #[serde(default)]
    pub status: Option<Vec<u16>>,
    #[serde(default)]
    pub header: Option<String>,
    #[serde(default)]
    pub body_contains: Option<String>,
    #[serde(default)]
    pub body_regex: Option<String>,
    /// A JSON pointer (RFC 6901) into the body.
    #[serde(default)]
    pub json: Option<String>,
    /// With `header` or `json`: the value must match this regex.
    #[serde(default)]
    pub regex: Option<String>,
    /// With `json`: the value's type (`string`, `number`, `array`, `object`, `bool`).
    #[serde(default)]
    pub is: Option<String>,
    /// Invert the matcher: used to tell look-alikes apart.
    #[serde(default)]
    pub negate: bool,
}

/// Exactly one of `json` (pointer, `*` walks an array), `regex` over the
/// body, `header` (with optional `regex`), or `asset_hash`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtractor {
    /// `version`, or any other name for a list of values (`models`).
    pub into: String,
    #[serde(default)]
    pub json: Option<String>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub header: Option<String>,
    /// For `into = "version"`: `api` (default), `banner` or `header`.
    #[serde(default)]
    pub source: Option<String>,
    /// For `into = "version"`: hash the whole body and look it up in this
    /// built-in asset-hash table (rules/asset-hashes/<name>.json); the
    /// version's source is then `asset-hash`.
    #[serde(default)]
    pub asset_hash: Option<String>,
}
