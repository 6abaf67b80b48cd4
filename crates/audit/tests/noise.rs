//! The fuzz targets' entry points (fuzz/fuzz_targets/audit_*.rs), run
//! deterministically: every fixture truncated at many points, fixtures with
//! pseudo-random bytes overwritten, and pure noise, under every kind. Each
//! call must return (a report, maybe with an error), never panic.
use std::path::Path;

use aimap_audit::{audit_text, detect, yaml, DocKind, Options};

/// xorshift64: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const NAMES: &[&str] = &[
    "compose.yaml",
    "deploy.yaml",
    "qdrant/config.yaml",
    "milvus.yaml",
    "Dockerfile",
    "redis.conf",
    "ollama.service",
    ".env",
    "jupyter_server_config.py",
];

/// What the `audit_any` target does with one input.
fn run(pick: usize, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = yaml::parse_documents(&text);
    let name = NAMES[pick % NAMES.len()];
    let kind = detect::by_name(Path::new(name))
        .or_else(|| detect::yaml_by_content(&text))
        .unwrap_or(DocKind::Kubernetes);
    let r = audit_text(name, kind, &text, &Options::default());
    assert_eq!(r.path, name);
}

fn fixtures() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push(b);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 20, "fixtures not found");
    out
}

#[test]
fn truncated_mutated_and_random_bytes_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let structure = b"{}[]:-&*!|>'\"#\n\t ";
    let files = fixtures();
    for (i, f) in files.iter().enumerate() {
        // Truncated at 16 points, including mid-UTF-8 and mid-token.
        for k in 0..16 {
            let cut = f.len() * k / 16 + rng.below(8);
            run(i + k, &f[..cut.min(f.len())]);
        }
        // A few bytes overwritten with noise or structure characters.
        for k in 0..8 {
            let mut m = f.clone();
            for _ in 0..=rng.below(6) {
                let at = rng.below(m.len());
                if let Some(b) = m.get_mut(at) {
                    *b = match rng.below(4) {
                        0 => structure[rng.below(structure.len())],
                        1 => 0xff,
                        _ => rng.next() as u8,
                    };
                }
            }
            run(i + k, &m);
        }
    }
    // Pure noise, and noise from YAML/Dockerfile alphabets.
    let alphabet = b"abc:- \n\t{}[]&*!|>'\"#=0.$()\\FROMRUNCMD";
    for k in 0..600 {
        let len = rng.below(512);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if k % 2 == 0 {
                    rng.next() as u8
                } else {
                    alphabet[rng.below(alphabet.len())]
                }
            })
            .collect();
        run(k, &bytes);
    }
}
