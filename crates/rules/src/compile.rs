use aimap_model::{Capability, Severity};

use crate::extract::Extractor;
use crate::matcher::Matcher;
use crate::request::{unescape, Request};
use crate::schema::{RawProbe, RawRequest, RawRule};
use crate::template::{Capture, RequestTemplate, MAX_TEMPLATED_PROBES, MAX_VARIABLES};

/// How a rule talks to a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// HTTP/1.1; the scanner upgrades to TLS when the port speaks it.
    Http,
    /// Redis serialization protocol.
    Resp,
    /// Raw bytes out, raw bytes back.
    Tcp,
    /// PostgreSQL startup: the server's authentication request, rendered as text.
    Postgres,
    /// Model Context Protocol over HTTP (streamable HTTP, or the older
    /// HTTP+SSE): initialize, then tools/list, rendered as one JSON document.
    Mcp,
    /// MongoDB wire protocol (OP_MSG): read-only commands, replies as text.
    Mongodb,
    /// gRPC over cleartext HTTP/2: one unary call, the reply as text.
    Grpc,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Resp => "resp",
            Self::Tcp => "tcp",
            Self::Postgres => "postgres",
            Self::Mcp => "mcp",
            Self::Mongodb => "mongodb",
            Self::Grpc => "grpc",
        }
    }
}

/// What a probe's match proves about authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProof {
    /// Nothing: the probe identifies or extracts only.
    Nothing,
    /// The capability answered without credentials.
    Readable,
    /// Anyone can make themselves admin; the server says so itself.
    Claimable,
}

#[derive(Debug, Clone)]
pub struct Probe {
    pub name: String,
    pub request: Request,
    pub identify: u32,
    pub gate: bool,
    pub matchers: Vec<Matcher>,
    pub extract: Vec<Extractor>,
    pub auth: AuthProof,
    /// Matchers (all must hold) that prove the server refused for lack of credentials.
    pub refused: Vec<Matcher>,
    /// What `auth` and `refused` prove something about; `None` for a probe
    /// that proves nothing.
    pub capability: Option<Capability>,
    /// Matching says the service's version reading is hard-coded (why).
    pub voids_version: Option<String>,
    /// Variables this probe's answer sets for later probes.
    pub captures: Vec<Capture>,
    /// Set when `request` uses variables: it is rendered before sending.
    pub template: Option<RequestTemplate>,
}

/// A validated probe rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub product: String,
    pub ports: Vec<u16>,
    pub transport: Transport,
    pub threshold: u32,
    pub exposure_severity: Severity,
    pub purl: Option<String>,
    pub risk: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub probes: Vec<Probe>,
    /// Rules this product answers like by design (see the schema).
    pub imitates: Vec<String>,
    /// A protocol label, not a product.
    pub generic: bool,
    /// What every real version looks like.
    pub version_pattern: Option<regex::Regex>,
    /// Recognises the product's Host-header check (see the schema).
    pub host_check: Vec<Matcher>,
    /// How to close a claimable install.
    pub claim_remediation: Option<String>,
}

impl Rule {
    /// The capabilities this rule's probes can settle, in order.
    pub fn capabilities(&self) -> Vec<Capability> {
        let mut caps: Vec<Capability> = self.probes.iter().filter_map(|p| p.capability).collect();
        caps.sort_unstable();
        caps.dedup();
        caps
    }
}

impl Rule {
    /// Validate a raw rule. Errors name the probe and field at fault.
    pub fn compile(raw: RawRule) -> Result<Rule, String> {
        if raw.id.is_empty()
            || !raw
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "id {:?} must be lowercase letters, digits and '-'",
                raw.id
            ));
        }
        let transport = match raw.transport.as_str() {
            "http" => Transport::Http,
            "resp" => Transport::Resp,
            "tcp" => Transport::Tcp,
            "postgres" => Transport::Postgres,
            "mcp" => Transport::Mcp,
            "mongodb" => Transport::Mongodb,
            "grpc" => Transport::Grpc,
            other => {
                return Err(format!(
                    "unknown transport {other:?} (http, resp, tcp, postgres, mcp, mongodb, grpc)"
                ))
            }
        };
        if raw.ports.is_empty() || raw.ports.contains(&0) {
            return Err("ports must list at least one port, none of them 0".into());
        }
        let exposure_severity = raw
            .exposure_severity
            .parse::<Severity>()
            .map_err(|e| e.to_string())?;
        if raw.probes.is_empty() {
            return Err("a rule needs at least one probe".into());
        }
        if raw.remediation.trim().is_empty() || raw.risk.trim().is_empty() {
            return Err("risk and remediation must not be empty".into());
        }
        if let Some(purl) = &raw.purl {
            if !purl.starts_with("pkg:") || purl.contains('@') {
                return Err(format!(
                    "purl {purl:?} must start with pkg: and carry no version"
                ));
            }
        }
        let mut probes = Vec::with_capacity(raw.probes.len());
        for p in raw.probes {
            let name = p.name.clone();
            probes.push(compile_probe(p, transport).map_err(|e| format!("probe {name:?}: {e}"))?);
        }
        check_variables(&probes)?;
        let mut names: Vec<_> = probes.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("probe name {:?} is used twice", w[0]));
        }
        let max_score: u32 = probes.iter().map(|p| p.identify).sum();
        let threshold = raw.threshold.unwrap_or(1);
        if threshold == 0 || max_score < threshold {
            return Err(format!("threshold {threshold} is unreachable: the probes' identify scores add up to {max_score}"));
        }
        let version_pattern = raw
            .version_pattern
            .as_deref()
            .map(|src| regex::Regex::new(src).map_err(|e| format!("version_pattern {src:?}: {e}")))
            .transpose()?;
        let host_check = raw
            .host_check
            .iter()
            .map(Matcher::compile)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("host_check: {e}"))?;
        if !host_check.is_empty() && transport != Transport::Http {
            return Err("host_check applies to http rules only".into());
        }
        let claims = probes.iter().any(|p| p.auth == AuthProof::Claimable);
        let claim_remediation = raw.claim_remediation.filter(|r| !r.trim().is_empty());
        if claims != claim_remediation.is_some() {
            return Err(
                "claim_remediation is required exactly when a probe proves auth = \"claimable\""
                    .into(),
            );
        }
        if let Some(other) = raw.imitates.iter().find(|i| **i == raw.id) {
            return Err(format!("a rule cannot imitate itself ({other:?})"));
        }
        Ok(Rule {
            imitates: raw.imitates,
            generic: raw.generic,
            version_pattern,
            host_check,
            claim_remediation,
            id: raw.id,
            product: raw.product,
            ports: raw.ports,
            transport,
            threshold,
            exposure_severity,
            purl: raw.purl,
            risk: raw.risk,
            remediation: raw.remediation,
            references: raw.references,
            probes,
        })
    }
}

fn compile_probe(p: RawProbe, transport: Transport) -> Result<Probe, String> {
    let request = compile_request(p.request, transport)?;
    let matchers = p
        .matchers
        .iter()
        .map(Matcher::compile)
        .collect::<Result<Vec<_>, _>>()?;
    let refused = p
        .refused
        .iter()
        .map(Matcher::compile)
        .collect::<Result<Vec<_>, _>>()?;
    let extract = p
        .extract
        .iter()
        .map(Extractor::compile)
        .collect::<Result<Vec<_>, _>>()?;
    if matchers.is_empty() && (p.identify > 0 || p.gate || p.auth.is_some()) {
        return Err("a probe that identifies, gates or proves access needs matchers".into());
    }
    let auth = match p.auth.as_deref() {
        None => AuthProof::Nothing,
        Some("none") => AuthProof::Readable,
        Some("claimable") => AuthProof::Claimable,
        Some(other) => {
            return Err(format!(
                "auth {other:?}: a match proves \"none\" (open) or \"claimable\" (anyone can become admin)"
            ))
        }
    };
    let proves = auth != AuthProof::Nothing || !refused.is_empty();
    let capability = match (p.capability.as_deref(), proves) {
        (Some(name), true) => Some(Capability::parse(name).ok_or_else(|| {
            format!("capability {name:?}: one of inference, data, admin, metrics")
        })?),
        (Some(name), false) => {
            return Err(format!(
                "capability {name:?} needs a proof: `auth` or `refused` matchers"
            ))
        }
        (None, true) if auth == AuthProof::Claimable => Some(Capability::Admin),
        (None, true) => Some(Capability::Data),
        (None, false) => None,
    };
    let captures = p
        .capture
        .iter()
        .map(Capture::compile)
        .collect::<Result<Vec<_>, _>>()?;
    if !captures.is_empty() && matchers.is_empty() {
        return Err(
            "a probe that captures needs matchers: values come only from an answer that matched"
                .into(),
        );
    }
    let template = RequestTemplate::of(&request)?;
    Ok(Probe {
        name: p.name,
        request,
        identify: p.identify,
        gate: p.gate,
        matchers,
        extract,
        auth,
        refused,
        capability,
        voids_version: p.voids_version,
        captures,
        template,
    })
}

/// Every variable a probe uses is captured by an earlier probe of the
/// rule, and the rule stays within the multi-step bounds.
fn check_variables(probes: &[Probe]) -> Result<(), String> {
    let mut captured: Vec<&str> = Vec::new();
    let mut templated = 0;
    for p in probes {
        if let Some(t) = &p.template {
            templated += 1;
            if let Some(v) = t.vars().find(|v| !captured.contains(v)) {
                return Err(format!(
                    "probe {:?}: {{{v}}} is not captured by an earlier probe",
                    p.name
                ));
            }
        }
        for c in &p.captures {
            if captured.contains(&c.name.as_str()) {
                return Err(format!(
                    "probe {:?}: {:?} is captured twice",
                    p.name, c.name
                ));
            }
            captured.push(&c.name);
        }
    }
    if captured.len() > MAX_VARIABLES {
        return Err(format!("a rule captures at most {MAX_VARIABLES} variables"));
    }
    if templated > MAX_TEMPLATED_PROBES {
        return Err(format!(
            "at most {MAX_TEMPLATED_PROBES} probes of a rule may use variables"
        ));
    }
    Ok(())
}

fn compile_request(r: RawRequest, transport: Transport) -> Result<Request, String> {
    let http_fields =
        r.method.is_some() || r.path.is_some() || !r.headers.is_empty() || r.body.is_some();
    let postgres_fields = r.user.is_some() || r.database.is_some();
    if postgres_fields && transport != Transport::Postgres {
        return Err("`user` and `database` only apply to a postgres request".into());
    }
    match transport {
        Transport::Postgres => {
            if http_fields || r.command.is_some() || r.send.is_some() {
                return Err("a postgres request takes only `user` and `database`".into());
            }
            let user = r.user.ok_or("a postgres request needs a user")?;
            let database = r.database.unwrap_or_else(|| user.clone());
            if [&user, &database]
                .iter()
                .any(|s| s.is_empty() || s.len() > 63 || s.chars().any(|c| c.is_control()))
            {
                return Err("user and database must be 1-63 printable characters".into());
            }
            Ok(Request::Postgres { user, database })
        }
        Transport::Mcp => {
            if r.method.is_some() || !r.headers.is_empty() || r.body.is_some() {
                return Err("an mcp request takes only `path`: the messages are fixed".into());
            }
            if r.command.is_some() || r.send.is_some() {
                return Err("an mcp request takes only `path`".into());
            }
            let path = r.path.ok_or("an mcp request needs a path")?;
            check_path(&path)?;
            if path.contains(['{', '}']) {
                return Err("an mcp path takes no variables".into());
            }
            Ok(Request::Mcp { path })
        }
        Transport::Http => {
            if r.command.is_some() || r.send.is_some() {
                return Err("an http request takes method, path, headers and body".into());
            }
            let method = r
                .method
                .unwrap_or_else(|| "GET".into())
                .to_ascii_uppercase();
            // Read-only by construction: a probe may never change a target.
            if !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS" | "POST") {
                return Err(format!(
                    "method {method} is not allowed: probes are read-only"
                ));
            }
            let path = r.path.ok_or("an http request needs a path")?;
            check_path(&path)?;
            for (k, v) in &r.headers {
                let bad = |s: &str| s.is_empty() || s.chars().any(|c| c.is_control());
                if bad(k) || k.contains(':') || v.chars().any(|c| c.is_control()) {
                    return Err(format!("header {k:?} is malformed"));
                }
            }
            Ok(Request::Http {
                method,
                path,
                headers: r.headers,
                body: r.body,
            })
        }
        Transport::Resp => {
            if http_fields || r.send.is_some() {
                return Err("a resp request takes only `command`".into());
            }
            let args = r
                .command
                .filter(|c| !c.is_empty())
                .ok_or("a resp request needs a command")?;
            const READ_ONLY: [&str; 5] = ["PING", "INFO", "HELLO", "COMMAND", "CLIENT"];
            let verb = args[0].to_ascii_uppercase();
            if !READ_ONLY.contains(&verb.as_str())
                || (verb == "CLIENT"
                    && !args.get(1).is_some_and(|a| a.eq_ignore_ascii_case("INFO")))
            {
                return Err(format!(
                    "command {verb} is not on the read-only list {READ_ONLY:?}"
                ));
            }
            Ok(Request::Resp { args })
        }
        Transport::Mongodb => {
            if http_fields || r.send.is_some() {
                return Err("a mongodb request takes only `command`".into());
            }
            let commands = r
                .command
                .filter(|c| !c.is_empty() && c.len() <= 8)
                .ok_or("a mongodb request needs 1-8 command names")?;
            // Read-only by construction: these only report state.
            const READ_ONLY: [&str; 6] = [
                "hello",
                "isMaster",
                "buildInfo",
                "listDatabases",
                "connectionStatus",
                "ping",
            ];
            if let Some(bad) = commands.iter().find(|c| !READ_ONLY.contains(&c.as_str())) {
                return Err(format!(
                    "command {bad} is not on the read-only list {READ_ONLY:?}"
                ));
            }
            Ok(Request::Mongo { commands })
        }
        Transport::Grpc => {
            if r.method.is_some() || !r.headers.is_empty() || r.body.is_some() {
                return Err(
                    "a grpc request takes `path` and optionally `send` (the message)".into(),
                );
            }
            if r.command.is_some() {
                return Err("a grpc request takes `path` and `send`".into());
            }
            let path = r.path.ok_or("a grpc request needs a path")?;
            check_grpc_method(&path)?;
            Ok(Request::Grpc {
                path,
                message: unescape(r.send.as_deref().unwrap_or(""))?,
            })
        }
        Transport::Tcp => {
            if http_fields || r.command.is_some() {
                return Err("a tcp request takes only `send`".into());
            }
            Ok(Request::Tcp {
                send: unescape(r.send.as_deref().unwrap_or(""))?,
            })
        }
    }
}

/// `/package.Service/Method`, where the method only reads: a status,
/// metadata or listing call, never inference, loading or writing.
fn check_grpc_method(path: &str) -> Result<(), String> {
    let shape = path
        .strip_prefix('/')
        .and_then(|p| p.split_once('/'))
        .filter(|(service, method)| {
            let ok = |s: &str, extra: &[char]| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
            };
            ok(service, &['.']) && ok(method, &[])
        });
    let Some((_, method)) = shape else {
        return Err(format!(
            "grpc path {path:?} must be /package.Service/Method"
        ));
    };
    const EXACT: [&str; 9] = [
        "ServerLive",
        "ServerReady",
        "ServerMetadata",
        "ModelReady",
        "ModelMetadata",
        "ModelConfig",
        "ModelStatistics",
        "RepositoryIndex",
        "Check",
    ];
    const PREFIXES: [&str; 6] = ["Get", "List", "Describe", "Show", "HealthCheck", "Version"];
    if EXACT.contains(&method) || PREFIXES.iter().any(|p| method.starts_with(p)) {
        Ok(())
    } else {
        Err(format!(
            "grpc method {method} is not read-only (allowed: {EXACT:?}, or starting with {PREFIXES:?})"
        ))
    }
}

fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "path {path:?} must start with '/' and hold no spaces"
        ));
    }
    Ok(())
}
