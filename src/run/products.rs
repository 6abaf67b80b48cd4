//! One inventoried component → its advisory matches: as itself, and as
//! the vendor product rules/mappings/products.toml says it is (the deb
//! `nvidia-container-toolkit 1.16.1-1` is NVIDIA Container Toolkit 1.16.1),
//! with the configuration conditions of those advisories read from the
//! inventoried system (CVE-2025-23266 needs CDI mode below 1.17.5).
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use aimap_advisory::conditions::{FileRead, MAX_CONFIG_BYTES};
use aimap_advisory::{to_finding, Index, Match, Product, Products};
use aimap_model::{Finding, Subject};

/// Where configuration files of the inventoried system are read.
#[derive(Debug, Clone)]
pub enum Config {
    /// A root filesystem (a directory target, or `/` for the host).
    Root(PathBuf),
    /// Nothing to read them from, and why (an image, a stored inventory).
    Unreadable(String),
}

impl Config {
    /// Reads `path` (absolute inside the root) without leaving the root:
    /// a link pointing outside it is refused, and reads are capped.
    pub fn read(&self, path: &str) -> FileRead {
        let root = match self {
            Config::Root(r) => r,
            Config::Unreadable(why) => return Err(why.clone()),
        };
        let file = root.join(path.trim_start_matches('/'));
        let real = match std::fs::canonicalize(&file) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let root = std::fs::canonicalize(root).map_err(|e| e.to_string())?;
        if !real.starts_with(&root) {
            return Err(format!("it links outside {}", root.display()));
        }
        read_capped(&real)
    }
}

fn read_capped(path: &Path) -> FileRead {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    f.take(MAX_CONFIG_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(format!("larger than {MAX_CONFIG_BYTES} bytes"));
    }
    Ok(Some(bytes))
}

/// Every affected match of one component (`base` and `version` are its purl
/// taken apart), deduplicated by id and alias, each with the finding it
/// becomes.
pub fn component_findings(
    index: &Index,
    purl: &str,
    base: &str,
    version: Option<&str>,
    name: &str,
    config: &Config,
) -> Vec<(Match, Finding)> {
    let products = Products::builtin();
    // (match, the product it was matched as, and that product's version)
    let mut found: Vec<(Match, Option<&Product>, Option<String>)> = Vec::new();
    let direct = products.for_purl(base);
    for m in index.match_purl(base, version).affected {
        found.push((m, direct, version.map(str::to_string)));
    }
    for mapped in products.map(purl) {
        for mut m in index
            .match_purl(&mapped.purl, mapped.version.as_deref())
            .affected
        {
            m.note = Some(match m.note.take() {
                Some(n) => format!("{}. {n}", mapped.via),
                None => format!("{}.", mapped.via),
            });
            found.push((m, Some(mapped.product), mapped.version.clone()));
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (m, product, product_version) in found {
        let names: Vec<&String> = std::iter::once(&m.id).chain(&m.aliases).collect();
        if names.iter().any(|n| seen.contains(*n)) {
            continue;
        }
        seen.extend(names.into_iter().cloned());
        let mut finding = to_finding(
            &m,
            Subject::Component {
                purl: purl.to_string(),
            },
            name,
        );
        for c in product.iter().flat_map(|p| &p.conditions) {
            if !c.is_for(&m) {
                continue;
            }
            let product = product.expect("conditions come from a product");
            if let Some(verdict) =
                c.evaluate(product, product_version.as_deref(), &|p| config.read(p))
            {
                c.annotate(&mut finding, &verdict);
            }
        }
        out.push((m, finding));
    }
    out
}
