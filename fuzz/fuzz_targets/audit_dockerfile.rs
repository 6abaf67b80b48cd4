//! The Dockerfile checks (continuations, JSON and shell forms, stages) on
//! arbitrary bytes.
#![no_main]
use aimap_audit::{audit_text, DocKind, Options};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &["Dockerfile", "Containerfile", "gpu.Dockerfile"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let _ = audit_text(name, DocKind::Dockerfile, &text, &Options::default());
});
