//! OSV ecosystems and package URLs: which version scheme an advisory's
//! ranges use, and which advisories a component's purl can be matched
//! against.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{Error, Result};
use crate::version::Scheme;

/// The OSV ecosystem name aimap uses for its own curated advisories about
/// products that have no package ecosystem (Redis, Triton). Their packages
/// carry a `pkg:generic/...` (or, for GitHub-hosted ones, `pkg:github/...`)
/// purl, and the name is the purl's `namespace/name`.
pub const GENERIC: &str = "Generic";

/// An OSV ecosystem, as far as matching cares.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Go,
    PyPI,
    Npm,
    CratesIo,
    /// `Debian` or `Debian:12`; the release is the part after the colon.
    Debian(Option<String>),
    /// `Ubuntu:22.04:LTS`, `Ubuntu:24.10`, `Ubuntu:Pro:18.04:LTS`: the
    /// release is what follows `Ubuntu:`, as written (see [`ubuntu_release`]).
    Ubuntu(Option<String>),
    /// An rpm distribution (`AlmaLinux:9`, `openSUSE:Leap 15.5`): the
    /// OSV family name and the release after the first colon.
    Rpm {
        family: &'static str,
        release: Option<String>,
    },
    /// aimap's curated products without an ecosystem.
    Generic,
    /// Anything else (Maven, RubyGems, Alpine...): stored and counted, but
    /// no purl maps to it yet.
    Other(String),
}

impl Ecosystem {
    pub fn parse(name: &str) -> Self {
        let (base, release) = match name.split_once(':') {
            Some((b, r)) => (b, Some(r.to_string())),
            None => (name, None),
        };
        match base {
            "Go" => Self::Go,
            "PyPI" => Self::PyPI,
            "npm" => Self::Npm,
            "crates.io" => Self::CratesIo,
            "Debian" => Self::Debian(release),
            "Ubuntu" => Self::Ubuntu(release),
            GENERIC => Self::Generic,
            _ => match crate::rpm_distro::FAMILIES.iter().find(|f| **f == base) {
                Some(family) => Self::Rpm { family, release },
                None => Self::Other(name.to_string()),
            },
        }
    }

    /// The scheme its `ECOSYSTEM` ranges use; `None` when we have none.
    pub fn scheme(&self) -> Option<Scheme> {
        match self {
            Self::Go => Some(Scheme::Go),
            Self::PyPI => Some(Scheme::Pep440),
            Self::Npm => Some(Scheme::Npm),
            Self::CratesIo => Some(Scheme::Cargo),
            Self::Debian(_) | Self::Ubuntu(_) => Some(Scheme::Debian),
            Self::Rpm { .. } => Some(Scheme::Rpm),
            Self::Generic => Some(Scheme::Generic),
            Self::Other(_) => None,
        }
    }

    /// The scheme for a range of the given OSV type in this ecosystem.
    /// `SEMVER` ranges are SemVer everywhere; Go, npm and crates.io, whose
    /// own orderings are SemVer precedence, keep their own reading of the
    /// text (Go's `v` prefixes, npm's loose forms, Cargo's strictness).
    pub fn scheme_for_range(&self, semver_range: bool) -> Option<Scheme> {
        match (self, semver_range) {
            (Self::Go, _) => Some(Scheme::Go),
            (Self::Npm, _) => Some(Scheme::Npm),
            (Self::CratesIo, _) => Some(Scheme::Cargo),
            (_, true) => Some(Scheme::Semver),
            (_, false) => self.scheme(),
        }
    }

    /// The ecosystem without its release suffix, used to group storage.
    pub fn family(&self) -> String {
        match self {
            Self::Debian(_) => "Debian".into(),
            Self::Ubuntu(_) => "Ubuntu".into(),
            Self::Rpm { family, .. } => (*family).into(),
            Self::Other(name) => name.split(':').next().unwrap_or(name).to_string(),
            other => other.to_string(),
        }
    }

    /// A package name as the ecosystem compares it: PyPI names are
    /// case-insensitive with `-`, `_` and `.` equivalent (PEP 503), npm and
    /// generic names are lower-case, Go module paths are case-sensitive.
    pub fn normalize_name(&self, name: &str) -> String {
        match self {
            Self::PyPI => {
                let mut out = String::with_capacity(name.len());
                for c in name.trim().chars() {
                    let c = if c == '_' || c == '.' {
                        '-'
                    } else {
                        c.to_ascii_lowercase()
                    };
                    if !(c == '-' && out.ends_with('-')) {
                        out.push(c);
                    }
                }
                out
            }
            Self::Npm | Self::Generic | Self::CratesIo => name.trim().to_ascii_lowercase(),
            _ => name.trim().to_string(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Go => f.write_str("Go"),
            Self::PyPI => f.write_str("PyPI"),
            Self::Npm => f.write_str("npm"),
            Self::CratesIo => f.write_str("crates.io"),
            Self::Debian(None) => f.write_str("Debian"),
            Self::Debian(Some(r)) => write!(f, "Debian:{r}"),
            Self::Ubuntu(None) => f.write_str("Ubuntu"),
            Self::Ubuntu(Some(r)) => write!(f, "Ubuntu:{r}"),
            Self::Rpm {
                family,
                release: None,
            } => f.write_str(family),
            Self::Rpm {
                family,
                release: Some(r),
            } => write!(f, "{family}:{r}"),
            Self::Generic => f.write_str(GENERIC),
            Self::Other(name) => f.write_str(name),
        }
    }
}

/// A package URL, read as far as matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: BTreeMap<String, String>,
}

impl Purl {
    /// Reads `pkg:type/namespace/name@version?qualifiers#subpath`
    /// (the version, qualifiers and subpath are optional).
    pub fn parse(text: &str) -> Result<Self> {
        let err = |reason: &str| Error::InvalidPurl {
            purl: text.to_string(),
            reason: reason.to_string(),
        };
        let rest = text
            .trim()
            .strip_prefix("pkg:")
            .ok_or_else(|| err("does not start with pkg:"))?;
        let rest = rest.split('#').next().unwrap_or(rest);
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (kind, path) = rest.split_once('/').ok_or_else(|| err("no package name"))?;
        let path = path.trim_matches('/');
        // The version follows the last '@' of the last segment only: npm
        // scopes ('%40scope' or '@scope') live in the namespace.
        let (path, version) = match path.rsplit_once('/') {
            Some((ns, last)) => match last.split_once('@') {
                Some((n, v)) => (format!("{ns}/{n}"), Some(decode(v))),
                None => (path.to_string(), None),
            },
            None => match path.split_once('@') {
                Some((n, v)) if !n.is_empty() => (n.to_string(), Some(decode(v))),
                _ => (path.to_string(), None),
            },
        };
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode)
            .collect();
        let (name, namespace) = match segments.split_last() {
            Some((name, ns)) if !name.is_empty() => {
                (name.clone(), (!ns.is_empty()).then(|| ns.join("/")))
            }
            _ => return Err(err("no package name")),
        };
        let mut qualifiers = BTreeMap::new();
        for pair in query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|p| !p.is_empty())
        {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            qualifiers.insert(k.to_ascii_lowercase(), decode(v));
        }
        Ok(Self {
            kind: kind.to_ascii_lowercase(),
            namespace,
            name,
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
        })
    }

    /// The OSV ecosystem and package name this purl is matched against, or
    /// `None` for purl types no advisory source covers.
    pub fn ecosystem_and_name(&self) -> Option<(Ecosystem, String)> {
        let full = match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        };
        let eco = match self.kind.as_str() {
            "golang" => Ecosystem::Go,
            "pypi" => Ecosystem::PyPI,
            "npm" => Ecosystem::Npm,
            "cargo" => Ecosystem::CratesIo,
            // A GitHub-hosted product without a registry (Qdrant, llama.cpp,
            // TGI) is versioned by its release tags, like a generic product.
            "generic" | "github" => Ecosystem::Generic,
            // OSV's Debian advisories are per source package; the release
            // comes from the distro qualifier (`debian-12` or `bookworm`).
            "deb"
                if self
                    .namespace
                    .as_deref()
                    .is_none_or(|ns| ns.eq_ignore_ascii_case("debian")) =>
            {
                let release = self
                    .qualifiers
                    .get("distro")
                    .and_then(|d| debian_release(d));
                let name = self
                    .qualifiers
                    .get("source")
                    .cloned()
                    .unwrap_or_else(|| self.name.clone());
                return Some((Ecosystem::Debian(release), name));
            }
            // Ubuntu's OSV records (USN) are per source package and release
            // too; the release comes from `distro=ubuntu-22.04`.
            "deb"
                if self
                    .namespace
                    .as_deref()
                    .is_some_and(|ns| ns.eq_ignore_ascii_case("ubuntu")) =>
            {
                let release = self.qualifiers.get("distro").and_then(|d| {
                    let d = d.trim().to_ascii_lowercase();
                    let r = d.strip_prefix("ubuntu-").unwrap_or(&d).to_string();
                    (!r.is_empty()).then_some(r)
                });
                let name = self
                    .qualifiers
                    .get("source")
                    .cloned()
                    .unwrap_or_else(|| self.name.clone());
                return Some((Ecosystem::Ubuntu(release), name));
            }
            // Binary package names; the source name ([`Purl::rpm_source`])
            // is looked up too, since most rpm distributions file by source.
            "rpm" => {
                let family = crate::rpm_distro::family_for_namespace(self.namespace.as_deref()?)?;
                let release = self
                    .qualifiers
                    .get("distro")
                    .and_then(|d| crate::rpm_distro::release_from_distro(family, d));
                return Some((Ecosystem::Rpm { family, release }, self.name.clone()));
            }
            _ => return None,
        };
        let name = if eco == Ecosystem::Go || eco == Ecosystem::Generic || eco == Ecosystem::Npm {
            full
        } else {
            self.name.clone()
        };
        Some((eco.clone(), eco.normalize_name(&name)))
    }
}

impl Purl {
    /// The source package of an rpm purl, from its `upstream` qualifier
    /// (`bash-5.1.8-6.el9.src.rpm` → `bash`), when it differs from the name.
    pub fn rpm_source(&self) -> Option<String> {
        let srpm = self.qualifiers.get("upstream")?;
        let stem = srpm
            .strip_suffix(".src.rpm")
            .or_else(|| srpm.strip_suffix(".nosrc.rpm"))?;
        let (nv, _release) = stem.rsplit_once('-')?;
        let (name, _version) = nv.rsplit_once('-')?;
        (!name.is_empty() && name != self.name).then(|| name.to_string())
    }

    /// The version to compare: rpm purls carry the epoch as a qualifier
    /// (`epoch=1`), rpm's ordering wants it in front (`1:3.0.1-41.el9`).
    pub fn comparable_version(&self, version: &str) -> String {
        match (self.kind.as_str(), self.qualifiers.get("epoch")) {
            ("rpm", Some(e)) if !version.contains(':') && !e.is_empty() => format!("{e}:{version}"),
            _ => version.to_string(),
        }
    }
}

/// An Ubuntu OSV release as a plain release number: `22.04:LTS` → `22.04`.
/// Ubuntu Pro (ESM) releases stay distinct (`Pro:18.04`): their packages are
/// not the archive's.
pub fn ubuntu_release(release: &str) -> &str {
    release.strip_suffix(":LTS").unwrap_or(release)
}

/// `debian-12`, `debian-12.5`, `12` or a code name → OSV's release number.
fn debian_release(distro: &str) -> Option<String> {
    let d = distro.trim().to_ascii_lowercase();
    let d = d.strip_prefix("debian-").unwrap_or(&d);
    let by_name = [
        ("buster", "10"),
        ("bullseye", "11"),
        ("bookworm", "12"),
        ("trixie", "13"),
        ("forky", "14"),
    ];
    if let Some((_, n)) = by_name.iter().find(|(name, _)| *name == d) {
        return Some((*n).to_string());
    }
    let major = d.split('.').next()?;
    (!major.is_empty() && major.bytes().all(|b| b.is_ascii_digit())).then(|| major.to_string())
}

/// Percent-decoding of purl components. Invalid escapes stay as written.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Work on bytes: slicing the str could split a multi-byte char.
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eco(purl: &str) -> Option<(Ecosystem, String)> {
        Purl::parse(purl).unwrap().ecosystem_and_name()
    }

    #[test]
    fn probe_purls_map_to_ecosystems() {
        assert_eq!(
            eco("pkg:golang/github.com/ollama/ollama"),
            Some((Ecosystem::Go, "github.com/ollama/ollama".into()))
        );
        assert_eq!(
            eco("pkg:pypi/chromadb"),
            Some((Ecosystem::PyPI, "chromadb".into()))
        );
        assert_eq!(
            eco("pkg:pypi/Jupyter_Server"),
            Some((Ecosystem::PyPI, "jupyter-server".into()))
        );
        assert_eq!(
            eco("pkg:generic/redis"),
            Some((Ecosystem::Generic, "redis".into()))
        );
        assert_eq!(
            eco("pkg:generic/nvidia/triton-inference-server"),
            Some((Ecosystem::Generic, "nvidia/triton-inference-server".into()))
        );
        assert_eq!(
            eco("pkg:npm/%40modelcontextprotocol/inspector"),
            Some((Ecosystem::Npm, "@modelcontextprotocol/inspector".into()))
        );
        assert_eq!(
            eco("pkg:cargo/serde"),
            Some((Ecosystem::CratesIo, "serde".into()))
        );
        assert_eq!(
            eco("pkg:github/qdrant/qdrant"),
            Some((Ecosystem::Generic, "qdrant/qdrant".into()))
        );
        assert_eq!(
            eco("pkg:github/ggml-org/llama.cpp"),
            Some((Ecosystem::Generic, "ggml-org/llama.cpp".into()))
        );
        assert_eq!(eco("pkg:maven/org.apache/log4j"), None);
        assert_eq!(
            eco("pkg:rpm/rocky/openssl-libs@3.0.7-1.el9?arch=x86_64&distro=rocky-9.3&epoch=1"),
            Some((
                Ecosystem::Rpm {
                    family: "Rocky Linux",
                    release: Some("9.3".into())
                },
                "openssl-libs".into()
            ))
        );
        // Fedora has no advisory source in OSV.
        assert_eq!(eco("pkg:rpm/fedora/bash@5.2.26-3.fc40"), None);
        let p = Purl::parse(
            "pkg:rpm/rocky/openssl-libs@3.0.7-1.el9?epoch=1&upstream=openssl-3.0.7-1.el9.src.rpm",
        )
        .unwrap();
        assert_eq!(p.rpm_source().as_deref(), Some("openssl"));
        assert_eq!(p.comparable_version("3.0.7-1.el9"), "1:3.0.7-1.el9");
    }

    #[test]
    fn debian_release_from_the_distro_qualifier() {
        assert_eq!(
            eco("pkg:deb/debian/redis?distro=debian-12"),
            Some((Ecosystem::Debian(Some("12".into())), "redis".into()))
        );
        assert_eq!(
            eco("pkg:deb/debian/redis?arch=amd64&distro=bullseye"),
            Some((Ecosystem::Debian(Some("11".into())), "redis".into()))
        );
        assert_eq!(
            eco("pkg:deb/debian/redis-server?source=redis"),
            Some((Ecosystem::Debian(None), "redis".into()))
        );
    }

    #[test]
    fn versions_and_qualifiers_are_split_off() {
        let p = Purl::parse("pkg:npm/%40scope/pkg@1.2.3?x=1#sub").unwrap();
        assert_eq!(
            (
                p.namespace.as_deref(),
                p.name.as_str(),
                p.version.as_deref()
            ),
            (Some("@scope"), "pkg", Some("1.2.3"))
        );
        let p = Purl::parse("pkg:golang/github.com/ollama/ollama@v0.1.32").unwrap();
        assert_eq!(p.version.as_deref(), Some("v0.1.32"));
        assert!(Purl::parse("npm/foo").is_err());
        assert!(Purl::parse("pkg:npm/").is_err());
        assert_eq!(decode("a%2"), "a%2");
        assert_eq!(decode("%é1"), "%é1");
    }

    #[test]
    fn ecosystem_names_round_trip() {
        for name in [
            "Go",
            "PyPI",
            "npm",
            "crates.io",
            "Debian",
            "Debian:12",
            "Generic",
            "Maven",
            "AlmaLinux:9",
            "Ubuntu:22.04:LTS",
            "Ubuntu:Pro:18.04:LTS",
            "openSUSE:Leap 15.5",
        ] {
            assert_eq!(Ecosystem::parse(name).to_string(), name);
        }
        assert_eq!(Ecosystem::parse("Debian:12").family(), "Debian");
        assert_eq!(
            Ecosystem::parse("Ubuntu:22.04:LTS").scheme(),
            Some(Scheme::Debian)
        );
        assert_eq!(Ecosystem::parse("Ubuntu:22.04:LTS").family(), "Ubuntu");
        assert_eq!(ubuntu_release("22.04:LTS"), "22.04");
        assert_eq!(ubuntu_release("24.10"), "24.10");
        assert_eq!(ubuntu_release("Pro:18.04:LTS"), "Pro:18.04");
        assert_eq!(
            eco("pkg:deb/ubuntu/redis-server@5%3A6.0.16-1ubuntu1?distro=ubuntu-22.04&source=redis"),
            Some((Ecosystem::Ubuntu(Some("22.04".into())), "redis".into()))
        );
    }
}
