//! The serde twin of an OSV record: exactly what the file says, nothing
//! checked. [`super::Advisory`] is built from it with `TryFrom`, so only
//! validated advisories travel further.
//!
//! Fields we do not use (`related`, `credits`, `ecosystem_specific`, most of
//! `database_specific`) are skipped, which is also what keeps the store
//! compact.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawAdvisory {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub modified: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<RawSeverity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<RawAffected>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<RawReference>,
    #[serde(default, skip_serializing_if = "RawDatabaseSpecific::is_empty")]
    pub database_specific: RawDatabaseSpecific,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawSeverity {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub score: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawAffected {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<RawPackage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<RawRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawPackage {
    #[serde(default)]
    pub ecosystem: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawRange {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
}

/// OSV allows exactly one key per event; the raw twin accepts any number so
/// that validation can say what is wrong.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawReference {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: String,
}

/// The two `database_specific` keys we read: GHSA's severity label, and the
/// mitigation text of aimap's curated advisories. Other databases put other
/// shapes under the same keys, so both are read leniently.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawDatabaseSpecific {
    #[serde(
        default,
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub severity: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub mitigation: Option<String>,
}

impl RawDatabaseSpecific {
    fn is_empty(&self) -> bool {
        self.severity.is_none() && self.mitigation.is_none()
    }
}

/// A string, or anything else (ignored).
fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lenient {
        Text(String),
        Other(IgnoredAny),
    }
    Ok(match Lenient::deserialize(d)? {
        Lenient::Text(s) => Some(s),
        Lenient::Other(_) => None,
    })
}

/// What one OSV JSON document may hold: one advisory, a list of them, or an
/// OSV API answer (`{"vulns": [...]}`).
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonDocument {
    Many(Vec<RawAdvisory>),
    Api { vulns: Vec<RawAdvisory> },
    One(Box<RawAdvisory>),
}

/// Parses an OSV JSON document into raw advisories.
pub fn from_json(bytes: &[u8]) -> Result<Vec<RawAdvisory>, String> {
    match serde_json::from_slice::<JsonDocument>(bytes) {
        Ok(JsonDocument::Many(v)) | Ok(JsonDocument::Api { vulns: v }) => Ok(v),
        Ok(JsonDocument::One(one)) => Ok(vec![*one]),
        // The untagged error is useless ("did not match any variant"), so
        // re-parse as a single advisory for a line and column.
        Err(_) => serde_json::from_slice::<RawAdvisory>(bytes)
            .map(|a| vec![a])
            .map_err(|e| e.to_string()),
    }
}

/// Parses OSV YAML (the PyPA database's format): one advisory per
/// document, several documents per file allowed (`---`).
pub fn from_yaml(text: &str) -> Result<Vec<RawAdvisory>, String> {
    serde_saphyr::from_multiple::<RawAdvisory>(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars_that_look_like_numbers_stay_text() {
        let doc = "id: X-1\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package: {name: p, ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n  versions: [1.0, 1.10, 2]\n";
        let a = &from_yaml(doc).unwrap()[0];
        assert_eq!(a.modified, "2024-01-01T00:00:00Z");
        let af = &a.affected[0];
        assert_eq!(af.ranges[0].events[0].introduced.as_deref(), Some("0"));
        assert_eq!(af.ranges[0].events[1].fixed.as_deref(), Some("1.10"));
        assert_eq!(af.versions, ["1.0", "1.10", "2"]);
    }

    #[test]
    fn several_yaml_documents() {
        let docs = "id: A\nmodified: x\n---\nid: B\nmodified: y\n";
        let ids: Vec<_> = from_yaml(docs).unwrap().into_iter().map(|a| a.id).collect();
        assert_eq!(ids, ["A", "B"]);
    }

    #[test]
    fn json_shapes() {
        assert_eq!(from_json(br#"{"id":"A","modified":"x"}"#).unwrap().len(), 1);
        assert_eq!(from_json(br#"[{"id":"A"},{"id":"B"}]"#).unwrap().len(), 2);
        assert_eq!(from_json(br#"{"vulns":[{"id":"A"}]}"#).unwrap().len(), 1);
        let err = from_json(br#"{"id": 5}"#).unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        assert!(from_json(b"not json").is_err());
    }

    #[test]
    fn database_specific_severity_is_read_leniently() {
        let a = &from_json(
            br#"{"id":"A","database_specific":{"severity":"HIGH","cwe_ids":["CWE-22"]}}"#,
        )
        .unwrap()[0];
        assert_eq!(a.database_specific.severity.as_deref(), Some("HIGH"));
        let b =
            &from_json(br#"{"id":"B","database_specific":{"severity":{"score":5}}}"#).unwrap()[0];
        assert_eq!(b.database_specific.severity, None);
    }
}
