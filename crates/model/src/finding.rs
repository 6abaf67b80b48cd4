use serde::{Deserialize, Serialize};

use crate::Severity;

/// What sort of problem a finding describes. Scan, inventory and audit all
/// share this list so reporters and the store never special-case a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A service answers without credentials, or is reachable where it should not be.
    Exposure,
    /// A component matches a known vulnerability.
    Vulnerability,
    /// A configuration that weakens security.
    Misconfiguration,
    /// A model file that can run code when loaded.
    UnsafeModel,
    /// Worth knowing, not a problem by itself.
    Informational,
}

impl FindingKind {
    pub const ALL: [FindingKind; 5] = [
        Self::Exposure,
        Self::Vulnerability,
        Self::Misconfiguration,
        Self::UnsafeModel,
        Self::Informational,
    ];

    /// The serialised name (`unsafe-model`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exposure => "exposure",
            Self::Vulnerability => "vulnerability",
            Self::Misconfiguration => "misconfiguration",
            Self::UnsafeModel => "unsafe-model",
            Self::Informational => "informational",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a finding is about. Serialised as a tagged object so consumers can
/// switch on `type` without guessing from field names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Subject {
    /// A network service: the address and port that answered.
    Service {
        host: String,
        port: u16,
        service: String,
    },
    /// A software component, named by package URL.
    Component { purl: String },
    /// A place in a file: the line to change.
    File {
        path: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<u32>,
    },
}

impl Subject {
    /// A short stable key: together with the finding id it identifies a
    /// finding across runs.
    pub fn key(&self) -> String {
        match self {
            Self::Service { host, port, .. } => format!("{}:{port}", bracket_v6(host)),
            Self::Component { purl } => purl.clone(),
            Self::File { path, line, .. } => match line {
                Some(line) => format!("{path}:{line}"),
                None => path.clone(),
            },
        }
    }
}

fn bracket_v6(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// One problem, from any stage of aimap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule or advisory id, stable across runs (`ollama-unauthenticated`, `GO-2024-2901`).
    pub id: String,
    pub kind: FindingKind,
    pub severity: Severity,
    pub title: String,
    /// Why it matters, in a sentence or two.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub subject: Subject,
    /// What was observed, quoted from the target or file (bounded, redacted where needed).
    pub evidence: String,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
}

impl Finding {
    /// The rule on the subject's address, line included (`privileged@compose.yaml:7`):
    /// what SARIF's `partialFingerprints` and the Markdown history show.
    /// Not an identity across edits; see [`Finding::identity`].
    pub fn fingerprint(&self) -> String {
        format!("{}@{}", self.id, self.subject.key())
    }

    /// What makes this finding the same finding in another run, and the
    /// key the store, `diff`, `watch` and audit baselines all use: the rule
    /// and what it is about, never where in a file it was written.
    ///
    /// * a service: the rule at its address and port (`redis-unauthenticated@127.0.0.1:6379`);
    /// * a component: the advisory on its package URL (`GO-2024-2901@pkg:golang/…@v1.2.3`);
    /// * a place in a file: the rule, the file and the value it judged
    ///   (`privileged@compose.yaml#privileged: true`). Audit evidence is
    ///   the resolved setting (`cap_add: SYS_ADMIN`, `volume /var/run/docker.sock`),
    ///   so inserting lines above it, or reformatting around it, keeps the
    ///   identity, while changing the value makes it another finding.
    ///
    /// Two findings of one rule on one file with the same value (two
    /// privileged services) share an identity; whoever stores them numbers
    /// the repeats (`#2`) in report order.
    pub fn identity(&self) -> String {
        match &self.subject {
            Subject::File { path, .. } => format!("{}@{}#{}", self.id, path, self.evidence),
            other => format!("{}@{}", self.id, other.key()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_keys_are_stable_and_bracket_ipv6() {
        let v4 = Subject::Service {
            host: "127.0.0.1".into(),
            port: 6379,
            service: "redis".into(),
        };
        let v6 = Subject::Service {
            host: "::1".into(),
            port: 11434,
            service: "ollama".into(),
        };
        assert_eq!(v4.key(), "127.0.0.1:6379");
        assert_eq!(v6.key(), "[::1]:11434");
        let file = Subject::File {
            path: "compose.yaml".into(),
            line: Some(7),
            column: None,
        };
        assert_eq!(file.key(), "compose.yaml:7");
    }

    fn config_finding(line: u32, evidence: &str) -> Finding {
        Finding {
            id: "privileged".into(),
            kind: FindingKind::Misconfiguration,
            severity: Severity::High,
            title: "t".into(),
            description: String::new(),
            subject: Subject::File {
                path: "compose.yaml".into(),
                line: Some(line),
                column: Some(5),
            },
            evidence: evidence.into(),
            remediation: "r".into(),
            references: Vec::new(),
        }
    }

    #[test]
    fn identity_ignores_where_in_the_file_but_not_what() {
        let here = config_finding(7, "privileged: true");
        let moved = config_finding(19, "privileged: true");
        assert_eq!(here.identity(), moved.identity());
        assert_eq!(here.identity(), "privileged@compose.yaml#privileged: true");
        assert_ne!(here.fingerprint(), moved.fingerprint(), "the address moves");
        let other_value = config_finding(7, "cap_add: SYS_ADMIN");
        assert_ne!(here.identity(), other_value.identity());
        let mut other_file = here.clone();
        other_file.subject = Subject::File {
            path: "other/compose.yaml".into(),
            line: Some(7),
            column: None,
        };
        assert_ne!(here.identity(), other_file.identity());
        let mut other_rule = here.clone();
        other_rule.id = "host-pid".into();
        assert_ne!(here.identity(), other_rule.identity());
    }

    #[test]
    fn identity_of_services_and_components_is_rule_at_subject() {
        let mut f = config_finding(1, "anything");
        f.id = "redis-unauthenticated".into();
        f.subject = Subject::Service {
            host: "::1".into(),
            port: 6379,
            service: "redis".into(),
        };
        assert_eq!(f.identity(), "redis-unauthenticated@[::1]:6379");
        f.id = "GO-2024-2901".into();
        f.subject = Subject::Component {
            purl: "pkg:golang/github.com/ollama/ollama@v0.1.32".into(),
        };
        assert_eq!(
            f.identity(),
            "GO-2024-2901@pkg:golang/github.com/ollama/ollama@v0.1.32"
        );
        // Evidence (which may quote a changing banner) is no part of it.
        let mut g = f.clone();
        g.evidence = "different".into();
        assert_eq!(f.identity(), g.identity());
    }

    #[test]
    fn kind_names_match_serde() {
        for k in FindingKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(FindingKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn subject_serialises_with_a_type_tag() {
        let s = Subject::File {
            path: "a".into(),
            line: None,
            column: None,
        };
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"type":"file","path":"a"}"#
        );
    }
}
