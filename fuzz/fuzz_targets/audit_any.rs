//! Every detector and check: the file name (and so the kind) comes from the
//! first byte, the kind from the name or, for plain YAML, from the content.
#![no_main]
use std::path::Path;

use aimap_audit::{audit_text, detect, DocKind, Options};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "compose.yaml",
    "docker-compose.yml",
    "deploy.yaml",
    "qdrant/config.yaml",
    "milvus.yaml",
    "Dockerfile",
    "redis.conf",
    "ollama.service",
    "ollama.service.d/override.conf",
    ".env",
    "jupyter_server_config.py",
    "jupyter_notebook_config.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let path = Path::new(name);
    let kind = detect::by_name(path)
        .or_else(|| detect::yaml_by_content(&text))
        .unwrap_or(DocKind::Kubernetes);
    let _ = audit_text(name, kind, &text, &Options::default());
});
