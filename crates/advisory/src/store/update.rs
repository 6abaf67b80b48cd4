//! `aimap db update`: download OSV ecosystem exports and import them.

use std::time::Duration;

use serde::Serialize;

use super::{ImportReport, Store};
use crate::error::{Error, Result};

/// Where OSV publishes one `all.zip` per ecosystem.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// The largest export we download (PyPI's is tens of MiB, Debian's more).
pub const MAX_DOWNLOAD_BYTES: u64 = 1 << 30;

/// The outcome per ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcosystemUpdate {
    pub ecosystem: String,
    pub url: String,
    pub bytes: u64,
    /// The import, or why the download failed.
    pub result: std::result::Result<ImportReport, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateReport {
    pub ecosystems: Vec<EcosystemUpdate>,
}

impl UpdateReport {
    /// True when every ecosystem downloaded and imported.
    pub fn ok(&self) -> bool {
        self.ecosystems.iter().all(|e| e.result.is_ok())
    }
}

pub(super) fn run(store: &Store, ecosystems: &[&str], base_url: &str) -> Result<UpdateReport> {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_global(Some(Duration::from_secs(900)))
        .http_status_as_error(false)
        .user_agent(concat!("aimap/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut report = UpdateReport::default();
    for eco in ecosystems {
        let url = format!(
            "{}/{}/all.zip",
            base_url.trim_end_matches('/'),
            encode_segment(eco)
        );
        let (bytes, result) = match download(&agent, &url) {
            Ok(body) => {
                let len = body.len() as u64;
                // A store error (disk full) stops the whole update: later
                // ecosystems would fail the same way.
                (len, Ok(store.import_download(&url, &body)?))
            }
            Err(e) => (0, Err(e.to_string())),
        };
        report.ecosystems.push(EcosystemUpdate {
            ecosystem: eco.to_string(),
            url,
            bytes,
            result,
        });
    }
    Ok(report)
}

fn download(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>> {
    let err = |reason: String| Error::Download {
        url: url.to_string(),
        reason,
    };
    let mut response = agent.get(url).call().map_err(|e| err(e.to_string()))?;
    let status = response.status();
    if status != 200 {
        return Err(err(format!("HTTP {}", status.as_u16())));
    }
    response
        .body_mut()
        .with_config()
        .limit(MAX_DOWNLOAD_BYTES)
        .read_to_vec()
        .map_err(|e| err(e.to_string()))
}

/// Percent-encodes what may not appear raw in a path segment (ecosystem
/// names contain spaces and colons: `Red Hat`, `Debian:12`).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("crates.io"), "crates.io");
        assert_eq!(encode_segment("Red Hat"), "Red%20Hat");
        assert_eq!(encode_segment("../x"), "..%2Fx");
    }
}
