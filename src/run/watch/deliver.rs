//! Where alerts go: stdout (JSON lines, always), a webhook (signed JSON,
//! retried with backoff, nothing dropped while the watch runs) and syslog
//! (RFC 5424, Unix datagram socket or UDP).
use std::collections::VecDeque;
use std::io::Write;
use std::time::{Duration, Instant};

use aimap_model::Severity;
use anyhow::{bail, Context, Result};
use hmac::{KeyInit, Mac};
use serde::Serialize;
use tracing::{info, warn};

use super::alerts::Alert;

/// A batch of alerts waiting for the webhook.
struct Pending {
    delivery: String,
    body: Vec<u8>,
    attempts: u32,
    next_try: Instant,
}

pub struct Webhook {
    url: String,
    secret: Option<String>,
    agent: ureq::Agent,
    outbox: VecDeque<Pending>,
    sequence: u64,
    /// Unique per watch process, so delivery ids never repeat.
    instance: String,
}

#[derive(Serialize)]
struct Body<'a> {
    aimap_version: &'a str,
    delivery: &'a str,
    alerts: &'a [Alert],
}

impl Webhook {
    pub fn new(url: &str, secret: Option<String>) -> Result<Self> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("--webhook must be an http:// or https:// URL");
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .user_agent(concat!("aimap/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Self {
            url: url.to_string(),
            secret,
            agent: ureq::Agent::new_with_config(config),
            outbox: VecDeque::new(),
            sequence: 0,
            instance: aimap_store::new_run_id(),
        })
    }

    /// Queue a batch (nothing happens for an empty one).
    pub fn queue(&mut self, alerts: &[Alert]) -> Result<()> {
        if alerts.is_empty() {
            return Ok(());
        }
        self.sequence += 1;
        let delivery = format!("{}-{}", self.instance, self.sequence);
        let body = serde_json::to_vec(&Body {
            aimap_version: env!("CARGO_PKG_VERSION"),
            delivery: &delivery,
            alerts,
        })?;
        self.outbox.push_back(Pending {
            delivery,
            body,
            attempts: 0,
            next_try: Instant::now(),
        });
        Ok(())
    }

    /// `sha256=<hex>` of the body under the shared secret.
    fn signature(secret: &str, body: &[u8]) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(body);
        let tag = mac.finalize().into_bytes();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256={hex}")
    }

    fn send(agent: &ureq::Agent, url: &str, secret: Option<&str>, p: &Pending) -> Result<()> {
        let mut req = agent
            .post(url)
            .header("Content-Type", "application/json")
            .header("X-Aimap-Delivery", &p.delivery);
        if let Some(secret) = secret {
            req = req.header("X-Aimap-Signature", &Self::signature(secret, &p.body));
        }
        let resp = req.send(&p.body[..]).context("webhook unreachable")?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            bail!("webhook answered {status}");
        }
        Ok(())
    }

    /// Try every batch that is due, oldest first; stop at the first
    /// failure so batches arrive in order. Backoff doubles up to a minute.
    pub fn flush(&mut self) {
        while let Some(p) = self.outbox.front_mut() {
            if p.next_try > Instant::now() {
                return;
            }
            p.attempts += 1;
            let attempt = p.attempts;
            let delivery = p.delivery.clone();
            let result = Self::send(&self.agent, &self.url, self.secret.as_deref(), p);
            match result {
                Ok(()) => {
                    info!(delivery, attempt, "webhook delivered");
                    self.outbox.pop_front();
                }
                Err(e) => {
                    let wait = Duration::from_millis(500) * 2u32.pow(attempt.min(7) - 1);
                    let wait = wait.min(Duration::from_secs(60));
                    warn!(
                        delivery,
                        attempt, "webhook failed ({e:#}); retrying in {wait:?}"
                    );
                    if let Some(p) = self.outbox.front_mut() {
                        p.next_try = Instant::now() + wait;
                    }
                    return;
                }
            }
        }
    }

    /// Keep trying for up to `within` (used when the watch is about to stop).
    pub fn drain(&mut self, within: Duration) {
        let end = Instant::now() + within;
        while !self.outbox.is_empty() && Instant::now() < end {
            self.flush();
            if let Some(p) = self.outbox.front() {
                let nap = p.next_try.saturating_duration_since(Instant::now());
                std::thread::sleep(nap.min(end.saturating_duration_since(Instant::now())));
            }
        }
        if !self.outbox.is_empty() {
            warn!(
                batches = self.outbox.len(),
                "stopping with undelivered webhook batches"
            );
        }
    }
}

/// RFC 5424 messages to a local syslog socket or a UDP collector.
pub struct Syslog {
    target: SyslogTarget,
    hostname: String,
}

enum SyslogTarget {
    Unix(std::os::unix::net::UnixDatagram, std::path::PathBuf),
    Udp(std::net::UdpSocket),
}

impl Syslog {
    pub fn new(spec: &str) -> Result<Self> {
        let target = match spec.strip_prefix("udp://") {
            Some(addr) => {
                let sock = std::net::UdpSocket::bind(if addr.starts_with('[') {
                    "[::]:0"
                } else {
                    "0.0.0.0:0"
                })
                .context("cannot open a UDP socket for syslog")?;
                sock.connect(addr)
                    .with_context(|| format!("cannot reach syslog at {addr}"))?;
                SyslogTarget::Udp(sock)
            }
            None => {
                let sock = std::os::unix::net::UnixDatagram::unbound()
                    .context("cannot open a Unix socket for syslog")?;
                SyslogTarget::Unix(sock, spec.into())
            }
        };
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty() && !h.contains(' '))
            .unwrap_or_else(|| "-".into());
        Ok(Self { target, hostname })
    }

    /// `<PRI>1 TIMESTAMP HOST aimap PID - - JSON`, facility local0.
    pub fn send(&self, a: &Alert) {
        let level = match a.severity {
            Severity::Critical => 2,
            Severity::High => 3,
            Severity::Medium => 4,
            Severity::Low => 5,
            Severity::Info => 6,
        };
        let json = serde_json::to_string(a).unwrap_or_default();
        let msg = format!(
            "<{}>1 {} {} aimap {} {} - {}",
            16 * 8 + level,
            a.at,
            self.hostname,
            std::process::id(),
            a.event,
            json
        );
        let sent = match &self.target {
            SyslogTarget::Unix(sock, path) => sock.send_to(msg.as_bytes(), path).map(|_| ()),
            SyslogTarget::Udp(sock) => sock.send(msg.as_bytes()).map(|_| ()),
        };
        if let Err(e) = sent {
            warn!("syslog: {e}");
        }
    }
}

/// Every alert of a batch to each destination.
pub struct Outputs {
    pub webhook: Option<Webhook>,
    pub syslog: Option<Syslog>,
}

impl Outputs {
    pub fn emit(&mut self, alerts: &[Alert]) -> Result<()> {
        let mut out = std::io::stdout().lock();
        for a in alerts {
            serde_json::to_writer(&mut out, a)?;
            writeln!(out)?;
            if let Some(s) = &self.syslog {
                s.send(a);
            }
        }
        out.flush()?;
        if let Some(w) = &mut self.webhook {
            w.queue(alerts)?;
            w.flush();
        }
        Ok(())
    }

    /// Retry due webhook batches (between cycles).
    pub fn retry(&mut self) {
        if let Some(w) = &mut self.webhook {
            w.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_are_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::Webhook::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
