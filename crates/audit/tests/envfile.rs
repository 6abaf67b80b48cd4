//! Compose `env_file:`: variables from the referenced files reach the
//! checks, findings point into the env file, and unreadable files are
//! notes (only when `required: true` or present but unreadable).
use std::path::Path;

use aimap_audit::{audit_file, audit_text, DocKind, Options};
use aimap_model::Subject;

fn at(f: &aimap_model::Finding) -> (String, u32) {
    match &f.subject {
        Subject::File { path, line, .. } => (path.clone(), line.unwrap_or(0)),
        _ => (String::new(), 0),
    }
}

#[test]
fn env_file_values_are_checked_at_their_line() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/risky/envfile/compose.yaml");
    let r = audit_file(&path, DocKind::Compose, &Options::default());
    let ollama = r
        .findings
        .iter()
        .find(|f| f.id == "ollama-host-all-interfaces")
        .expect("OLLAMA_HOST from ollama.vars");
    let (file, line) = at(ollama);
    assert!(file.ends_with("envfile/ollama.vars"), "{file}");
    assert_eq!(line, 2);
    let secret = r.findings.iter().find(|f| f.id == "secret-in-env").unwrap();
    assert!(
        !secret.evidence.contains("Mno345Pqr"),
        "{}",
        secret.evidence
    );
    // In memory there is no directory to read env files from.
    let text = std::fs::read_to_string(&path).unwrap();
    let mem = audit_text("compose.yaml", DocKind::Compose, &text, &Options::default());
    assert!(mem
        .findings
        .iter()
        .all(|f| f.id != "ollama-host-all-interfaces"));
}

#[test]
fn missing_env_files_are_notes_only_when_required() {
    let dir = std::env::temp_dir().join(format!("aimap-envfile-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("a-directory.env")).unwrap();
    let compose = dir.join("compose.yaml");
    std::fs::write(
        &compose,
        "services:\n  web:\n    image: nginx:1.27\n    env_file:\n      - path: gone.env\n        required: true\n      - path: optional.env\n        required: false\n      - a-directory.env\n      - ../../../../../../../../dev/zero\n",
    )
    .unwrap();
    let r = audit_file(&compose, DocKind::Compose, &Options::default());
    std::fs::remove_dir_all(&dir).ok();
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(
        r.notes.iter().any(|n| n.contains("gone.env")),
        "{:?}",
        r.notes
    );
    assert!(
        !r.notes.iter().any(|n| n.contains("optional.env")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes.iter().any(|n| n.contains("not a regular file")),
        "{:?}",
        r.notes
    );
}
