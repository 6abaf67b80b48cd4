//! Image references: pinning, and the package coordinate advisories know an
//! image's product by. Triton containers are named by release (`24.01-py3`)
//! while advisories use the core server version: the curated data maps
//! container YY.MM to server 2.(12*YY + MM - 247).0, and so do we.

/// An image reference split into repository, tag and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

pub fn parse(reference: &str) -> ImageRef {
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (reference, None),
    };
    // A colon after the last slash is a tag; before it, a registry port.
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
        None => (rest, None),
    };
    ImageRef {
        repository: repository.to_ascii_lowercase(),
        tag,
        digest,
    }
}

impl ImageRef {
    /// Pinned: a digest, or a tag that is neither absent nor `latest`.
    /// Variables (`${TAG}`) cannot be judged and count as pinned.
    pub fn is_unpinned(&self) -> bool {
        if self.digest.is_some() || self.repository.contains('$') {
            return false;
        }
        match &self.tag {
            None => self.repository != "scratch",
            Some(t) => t == "latest" || t.is_empty(),
        }
    }

    /// The repository without a registry host and `library/`.
    pub fn short(&self) -> &str {
        let r = self.repository.as_str();
        let r = match r.split_once('/') {
            Some((host, rest))
                if host.contains('.') || host.contains(':') || host == "localhost" =>
            {
                if host == "nvcr.io" {
                    r
                } else {
                    rest
                }
            }
            _ => r,
        };
        r.strip_prefix("library/").unwrap_or(r)
    }

    /// (purl, version) for images whose product advisories cover.
    pub fn package(&self) -> Option<(&'static str, String)> {
        let tag = self.tag.as_deref()?;
        let plain = tag.trim_start_matches('v');
        let semverish = |t: &str| {
            let core = t.split(['-', '+']).next().unwrap_or(t);
            (core.split('.').count() >= 2 && core.split('.').all(|p| p.parse::<u64>().is_ok()))
                .then(|| core.to_string())
        };
        match self.short() {
            "ollama/ollama" => Some(("pkg:golang/github.com/ollama/ollama", semverish(plain)?)),
            "chromadb/chroma" | "ghcr.io/chroma-core/chroma" => {
                Some(("pkg:pypi/chromadb", semverish(plain)?))
            }
            "redis" | "bitnami/redis" => Some(("pkg:generic/redis", semverish(plain)?)),
            "rayproject/ray" | "rayproject/ray-ml" => Some(("pkg:pypi/ray", semverish(plain)?)),
            "vllm/vllm-openai" => Some(("pkg:pypi/vllm", semverish(plain)?)),
            "milvusdb/milvus" => Some(("pkg:generic/milvus-io/milvus", semverish(plain)?)),
            "pytorch/torchserve" => Some(("pkg:pypi/torchserve", semverish(plain)?)),
            "langflowai/langflow" => Some(("pkg:pypi/langflow", semverish(plain)?)),
            "ghcr.io/mlflow/mlflow" => Some(("pkg:pypi/mlflow", semverish(plain)?)),
            "nvcr.io/nvidia/tritonserver" => Some((
                "pkg:generic/nvidia/triton-inference-server",
                triton_server_version(tag)?,
            )),
            _ => None,
        }
    }
}

/// Triton container release `YY.MM[-suffix]` → core server `2.N.0`.
pub fn triton_server_version(tag: &str) -> Option<String> {
    let release = tag.split('-').next()?;
    let (yy, mm) = release.split_once('.')?;
    let (yy, mm): (i64, i64) = (yy.parse().ok()?, mm.parse().ok()?);
    let minor = 12 * yy + mm - 247;
    (minor > 0 && (1..=12).contains(&mm)).then(|| format!("2.{minor}.0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_packages() {
        let r = parse("ollama/ollama:0.1.29");
        assert_eq!(
            r.package(),
            Some(("pkg:golang/github.com/ollama/ollama", "0.1.29".into()))
        );
        assert!(parse("ollama/ollama").is_unpinned());
        assert!(parse("ollama/ollama:latest").is_unpinned());
        assert!(!parse("ollama/ollama:0.6.8@sha256:abc").is_unpinned());
        assert!(!parse("localhost:5000/x:1.2").is_unpinned());
        assert!(parse("localhost:5000/x").is_unpinned());
        let t = parse("nvcr.io/nvidia/tritonserver:24.01-py3");
        assert_eq!(t.package().map(|p| p.1), Some("2.42.0".into()));
        assert_eq!(
            triton_server_version("25.07-py3").as_deref(),
            Some("2.60.0")
        );
        assert_eq!(triton_server_version("24.12").as_deref(), Some("2.53.0"));
        assert_eq!(parse("docker.io/library/redis:7.2.4").short(), "redis");
        assert_eq!(
            parse("chromadb/chroma:0.4.24").package().map(|p| p.1),
            Some("0.4.24".into())
        );
    }
}
