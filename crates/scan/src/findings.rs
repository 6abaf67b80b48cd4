//! Turn what fingerprinting proved into findings.
use aimap_model::{AuthVerdict, Evidence, Finding, FindingKind, Service, Subject};
use aimap_rules::Rule;

/// The exposure finding for a service that served data without credentials.
/// Nothing else is a finding here: a service that demands credentials is
/// listed, not flagged, and an unproven one is never guessed into a finding.
pub(crate) fn exposure(
    rule: &Rule,
    service: &Service,
    proof: Option<&Evidence>,
) -> Option<Finding> {
    if service.auth != AuthVerdict::None {
        return None;
    }
    let proof = proof?;
    let status = proof.status.map(|s| format!(" → {s}")).unwrap_or_default();
    Some(Finding {
        id: format!("{}-unauthenticated", rule.id),
        kind: FindingKind::Exposure,
        severity: rule.exposure_severity,
        title: format!("{} answers without authentication", rule.product),
        description: rule.risk.clone(),
        subject: Subject::Service {
            host: service.host.clone(),
            port: service.port,
            service: service.service.clone(),
        },
        evidence: format!("{}{status}: {}", proof.request, proof.excerpt),
        remediation: rule.remediation.clone(),
        references: rule.references.clone(),
    })
}
