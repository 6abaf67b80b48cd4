//! Turn what fingerprinting proved into findings: one exposure finding per
//! service that lets an unauthenticated client do something sensitive
//! (naming each open capability and the guarded ones), or one claimable
//! finding when anyone can make themselves its administrator.
use aimap_model::{
    AuthVerdict, Capability, Evidence, Finding, FindingKind, Service, Severity, Subject,
};
use aimap_rules::Rule;

fn subject(service: &Service) -> Subject {
    Subject::Service {
        host: service.host.clone(),
        port: service.port,
        service: service.service.clone(),
    }
}

fn line(e: &Evidence) -> String {
    let status = e.status.map(|s| format!(" → {s}")).unwrap_or_default();
    format!("{}{status}: {}", e.request, e.excerpt)
}

/// `inference, data` for the capabilities whose verdict is `auth`.
fn names(service: &Service, auth: AuthVerdict, only_sensitive: bool) -> Vec<&'static str> {
    service
        .capabilities
        .iter()
        .filter(|(c, a)| a.auth == auth && (!only_sensitive || c.sensitive()))
        .map(|(c, _)| c.as_str())
        .collect()
}

/// The finding for a service an unauthenticated client can use. A service
/// that demands credentials everywhere is listed, not flagged, and an
/// unproven one is never guessed into a finding.
pub(crate) fn exposure(
    rule: &Rule,
    service: &Service,
    claim: Option<&Evidence>,
) -> Option<Finding> {
    if let Some(proof) = claim {
        return Some(claimable(rule, service, proof));
    }
    if !matches!(service.auth, AuthVerdict::None | AuthVerdict::Partial) {
        return None;
    }
    // An exporter (metrics only) is judged on its metrics.
    let sensitive = service.capabilities.keys().any(|c| c.sensitive());
    let open: Vec<(&Capability, &Evidence)> = service
        .capabilities
        .iter()
        .filter(|(c, a)| a.auth == AuthVerdict::None && (c.sensitive() || !sensitive))
        .filter_map(|(c, a)| a.evidence.as_ref().map(|e| (c, e)))
        .collect();
    if open.is_empty() {
        return None;
    }
    let evidence = open
        .iter()
        .map(|(c, e)| format!("{}: {}", c.as_str(), line(e)))
        .collect::<Vec<_>>()
        .join("\n");
    let title = if service.auth == AuthVerdict::Partial {
        format!(
            "{} answers without authentication on part of its API (open: {}; credentials required: {})",
            rule.product,
            names(service, AuthVerdict::None, true).join(", "),
            names(service, AuthVerdict::Required, true).join(", "),
        )
    } else {
        format!("{} answers without authentication", rule.product)
    };
    Some(Finding {
        id: format!("{}-unauthenticated", rule.id),
        kind: FindingKind::Exposure,
        severity: rule.exposure_severity,
        title,
        description: rule.risk.clone(),
        subject: subject(service),
        evidence,
        remediation: rule.remediation.clone(),
        references: rule.references.clone(),
    })
}

fn claimable(rule: &Rule, service: &Service, proof: &Evidence) -> Finding {
    Finding {
        id: format!("{}-claimable", rule.id),
        kind: FindingKind::Exposure,
        severity: Severity::Critical,
        title: format!(
            "{} can be claimed: anyone who reaches it can make themselves its administrator",
            rule.product
        ),
        description: rule.risk.clone(),
        subject: subject(service),
        evidence: line(proof),
        remediation: rule
            .claim_remediation
            .clone()
            .unwrap_or_else(|| rule.remediation.clone()),
        references: rule.references.clone(),
    }
}
