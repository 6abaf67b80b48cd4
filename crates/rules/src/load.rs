use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::compile::Rule;
use crate::schema::RawRule;

/// The largest rule file read: rules are small, and `--rules DIR` may point anywhere.
const MAX_RULE_FILE: u64 = 1 << 20;

/// A rule file that failed to load, with the reason.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct LoadError {
    pub file: String,
    pub message: String,
}

/// Every loaded rule, in a fixed order (built-ins first, then by file name).
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>) -> Result<Self, LoadError> {
        let mut seen = BTreeSet::new();
        for r in &rules {
            if !seen.insert(r.id.as_str()) {
                return Err(LoadError {
                    file: r.id.clone(),
                    message: format!("rule id {:?} is defined twice", r.id),
                });
            }
        }
        // A misspelt `imitates` would quietly keep a contradiction label.
        for r in &rules {
            if let Some(unknown) = r.imitates.iter().find(|i| !seen.contains(i.as_str())) {
                return Err(LoadError {
                    file: r.id.clone(),
                    message: format!("rule {:?} imitates {unknown:?}, which is not a rule", r.id),
                });
            }
        }
        Ok(Self { rules })
    }

    /// Add rules, replacing built-ins with the same id (a user's rule wins).
    pub fn extend(&mut self, more: Vec<Rule>) {
        for rule in more {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = rule,
                None => self.rules.push(rule),
            }
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Every port some rule claims, sorted: the default port set of a scan.
    pub fn default_ports(&self) -> Vec<u16> {
        let set: BTreeSet<u16> = self
            .rules
            .iter()
            .flat_map(|r| r.ports.iter().copied())
            .collect();
        set.into_iter().collect()
    }

    /// Rules to try on `port`: those that claim it, or every rule when none
    /// does (a service moved to an unusual port is still found).
    pub fn candidates(&self, port: u16) -> Vec<&Rule> {
        let claimed: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.ports.contains(&port))
            .collect();
        if claimed.is_empty() {
            self.rules.iter().collect()
        } else {
            claimed
        }
    }
}

/// Parse and validate one rule file's text.
pub fn load_str(file: &str, text: &str) -> Result<Rule, LoadError> {
    let err = |message: String| LoadError {
        file: file.to_string(),
        message,
    };
    let raw: RawRule =
        toml::from_str(text).map_err(|e| err(e.to_string().trim_end().to_string()))?;
    let id = raw.id.clone();
    Rule::compile(raw).map_err(|m| err(format!("rule {id:?}: {m}")))
}

/// The rules compiled into the binary.
pub fn builtin_rules() -> Result<RuleSet, LoadError> {
    let rules = crate::builtin::BUILTIN_PROBES
        .iter()
        .map(|(name, text)| load_str(name, text))
        .collect::<Result<Vec<_>, _>>()?;
    RuleSet::new(rules)
}

/// Load every `*.toml` in `dir`. Returns the good rules and, separately,
/// every file that failed, so a lint reports all problems at once.
pub fn load_dir(dir: &Path) -> Result<(Vec<Rule>, Vec<LoadError>), LoadError> {
    let io = |e: std::io::Error| LoadError {
        file: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    let (mut rules, mut errors) = (Vec::new(), Vec::new());
    for path in files {
        let name = path.display().to_string();
        match read_bounded(&path) {
            Ok(text) => match load_str(&name, &text) {
                Ok(rule) => rules.push(rule),
                Err(e) => errors.push(e),
            },
            Err(message) => errors.push(LoadError {
                file: name,
                message,
            }),
        }
    }
    Ok((rules, errors))
}

fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    file.take(MAX_RULE_FILE + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > MAX_RULE_FILE {
        return Err(format!("larger than {MAX_RULE_FILE} bytes"));
    }
    String::from_utf8(buf).map_err(|_| "not valid UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_and_claim_ports() {
        let set = builtin_rules().unwrap();
        for id in ["ollama", "chromadb", "redis", "triton", "valkey"] {
            assert!(set.get(id).is_some(), "{id} missing");
        }
        let ports = set.default_ports();
        for p in [6379, 8000, 8002, 11434] {
            assert!(ports.contains(&p));
        }
        let on_8000: Vec<_> = set.candidates(8000).iter().map(|r| r.id.as_str()).collect();
        assert!(on_8000.contains(&"chromadb") && on_8000.contains(&"triton"));
        assert_eq!(
            set.candidates(1).len(),
            set.rules().len(),
            "unclaimed ports try every rule"
        );
    }

    #[test]
    fn load_errors_name_the_file_and_field() {
        let e = load_str("x.toml", "id = \"x\"\nproduct = \"X\"\nports = [1]\ntransport = \"smtp\"\nexposure_severity = \"high\"\nrisk = \"r\"\nremediation = \"r\"\nprobes = []").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.toml: rule \"x\": unknown transport"),
            "{e}"
        );
        let e = load_str("y.toml", "id = \"y\"\nbogus = 1").unwrap_err();
        assert!(e.to_string().contains("unknown field `bogus`"), "{e}");
    }

    #[test]
    fn write_methods_are_refused() {
        let text = r#"
id = "w"
product = "W"
ports = [80]
transport = "http"
exposure_severity = "low"
risk = "r"
remediation = "r"
[[probes]]
name = "p"
identify = 1
request = { method = "DELETE", path = "/x" }
matchers = [{ status = [200] }]
"#;
        assert!(load_str("w.toml", text)
            .unwrap_err()
            .to_string()
            .contains("read-only"));
        let resp = text
            .replace("transport = \"http\"", "transport = \"resp\"")
            .replace(
                "{ method = \"DELETE\", path = \"/x\" }",
                "{ command = [\"FLUSHALL\"] }",
            );
        assert!(load_str("w.toml", &resp)
            .unwrap_err()
            .to_string()
            .contains("read-only"));
    }

    #[test]
    fn imitated_rules_must_exist() {
        let set = builtin_rules().unwrap();
        let mut rules = set.rules().to_vec();
        rules[0].imitates.push("no-such-rule".into());
        let e = RuleSet::new(rules).unwrap_err();
        assert!(
            e.to_string()
                .contains("\"no-such-rule\", which is not a rule"),
            "{e}"
        );
    }

    #[test]
    fn user_rules_replace_builtins_by_id() {
        let mut set = builtin_rules().unwrap();
        let n = set.rules().len();
        let mut custom = set.get("ollama").unwrap().clone();
        custom.product = "Custom".into();
        set.extend(vec![custom]);
        assert_eq!(set.rules().len(), n);
        assert_eq!(set.get("ollama").unwrap().product, "Custom");
    }

    #[test]
    fn variables_must_be_captured_before_use() {
        let rule = |probes: &str| {
            format!("id = \"v\"\nproduct = \"V\"\nports = [80]\ntransport = \"http\"\nexposure_severity = \"low\"\nrisk = \"r\"\nremediation = \"r\"\n{probes}")
        };
        let first = "[[probes]]\nname = \"a\"\nidentify = 1\nrequest = { path = \"/a\" }\nmatchers = [{ status = [200] }]\ncapture = [{ name = \"x\", json = \"/x\" }]\n";
        let second = "[[probes]]\nname = \"b\"\nrequest = { path = \"/b/{x}\" }\nmatchers = [{ status = [200] }]\n";
        assert!(load_str("v.toml", &rule(&format!("{first}{second}"))).is_ok());
        let e = load_str("v.toml", &rule(&format!("{second}{first}"))).unwrap_err();
        assert!(
            e.to_string()
                .contains("{x} is not captured by an earlier probe"),
            "{e}"
        );
        let e = load_str("v.toml", &rule(&first.replace("/a", "/a/{x}"))).unwrap_err();
        assert!(e.to_string().contains("not captured"), "{e}");
        let e = load_str(
            "v.toml",
            &rule(
                &first
                    .replace("matchers = [{ status = [200] }]\n", "")
                    .replace("identify = 1\n", ""),
            ),
        )
        .unwrap_err();
        assert!(e.to_string().contains("captures needs matchers"), "{e}");
    }
}
