//! Vendor packages and binaries → the product whose advisories apply, from
//! `rules/mappings/products.toml` (data, not code; the file says why).
//!
//! `nvidia-container-toolkit 1.16.1-1` from NVIDIA's apt repository is
//! toolkit release 1.16.1, whose advisories the Go vulnerability database
//! files under `github.com/NVIDIA/nvidia-container-toolkit`. [`Products::map`]
//! turns the component's purl into that product's purl and version, so
//! inventory (a root filesystem, an image, the host) matches it as the
//! product as well as itself.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::conditions::Condition;
use crate::ecosystem::Purl;

/// The table built into the binary.
const BUILTIN: &str = include_str!("../../../rules/mappings/products.toml");

/// Every product of the mapping table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Products {
    #[serde(rename = "product", default)]
    pub products: Vec<Product>,
}

/// One product and the package names it ships as.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    /// Package URLs (no version) its advisories are filed under.
    pub purls: Vec<String>,
    /// Where the mapped packages come from, for the finding's wording.
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub deb: Vec<String>,
    #[serde(default)]
    pub rpm: Vec<String>,
    /// Names aimap's file analyzers give (`pkg:generic/<name>`).
    #[serde(default)]
    pub generic: Vec<String>,
    /// Go modules at major version 2 and above carry `/vN` in their path.
    #[serde(default)]
    pub go_major_suffix: bool,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

/// A component read as a product.
#[derive(Debug, Clone)]
pub struct Mapped<'a> {
    pub product: &'a Product,
    /// The product's purl, without a version.
    pub purl: String,
    /// The product's version (`1.16.1` for the deb's `1.16.1-1`).
    pub version: Option<String>,
    /// What was mapped, in words, for the finding.
    pub via: String,
}

impl Products {
    /// The table built into the binary. It is checked by the crate's
    /// tests, so a broken table cannot ship; should it fail anyway, no
    /// component is mapped.
    pub fn builtin() -> &'static Products {
        static TABLE: OnceLock<Products> = OnceLock::new();
        TABLE.get_or_init(|| {
            Products::parse(BUILTIN).unwrap_or(Products {
                products: Vec::new(),
            })
        })
    }

    /// Reads and checks a table: every product needs a purl that names a
    /// package ecosystem, and every condition a version its scheme reads.
    pub fn parse(text: &str) -> Result<Products, String> {
        let table: Products = toml::from_str(text).map_err(|e| e.to_string())?;
        for p in &table.products {
            if p.purls.is_empty() {
                return Err(format!("{}: needs at least one purl", p.name));
            }
            for purl in &p.purls {
                let parsed = Purl::parse(purl).map_err(|e| format!("{}: {e}", p.name))?;
                if parsed.version.is_some() || parsed.ecosystem_and_name().is_none() {
                    return Err(format!(
                        "{}: {purl} must name a package of a known ecosystem, without a version",
                        p.name
                    ));
                }
            }
            for c in &p.conditions {
                c.check(p).map_err(|e| format!("{}: {e}", p.name))?;
            }
        }
        Ok(table)
    }

    /// The product whose advisories are filed under `purl` (no version;
    /// qualifiers are ignored), for its conditions.
    pub fn for_purl(&self, purl: &str) -> Option<&Product> {
        let base = purl.split('?').next().unwrap_or(purl);
        self.products
            .iter()
            .find(|p| p.purls.iter().any(|q| q == base))
    }

    /// The products a component (given by its full purl, version included)
    /// is, with their purls and versions. Empty for anything not in the
    /// table, and for distribution builds (see [`is_distribution_build`]).
    pub fn map(&self, purl: &str) -> Vec<Mapped<'_>> {
        let Ok(p) = Purl::parse(purl) else {
            return Vec::new();
        };
        let kind = p.kind.as_str();
        let name = match &p.namespace {
            Some(ns) if kind == "generic" => format!("{ns}/{}", p.name),
            _ => p.name.clone(),
        };
        let raw = p.version.as_deref();
        let mut out = Vec::new();
        for product in &self.products {
            let names = match kind {
                "deb" => &product.deb,
                "rpm" => &product.rpm,
                "generic" => &product.generic,
                _ => continue,
            };
            if !names.iter().any(|n| name_matches(n, &name)) {
                continue;
            }
            if raw.is_some_and(|v| is_distribution_build(kind, v)) {
                continue;
            }
            let version = raw.map(|v| upstream(kind, v)).filter(|v| !v.is_empty());
            let from = product
                .repository
                .as_deref()
                .map(|r| format!(" from {r}"))
                .unwrap_or_default();
            let shown = raw.map(|v| format!(" {v}")).unwrap_or_default();
            let what = match kind {
                "generic" => format!("{name}{shown} (found by file)"),
                _ => format!("{kind} package {name}{shown}{from}"),
            };
            for base in &product.purls {
                let purl = match (&version, product.go_major_suffix) {
                    (Some(v), true) => with_major_suffix(base, v),
                    _ => base.clone(),
                };
                out.push(Mapped {
                    product,
                    via: format!(
                        "{what} is {}{} (rules/mappings/products.toml), matched as {purl}",
                        product.name,
                        version
                            .as_deref()
                            .map(|v| format!(" {v}"))
                            .unwrap_or_default()
                    ),
                    purl,
                    version: version.clone(),
                });
            }
        }
        out
    }
}

/// `cuda-cudart-*` matches `cuda-cudart-12-4`; other names match exactly.
fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix) && name.len() > prefix.len(),
        None => pattern == name,
    }
}

/// The vendor's release in a package version: the epoch (`5:`) and the
/// Debian revision or rpm release (after the last `-`) go, and dpkg's
/// pre-release marker `~` becomes SemVer's `-` (`1.17.0~rc.1` sorts before
/// `1.17.0` in both). rpm purls carry the epoch as a qualifier already.
pub fn upstream(kind: &str, version: &str) -> String {
    let v = version.trim();
    let v = match v.split_once(':') {
        Some((epoch, rest)) if epoch.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => v,
    };
    let v = match kind {
        "deb" | "rpm" => v.rsplit_once('-').map_or(v, |(up, _)| up),
        _ => v,
    };
    v.replace('~', "-")
}

/// Whether a deb version is a Debian or Ubuntu build: distributions
/// backport fixes without changing the upstream number, so such a package
/// is matched through the distribution's data, never as the product. rpm
/// versions cannot tell: vendors tag their builds `.el9` as distributions
/// do (Docker's `containerd.io-1.7.19-3.1.el9`), so the table lists only
/// names no distribution uses.
pub fn is_distribution_build(kind: &str, version: &str) -> bool {
    if kind != "deb" {
        return false;
    }
    let Some((_, revision)) = version.rsplit_once('-') else {
        // A native package (no revision) is the distribution's own.
        return false;
    };
    let revision = revision.to_ascii_lowercase();
    let around = |marker: &str, digit_before: bool| {
        revision.match_indices(marker).any(|(i, m)| {
            if digit_before {
                revision[..i].ends_with(|c: char| c.is_ascii_digit())
            } else {
                revision[i + m.len()..].starts_with(|c: char| c.is_ascii_digit())
            }
        })
    };
    // Debian: 1~deb12u1, 2+b1, +dfsg; Ubuntu: 0ubuntu1, 1build2. Docker's
    // `1~ubuntu.22.04~jammy` names a target release, not a build.
    around("ubuntu", true)
        || around("build", true)
        || around("deb", false)
        || around("+b", false)
        || version.contains("dfsg")
}

/// `pkg:golang/github.com/containerd/containerd` at 2.0.1 is the module
/// `github.com/containerd/containerd/v2`.
fn with_major_suffix(purl: &str, version: &str) -> String {
    let major = version
        .trim_start_matches('v')
        .split(['.', '-'])
        .next()
        .and_then(|m| m.parse::<u64>().ok());
    match major {
        Some(m) if m >= 2 && purl.starts_with("pkg:golang/") => format!("{purl}/v{m}"),
        _ => purl.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_parses() {
        let t = Products::parse(BUILTIN).unwrap();
        assert!(t.products.len() >= 5);
        assert_eq!(Products::builtin().products.len(), t.products.len());
    }

    fn mapped(purl: &str) -> Vec<(String, Option<String>)> {
        Products::builtin()
            .map(purl)
            .into_iter()
            .map(|m| (m.purl, m.version))
            .collect()
    }

    const TOOLKIT: &str = "pkg:golang/github.com/NVIDIA/nvidia-container-toolkit";

    #[test]
    fn vendor_packages_become_the_product() {
        let want = vec![(TOOLKIT.to_string(), Some("1.16.1".to_string()))];
        assert_eq!(
            mapped("pkg:deb/debian/nvidia-container-toolkit@1.16.1-1?arch=amd64"),
            want
        );
        assert_eq!(
            mapped("pkg:deb/debian/libnvidia-container1@1.16.1-1?arch=amd64&source=libnvidia-container"),
            want
        );
        assert_eq!(
            mapped("pkg:rpm/nvidia/nvidia-container-toolkit-base@1.16.1-1?arch=x86_64"),
            want
        );
        assert_eq!(mapped("pkg:generic/nvidia/container-toolkit@1.16.1"), want);
        assert_eq!(
            mapped("pkg:deb/debian/nvidia-container-toolkit@1.17.0~rc.1-1"),
            vec![(TOOLKIT.to_string(), Some("1.17.0-rc.1".to_string()))]
        );
        // Docker's own packages: epoch and target suffix dropped.
        let docker = mapped("pkg:deb/debian/docker-ce@5%3A27.1.1-1~ubuntu.22.04~jammy");
        assert_eq!(
            docker[0],
            (
                "pkg:golang/github.com/docker/docker".into(),
                Some("27.1.1".into())
            )
        );
        assert_eq!(
            mapped("pkg:deb/debian/containerd.io@2.0.1-1")[0].0,
            "pkg:golang/github.com/containerd/containerd/v2"
        );
        assert_eq!(
            mapped("pkg:rpm/docker/containerd.io@1.7.19-3.1.el9?arch=x86_64")[0].0,
            "pkg:golang/github.com/containerd/containerd"
        );
        assert_eq!(
            mapped("pkg:deb/debian/cuda-cudart-12-4@12.4.127-1")[0],
            (
                "pkg:generic/nvidia/cuda-runtime".into(),
                Some("12.4.127".into())
            )
        );
    }

    #[test]
    fn other_packages_and_distribution_builds_are_not_mapped() {
        assert!(mapped("pkg:deb/debian/docker.io@20.10.24+dfsg1-1+b3").is_empty());
        assert!(mapped("pkg:deb/debian/nvidia-container-toolkitx@1.0-1").is_empty());
        assert!(mapped("pkg:pypi/nvidia-container-toolkit@1.0").is_empty());
        assert!(mapped("pkg:deb/debian/nvidia-container-toolkit@1.16.1-1~deb12u1").is_empty());
        assert!(mapped("pkg:deb/debian/nvidia-driver-535@535.183.01-0ubuntu0.22.04.1").is_empty());
        assert!(mapped("pkg:deb/debian/nvidia-container-toolkit@1.16.1-1build2").is_empty());
        assert!(mapped("pkg:deb/debian/nvidia-container-toolkit@1.16.1-1+deb9u1").is_empty());
        assert!(mapped("not a purl").is_empty());
        // No version: the product, without one.
        assert_eq!(
            mapped("pkg:generic/nvidia/container-toolkit"),
            vec![(TOOLKIT.to_string(), None)]
        );
    }

    #[test]
    fn broken_tables_are_refused() {
        assert!(Products::parse("[[product]]\nname = \"x\"\npurls = []\n").is_err());
        assert!(
            Products::parse("[[product]]\nname = \"x\"\npurls = [\"pkg:maven/a/b\"]\n").is_err()
        );
        assert!(
            Products::parse("[[product]]\nname = \"x\"\npurls = [\"pkg:pypi/a@1\"]\n").is_err()
        );
        assert!(Products::parse(
            "[[product]]\nname = \"x\"\npurls = [\"pkg:pypi/a\"]\nunknown = 1\n"
        )
        .is_err());
    }

    #[test]
    fn upstream_versions() {
        assert_eq!(upstream("deb", "1.16.1-1"), "1.16.1");
        assert_eq!(upstream("deb", "5:27.1.1-1~ubuntu.22.04~jammy"), "27.1.1");
        assert_eq!(upstream("rpm", "1.16.1-1"), "1.16.1");
        assert_eq!(upstream("deb", "8.9.2.26-1+cuda12.1"), "8.9.2.26");
        assert_eq!(upstream("generic", "1.16.1"), "1.16.1");
    }
}
