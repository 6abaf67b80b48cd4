//! The YAML parser (budgets on aliases, depth and nodes) and the compose,
//! Kubernetes, Qdrant and Milvus checks on arbitrary bytes.
#![no_main]
use aimap_audit::{audit_text, yaml, DocKind, Options};
use libfuzzer_sys::fuzz_target;

const KINDS: &[(&str, DocKind)] = &[
    ("compose.yaml", DocKind::Compose),
    ("deploy.yaml", DocKind::Kubernetes),
    ("qdrant/config.yaml", DocKind::Qdrant),
    ("milvus.yaml", DocKind::Milvus),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let _ = yaml::parse_documents(&text);
    let (name, kind) = KINDS[usize::from(pick) % KINDS.len()];
    let _ = audit_text(name, kind, &text, &Options::default());
});
