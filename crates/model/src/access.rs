//! What an unauthenticated client can do on a service, capability by
//! capability, and the one service-level verdict derived from it.
//!
//! Real servers guard routes one by one (vLLM's `--api-key` covers some
//! path prefixes only, Triton restricts API groups one at a time), so a
//! single refusal proves little: each capability a rule knows is judged on
//! its own probes, and the service's `auth` is computed from the matrix,
//! never guessed.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Evidence;

/// Whether a service gave something away without credentials. Never
/// guessed: `None` needs an answer that only an open server gives,
/// `Required` needs the server to refuse for lack of credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthVerdict {
    /// Open without credentials (for a service: every sensitive
    /// capability probed that was settled is open).
    None,
    /// A service only: some sensitive capability is open while another
    /// refuses. Never the verdict of one capability.
    Partial,
    /// The server demanded credentials (for a service: every sensitive
    /// capability settled refused).
    Required,
    /// Neither was proven.
    Unknown,
}

impl AuthVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Partial => "partial",
            Self::Required => "required",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Partial, Self::Required, Self::Unknown]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// How much it gives away, for diffs: `none` > `partial` > `unknown` >
    /// `required`. A move up this order is a worsening.
    pub fn openness(self) -> u8 {
        match self {
            Self::None => 3,
            Self::Partial => 2,
            Self::Unknown => 1,
            Self::Required => 0,
        }
    }
}

/// One thing a client can do on a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// Run a model (generate, embed, infer).
    Inference,
    /// Read what the service holds: models, collections, documents,
    /// experiments, jobs, keys.
    Data,
    /// Change it: configuration, users, models, files, code execution.
    Admin,
    /// Read operational metrics and statistics.
    Metrics,
}

impl Capability {
    pub const ALL: [Capability; 4] = [Self::Inference, Self::Data, Self::Admin, Self::Metrics];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inference => "inference",
            Self::Data => "data",
            Self::Admin => "admin",
            Self::Metrics => "metrics",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether an open instance of it is an exposure on its own. Metrics
    /// count only on a service that offers nothing else (an exporter).
    pub fn sensitive(self) -> bool {
        !matches!(self, Self::Metrics)
    }
}

/// The verdict on one capability and the exchange that proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityAccess {
    /// `none`, `required` or `unknown` (never `partial`).
    pub auth: AuthVerdict,
    /// The answer that settled it; absent when `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// The capability matrix of one service.
pub type Capabilities = BTreeMap<Capability, CapabilityAccess>;

/// The service-level verdict of a matrix: over the sensitive capabilities
/// (over all of them when the service offers none), `partial` when one is
/// open and another refuses, `none` when some are open and none refuse,
/// `required` when some refuse and none are open, else `unknown`.
/// Unsettled capabilities neither open nor close a service.
pub fn service_verdict(caps: &Capabilities) -> AuthVerdict {
    let sensitive = caps.keys().any(|c| c.sensitive());
    let settled = caps
        .iter()
        .filter(|(c, _)| c.sensitive() || !sensitive)
        .map(|(_, a)| a.auth);
    let (mut open, mut refused) = (false, false);
    for v in settled {
        open |= v == AuthVerdict::None;
        refused |= v == AuthVerdict::Required;
    }
    match (open, refused) {
        (true, true) => AuthVerdict::Partial,
        (true, false) => AuthVerdict::None,
        (false, true) => AuthVerdict::Required,
        (false, false) => AuthVerdict::Unknown,
    }
}

/// The capabilities open without credentials, in order.
pub fn open_capabilities(caps: &Capabilities) -> impl Iterator<Item = Capability> + '_ {
    caps.iter()
        .filter(|(_, a)| a.auth == AuthVerdict::None)
        .map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(entries: &[(Capability, AuthVerdict)]) -> Capabilities {
        entries
            .iter()
            .map(|(c, v)| {
                (
                    *c,
                    CapabilityAccess {
                        auth: *v,
                        evidence: None,
                    },
                )
            })
            .collect()
    }

    use AuthVerdict as V;
    use Capability as C;

    #[test]
    fn one_open_and_one_refused_is_partial() {
        let m = matrix(&[(C::Inference, V::None), (C::Admin, V::Required)]);
        assert_eq!(service_verdict(&m), V::Partial);
    }

    #[test]
    fn required_needs_every_settled_sensitive_capability_refused() {
        let m = matrix(&[(C::Data, V::Required), (C::Inference, V::Unknown)]);
        assert_eq!(service_verdict(&m), V::Required);
        let m = matrix(&[(C::Data, V::Required), (C::Metrics, V::None)]);
        assert_eq!(
            service_verdict(&m),
            V::Required,
            "open metrics do not open a guarded server"
        );
    }

    #[test]
    fn metrics_alone_decide_an_exporter() {
        assert_eq!(service_verdict(&matrix(&[(C::Metrics, V::None)])), V::None);
        assert_eq!(service_verdict(&matrix(&[])), V::Unknown);
        assert_eq!(
            service_verdict(&matrix(&[(C::Data, V::Unknown)])),
            V::Unknown
        );
    }

    #[test]
    fn names_round_trip_and_openness_orders() {
        for c in Capability::ALL {
            assert_eq!(Capability::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for v in [V::None, V::Partial, V::Required, V::Unknown] {
            assert_eq!(AuthVerdict::parse(v.as_str()), Some(v));
        }
        assert!(V::None.openness() > V::Partial.openness());
        assert!(V::Partial.openness() > V::Unknown.openness());
        assert!(V::Unknown.openness() > V::Required.openness());
    }
}
