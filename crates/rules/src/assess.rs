use std::borrow::Cow;
use std::collections::BTreeMap;

use aimap_model::{AuthVerdict, Capabilities, Evidence, VersionSource};

use crate::asset::AssetMatch;
use crate::compile::{AuthProof, Rule};
use crate::extract::{Extractor, Target, MAX_VALUES};
use crate::ledger::Ledger;
use crate::request::Request;
use crate::response::Response;
use crate::version_form::{self, VersionForm};

/// How long an evidence excerpt may be.
const EXCERPT_CHARS: usize = 240;

/// What one probe's answer did, kept for `-vv` and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOutcome {
    pub probe: String,
    pub answered: bool,
    pub matched: bool,
    pub refused: bool,
}

/// One static asset hashed and looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetObservation {
    pub probe: String,
    /// The table consulted (a product id).
    pub table: String,
    pub found: AssetMatch,
}

/// One version string a probe read from the service itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReading {
    pub value: String,
    pub source: VersionSource,
    pub probe: String,
}

/// The evidence `probe` name of a contradiction.
pub const CONTRADICTION: &str = "contradiction";

fn contradiction(request: String, status: Option<u16>, excerpt: String) -> Evidence {
    Evidence {
        probe: CONTRADICTION.into(),
        request,
        status,
        excerpt,
    }
}

/// Versions compare without a leading `v` (`v3.4.0` is `3.4.0`).
fn same_version(a: &str, b: &str) -> bool {
    let strip = |s: &str| s.strip_prefix(['v', 'V']).unwrap_or(s).to_string();
    strip(a) == strip(b)
}

/// The version a rule settles on, or the releases it narrowed it to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionVerdict {
    pub version: Option<(String, VersionSource)>,
    /// Set only when `version` is not: the releases whose static assets
    /// match what the server served (several when the files are shared).
    pub candidates: Vec<String>,
    /// Why the version reported is not the reading itself (a placeholder,
    /// a git-describe form).
    pub note: Option<String>,
}

/// The running verdict of one rule against one port: a pure state machine.
/// The scanner asks [`Assessment::next_request`], performs it, and
/// [`Assessment::feed`]s the answer back, so this crate stays free of I/O
/// and every decision here is unit-testable.
#[derive(Debug)]
pub struct Assessment<'r> {
    pub rule: &'r Rule,
    next: usize,
    /// The request of probe `next`, rendered when it uses variables.
    pending: Option<Cow<'r, Request>>,
    /// Values captured so far, for later probes' `{name}`s.
    vars: BTreeMap<String, String>,
    stopped: bool,
    pub score: u32,
    pub version: Option<(String, VersionSource)>,
    /// Every version read from the service (the first is `version`).
    pub versions_seen: Vec<VersionReading>,
    pub details: BTreeMap<String, Vec<String>>,
    pub evidence: Vec<Evidence>,
    pub outcomes: Vec<ProbeOutcome>,
    /// Every asset-hash lookup, in probe order.
    pub assets: Vec<AssetObservation>,
    /// What each capability's probes proved.
    ledger: Ledger,
    /// The loopback Host (index into [`LOOPBACK_HOSTS`]) sent instead of
    /// the target's name since the rule's host check refused it.
    host: Option<usize>,
    /// An answer under that Host got past the check.
    host_bypassed: bool,
    /// Why the version this service reports names no release.
    version_void: Option<String>,
}

/// Host values that a product's allowed-hosts check accepts by default,
/// tried in order when it refuses the target's own name.
pub const LOOPBACK_HOSTS: [&str; 2] = ["localhost", "127.0.0.1"];

/// The evidence `probe` name of a Host-header check.
pub const HOST_CHECK: &str = "host-check";

/// `req` with its Host header set to `host` (HTTP only).
fn with_host(req: &Request, host: &str) -> Option<Request> {
    let Request::Http {
        method,
        path,
        headers,
        body,
    } = req
    else {
        return None;
    };
    let mut headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("host"))
        .cloned()
        .collect();
    headers.push(("Host".into(), host.into()));
    Some(Request::Http {
        method: method.clone(),
        path: path.clone(),
        headers,
        body: body.clone(),
    })
}

/// Start assessing `rule`.
pub fn assess(rule: &Rule) -> Assessment<'_> {
    let mut a = Assessment {
        rule,
        next: 0,
        pending: None,
        vars: BTreeMap::new(),
        stopped: false,
        score: 0,
        version: None,
        versions_seen: Vec::new(),
        details: BTreeMap::new(),
        evidence: Vec::new(),
        outcomes: Vec::new(),
        assets: Vec::new(),
        ledger: Ledger::new(&rule.capabilities()),
        host: None,
        host_bypassed: false,
        version_void: None,
    };
    a.advance();
    a
}

impl<'r> Assessment<'r> {
    /// The next request to perform, or `None` when the rule is done.
    pub fn next_request(&self) -> Option<&Request> {
        if self.stopped {
            return None;
        }
        self.pending.as_deref()
    }

    /// Move to the next probe that can be sent: one whose variables are
    /// all captured and fit. Others are skipped as unanswered (a skipped
    /// gate stops the rule), so a missing value never sends a request.
    fn advance(&mut self) {
        let rule: &'r Rule = self.rule;
        self.pending = None;
        while !self.stopped {
            let Some(probe) = rule.probes.get(self.next) else {
                return;
            };
            let rendered = match &probe.template {
                None => Ok(Cow::Borrowed(&probe.request)),
                Some(t) => t.render(&probe.request, &self.vars).map(Cow::Owned),
            };
            match rendered {
                Ok(req) => {
                    let host = self.host.map(|i| LOOPBACK_HOSTS[i]);
                    self.pending = match host.and_then(|h| with_host(&req, h)) {
                        Some(moved) => Some(Cow::Owned(moved)),
                        None => Some(req),
                    };
                    return;
                }
                Err(_) => {
                    self.outcomes.push(ProbeOutcome {
                        probe: probe.name.clone(),
                        answered: false,
                        matched: false,
                        refused: false,
                    });
                    self.stopped |= probe.gate;
                    self.next += 1;
                }
            }
        }
    }

    /// Feed the answer to the request last returned by `next_request`;
    /// `None` means the target did not answer (closed, timeout, garbage).
    pub fn feed(&mut self, response: Option<&Response>) {
        if self.stopped || self.pending.is_none() {
            return;
        }
        if let Some(r) = response {
            if self.retry_past_host_check(r) {
                return;
            }
        }
        self.take(response);
        self.next += 1;
        self.advance();
    }

    /// Whether `r` is the rule's Host-header check refusing; a host check
    /// is not authentication, so it never counts as a refusal.
    fn host_refused(&self, r: &Response) -> bool {
        !self.rule.host_check.is_empty() && self.rule.host_check.iter().all(|m| m.matches(r))
    }

    /// On a host-check refusal, ask the same request again with the next
    /// loopback Host and keep it for later probes. Returns whether a new
    /// request is pending.
    fn retry_past_host_check(&mut self, r: &Response) -> bool {
        if !self.host_refused(r) {
            self.host_bypassed |= self.host.is_some();
            return false;
        }
        let Some(pending) = self.pending.as_deref() else {
            return false;
        };
        if self.host.is_none() && !self.evidence.iter().any(|e| e.probe == HOST_CHECK) {
            self.evidence.push(Evidence {
                probe: HOST_CHECK.into(),
                request: pending.to_string(),
                status: r.status,
                excerpt: format!(
                    "refused for its Host header (an allowed-hosts check, not authentication): {}",
                    r.excerpt(EXCERPT_CHARS)
                ),
            });
        }
        let next = self.host.map_or(0, |i| i + 1);
        let Some(host) = LOOPBACK_HOSTS.get(next) else {
            return false;
        };
        let Some(moved) = with_host(pending, host) else {
            return false;
        };
        self.host = Some(next);
        self.pending = Some(Cow::Owned(moved));
        true
    }

    /// Whether the rule's host check refused the target's name and a
    /// loopback Host got past it.
    pub fn passed_host_check(&self) -> bool {
        self.host_bypassed
    }

    fn take(&mut self, response: Option<&Response>) {
        let rule: &'r Rule = self.rule;
        let Some(probe) = rule.probes.get(self.next) else {
            return;
        };
        let Some(r) = response else {
            self.outcomes.push(ProbeOutcome {
                probe: probe.name.clone(),
                answered: false,
                matched: false,
                refused: false,
            });
            if probe.gate {
                self.stopped = true;
            }
            return;
        };
        let matched = !probe.matchers.is_empty() && probe.matchers.iter().all(|m| m.matches(r));
        let refused = !probe.refused.is_empty()
            && probe.refused.iter().all(|m| m.matches(r))
            && !self.host_refused(r);
        self.outcomes.push(ProbeOutcome {
            probe: probe.name.clone(),
            answered: true,
            matched,
            refused,
        });
        if matched || refused {
            let request = self
                .pending
                .as_deref()
                .map_or_else(|| probe.request.to_string(), Request::to_string);
            self.evidence.push(Evidence {
                probe: probe.name.clone(),
                request,
                status: r.status,
                excerpt: r.excerpt(EXCERPT_CHARS),
            });
        }
        if let (true, Some(c), Some(e)) = (refused, probe.capability, self.evidence.last()) {
            self.ledger.refused(c, e);
        }
        if !matched {
            if probe.gate {
                self.stopped = true;
            }
            return;
        }
        self.score += probe.identify;
        if let Some(why) = &probe.voids_version {
            self.version_void.get_or_insert_with(|| why.clone());
        }
        for c in &probe.captures {
            match c.value(r) {
                Some(v) => {
                    self.vars.insert(c.name.clone(), v);
                }
                None if c.optional => {
                    self.vars.insert(c.name.clone(), String::new());
                }
                None => {}
            }
        }
        if let (Some(c), Some(e)) = (probe.capability, self.evidence.last()) {
            match probe.auth {
                AuthProof::Readable => self.ledger.open(c, e),
                AuthProof::Claimable => self.ledger.claimable(e),
                AuthProof::Nothing => {}
            }
        }
        for ex in &probe.extract {
            if let Extractor::AssetHash { table } = ex {
                let found = table.lookup(&r.body, r.truncated);
                if let Some(e) = self.evidence.last_mut() {
                    // The evidence is the hash and what it names, not the
                    // start of a minified script.
                    e.excerpt = asset_summary(&table.product, &table.releases, &found);
                }
                self.assets.push(AssetObservation {
                    probe: probe.name.clone(),
                    table: table.product.clone(),
                    found,
                });
                continue;
            }
            let values = ex.values(r);
            match ex.target() {
                Target::Version(source) => {
                    if let Some(v) = values.into_iter().next() {
                        if self.version.is_none() {
                            self.version = Some((v.clone(), *source));
                        }
                        if self.versions_seen.len() < MAX_VALUES {
                            self.versions_seen.push(VersionReading {
                                value: v,
                                source: *source,
                                probe: probe.name.clone(),
                            });
                        }
                    }
                }
                Target::List(name) if !values.is_empty() => {
                    let list = self.details.entry(name.clone()).or_default();
                    for v in values {
                        if list.len() < MAX_VALUES && !list.contains(&v) {
                            list.push(v);
                        }
                    }
                }
                Target::List(_) => {}
            }
        }
    }

    /// Whether the answers add up to this rule's service.
    pub fn identified(&self) -> bool {
        self.score >= self.rule.threshold
    }

    /// The service's authentication verdict, computed from the capability
    /// matrix ([`aimap_model::service_verdict`]); a claimable install is open.
    pub fn auth(&self) -> AuthVerdict {
        self.ledger.verdict()
    }

    /// What an unauthenticated client can do, per capability the rule
    /// probes, each with the answer that proves it.
    pub fn capabilities(&self) -> Capabilities {
        self.ledger.matrix()
    }

    /// The answer that shows anyone can make themselves admin.
    pub fn claim_evidence(&self) -> Option<&Evidence> {
        self.ledger.claim_proof()
    }

    /// The releases every matched asset agrees on, in release order:
    /// `None` when no asset matched a table entry, empty when two assets
    /// name disjoint releases.
    pub fn asset_candidates(&self) -> Option<Vec<String>> {
        let mut sets = self.assets.iter().filter_map(|a| match &a.found {
            AssetMatch::Releases { versions, .. } => Some(versions),
            _ => None,
        });
        let first = sets.next()?;
        let mut common = first.clone();
        for other in sets {
            common.retain(|v| other.contains(v));
        }
        Some(common)
    }

    /// The version to report: one read from the service itself wins;
    /// otherwise asset hashes settle it when they name exactly one
    /// release, and list the candidates when they name several.
    pub fn resolved_version(&self) -> VersionVerdict {
        let mut note = None;
        // A version the product could never have had is not reported
        // (contradictions() says why); a placeholder names no release, and
        // a git-describe form stands for its base release (the note says so).
        // A product that hard-codes its version reports nothing true.
        let reading = match (&self.version_void, &self.version) {
            (Some(why), Some((raw, _))) => {
                note = Some(format!("{raw:?} is not the release: {why}; version unknown, advisories are not matched on it"));
                None
            }
            _ => self.version.as_ref(),
        };
        if let Some((raw, source)) = reading.filter(|(v, _)| self.plausible(v)) {
            let (release, why) = version_form::release_of(raw);
            note = why;
            if let Some(v) = release {
                return VersionVerdict {
                    version: Some((v, *source)),
                    candidates: Vec::new(),
                    note,
                };
            }
        }
        match self.asset_candidates() {
            Some(c) if c.len() == 1 => VersionVerdict {
                version: Some((c[0].clone(), VersionSource::AssetHash)),
                candidates: Vec::new(),
                note,
            },
            Some(c) => VersionVerdict {
                version: None,
                candidates: c,
                note,
            },
            None => VersionVerdict {
                note,
                ..VersionVerdict::default()
            },
        }
    }

    /// Whether `version` can be this product's: the rule's pattern holds
    /// for the reading or for the release it stands for; a placeholder is
    /// no contradiction (source builds of the real product report them).
    fn plausible(&self, version: &str) -> bool {
        let Some(re) = self.rule.version_pattern.as_ref() else {
            return true;
        };
        match version_form::classify(version) {
            VersionForm::Placeholder => true,
            VersionForm::Release(v) => re.is_match(&v),
            VersionForm::Describe { base, .. } => re.is_match(version) || re.is_match(&base),
        }
    }

    /// What in this rule's own answers contradicts itself: a version the
    /// product cannot have, version readings that disagree, static assets
    /// from another release than the version reported, or from several
    /// releases at once. Each is an evidence entry saying why.
    pub fn contradictions(&self) -> Vec<Evidence> {
        let product = &self.rule.product;
        let mut out = Vec::new();
        for r in self
            .versions_seen
            .iter()
            .filter(|r| !self.plausible(&r.value))
        {
            out.push(contradiction(
                format!("version from probe {}", r.probe),
                None,
                format!(
                    "{:?} is not a version {product} releases (its versions match {})",
                    r.value,
                    self.rule
                        .version_pattern
                        .as_ref()
                        .map_or("", |re| re.as_str())
                ),
            ));
        }
        if let Some(first) = self.versions_seen.first() {
            let others: Vec<&VersionReading> = self
                .versions_seen
                .iter()
                .filter(|r| !same_version(&r.value, &first.value))
                .collect();
            if !others.is_empty() {
                let list: Vec<String> = std::iter::once(first)
                    .chain(others)
                    .map(|r| format!("{} (probe {})", r.value, r.probe))
                    .collect();
                out.push(contradiction(
                    "version readings".into(),
                    None,
                    format!(
                        "the service reports different versions: {}",
                        list.join(", ")
                    ),
                ));
            }
        }
        match (&self.version, self.asset_candidates()) {
            (_, Some(c)) if c.is_empty() => out.push(contradiction(
                "static assets".into(),
                None,
                "its static assets come from different releases".into(),
            )),
            (Some((v, _)), Some(c)) if !c.iter().any(|a| same_version(a, v)) => {
                out.push(contradiction(
                    "static assets".into(),
                    None,
                    format!(
                        "it reports version {v}, but its static assets are those of {product} {}",
                        c.join(", ")
                    ),
                ))
            }
            _ => {}
        }
        out
    }

    /// Whether an answer to a path no product serves (`request`) satisfies
    /// the probes that identified this rule: if, without them, the rule
    /// would not be identified, the identification proves nothing (a
    /// server answering everything alike, as honeypots do).
    pub fn canary_contradiction(&self, request: &str, r: &Response) -> Option<Evidence> {
        // An auth wall refuses every path alike (401 with the product's
        // challenge, a redirect to its login): that is what a locked
        // product does, and a rule may rightly identify it by that. Only
        // a made-up path that *succeeds* like the product is suspicious.
        if !r.status.is_some_and(|s| (200..300).contains(&s)) {
            return None;
        }
        let mut fooled = Vec::new();
        let mut kept = 0;
        for o in self.outcomes.iter().filter(|o| o.matched) {
            let Some(p) = self.rule.probes.iter().find(|p| p.name == o.probe) else {
                continue;
            };
            if p.matchers.iter().all(|m| m.matches(r)) {
                fooled.push(p.name.as_str());
            } else {
                kept += p.identify;
            }
        }
        if fooled.is_empty() || kept >= self.rule.threshold {
            return None;
        }
        Some(contradiction(
            request.to_string(),
            r.status,
            format!(
                "a path no product serves answered like {}: the answer also satisfies probe(s) {}",
                self.rule.product,
                fooled.join(", ")
            ),
        ))
    }

    /// Number of probes whose matchers held: a tie-breaker between rules.
    pub fn matched_probes(&self) -> usize {
        self.outcomes.iter().filter(|o| o.matched).count()
    }
}

/// One line of evidence for an asset lookup.
fn asset_summary(product: &str, releases: &[String], found: &AssetMatch) -> String {
    match found {
        AssetMatch::Releases { sha256, versions } => {
            format!("sha256 {sha256} = {product} {}", versions.join(", "))
        }
        AssetMatch::Unknown { sha256 } => format!(
            "sha256 {sha256}: none of the {} {product} releases hashed ({} to {})",
            releases.len(),
            releases.first().map_or("", String::as_str),
            releases.last().map_or("", String::as_str)
        ),
        AssetMatch::Truncated => "body cut short at the read cap: not hashed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::builtin_rules;
    use aimap_model::Capability;

    fn run(rule: &Rule, mut answer: impl FnMut(&Request) -> Option<Response>) -> Assessment<'_> {
        let mut a = assess(rule);
        while let Some(req) = a.next_request() {
            let r = answer(req);
            a.feed(r.as_ref());
        }
        a
    }

    fn http(status: u16, body: &str) -> Option<Response> {
        Some(Response::new(
            Some(status),
            vec![],
            body.as_bytes().to_vec(),
            false,
        ))
    }

    /// The request that proved a capability open.
    fn open_proof(a: &Assessment<'_>) -> String {
        a.capabilities()
            .values()
            .find(|c| c.auth == AuthVerdict::None)
            .and_then(|c| c.evidence.as_ref())
            .map(|e| e.request.clone())
            .unwrap_or_default()
    }

    fn path(req: &Request) -> &str {
        match req {
            Request::Http { path, .. } => path,
            _ => "",
        }
    }

    #[test]
    fn open_ollama_is_identified_with_version_models_and_proof() {
        let set = builtin_rules().unwrap();
        let a = run(set.get("ollama").unwrap(), |req| match path(req) {
            "/" => http(200, "Ollama is running"),
            "/api/version" => http(200, r#"{"version":"0.1.32"}"#),
            "/api/tags" => http(200, r#"{"models":[{"name":"llama3:8b"}]}"#),
            _ => http(404, ""),
        });
        assert!(a.identified());
        assert_eq!(a.version, Some(("0.1.32".into(), VersionSource::Api)));
        assert_eq!(a.details["models"], ["llama3:8b"]);
        assert_eq!(a.auth(), AuthVerdict::None);
        assert_eq!(open_proof(&a), "GET /api/tags");
    }

    #[test]
    fn banner_only_decoy_is_not_an_ollama() {
        let set = builtin_rules().unwrap();
        let a = run(set.get("ollama").unwrap(), |req| match path(req) {
            "/" => http(200, "Ollama is running"),
            _ => http(404, "404 page not found"),
        });
        assert!(
            !a.identified(),
            "a copied banner alone must not identify Ollama"
        );
        assert_eq!(a.auth(), AuthVerdict::Unknown);
    }

    #[test]
    fn refusal_gives_required_and_silence_gives_unknown() {
        let set = builtin_rules().unwrap();
        let chroma = set.get("chromadb").unwrap();
        let a = run(chroma, |req| match path(req) {
            "/api/v2/heartbeat" => http(200, r#"{"nanosecond heartbeat": 1732000000000}"#),
            "/api/v2/version" => http(200, r#""1.0.3""#),
            "/api/v2/tenants/default_tenant/databases/default_database/collections" => {
                http(401, r#"{"error":"Unauthorized"}"#)
            }
            _ => http(404, ""),
        });
        assert!(a.identified());
        assert_eq!(a.version.as_ref().unwrap().0, "1.0.3");
        assert_eq!(a.auth(), AuthVerdict::Required);
        let silent = run(chroma, |_| None);
        assert!(!silent.identified());
        assert_eq!(silent.auth(), AuthVerdict::Unknown);
    }

    #[test]
    fn redis_gate_stops_on_a_non_redis_answer() {
        let set = builtin_rules().unwrap();
        let redis = set.get("redis").unwrap();
        let mut sent = 0;
        let mut a = assess(redis);
        while let Some(_req) = a.next_request() {
            sent += 1;
            a.feed(Some(&Response::new(
                None,
                vec![],
                b"ERROR\r\n".to_vec(),
                false,
            )));
        }
        assert_eq!(sent, 1, "after a failed gate no further request is sent");
        assert!(!a.identified());
    }

    #[test]
    fn hostile_answers_never_panic_any_rule() {
        // What the `matchers` fuzz target does, on fixed inputs CI can run.
        let set = builtin_rules().unwrap();
        let bodies: [&[u8]; 6] = [
            b"",
            b"\xff\xfe\x00garbage",
            b"{\"version\": 1e999999}",
            b"[[[[[[[[[[",
            b"{\"models\": {\"*\": null}}",
            &[b'{'; 5000],
        ];
        for rule in set.rules() {
            for body in bodies {
                for status in [None, Some(200), Some(401)] {
                    let mut a = assess(rule);
                    while a.next_request().is_some() {
                        a.feed(Some(&Response::new(status, vec![], body.to_vec(), false)));
                    }
                    assert!(
                        !a.identified() || status == Some(200),
                        "{} identified garbage",
                        rule.id
                    );
                }
            }
        }
    }

    #[test]
    fn valkey_outscores_redis_on_valkey_info() {
        let set = builtin_rules().unwrap();
        let info =
            "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\n";
        let answer = |req: &Request| match req {
            Request::Resp { args } if args[0] == "PING" => {
                Some(Response::new(None, vec![], b"+PONG".to_vec(), false))
            }
            _ => Some(Response::new(None, vec![], info.as_bytes().to_vec(), false)),
        };
        let redis = run(set.get("redis").unwrap(), answer);
        let valkey = run(set.get("valkey").unwrap(), answer);
        assert!(valkey.identified() && valkey.score > redis.score);
        assert_eq!(valkey.version.as_ref().unwrap().0, "8.0.1");
    }

    fn observed(versions: &[&str]) -> AssetObservation {
        AssetObservation {
            probe: "asset".into(),
            table: "x".into(),
            found: AssetMatch::Releases {
                sha256: "0".repeat(64),
                versions: versions.iter().map(|v| v.to_string()).collect(),
            },
        }
    }

    #[test]
    fn asset_hashes_settle_a_version_only_when_they_name_one_release() {
        let set = builtin_rules().unwrap();
        let rule = set.get("streamlit").unwrap();
        let mut a = assess(rule);
        assert_eq!(a.resolved_version(), VersionVerdict::default());
        // A file shared by three releases: candidates, never a pick.
        a.assets.push(observed(&["1.50.0", "1.51.0", "1.52.0"]));
        let v = a.resolved_version();
        assert_eq!((v.version, v.candidates.len()), (None, 3));
        // A second file narrows it to one.
        a.assets.push(observed(&["1.51.0", "1.52.0", "1.53.0"]));
        a.assets.push(observed(&["1.51.0"]));
        assert_eq!(
            a.resolved_version().version,
            Some(("1.51.0".into(), VersionSource::AssetHash))
        );
        // Files from disjoint releases settle nothing.
        a.assets.push(observed(&["1.60.0"]));
        assert_eq!(a.asset_candidates(), Some(vec![]));
        assert_eq!(a.resolved_version(), VersionVerdict::default());
        // A version the service reports itself wins.
        a.version = Some(("1.51.0".into(), VersionSource::Api));
        assert_eq!(a.resolved_version().version.unwrap().1, VersionSource::Api);
    }

    #[test]
    fn an_unknown_page_gives_no_asset_version() {
        let set = builtin_rules().unwrap();
        let a = run(set.get("streamlit").unwrap(), |req| match path(req) {
            "/" => http(200, "<html><title>Streamlit</title></html>"),
            "/_stcore/health" => http(200, "ok"),
            _ => http(404, ""),
        });
        assert_eq!(a.assets.len(), 1);
        assert!(matches!(a.assets[0].found, AssetMatch::Unknown { .. }));
        assert_eq!(a.resolved_version(), VersionVerdict::default());
        let line = &a
            .evidence
            .iter()
            .find(|e| e.probe == "page")
            .unwrap()
            .excerpt;
        assert!(
            line.contains("none of the") && line.contains("streamlit releases hashed"),
            "{line}"
        );
    }

    #[test]
    fn a_later_probe_uses_a_value_read_by_an_earlier_one() {
        let set = builtin_rules().unwrap();
        let rule = set.get("langserve").unwrap();
        let openapi = r#"{"info":{"description":"LangServe UI playground"},"paths":{
            "/chat/v2/invoke":{},"/chat/v2/stream_log":{},"/chat/v2/input_schema":{}}}"#;
        let mut asked = Vec::new();
        let a = run(rule, |req| {
            asked.push(path(req).to_string());
            match path(req) {
                "/openapi.json" => http(200, openapi),
                "/chat/v2/input_schema" => http(200, r#"{"title":"ChatInput","type":"object"}"#),
                _ => http(404, ""),
            }
        });
        // Two probes read the same route (the scanner sends it once).
        asked.dedup();
        assert_eq!(asked, ["/openapi.json", "/chat/v2/input_schema"]);
        assert_eq!(a.auth(), AuthVerdict::None);
        assert_eq!(open_proof(&a), "GET /chat/v2/input_schema");
    }

    #[test]
    fn a_hostile_value_sends_nothing() {
        let set = builtin_rules().unwrap();
        let rule = set.get("langserve").unwrap();
        // The capture only takes path-safe segments; a value that climbs
        // out of the prefix never matches, so no second request is built.
        for body in [
            r#"{"LangServe":1,"/../admin/input_schema":1,"/x/stream_log":1}"#,
            r#"{"LangServe":1,"/a%2F..%2Fb/input_schema":1,"/x/stream_log":1}"#,
        ] {
            let mut asked = Vec::new();
            let a = run(rule, |req| {
                asked.push(path(req).to_string());
                http(200, body)
            });
            assert_eq!(asked, ["/openapi.json"], "{body}");
            assert!(a.identified());
            assert_eq!(a.auth(), AuthVerdict::Unknown);
            assert!(a.outcomes.iter().skip(1).all(|o| !o.answered));
        }
    }

    #[test]
    fn csrf_token_and_cookie_travel_to_the_read() {
        let set = builtin_rules().unwrap();
        let rule = set.get("sillytavern").unwrap();
        let token = "ab".repeat(64);
        let mut sent = None;
        let a = run(rule, |req| match req {
            Request::Http { path, headers, .. } if path == "/api/characters/all" => {
                sent = Some(headers.clone());
                http(200, r#"[{"name":"Seraphina"}]"#)
            }
            _ if path(req) == "/csrf-token" => Some(Response::new(
                Some(200),
                vec![(
                    "Set-Cookie".into(),
                    "X-CSRF-Token=c0ffee; Path=/; HttpOnly".into(),
                )],
                format!(r#"{{"token":"{token}"}}"#).into_bytes(),
                false,
            )),
            _ if path(req) == "/version" => http(
                200,
                r#"{"agent":"SillyTavern:1.12.6:Cohee#1207","pkgVersion":"1.12.6"}"#,
            ),
            _ => http(404, ""),
        });
        let headers = sent.expect("the read was sent");
        assert!(headers.contains(&("X-CSRF-Token".into(), token.clone())));
        assert!(headers.contains(&("Cookie".into(), "X-CSRF-Token=c0ffee".into())));
        assert_eq!(a.auth(), AuthVerdict::None);
        assert_eq!(a.details["characters"], ["Seraphina"]);
        // --disableCsrf: no cookie, and the Cookie header is left out.
        let mut sent = None;
        run(rule, |req| match req {
            Request::Http { path, headers, .. } if path == "/api/characters/all" => {
                sent = Some(headers.clone());
                http(200, "[]")
            }
            _ if path(req) == "/csrf-token" => http(200, r#"{"token":"disabled"}"#),
            _ => http(404, ""),
        });
        let headers = sent.expect("sent without a cookie");
        assert!(headers.iter().all(|(k, _)| k != "Cookie"), "{headers:?}");
    }

    #[test]
    fn contradicting_answers_are_reasons() {
        let set = builtin_rules().unwrap();
        let ollama = set.get("ollama").unwrap();
        let open = |version: &'static str| {
            move |req: &Request| match path(req) {
                "/" => http(200, "Ollama is running"),
                "/api/version" => http(200, &format!(r#"{{"version":"{version}"}}"#)),
                "/api/tags" => http(200, r#"{"models":[]}"#),
                _ => http(404, "404 page not found"),
            }
        };
        let real = run(ollama, open("0.12.3"));
        assert!(real.contradictions().is_empty());
        assert_eq!(real.resolved_version().version.unwrap().0, "0.12.3");
        // Identified (the probes accept any x.y), but no Ollama release
        // looks like this: not reported, and said why.
        let odd = run(ollama, open("0.10.1.dev42+g1234"));
        assert!(odd.identified());
        assert_eq!(odd.resolved_version(), VersionVerdict::default());
        let why = odd.contradictions();
        assert_eq!(why.len(), 1);
        assert!(
            why[0].excerpt.contains("is not a version Ollama releases"),
            "{why:?}"
        );
    }

    #[test]
    fn reported_version_and_assets_must_agree() {
        let set = builtin_rules().unwrap();
        let mut a = assess(set.get("mlflow").unwrap());
        a.version = Some(("3.17.2".into(), VersionSource::Api));
        a.versions_seen.push(VersionReading {
            value: "3.17.2".into(),
            source: VersionSource::Api,
            probe: "version".into(),
        });
        a.assets.push(observed(&["3.17.2"]));
        assert!(a.contradictions().is_empty());
        a.assets[0] = observed(&["3.10.0", "3.10.1"]);
        let why = a.contradictions();
        assert!(
            why[0].excerpt.contains(
                "reports version 3.17.2, but its static assets are those of MLflow 3.10.0, 3.10.1"
            ),
            "{why:?}"
        );
        a.versions_seen.push(VersionReading {
            value: "v3.18.0".into(),
            source: VersionSource::Header,
            probe: "server".into(),
        });
        assert!(a.contradictions().iter().any(|e| e
            .excerpt
            .contains("different versions: 3.17.2 (probe version), v3.18.0 (probe server)")));
    }

    /// SillyTavern's whitelist mode refuses every path for an address not
    /// on its list (src/middleware/whitelist.js, 1.12.6): identified, and
    /// refused, not an unnamed port.
    #[test]
    fn sillytavern_whitelist_is_identified_and_refused() {
        let set = builtin_rules().unwrap();
        let rule = set.get("sillytavern").unwrap();
        let body = "<b>Forbidden</b>: Connection attempt from <b>203.0.113.9</b>. If you are \
            attempting to connect, please add your IP address in whitelist or disable whitelist \
            mode in config.yaml in root of SillyTavern folder.";
        let a = run(rule, |_| http(403, body));
        assert!(a.identified());
        assert_eq!(a.auth(), AuthVerdict::Required);
        // A bare 403 from anything else names nothing.
        let other = run(rule, |_| http(403, "Forbidden"));
        assert!(!other.identified());
    }

    #[test]
    fn a_canary_answer_that_satisfies_the_rule_is_a_contradiction() {
        let set = builtin_rules().unwrap();
        let ollama = set.get("ollama").unwrap();
        let blob = r#"{"version":"0.1.32","models":[{"name":"llama3:8b"}]}"#;
        // The banner is the gate; past it, the honeypot answers every
        // path with the same document.
        let honeypot = run(ollama, |req| match path(req) {
            "/" => http(200, "Ollama is running"),
            _ => http(200, blob),
        });
        let canary = http(200, blob).unwrap();
        let e = honeypot
            .canary_contradiction("GET /aimap-canary-1", &canary)
            .expect("contradiction");
        assert!(e.excerpt.contains("probe(s) version, models"), "{e:?}");
        // A real server's 404, or an SPA's page, satisfies no identifying probe.
        let real = run(ollama, |req| match path(req) {
            "/" => http(200, "Ollama is running"),
            "/api/version" => http(200, r#"{"version":"0.1.32"}"#),
            "/api/tags" => http(200, r#"{"models":[]}"#),
            _ => http(404, "404 page not found"),
        });
        for answer in [
            http(404, "404 page not found"),
            http(200, "<html>app</html>"),
        ] {
            assert!(real
                .canary_contradiction("GET /x", &answer.unwrap())
                .is_none());
        }
        // A login wall answers every path with the product's challenge.
        let mlflow = set.get("mlflow").unwrap();
        let challenge = || {
            Some(Response::new(
                Some(401),
                vec![("WWW-Authenticate".into(), r#"Basic realm="mlflow""#.into())],
                b"You are not authenticated.".to_vec(),
                false,
            ))
        };
        let locked = run(mlflow, |_| challenge());
        assert!(locked.identified());
        assert!(locked
            .canary_contradiction("GET /x", &challenge().unwrap())
            .is_none());
        // Fooling one probe is not enough when the others still identify.
        let banner_everywhere = http(200, "Ollama is running").unwrap();
        assert!(real
            .canary_contradiction("GET /x", &banner_everywhere)
            .is_none());
    }

    /// A two-capability rule: inference open or refused, admin open or
    /// refused, a host check, and a claimable onboarding probe.
    const SPLIT: &str = r#"
id = "split"
product = "Split"
ports = [9]
transport = "http"
exposure_severity = "high"
risk = "r"
remediation = "m"
claim_remediation = "finish onboarding"
host_check = [{ status = [403] }, { body_regex = 'Invalid Host' }]
[[probes]]
name = "models"
request = { path = "/v1/models" }
identify = 1
capability = "inference"
auth = "none"
matchers = [{ status = [200] }, { body_regex = 'models' }]
refused = [{ status = [401] }]
[[probes]]
name = "admin"
request = { path = "/admin" }
capability = "admin"
auth = "none"
matchers = [{ status = [200] }, { body_regex = 'users' }]
refused = [{ status = [401] }]
[[probes]]
name = "config"
request = { path = "/config" }
auth = "claimable"
matchers = [{ status = [200] }, { body_regex = '"onboarding":\s*true' }]
"#;

    fn split() -> Rule {
        crate::load::load_str("split.toml", SPLIT).unwrap()
    }

    #[test]
    fn open_inference_and_refused_admin_is_partial_not_required() {
        let rule = split();
        let a = run(&rule, |req| match path(req) {
            "/v1/models" => http(200, r#"{"models":[]}"#),
            _ => http(401, "no"),
        });
        assert_eq!(a.auth(), AuthVerdict::Partial);
        let caps = a.capabilities();
        assert_eq!(caps[&Capability::Inference].auth, AuthVerdict::None);
        assert_eq!(caps[&Capability::Admin].auth, AuthVerdict::Required);
        assert!(a.claim_evidence().is_none());
        // Everything sensitive refused: only then is it required.
        let a = run(&rule, |_| http(401, "no"));
        assert_eq!(a.auth(), AuthVerdict::Required);
    }

    #[test]
    fn a_host_check_is_asked_again_with_localhost_and_never_refuses() {
        let rule = split();
        let mut hosts = Vec::new();
        let a = run(&rule, |req| {
            let Request::Http { headers, path, .. } = req else {
                return None;
            };
            let host = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("host"))
                .map(|(_, v)| v.clone());
            hosts.push((path.clone(), host.clone()));
            match (host.as_deref(), path.as_str()) {
                (Some("localhost"), "/v1/models") => http(200, r#"{"models":[]}"#),
                (Some("localhost"), _) => http(404, "none"),
                _ => http(403, "Invalid Host header"),
            }
        });
        assert!(a.passed_host_check(), "{hosts:?}");
        assert_eq!(
            a.capabilities()[&Capability::Inference].auth,
            AuthVerdict::None
        );
        // The 403s were a host check, not a refusal: admin stays unproven.
        assert_ne!(a.auth(), AuthVerdict::Required);
        assert!(
            hosts.iter().any(|(_, h)| h.as_deref() == Some("localhost")),
            "{hosts:?}"
        );
    }

    #[test]
    fn onboarding_is_claimable() {
        let rule = split();
        let a = run(&rule, |req| match path(req) {
            "/config" => http(200, r#"{"onboarding": true}"#),
            _ => http(401, "no"),
        });
        assert!(a.claim_evidence().is_some());
        assert_eq!(a.capabilities()[&Capability::Admin].auth, AuthVerdict::None);
    }
}
