//! The AI-BOM of a scan as SPDX 2.3 JSON: a root package for what was
//! scanned, which CONTAINS one package per service found (its product
//! purl, endpoint and auth verdict) and each service DEPENDS_ON the
//! models it listed. Matched advisories are SECURITY external references
//! of the service's package. SPDX 2.3 has no service element, so the
//! endpoint and verdicts are the package's comment.
use aimap_model::{ScanReport, Service};

use super::spdx::{CreationInfo, Doc, ExternalRef, Package, Relationship};
use super::uuid_from;

/// SPDX ids allow letters, digits, `.` and `-` only.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect()
}

fn package(
    spdx_id: String,
    name: String,
    version: Option<String>,
    purpose: &'static str,
) -> Package {
    Package {
        spdx_id,
        name,
        version_info: version,
        download_location: "NOASSERTION",
        files_analyzed: false,
        license_concluded: "NOASSERTION",
        license_declared: "NOASSERTION",
        copyright_text: "NOASSERTION",
        primary_package_purpose: purpose,
        checksums: Vec::new(),
        external_refs: Vec::new(),
        source_info: None,
        comment: None,
    }
}

fn verdicts(s: &Service) -> String {
    let caps: Vec<String> = s
        .capabilities
        .iter()
        .map(|(c, a)| format!("{} {}", c.as_str(), a.auth.as_str()))
        .collect();
    let mut text = format!(
        "{} service at {}:{} ({}), auth {}",
        s.service,
        s.host,
        s.port,
        s.transport,
        s.auth.as_str()
    );
    if !caps.is_empty() {
        text.push_str(&format!("; capabilities: {}", caps.join(", ")));
    }
    if let Some(tools) = s.details.get("tools").filter(|t| !t.is_empty()) {
        text.push_str(&format!("; MCP tools: {}", tools.join(", ")));
    }
    text
}

/// SPDX wants `YYYY-MM-DDThh:mm:ssZ`: no fraction of a second.
fn spdx_time(rfc3339: &str) -> String {
    match rfc3339.get(..19) {
        Some(secs) if rfc3339.ends_with('Z') => format!("{secs}Z"),
        _ => rfc3339.to_string(),
    }
}

pub fn write_scan_spdx(report: &ScanReport) -> serde_json::Result<String> {
    let targets = report.targets.join(" ");
    let root_id = "SPDXRef-Root".to_string();
    let mut root = package(
        root_id.clone(),
        format!("AI services on {targets}"),
        None,
        "OTHER",
    );
    root.source_info = Some("aimap scan: services found on the network".into());
    let mut packages = vec![root];
    let mut relationships = vec![Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: root_id.clone(),
    }];
    for (i, s) in report.services.iter().enumerate() {
        let id = format!("SPDXRef-Service-{i}-{}", clean(&s.service));
        let mut p = package(
            id.clone(),
            s.product.clone(),
            s.version.clone(),
            "APPLICATION",
        );
        p.external_refs = s
            .purl
            .iter()
            .map(|purl| ExternalRef {
                reference_category: "PACKAGE-MANAGER",
                reference_type: "purl",
                reference_locator: purl.clone(),
            })
            .chain(s.vulnerabilities.iter().map(|v| ExternalRef {
                reference_category: "SECURITY",
                reference_type: "advisory",
                reference_locator: format!("https://osv.dev/vulnerability/{}", v.id),
            }))
            .collect();
        p.source_info = Some(
            match s.version_source.and_then(|v| serde_json::to_value(v).ok()) {
                Some(serde_json::Value::String(src)) => {
                    format!("found by aimap scan (version from {src})")
                }
                _ => "found by aimap scan".to_string(),
            },
        );
        p.comment = Some(verdicts(s));
        relationships.push(Relationship {
            spdx_element_id: root_id.clone(),
            relationship_type: "CONTAINS",
            related_spdx_element: id.clone(),
        });
        packages.push(p);
        let mut seen: Vec<&String> = Vec::new();
        for (j, m) in s.details.get("models").into_iter().flatten().enumerate() {
            if seen.contains(&m) {
                continue;
            }
            seen.push(m);
            let model_id = format!("SPDXRef-Model-{i}-{j}-{}", clean(m));
            let mut mp = package(model_id.clone(), m.clone(), None, "OTHER");
            mp.comment = Some(format!(
                "machine-learning model served by {} at {}:{}",
                s.product, s.host, s.port
            ));
            packages.push(mp);
            relationships.push(Relationship {
                spdx_element_id: id.clone(),
                relationship_type: "DEPENDS_ON",
                related_spdx_element: model_id,
            });
        }
    }
    let uuid = uuid_from(&[&targets, &report.started_at, "scan-spdx"]);
    let d = Doc {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: format!("aimap scan of {targets}"),
        document_namespace: format!("https://aimap.invalid/spdx/{uuid}"),
        creation_info: CreationInfo {
            created: spdx_time(&report.finished_at),
            creators: vec![format!("Tool: aimap-{}", report.aimap_version)],
        },
        document_describes: vec![root_id],
        packages,
        relationships,
    };
    serde_json::to_string_pretty(&d)
}
