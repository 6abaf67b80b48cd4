//! Identify the service on one open port: run every candidate rule through
//! the transport layer, send each distinct request once, and pick the
//! strongest match (never the first half-match).
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;

use aimap_model::{Confidence, Evidence, Label, Service, TlsInfo};
use aimap_rules::{assess, Assessment, Request, Response, Rule, RuleSet, Transport};
use tracing::debug;

use crate::contradiction;
use crate::findings;
use crate::transport::{
    grpc_exchange, http_exchange, mcp_exchange, mongodb_exchange, postgres_exchange, resp_exchange,
    tcp_exchange, tls_connector, Limits, TlsConnector, TransportError,
};

/// The most requests sent to one port, whatever the rules ask.
/// On a port some rule claims, few rules compete.
const MAX_REQUESTS_PER_PORT: usize = 48;
/// On an unclaimed port every rule is tried; distinct requests are shared
/// between rules (about 90 across all built-in rules), so this still bounds
/// the work while giving every rule its chance.
const MAX_REQUESTS_UNCLAIMED_PORT: usize = 160;

/// What one open port turned out to be.
#[derive(Debug)]
pub enum Identification {
    Service(Box<Service>),
    /// Open, but no rule recognised it.
    Unidentified,
}

/// Shared, immutable fingerprinting context.
pub struct Fingerprinter {
    rules: Arc<RuleSet>,
    limits: Limits,
    tls: TlsConnector,
    /// A path no product serves, fresh per scan, asked once of every
    /// identified HTTP service: an answer that satisfies the rule's own
    /// probes means the server answers everything alike.
    canary: Request,
}

impl Fingerprinter {
    pub fn new(rules: Arc<RuleSet>, limits: Limits) -> Self {
        Self {
            rules,
            limits,
            tls: tls_connector(),
            canary: contradiction::canary_request(),
        }
    }

    /// Identify what listens on `addr`. `host` is the name used in Host
    /// headers and SNI (the hostname the user typed, or the address).
    pub async fn identify(&self, addr: SocketAddr, host: &str) -> Identification {
        let mut session = Session {
            fp: self,
            addr,
            host,
            cache: HashMap::new(),
            http: HttpMode::Unknown { failures: 0 },
            tls_info: None,
            dead: HashSet::new(),
            sent: 0,
            budget: MAX_REQUESTS_PER_PORT,
        };
        let candidates = self.rules.candidates(addr.port());
        if !self
            .rules
            .rules()
            .iter()
            .any(|r| r.ports.contains(&addr.port()))
        {
            session.budget = MAX_REQUESTS_UNCLAIMED_PORT;
        }
        // Every rule that identified the port, with its place in the
        // candidate order (the last tie-breaker).
        let mut identified: Vec<(Assessment<'_>, usize)> = Vec::new();
        // Transports in the order the candidates need them; once one
        // transport identifies the service, others are not tried, so an
        // HTTP server is not also sent Redis commands.
        let mut transports: Vec<Transport> = Vec::new();
        for r in &candidates {
            if !transports.contains(&r.transport) {
                transports.push(r.transport);
            }
        }
        transports.sort_by_key(|t| match t {
            // MCP speaks HTTP too, but a whole handshake per path: only
            // when no plain HTTP rule recognised the port.
            Transport::Http => 0,
            Transport::Mcp => 1,
            Transport::Grpc => 2,
            Transport::Resp => 3,
            Transport::Postgres => 4,
            Transport::Mongodb => 5,
            Transport::Tcp => 6,
        });
        for transport in transports {
            for (order, rule) in candidates
                .iter()
                .enumerate()
                .filter(|(_, r)| r.transport == transport)
            {
                let a = session.run(rule).await;
                debug!(%addr, rule = %rule.id, score = a.score, identified = a.identified(), "assessed");
                if a.identified() {
                    identified.push((a, order));
                }
            }
            if !identified.is_empty() {
                break;
            }
        }
        let Some(best) = (0..identified.len()).reduce(|b, i| {
            let (a, ao) = &identified[i];
            let (bb, bo) = &identified[b];
            if stronger(a, *ao, bb, *bo) {
                i
            } else {
                b
            }
        }) else {
            return Identification::Unidentified;
        };
        let (best, _) = identified.swap_remove(best);
        let mut reasons = best.contradictions();
        reasons.extend(contradiction::also_identified(
            &best,
            identified.iter().map(|(a, _)| a),
        ));
        if best.rule.transport == Transport::Http {
            if let Some(canary) = session.canary().await {
                let request = self.canary.to_string();
                reasons.extend(best.canary_contradiction(&request, &canary));
            }
        }
        Identification::Service(Box::new(session.service(&best, reasons)))
    }
}

/// HTTP and MCP (HTTP underneath) share what the port was found to speak.
async fn http_like(
    addr: SocketAddr,
    host: &str,
    tls: Option<&TlsConnector>,
    req: &Request,
    limits: Limits,
) -> Result<(Response, Option<TlsInfo>), TransportError> {
    match req {
        Request::Mcp { .. } => mcp_exchange(addr, host, tls, req, &limits).await,
        _ => http_exchange(addr, host, tls, req, &limits).await,
    }
}

/// Higher score wins; then more matched probes; then rule order.
fn stronger(a: &Assessment<'_>, a_order: usize, b: &Assessment<'_>, b_order: usize) -> bool {
    (a.score, a.matched_probes(), std::cmp::Reverse(a_order))
        > (b.score, b.matched_probes(), std::cmp::Reverse(b_order))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HttpMode {
    Unknown { failures: u8 },
    Plain,
    Tls,
    Broken,
}

/// Per-port state: answers already received, and what the port speaks.
struct Session<'a> {
    fp: &'a Fingerprinter,
    addr: SocketAddr,
    host: &'a str,
    cache: HashMap<Request, Option<Arc<Response>>>,
    http: HttpMode,
    tls_info: Option<TlsInfo>,
    /// Transports that timed out here: a silent port is not asked again.
    dead: HashSet<Transport>,
    sent: usize,
    /// Most requests this port gets.
    budget: usize,
}

impl<'a> Session<'a> {
    async fn run<'r>(&mut self, rule: &'r Rule) -> Assessment<'r> {
        let mut a = assess(rule);
        while let Some(req) = a.next_request() {
            let response = self.fetch(req, rule.transport).await;
            a.feed(response.as_deref());
        }
        a
    }

    /// The answer to the scan's canary path, outside the request budget
    /// (one request, only for a port some rule identified).
    async fn canary(&mut self) -> Option<Arc<Response>> {
        self.budget += 1;
        let canary = self.fp.canary.clone();
        self.fetch(&canary, Transport::Http).await
    }

    async fn fetch(&mut self, req: &Request, transport: Transport) -> Option<Arc<Response>> {
        if let Some(hit) = self.cache.get(req) {
            return hit.clone();
        }
        // A port that let an HTTP request time out is neither an h2c gRPC
        // server (which answers a bad preface with GOAWAY) nor a mongod
        // (which answers HTTP with a plain-text notice): do not wait on it
        // once more for each.
        let silent_to_http = matches!(transport, Transport::Grpc | Transport::Mongodb)
            && self.dead.contains(&Transport::Http);
        let answer = if self.dead.contains(&transport) || silent_to_http || self.sent >= self.budget
        {
            None
        } else {
            self.sent += 1;
            let result = self.perform(req, transport).await;
            match &result {
                Ok(r) => {
                    debug!(addr = %self.addr, request = %req, status = ?r.status, bytes = r.body.len(), excerpt = %r.excerpt(120), "exchange")
                }
                Err(e) => debug!(addr = %self.addr, request = %req, error = %e, "exchange failed"),
            }
            if let Err(TransportError::Timeout(_) | TransportError::Connect { .. }) = result {
                self.dead.insert(transport);
            }
            result.ok().map(Arc::new)
        };
        self.cache.insert(req.clone(), answer.clone());
        answer
    }

    async fn perform(
        &mut self,
        req: &Request,
        transport: Transport,
    ) -> Result<Response, TransportError> {
        let limits = &self.fp.limits;
        match transport {
            Transport::Resp => resp_exchange(self.addr, req, limits).await,
            Transport::Tcp => tcp_exchange(self.addr, req, limits).await,
            Transport::Postgres => postgres_exchange(self.addr, &self.fp.tls, req, limits).await,
            Transport::Mongodb => mongodb_exchange(self.addr, req, limits).await,
            Transport::Grpc => grpc_exchange(self.addr, self.host, req, limits).await,
            Transport::Http | Transport::Mcp => self.perform_http(req).await,
        }
    }

    /// Plain HTTP first; if the port does not speak it, try TLS once and
    /// stick with whichever worked.
    async fn perform_http(&mut self, req: &Request) -> Result<Response, TransportError> {
        let limits = self.fp.limits;
        let tls = &self.fp.tls;
        let (addr, host) = (self.addr, self.host);
        let exchange = |tls| http_like(addr, host, tls, req, limits);
        match self.http {
            HttpMode::Plain => Ok(exchange(None).await?.0),
            HttpMode::Tls => Ok(exchange(Some(tls)).await?.0),
            HttpMode::Broken => Err(TransportError::protocol("http", "port does not speak HTTP")),
            HttpMode::Unknown { failures } => {
                let plain = exchange(None).await;
                let err = match plain {
                    Ok((r, _)) => {
                        self.http = HttpMode::Plain;
                        return Ok(r);
                    }
                    Err(e @ (TransportError::Timeout(_) | TransportError::Connect { .. })) => {
                        return Err(e)
                    }
                    Err(e) => e,
                };
                match exchange(Some(tls)).await {
                    Ok((r, info)) => {
                        self.http = HttpMode::Tls;
                        self.tls_info = info;
                        Ok(r)
                    }
                    Err(_) => {
                        self.http = if failures >= 1 {
                            HttpMode::Broken
                        } else {
                            HttpMode::Unknown {
                                failures: failures + 1,
                            }
                        };
                        Err(err)
                    }
                }
            }
        }
    }

    /// The service `a` identified; `reasons` are the contradictions found
    /// (each becomes evidence, and any marks it contradictory).
    fn service(&self, a: &Assessment<'_>, reasons: Vec<Evidence>) -> Service {
        let rule = a.rule;
        let transport = match (rule.transport, self.http) {
            (Transport::Http | Transport::Mcp, HttpMode::Tls) => "https",
            (Transport::Mcp, _) => "http",
            (t, _) => t.as_str(),
        };
        let resolved = a.resolved_version();
        let (version, version_source) = match &resolved.version {
            Some((v, s)) => (Some(v.clone()), Some(*s)),
            None => (None, None),
        };
        let mut labels = Vec::new();
        if !reasons.is_empty() {
            labels.push(Label::Contradictory);
        }
        if a.passed_host_check() {
            labels.push(Label::HostCheck);
        }
        if a.claim_evidence().is_some() {
            labels.push(Label::Claimable);
        }
        let note = resolved.note.map(|n| Evidence {
            probe: "version".into(),
            request: "version reading".into(),
            status: None,
            excerpt: n,
        });
        let mut service = Service {
            host: self.addr.ip().to_string(),
            port: self.addr.port(),
            service: rule.id.clone(),
            product: rule.product.clone(),
            purl: rule.purl.as_ref().map(|p| match &version {
                Some(v) => format!("{p}@{v}"),
                None => p.clone(),
            }),
            version,
            version_source,
            version_candidates: resolved.candidates,
            confidence: if reasons.is_empty() {
                Confidence::High
            } else {
                Confidence::Low
            },
            labels,
            auth: a.auth(),
            capabilities: a.capabilities(),
            transport: transport.to_string(),
            tls: if transport == "https" {
                self.tls_info.clone()
            } else {
                None
            },
            details: a.details.clone(),
            evidence: a
                .evidence
                .iter()
                .cloned()
                .chain(note)
                .chain(reasons)
                .collect(),
            findings: Vec::new(),
            vulnerabilities: Vec::new(),
            possible_vulnerabilities: Vec::new(),
        };
        service
            .findings
            .extend(findings::exposure(rule, &service, a.claim_evidence()));
        service
    }
}
