//! Advisories that apply only in some configuration, read from the
//! inventoried system: CVE-2025-23266 affects NVIDIA Container Toolkit
//! below 1.17.5 only when the runtime runs in CDI mode. The condition is
//! data in `rules/mappings/products.toml`; this module evaluates it against
//! the TOML file it names and says, in the finding, whether it holds, does
//! not hold, or could not be read.

use std::cmp::Ordering;

use aimap_model::{Finding, Severity};
use serde::Deserialize;

use crate::ecosystem::Purl;
use crate::matching::Match;
use crate::products::Product;

/// The largest configuration file read.
pub const MAX_CONFIG_BYTES: usize = 1 << 20;

/// One advisory's configuration condition.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// An advisory id or alias (`CVE-2025-23266`).
    pub advisory: String,
    /// Versions from this one on are affected whatever the configuration;
    /// `None`: the condition holds for every affected version.
    #[serde(default)]
    pub below: Option<String>,
    /// The condition in words (`the runtime in CDI mode`).
    pub what: String,
    /// A TOML file, absolute inside the inventoried root.
    pub file: String,
    /// A dotted key into it (`nvidia-container-runtime.mode`).
    pub key: String,
    /// The value when the file or the key is absent.
    #[serde(default)]
    pub default: Option<String>,
    /// Values under which the advisory applies.
    pub holds: Vec<String>,
    /// Values under which it applies to some containers only.
    #[serde(default)]
    pub may_hold: Vec<String>,
    #[serde(default)]
    pub may_hold_why: Option<String>,
}

/// What the configuration says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Holds(String),
    /// It depends on each container (mode "auto").
    MayHold(String),
    DoesNotHold(String),
    /// The file exists but could not be read or parsed, or the target's
    /// files cannot be reached (an image's layers).
    Unread(String),
}

/// A file of the inventoried system: its bytes, `Ok(None)` when it does not
/// exist, or why it could not be read.
pub type FileRead = Result<Option<Vec<u8>>, String>;

impl Condition {
    pub(crate) fn check(&self, product: &Product) -> Result<(), String> {
        if let Some(below) = &self.below {
            let scheme = scheme_of(product).ok_or("no version scheme for the product's purl")?;
            scheme.parse(below).map_err(|e| e.to_string())?;
        }
        if !self.file.starts_with('/') || self.key.is_empty() || self.holds.is_empty() {
            return Err(format!(
                "condition for {}: needs an absolute file, a key and `holds`",
                self.advisory
            ));
        }
        Ok(())
    }

    /// Whether this condition is about `m`.
    pub fn is_for(&self, m: &Match) -> bool {
        m.id == self.advisory || m.aliases.contains(&self.advisory)
    }

    /// The verdict for `version` of `product`, reading the file through
    /// `read`; `None` when the version is affected whatever the
    /// configuration (at or above `below`).
    pub fn evaluate(
        &self,
        product: &Product,
        version: Option<&str>,
        read: &dyn Fn(&str) -> FileRead,
    ) -> Option<Verdict> {
        if let (Some(below), Some(v), Some(scheme)) = (&self.below, version, scheme_of(product)) {
            if scheme.compare(v, below).is_ok_and(|o| o != Ordering::Less) {
                return None;
            }
        }
        let value = match read(&self.file) {
            Err(why) => {
                return Some(Verdict::Unread(format!(
                    "{} could not be read: {why}",
                    self.file
                )))
            }
            Ok(None) => match &self.default {
                Some(d) => (
                    d.clone(),
                    format!(
                        "{} is absent, so {} is {d:?} (the default)",
                        self.file, self.key
                    ),
                ),
                None => return Some(Verdict::Unread(format!("{} is absent", self.file))),
            },
            Ok(Some(bytes)) => match lookup(&bytes, &self.key) {
                Err(why) => {
                    return Some(Verdict::Unread(format!(
                        "{} could not be read: {why}",
                        self.file
                    )))
                }
                Ok(Some(v)) => (
                    v.clone(),
                    format!("{} sets {} = {v:?}", self.file, self.key),
                ),
                Ok(None) => match &self.default {
                    Some(d) => (
                        d.clone(),
                        format!(
                            "{} does not set {}, so it is {d:?} (the default)",
                            self.file, self.key
                        ),
                    ),
                    None => {
                        return Some(Verdict::Unread(format!(
                            "{} does not set {}",
                            self.file, self.key
                        )))
                    }
                },
            },
        };
        let (value, said) = value;
        Some(if self.holds.contains(&value) {
            Verdict::Holds(said)
        } else if self.may_hold.contains(&value) {
            let why = self
                .may_hold_why
                .as_deref()
                .map(|w| format!(": {w}"))
                .unwrap_or_default();
            Verdict::MayHold(format!("{said}{why}"))
        } else {
            Verdict::DoesNotHold(said)
        })
    }

    /// States the verdict in the finding. A condition that does not hold
    /// lowers the finding to low: the package is vulnerable, this system's
    /// configuration is not, and changing it would make it so.
    pub fn annotate(&self, finding: &mut Finding, verdict: &Verdict) {
        let scope = match &self.below {
            Some(b) => format!("below {b}, {} applies only to {}", self.advisory, self.what),
            None => format!("{} applies only to {}", self.advisory, self.what),
        };
        let text = match verdict {
            Verdict::Holds(s) => format!("Condition holds: {s} ({scope})."),
            Verdict::MayHold(s) => format!("Condition may hold: {s} ({scope})."),
            Verdict::DoesNotHold(s) => {
                finding.severity = finding.severity.min(Severity::Low);
                format!("Condition does not hold: {s} ({scope}); severity lowered to low until the configuration changes.")
            }
            Verdict::Unread(s) => format!("Condition could not be checked: {s} ({scope})."),
        };
        finding.evidence = format!("{} {text}", finding.evidence);
        if !finding.description.is_empty() {
            finding.description.push(' ');
        }
        finding.description.push_str(&text);
    }
}

fn scheme_of(product: &Product) -> Option<crate::version::Scheme> {
    let purl = Purl::parse(product.purls.first()?).ok()?;
    purl.ecosystem_and_name()?.0.scheme()
}

/// A string value at a dotted key of a TOML document; `Ok(None)` when the
/// key is absent, an error when the document is not TOML or the value is
/// not a string.
pub fn lookup(bytes: &[u8], key: &str) -> Result<Option<String>, String> {
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(format!("larger than {MAX_CONFIG_BYTES} bytes"));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| format!("not TOML: {}", e.message()))?;
    let mut parts = key.split('.');
    let Some(first) = parts.next() else {
        return Ok(None);
    };
    let mut at = match doc.get(first) {
        Some(v) => v,
        None => return Ok(None),
    };
    for part in parts {
        match at.as_table().and_then(|t| t.get(part)) {
            Some(v) => at = v,
            None => return Ok(None),
        }
    }
    match at.as_str() {
        Some(s) => Ok(Some(s.to_string())),
        None => Err(format!("{key} is not a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::products::Products;

    fn toolkit() -> (&'static Product, &'static Condition) {
        let p = Products::builtin()
            .products
            .iter()
            .find(|p| p.name == "NVIDIA Container Toolkit")
            .unwrap();
        (p, &p.conditions[0])
    }

    fn verdict(version: &str, file: FileRead) -> Option<Verdict> {
        let (p, c) = toolkit();
        c.evaluate(p, Some(version), &|path| {
            assert_eq!(path, "/etc/nvidia-container-runtime/config.toml");
            file.clone()
        })
    }

    fn cfg(mode: &str) -> FileRead {
        Ok(Some(
            format!("[nvidia-container-runtime]\nlog-level = \"info\"\nmode = \"{mode}\"\n")
                .into_bytes(),
        ))
    }

    #[test]
    fn cve_2025_23266_below_1_17_5_needs_cdi_mode() {
        assert!(matches!(
            verdict("1.16.1", cfg("cdi")),
            Some(Verdict::Holds(_))
        ));
        assert!(matches!(
            verdict("1.17.4", cfg("legacy")),
            Some(Verdict::DoesNotHold(_))
        ));
        assert!(matches!(
            verdict("1.16.1", cfg("csv")),
            Some(Verdict::DoesNotHold(_))
        ));
        assert!(matches!(
            verdict("1.16.1", cfg("auto")),
            Some(Verdict::MayHold(_))
        ));
        // The default configuration is "auto".
        assert!(matches!(
            verdict("1.16.1", Ok(None)),
            Some(Verdict::MayHold(_))
        ));
        let no_key = Ok(Some(
            b"[nvidia-container-cli]\nldconfig = \"@/sbin/ldconfig\"\n".to_vec(),
        ));
        assert!(matches!(
            verdict("1.16.1", no_key),
            Some(Verdict::MayHold(_))
        ));
        assert!(matches!(
            verdict("1.16.1", Ok(Some(b"mode = [".to_vec()))),
            Some(Verdict::Unread(_))
        ));
        assert!(matches!(
            verdict("1.16.1", Err("image".into())),
            Some(Verdict::Unread(_))
        ));
        // From 1.17.5 on every mode is affected: no condition to state.
        assert_eq!(verdict("1.17.5", cfg("legacy")), None);
        assert_eq!(verdict("1.17.7", cfg("legacy")), None);
    }

    #[test]
    fn hostile_files_are_errors_not_panics() {
        assert!(lookup(&[0xff, 0xfe], "a.b").is_err());
        assert!(lookup(&vec![b'#'; MAX_CONFIG_BYTES + 1], "a").is_err());
        assert!(lookup(b"a = 1", "a").is_err());
        assert_eq!(lookup(b"a = 1", "a.b").unwrap(), None);
        assert_eq!(
            lookup(b"[a]\nb = \"x\"", "a.b").unwrap().as_deref(),
            Some("x")
        );
        let deep = "[".repeat(10_000);
        assert!(lookup(deep.as_bytes(), "a").is_err());
    }
}
