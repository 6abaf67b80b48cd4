//! The audit rules as data: `rules/audit/*.toml`, embedded at build time and
//! validated once. Checks in code only name a rule id; the id, severity,
//! title, rationale and fix come from here, so wording and severity change
//! without touching matching logic.
use std::collections::BTreeMap;
use std::sync::OnceLock;

use aimap_model::{FindingKind, Severity};
use serde::Deserialize;

use crate::error::AuditError;

const FILES: &[(&str, &str)] = &[
    (
        "exposure.toml",
        include_str!("../../../rules/audit/exposure.toml"),
    ),
    (
        "containers.toml",
        include_str!("../../../rules/audit/containers.toml"),
    ),
];

/// One check, as written in the data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub kind: FindingKind,
    /// Document kinds the check looks at (`compose`, `kubernetes`, …).
    pub applies: Vec<String>,
    /// The field or instruction it reads, for docs and users.
    pub field: String,
    pub title: String,
    pub rationale: String,
    pub fix: String,
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<Rule>,
}

/// Every rule by id.
#[derive(Debug, Default)]
pub struct Catalog {
    rules: BTreeMap<String, Rule>,
}

const KINDS: &[&str] = &[
    "compose",
    "kubernetes",
    "dockerfile",
    "redis",
    "systemd",
    "env",
    "jupyter",
    "qdrant",
    "milvus",
];

impl Catalog {
    /// Parse and validate rule files: unique ids, known document kinds.
    pub fn parse(files: &[(&str, &str)]) -> Result<Self, AuditError> {
        let mut rules = BTreeMap::new();
        for (name, text) in files {
            let file: RuleFile =
                toml::from_str(text).map_err(|e| AuditError::Rules(format!("{name}: {e}")))?;
            for r in file.rule {
                if let Some(k) = r.applies.iter().find(|k| !KINDS.contains(&k.as_str())) {
                    return Err(AuditError::Rules(format!(
                        "{name}: {}: unknown document kind {k:?}",
                        r.id
                    )));
                }
                if r.title.is_empty() || r.fix.is_empty() || r.rationale.is_empty() {
                    return Err(AuditError::Rules(format!(
                        "{name}: {}: title, rationale and fix are required",
                        r.id
                    )));
                }
                let id = r.id.clone();
                if rules.insert(id.clone(), r).is_some() {
                    return Err(AuditError::Rules(format!("{name}: duplicate id {id}")));
                }
            }
        }
        Ok(Self { rules })
    }

    /// The built-in rules (parsed once).
    pub fn builtin() -> Result<&'static Catalog, AuditError> {
        static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();
        CATALOG
            .get_or_init(|| Catalog::parse(FILES).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| AuditError::Rules(e.clone()))
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_and_every_check_has_a_rule() {
        let c = Catalog::builtin().unwrap();
        for id in crate::checks::RULE_IDS {
            assert!(c.get(id).is_some(), "rule {id} used in code has no data");
        }
        for r in c.iter() {
            assert!(
                crate::checks::RULE_IDS.contains(&r.id.as_str()),
                "rule {} has no check",
                r.id
            );
        }
    }

    #[test]
    fn rules_are_documented() {
        let docs = include_str!("../../../docs/rules.md");
        for r in Catalog::builtin().unwrap().iter() {
            assert!(
                docs.contains(&format!("`{}`", r.id)),
                "{} missing from docs/rules.md",
                r.id
            );
        }
    }

    #[test]
    fn bad_data_is_refused() {
        let dup = "[[rule]]\nid='a'\nseverity='high'\nkind='exposure'\napplies=['compose']\nfield='f'\ntitle='t'\nrationale='r'\nfix='x'\n";
        assert!(Catalog::parse(&[("a", dup), ("b", dup)]).is_err());
        assert!(Catalog::parse(&[("a", &dup.replace("compose", "helm"))]).is_err());
        assert!(Catalog::parse(&[("a", &format!("{dup}typo=1\n"))]).is_err());
    }
}
