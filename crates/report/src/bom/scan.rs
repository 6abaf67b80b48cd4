//! The AI-BOM of a scan, CycloneDX JSON (1.6 or 1.7): what live AI
//! infrastructure a network holds. Each service found is a CycloneDX
//! `service` (its endpoint, whether it demanded credentials, and aimap's
//! verdict per capability as properties); each model a service listed is a
//! `machine-learning-model` component the service depends on; the tools an
//! MCP server listed are the service's `data`; matched advisories are
//! `vulnerabilities` whose `affects` name the services.
//!
//! Only what the scan read is written: models come from the model lists
//! the probes extracted (`details.models`), tools from `details.tools`,
//! never from guesses.
use std::collections::BTreeMap;

use aimap_model::{AuthVerdict, ScanReport, Service};
use serde::Serialize;

use super::cyclonedx::{prop, vuln, Metadata, Property, Root, Tools, Vuln};
use super::{uuid_from, Vulnerability};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom<'a> {
    bom_format: &'static str,
    spec_version: &'a str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Model>,
    services: Vec<Svc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<Vuln>,
}

#[derive(Serialize)]
struct Svc {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    endpoints: Vec<String>,
    /// `true` only when every sensitive capability refused without
    /// credentials, `false` when some answered; absent when unsettled.
    #[serde(skip_serializing_if = "Option::is_none")]
    authenticated: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    data: Vec<Data>,
    properties: Vec<Property>,
}

/// CycloneDX `serviceData`: one MCP tool the server listed.
#[derive(Serialize)]
struct Data {
    flow: &'static str,
    classification: &'static str,
    name: String,
    description: &'static str,
}

#[derive(Serialize)]
struct Model {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    name: String,
    properties: Vec<Property>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

/// `host:port` with IPv6 in brackets, the form URLs and refs use.
fn authority(s: &Service) -> String {
    if s.host.contains(':') {
        format!("[{}]:{}", s.host, s.port)
    } else {
        format!("{}:{}", s.host, s.port)
    }
}

/// Refs are unique per document: one service per address and port.
pub(super) fn service_ref(s: &Service) -> String {
    format!("service:{}", authority(s))
}

fn model_ref(s: &Service, model: &str) -> String {
    format!("model:{}/{model}", authority(s))
}

fn endpoint(s: &Service) -> String {
    let scheme = match s.transport.as_str() {
        "https" => "https",
        "http" | "mcp" => "http",
        "resp" => "redis",
        other => other,
    };
    format!("{scheme}://{}", authority(s))
}

fn properties(s: &Service) -> Vec<Property> {
    let mut p = vec![prop("service", &s.service), prop("auth", s.auth.as_str())];
    for (cap, access) in &s.capabilities {
        p.push(prop(
            &format!("capability:{}", cap.as_str()),
            access.auth.as_str(),
        ));
    }
    if let Some(purl) = &s.purl {
        p.push(prop("purl", purl));
    }
    if let Some(src) = s.version_source {
        p.push(prop(
            "version-source",
            serde_json::to_value(src)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ));
    }
    for l in &s.labels {
        if let Some(l) = serde_json::to_value(l)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
        {
            p.push(prop("label", l));
        }
    }
    for f in &s.findings {
        p.push(prop(
            "finding",
            format!("{} {}: {}", f.severity.as_str(), f.id, f.title),
        ));
    }
    p
}

fn service(s: &Service) -> Svc {
    let data = s
        .details
        .get("tools")
        .into_iter()
        .flatten()
        .map(|tool| Data {
            flow: "bi-directional",
            classification: "mcp-tool",
            name: tool.clone(),
            description: "a tool this MCP server lists to clients",
        })
        .collect();
    Svc {
        bom_ref: service_ref(s),
        name: s.product.clone(),
        version: s.version.clone(),
        endpoints: vec![endpoint(s)],
        authenticated: match s.auth {
            AuthVerdict::Required => Some(true),
            AuthVerdict::None | AuthVerdict::Partial => Some(false),
            AuthVerdict::Unknown => None,
        },
        data,
        properties: properties(s),
    }
}

/// One entry per advisory, affecting every service it was matched on.
pub(super) fn service_vulnerabilities(services: &[Service]) -> Vec<Vulnerability> {
    let mut by_id: BTreeMap<&str, Vulnerability> = BTreeMap::new();
    for s in services {
        for v in &s.vulnerabilities {
            let e = by_id.entry(&v.id).or_insert_with(|| Vulnerability {
                id: v.id.clone(),
                aliases: v.aliases.clone(),
                severity: v.severity,
                score: v.cvss_score,
                summary: v.summary.clone(),
                recommendation: match &v.fixed {
                    Some(f) => format!("Upgrade {} to {f} or later.", s.product),
                    None => "No fixed release is known.".into(),
                },
                references: Vec::new(),
                affects: Vec::new(),
            });
            let r = service_ref(s);
            if !e.affects.contains(&r) {
                e.affects.push(r);
            }
        }
    }
    by_id.into_values().collect()
}

/// `spec` is "1.6" or "1.7".
pub fn write_scan(report: &ScanReport, spec: &str) -> serde_json::Result<String> {
    let mut components = Vec::new();
    let mut dependencies = Vec::new();
    for s in &report.services {
        let models: Vec<&String> = s.details.get("models").into_iter().flatten().collect();
        if models.is_empty() {
            continue;
        }
        let mut refs = Vec::new();
        for m in models {
            let r = model_ref(s, m);
            if refs.contains(&r) {
                continue;
            }
            components.push(Model {
                kind: "machine-learning-model",
                bom_ref: r.clone(),
                name: m.clone(),
                properties: vec![prop("served-by", service_ref(s))],
            });
            refs.push(r);
        }
        dependencies.push(Dependency {
            reference: service_ref(s),
            depends_on: refs,
        });
    }
    let targets = report.targets.join(" ");
    let bom = Bom {
        bom_format: "CycloneDX",
        spec_version: spec,
        serial_number: format!(
            "urn:uuid:{}",
            uuid_from(&[&targets, &report.started_at, spec, "scan"])
        ),
        version: 1,
        metadata: Metadata {
            timestamp: report.finished_at.clone(),
            tools: Tools {
                components: vec![Root {
                    kind: "application",
                    name: "aimap".into(),
                    version: Some(report.aimap_version.clone()),
                }],
            },
            component: Root {
                kind: "platform",
                name: format!("AI services on {targets}"),
                version: None,
            },
        },
        components,
        services: report.services.iter().map(service).collect(),
        dependencies,
        vulnerabilities: service_vulnerabilities(&report.services)
            .iter()
            .map(vuln)
            .collect(),
    };
    serde_json::to_string_pretty(&bom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn report(services: Value) -> ScanReport {
        serde_json::from_value(json!({
            "aimap_version": "0.1.0", "started_at": "2026-01-01T00:00:00Z",
            "finished_at": "2026-01-01T00:00:05Z", "targets": ["127.0.0.1"],
            "ports": [8000], "stats": {"probes_planned": 1, "probes_sent": 1,
            "open_ports": 1, "services": 1, "interrupted": false},
            "services": services, "unidentified": [], "errors": []
        }))
        .unwrap()
    }

    #[test]
    fn mcp_tools_are_service_data_and_verdicts_are_properties() {
        let r = report(json!([{
            "host": "::1", "port": 8000, "service": "mcp", "product": "MCP server",
            "version": "1.9.4", "version_source": "api", "auth": "none", "transport": "mcp",
            "capabilities": {"data": {"auth": "none"}},
            "details": {"tools": ["read_file", "run_query", "read_file"]},
            "evidence": [], "findings": []
        }]));
        let bom: Value = serde_json::from_str(&write_scan(&r, "1.6").unwrap()).unwrap();
        let s = &bom["services"][0];
        assert_eq!(s["bom-ref"], "service:[::1]:8000");
        assert_eq!(s["endpoints"][0], "http://[::1]:8000");
        assert_eq!(s["authenticated"], false);
        let tools: Vec<&str> = s["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                assert_eq!(d["classification"], "mcp-tool");
                d["name"].as_str().unwrap()
            })
            .collect();
        assert_eq!(tools, ["read_file", "run_query", "read_file"]);
        let props: Vec<(String, String)> = s["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().into(),
                    p["value"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert!(props.contains(&("aimap:capability:data".into(), "none".into())));
        assert!(props.contains(&("aimap:version-source".into(), "api".into())));
        assert!(
            bom.get("dependencies").is_none(),
            "no models, no dependencies"
        );
        assert_eq!(bom["components"], json!([]));
    }

    #[test]
    fn one_advisory_on_two_services_is_one_entry_affecting_both() {
        let svc = |host: &str| {
            json!({
                "host": host, "port": 11434, "service": "ollama", "product": "Ollama",
                "version": "0.1.32", "version_source": "api", "auth": "required",
                "transport": "http", "evidence": [], "findings": [],
                "details": {"models": ["llama3:8b", "llama3:8b"]},
                "vulnerabilities": [{"id": "GO-2024-2901", "aliases": ["CVE-2024-37032"],
                    "severity": "high", "fixed": "0.1.34", "confidence": "version-only",
                    "summary": "path traversal"}]
            })
        };
        let r = report(json!([svc("127.0.0.1"), svc("127.0.0.2")]));
        let bom: Value = serde_json::from_str(&write_scan(&r, "1.7").unwrap()).unwrap();
        assert_eq!(bom["services"][0]["authenticated"], true);
        let vulns = bom["vulnerabilities"].as_array().unwrap();
        assert_eq!(vulns.len(), 1);
        assert_eq!(
            vulns[0]["affects"],
            json!([{"ref": "service:127.0.0.1:11434"}, {"ref": "service:127.0.0.2:11434"}])
        );
        assert_eq!(vulns[0]["references"][0]["id"], "CVE-2024-37032");
        // A model listed twice by one server is one component.
        assert_eq!(bom["components"].as_array().unwrap().len(), 2);
        assert_eq!(
            bom["dependencies"][0]["dependsOn"],
            json!(["model:127.0.0.1:11434/llama3:8b"])
        );
    }
}
