//! Versions from static assets: tables (rules/asset-hashes/*.json, built
//! by scripts/gen_asset_hashes.py from released packages) that map the
//! sha256 of a file a server serves to the releases that ship it.
//!
//! A lookup never guesses: a hash in the table names the releases that
//! carry exactly those bytes (one, or several when a file did not change
//! between them); a hash not in the table says only "none of the releases
//! hashed", and gives no version.
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// One product's table, as the generator writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetTable {
    /// The table's name, which rules refer to (`asset_hash = "gradio"`).
    pub product: String,
    /// Package URL of what was hashed (no version).
    pub package: String,
    pub generated_by: String,
    /// Every release hashed, oldest first.
    pub releases: Vec<String>,
    /// sha256 (lowercase hex) → where it is served and which releases ship it.
    pub hashes: BTreeMap<String, AssetEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetEntry {
    /// The path the file is served at, for people reading the table.
    pub path: String,
    pub versions: Vec<String>,
}

/// What hashing one answer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssetMatch {
    /// The body is one of the hashed files: these releases ship it.
    Releases {
        sha256: String,
        versions: Vec<String>,
    },
    /// A complete body that no hashed release serves.
    Unknown { sha256: String },
    /// The transport cut the body short: a partial hash proves nothing.
    Truncated,
}

impl AssetTable {
    fn parse(name: &str, text: &str) -> Result<Self, String> {
        let t: AssetTable =
            serde_json::from_str(text).map_err(|e| format!("asset table {name}: {e}"))?;
        if t.releases.is_empty() {
            return Err(format!("asset table {name}: no releases"));
        }
        for (hash, entry) in &t.hashes {
            let hex = hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hex {
                return Err(format!("asset table {name}: {hash:?} is not a sha256"));
            }
            if let Some(v) = entry.versions.iter().find(|v| !t.releases.contains(v)) {
                return Err(format!(
                    "asset table {name}: {v} is not among the releases hashed"
                ));
            }
        }
        Ok(t)
    }

    /// Hash `body` and look it up.
    pub fn lookup(&self, body: &[u8], truncated: bool) -> AssetMatch {
        if truncated {
            return AssetMatch::Truncated;
        }
        let digest = Sha256::digest(body);
        let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        match self.hashes.get(&sha256) {
            Some(e) => AssetMatch::Releases {
                sha256,
                versions: self.in_release_order(&e.versions),
            },
            None => AssetMatch::Unknown { sha256 },
        }
    }

    /// `versions` sorted as the table's release list is (oldest first).
    pub fn in_release_order(&self, versions: &[String]) -> Vec<String> {
        self.releases
            .iter()
            .filter(|r| versions.contains(r))
            .cloned()
            .collect()
    }
}

/// The tables compiled into the binary, parsed once.
pub fn builtin_tables() -> Result<&'static [AssetTable], String> {
    static TABLES: OnceLock<Result<Vec<AssetTable>, String>> = OnceLock::new();
    TABLES
        .get_or_init(|| {
            let mut tables = Vec::new();
            for (file, text) in crate::builtin::BUILTIN_ASSET_TABLES {
                let t = AssetTable::parse(file, text)?;
                if format!("{}.json", t.product) != *file {
                    return Err(format!(
                        "asset table {file}: product {:?} must match the file name",
                        t.product
                    ));
                }
                tables.push(t);
            }
            Ok(tables)
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// The built-in table named `name`.
pub fn table(name: &str) -> Result<&'static AssetTable, String> {
    let tables = builtin_tables()?;
    tables.iter().find(|t| t.product == name).ok_or_else(|| {
        let names: Vec<&str> = tables.iter().map(|t| t.product.as_str()).collect();
        format!(
            "no asset-hash table {name:?} (built in: {})",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_parse_and_name_their_releases() {
        let tables = builtin_tables().unwrap();
        assert!(tables.len() >= 3);
        for t in tables {
            assert!(t.package.starts_with("pkg:pypi/"), "{}", t.product);
            assert!(!t.hashes.is_empty(), "{}", t.product);
        }
        assert!(table("no-such-product").unwrap_err().contains("streamlit"));
    }

    #[test]
    fn lookup_hashes_the_whole_body_only() {
        let text = r#"{"product":"x","package":"pkg:pypi/x","generated_by":"t",
            "releases":["1.0","1.1","2.0"],
            "hashes":{"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824":
                {"path":"/","versions":["2.0","1.0"]}}}"#;
        let t = AssetTable::parse("x.json", text).unwrap();
        assert_eq!(
            t.lookup(b"hello", false),
            AssetMatch::Releases {
                sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".into(),
                versions: vec!["1.0".into(), "2.0".into()],
            }
        );
        assert!(matches!(
            t.lookup(b"hello!", false),
            AssetMatch::Unknown { .. }
        ));
        assert_eq!(t.lookup(b"hello", true), AssetMatch::Truncated);
    }

    #[test]
    fn malformed_tables_are_refused() {
        let bad = r#"{"product":"x","package":"p","generated_by":"t","releases":["1.0"],
            "hashes":{"abc":{"path":"/","versions":["1.0"]}}}"#;
        assert!(AssetTable::parse("x.json", bad)
            .unwrap_err()
            .contains("not a sha256"));
        let stray = bad
            .replace("\"abc\"", &format!("\"{}\"", "a".repeat(64)))
            .replace("\"versions\":[\"1.0\"]", "\"versions\":[\"9.9\"]");
        assert!(AssetTable::parse("x.json", &stray)
            .unwrap_err()
            .contains("not among"));
    }
}
