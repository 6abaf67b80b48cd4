//! Which configuration a file is, by name first and content second
//! (`apiVersion:` + `kind:` makes any YAML a Kubernetes manifest).
use std::path::Path;

/// The kinds of document the auditor understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocKind {
    Compose,
    Kubernetes,
    Dockerfile,
    Redis,
    Systemd,
    Env,
    Jupyter,
    Qdrant,
    Milvus,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compose => "compose",
            Self::Kubernetes => "kubernetes",
            Self::Dockerfile => "dockerfile",
            Self::Redis => "redis",
            Self::Systemd => "systemd",
            Self::Env => "env",
            Self::Jupyter => "jupyter",
            Self::Qdrant => "qdrant",
            Self::Milvus => "milvus",
        }
    }
}

/// The kind a file's name alone claims; `None` for names that need a look
/// at the content (plain `*.yaml`).
pub fn by_name(path: &Path) -> Option<DocKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if yaml && (name.starts_with("compose") || name.starts_with("docker-compose")) {
        return Some(DocKind::Compose);
    }
    if name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
    {
        return Some(DocKind::Dockerfile);
    }
    if name == "redis.conf"
        || name.ends_with("-redis.conf")
        || name.starts_with("redis-") && name.ends_with(".conf")
    {
        return Some(DocKind::Redis);
    }
    if name.ends_with(".service") {
        return Some(DocKind::Systemd);
    }
    if name.ends_with(".conf") && in_dropin_dir(path) {
        return Some(DocKind::Systemd);
    }
    if name == ".env" || name.ends_with(".env") || name == "environment" {
        return Some(DocKind::Env);
    }
    if name.starts_with("jupyter_")
        && (name.ends_with("_config.py") || name.ends_with("_config.json"))
    {
        return Some(DocKind::Jupyter);
    }
    if yaml && name.starts_with("milvus") {
        return Some(DocKind::Milvus);
    }
    let qdrant_dir = path
        .parent()
        .is_some_and(|p| p.ends_with("qdrant") || p.ends_with("qdrant/config"));
    if yaml && (qdrant_dir || name.starts_with("qdrant")) {
        return Some(DocKind::Qdrant);
    }
    None
}

fn in_dropin_dir(path: &Path) -> bool {
    path.parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".service.d"))
}

/// A YAML file the name did not place: a Kubernetes manifest when a
/// document has both `apiVersion:` and `kind:` at the top level, a compose
/// file when it has a top-level `services:`.
pub fn yaml_by_content(text: &str) -> Option<DocKind> {
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    if top("apiVersion:") && top("kind:") {
        Some(DocKind::Kubernetes)
    } else if top("services:") {
        Some(DocKind::Compose)
    } else {
        None
    }
}

/// A file neither its name nor YAML placed, told by its first lines: a
/// Dockerfile when the first instruction (after comments, parser
/// directives and `ARG`s) is `FROM` (the Dockerfile reference requires it);
/// a systemd unit when it has a `[Service]` section with `ExecStart=`.
pub fn text_by_content(text: &str) -> Option<DocKind> {
    let first = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .find(|l| !l.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("ARG ")));
    if first
        .and_then(|l| l.get(..5))
        .is_some_and(|w| w.eq_ignore_ascii_case("FROM "))
    {
        return Some(DocKind::Dockerfile);
    }
    let has = |l: &str| text.lines().any(|x| x.trim() == l);
    let exec = text
        .lines()
        .any(|x| x.trim_start().starts_with("ExecStart="));
    (has("[Service]") && exec).then_some(DocKind::Systemd)
}

pub fn is_yaml_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_content() {
        assert_eq!(
            by_name(Path::new("a/docker-compose.yml")),
            Some(DocKind::Compose)
        );
        assert_eq!(
            by_name(Path::new("compose.prod.yaml")),
            Some(DocKind::Compose)
        );
        assert_eq!(by_name(Path::new("Dockerfile")), Some(DocKind::Dockerfile));
        assert_eq!(
            by_name(Path::new("gpu.Dockerfile")),
            Some(DocKind::Dockerfile)
        );
        assert_eq!(
            by_name(Path::new("Containerfile")),
            Some(DocKind::Dockerfile)
        );
        assert_eq!(by_name(Path::new("redis.conf")), Some(DocKind::Redis));
        assert_eq!(by_name(Path::new("ollama.service")), Some(DocKind::Systemd));
        assert_eq!(
            by_name(Path::new(
                "/etc/systemd/system/ollama.service.d/override.conf"
            )),
            Some(DocKind::Systemd)
        );
        assert_eq!(
            by_name(Path::new("jupyter_server_config.py")),
            Some(DocKind::Jupyter)
        );
        assert_eq!(by_name(Path::new("deploy.yaml")), None);
        assert_eq!(
            yaml_by_content("apiVersion: v1\nkind: Service\n"),
            Some(DocKind::Kubernetes)
        );
        assert_eq!(yaml_by_content("a: 1\n"), None);
    }

    #[test]
    fn unnamed_dockerfiles_and_units_are_told_by_content() {
        let df = "# syntax=docker/dockerfile:1\nARG BASE=python:3.12\nFROM ${BASE}\nRUN pip install vllm\n";
        assert_eq!(text_by_content(df), Some(DocKind::Dockerfile));
        assert_eq!(
            text_by_content("from ubuntu:24.04\n"),
            Some(DocKind::Dockerfile)
        );
        let unit = "[Unit]\nDescription=llama\n[Service]\nExecStart=/usr/bin/llama-server --host 0.0.0.0\n";
        assert_eq!(text_by_content(unit), Some(DocKind::Systemd));
        // Prose that mentions FROM later, a README, an INI file: not configs.
        assert_eq!(text_by_content("Build it:\nFROM here on\n"), None);
        assert_eq!(text_by_content("[Service]\nName=x\n"), None);
        assert_eq!(text_by_content(""), None);
    }
}
