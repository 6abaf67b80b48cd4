//! CycloneDX JSON, 1.6 (default) or 1.7: components with purls, hashes and
//! locations as evidence; models as `machine-learning-model` with their
//! header facts as properties; matched advisories as `vulnerabilities`.
use serde::Serialize;

use super::{uuid_from, DocInfo, Vulnerability};
use aimap_inventory::{Component, ComponentKind, Inventory};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom<'a> {
    bom_format: &'static str,
    spec_version: &'a str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Cdx>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<Vuln>,
}

#[derive(Serialize)]
pub(super) struct Metadata {
    pub(super) timestamp: String,
    pub(super) tools: Tools,
    pub(super) component: Root,
}

#[derive(Serialize)]
pub(super) struct Tools {
    pub(super) components: Vec<Root>,
}

#[derive(Serialize)]
pub(super) struct Root {
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) version: Option<String>,
}

#[derive(Serialize)]
struct Cdx {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
    evidence: Evidence,
}

/// A declared license by name: rpm's License tag is free text (`GPLv2+`
/// in older packages), so it is never claimed to be an SPDX expression.
#[derive(Serialize)]
struct LicenseChoice {
    license: LicenseName,
}

#[derive(Serialize)]
struct LicenseName {
    name: String,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize)]
pub(super) struct Property {
    pub(super) name: String,
    pub(super) value: String,
}

#[derive(Serialize)]
struct Evidence {
    identity: Vec<Identity>,
    occurrences: Vec<Occurrence>,
}

#[derive(Serialize)]
struct Identity {
    field: &'static str,
    confidence: f64,
    methods: Vec<Method>,
}

#[derive(Serialize)]
struct Method {
    technique: &'static str,
    confidence: f64,
    value: String,
}

#[derive(Serialize)]
struct Occurrence {
    location: String,
}

#[derive(Serialize)]
pub(super) struct Vuln {
    pub(super) id: String,
    pub(super) source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) references: Vec<VulnRef>,
    pub(super) ratings: Vec<Rating>,
    pub(super) description: String,
    pub(super) recommendation: String,
    pub(super) affects: Vec<Affect>,
}

#[derive(Serialize)]
pub(super) struct VulnRef {
    pub(super) id: String,
    pub(super) source: Source,
}

#[derive(Serialize)]
pub(super) struct Source {
    pub(super) name: &'static str,
}

#[derive(Serialize)]
pub(super) struct Rating {
    pub(super) severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) score: Option<f64>,
}

#[derive(Serialize)]
pub(super) struct Affect {
    #[serde(rename = "ref")]
    pub(super) reference: String,
}

pub(super) fn prop(name: &str, value: impl ToString) -> Property {
    Property {
        name: format!("aimap:{name}"),
        value: value.to_string(),
    }
}

fn component(c: &Component) -> Cdx {
    let mut properties = vec![prop("ecosystem", c.ecosystem.as_str())];
    for l in &c.locations {
        if let Some(layer) = &l.layer {
            properties.push(prop("layer", format!("{layer} {}", l.path)));
        }
    }
    if let Some(size) = c.size {
        properties.push(prop("size", size));
    }
    if let Some(m) = &c.model {
        properties.push(prop("model:format", &m.format));
        let optional = [
            ("model:architecture", m.architecture.clone()),
            ("model:parameters", m.parameters.map(|n| n.to_string())),
            ("model:quantization", m.quantization.clone()),
            ("model:tensors", m.tensors.map(|n| n.to_string())),
            ("model:opset", m.opset.map(|n| n.to_string())),
            ("model:producer", m.producer.clone()),
        ];
        properties.extend(optional.into_iter().filter_map(|(k, v)| Some(prop(k, v?))));
        if !m.dtypes.is_empty() {
            properties.push(prop("model:dtypes", m.dtypes.join(",")));
        }
    }
    Cdx {
        kind: match c.kind {
            ComponentKind::Library => "library",
            ComponentKind::Application => "application",
            ComponentKind::MachineLearningModel => "machine-learning-model",
            ComponentKind::OperatingSystem => "operating-system",
        },
        bom_ref: c.key(),
        name: c.name.clone(),
        version: c.version.clone(),
        purl: c.purl.clone(),
        hashes: c
            .sha256
            .iter()
            .map(|h| Hash {
                alg: "SHA-256",
                content: h.clone(),
            })
            .collect(),
        licenses: c
            .license
            .iter()
            .map(|l| LicenseChoice {
                license: LicenseName { name: l.clone() },
            })
            .collect(),
        properties,
        evidence: Evidence {
            identity: vec![Identity {
                field: if c.purl.is_some() { "purl" } else { "name" },
                confidence: 1.0,
                methods: vec![Method {
                    technique: if c.kind == ComponentKind::Application {
                        "binary-analysis"
                    } else {
                        "manifest-analysis"
                    },
                    confidence: 1.0,
                    value: c.identified_by.clone(),
                }],
            }],
            occurrences: c
                .locations
                .iter()
                .map(|l| Occurrence {
                    location: l.path.clone(),
                })
                .collect(),
        },
    }
}

pub(super) fn vuln(v: &Vulnerability) -> Vuln {
    let source = |id: &str| if id.starts_with("CVE-") { "NVD" } else { "OSV" };
    Vuln {
        id: v.id.clone(),
        source: Source {
            name: source(&v.id),
        },
        references: v
            .aliases
            .iter()
            .map(|a| VulnRef {
                id: a.clone(),
                source: Source { name: source(a) },
            })
            .collect(),
        ratings: vec![Rating {
            severity: v.severity.as_str(),
            score: v.score,
        }],
        description: v.summary.clone(),
        recommendation: v.recommendation.clone(),
        affects: v
            .affects
            .iter()
            .map(|k| Affect {
                reference: k.clone(),
            })
            .collect(),
    }
}

/// `spec` is "1.6" or "1.7".
pub fn write(
    inv: &Inventory,
    vulns: &[Vulnerability],
    spec: &str,
    doc: &DocInfo,
) -> serde_json::Result<String> {
    let bom = Bom {
        bom_format: "CycloneDX",
        spec_version: spec,
        serial_number: format!(
            "urn:uuid:{}",
            uuid_from(&[&inv.target, &doc.timestamp, spec])
        ),
        version: 1,
        metadata: Metadata {
            timestamp: doc.timestamp.clone(),
            tools: Tools {
                components: vec![Root {
                    kind: "application",
                    name: "aimap".into(),
                    version: Some(doc.tool_version.clone()),
                }],
            },
            component: Root {
                kind: if inv.source == "directory" || inv.source == "host" {
                    "application"
                } else {
                    "container"
                },
                name: inv.target.clone(),
                version: None,
            },
        },
        components: inv.components.iter().map(component).collect(),
        vulnerabilities: vulns.iter().map(vuln).collect(),
    };
    serde_json::to_string_pretty(&bom)
}
