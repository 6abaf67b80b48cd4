//! SPDX 2.3 JSON: one package per component (purl as an external
//! reference, SHA-256 as a checksum), a root package for the target that
//! CONTAINS them all, and the document DESCRIBES the root.
use serde::Serialize;

use super::{uuid_from, DocInfo};
use aimap_inventory::{Component, ComponentKind, Inventory};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Doc {
    pub(super) spdx_version: &'static str,
    pub(super) data_license: &'static str,
    #[serde(rename = "SPDXID")]
    pub(super) spdx_id: &'static str,
    pub(super) name: String,
    pub(super) document_namespace: String,
    pub(super) creation_info: CreationInfo,
    pub(super) document_describes: Vec<String>,
    pub(super) packages: Vec<Package>,
    pub(super) relationships: Vec<Relationship>,
}

#[derive(Serialize)]
pub(super) struct CreationInfo {
    pub(super) created: String,
    pub(super) creators: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Package {
    #[serde(rename = "SPDXID")]
    pub(super) spdx_id: String,
    pub(super) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) version_info: Option<String>,
    pub(super) download_location: &'static str,
    pub(super) files_analyzed: bool,
    pub(super) license_concluded: &'static str,
    pub(super) license_declared: &'static str,
    pub(super) copyright_text: &'static str,
    pub(super) primary_package_purpose: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) checksums: Vec<Checksum>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) external_refs: Vec<ExternalRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) source_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) comment: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Checksum {
    pub(super) algorithm: &'static str,
    pub(super) checksum_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ExternalRef {
    pub(super) reference_category: &'static str,
    pub(super) reference_type: &'static str,
    pub(super) reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Relationship {
    pub(super) spdx_element_id: String,
    pub(super) relationship_type: &'static str,
    pub(super) related_spdx_element: String,
}

/// SPDX ids allow letters, digits, `.` and `-` only.
fn spdx_id(i: usize, c: &Component) -> String {
    let clean: String = c
        .name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' {
                ch
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    format!("SPDXRef-Package-{i}-{clean}")
}

fn package(i: usize, c: &Component) -> Package {
    let model = c.model.as_ref().map(|m| {
        let mut s = format!("machine-learning model, format {}", m.format);
        if let Some(a) = &m.architecture {
            s.push_str(&format!(", architecture {a}"));
        }
        if let Some(p) = m.parameters {
            s.push_str(&format!(", {p} parameters"));
        }
        s
    });
    Package {
        spdx_id: spdx_id(i, c),
        name: c.name.clone(),
        version_info: c.version.clone(),
        download_location: "NOASSERTION",
        files_analyzed: false,
        license_concluded: "NOASSERTION",
        license_declared: "NOASSERTION",
        copyright_text: "NOASSERTION",
        primary_package_purpose: match c.kind {
            ComponentKind::Library => "LIBRARY",
            ComponentKind::Application => "APPLICATION",
            ComponentKind::MachineLearningModel => "FILE",
            ComponentKind::OperatingSystem => "OPERATING-SYSTEM",
        },
        checksums: c
            .sha256
            .iter()
            .map(|h| Checksum {
                algorithm: "SHA256",
                checksum_value: h.clone(),
            })
            .collect(),
        external_refs: c
            .purl
            .iter()
            .map(|p| ExternalRef {
                reference_category: "PACKAGE-MANAGER",
                reference_type: "purl",
                reference_locator: p.clone(),
            })
            .collect(),
        source_info: Some(format!(
            "found by aimap ({}) at {}",
            c.identified_by,
            c.locations
                .iter()
                .map(|l| l.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        // A free-text license is no SPDX expression: it goes in the comment.
        comment: model.or_else(|| {
            c.license
                .as_ref()
                .map(|l| format!("declared license (as the package states it): {l}"))
        }),
    }
}

pub fn write(inv: &Inventory, doc: &DocInfo) -> serde_json::Result<String> {
    let root_id = "SPDXRef-Root".to_string();
    let root = Package {
        spdx_id: root_id.clone(),
        name: inv.target.clone(),
        version_info: None,
        download_location: "NOASSERTION",
        files_analyzed: false,
        license_concluded: "NOASSERTION",
        license_declared: "NOASSERTION",
        copyright_text: "NOASSERTION",
        primary_package_purpose: if inv.source == "directory" || inv.source == "host" {
            "APPLICATION"
        } else {
            "CONTAINER"
        },
        checksums: Vec::new(),
        external_refs: Vec::new(),
        source_info: Some(format!("aimap inventory source: {}", inv.source)),
        comment: None,
    };
    let mut packages = vec![root];
    let mut relationships = vec![Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: root_id.clone(),
    }];
    for (i, c) in inv.components.iter().enumerate() {
        let p = package(i, c);
        relationships.push(Relationship {
            spdx_element_id: root_id.clone(),
            relationship_type: "CONTAINS",
            related_spdx_element: p.spdx_id.clone(),
        });
        packages.push(p);
    }
    let uuid = uuid_from(&[&inv.target, &doc.timestamp, "spdx"]);
    let d = Doc {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: format!("aimap inventory of {}", inv.target),
        document_namespace: format!("https://aimap.invalid/spdx/{uuid}"),
        creation_info: CreationInfo {
            created: doc.timestamp.clone(),
            creators: vec![format!("Tool: aimap-{}", doc.tool_version)],
        },
        document_describes: vec![root_id],
        packages,
        relationships,
    };
    serde_json::to_string_pretty(&d)
}
