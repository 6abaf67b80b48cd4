//! Every rule on a file that triggers it and a hardened twin that does not.
//! Expected findings are written in the fixtures themselves, as comments on
//! the exact line (`# expect: rule-id, rule-id`) or, where a trailing
//! comment would change the instruction (Dockerfile, env files), on the line
//! before (`# expect-next: rule-id`). Each file must produce exactly the
//! findings it declares, at those lines. A product rule whose service is
//! published is folded into the exposure finding (one finding per exposed
//! service): `port-all-interfaces(chroma-no-auth)` expects the port finding
//! at that line, its evidence naming the product rule.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aimap_audit::{audit_file, kind_of, Options};
use aimap_model::{Severity, Subject};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    // The crate's own walker: it must find every fixture.
    let v: Vec<PathBuf> = aimap_audit::collect(&[root])
        .configs
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(v.len() >= 8, "fixtures not found: {v:?}");
    v
}

/// (rule, line) expected, and (rule, line, folded rule) its evidence must name.
type Folds = BTreeSet<(String, u32, String)>;

fn expected(text: &str) -> (BTreeSet<(String, u32)>, Folds) {
    let mut out = BTreeSet::new();
    let mut folds = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        for (marker, at) in [("# expect-next:", n + 1), ("# expect:", n)] {
            if let Some(pos) = line.find(marker) {
                for id in line[pos + marker.len()..].split(',') {
                    let id = id.trim();
                    match id.split_once('(') {
                        Some((rule, folded)) => {
                            let folded = folded.trim_end_matches(')');
                            out.insert((rule.to_string(), at));
                            folds.insert((rule.to_string(), at, folded.to_string()));
                        }
                        None => {
                            out.insert((id.to_string(), at));
                        }
                    }
                }
                break;
            }
        }
    }
    (out, folds)
}

/// (file, rule, line): a compose file's findings may point into its env files.
type Found = BTreeSet<(PathBuf, String, u32)>;

fn found(path: &Path) -> (Found, Vec<aimap_model::Finding>) {
    let kind = kind_of(path).unwrap_or_else(|| panic!("{} not recognised", path.display()));
    let r = audit_file(path, kind, &Options::default());
    assert!(r.error.is_none(), "{}: {:?}", path.display(), r.error);
    assert!(r.notes.is_empty(), "{}: {:?}", path.display(), r.notes);
    let set = r
        .findings
        .iter()
        .map(|f| match &f.subject {
            Subject::File { path, line, .. } => {
                (PathBuf::from(path), f.id.clone(), line.unwrap_or(0))
            }
            _ => (PathBuf::new(), f.id.clone(), 0),
        })
        .collect();
    (set, r.findings)
}

/// The file itself, the files its findings point into, and its sibling env
/// files (`*.vars`, read only through a compose `env_file:`).
fn files_of(path: &Path, got: &Found) -> BTreeSet<PathBuf> {
    let mut files: BTreeSet<PathBuf> = got.iter().map(|(p, _, _)| p.clone()).collect();
    files.insert(path.to_path_buf());
    if kind_of(path) == Some(aimap_audit::DocKind::Compose) {
        let dir = path.parent().unwrap();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "vars") {
                files.insert(e.path());
            }
        }
    }
    files
}

fn check_dir(dir: &str) -> BTreeSet<String> {
    let mut rules = BTreeSet::new();
    let mut problems = Vec::new();
    for path in fixtures(dir) {
        let (got_all, findings) = found(&path);
        for file in files_of(&path, &got_all) {
            let (want, folds) = expected(&std::fs::read_to_string(&file).unwrap());
            for (rule, line, folded) in &folds {
                let named = findings.iter().any(|f| {
                    f.id == *rule
                        && f.evidence.contains(folded.as_str())
                        && matches!(&f.subject, Subject::File { path, line: l, .. }
                            if Path::new(path) == file && *l == Some(*line))
                });
                if named {
                    rules.insert(folded.clone());
                } else {
                    problems.push(format!(
                        "{}: {rule} at line {line} does not name {folded}",
                        file.display()
                    ));
                }
            }
            let got: BTreeSet<(String, u32)> = got_all
                .iter()
                .filter(|(p, _, _)| *p == file)
                .map(|(_, r, l)| (r.clone(), *l))
                .collect();
            for w in want.difference(&got) {
                problems.push(format!(
                    "{}: missing {} at line {}",
                    file.display(),
                    w.0,
                    w.1
                ));
            }
            for g in got.difference(&want) {
                problems.push(format!(
                    "{}: unexpected {} at line {}",
                    file.display(),
                    g.0,
                    g.1
                ));
            }
            rules.extend(got.into_iter().map(|(r, _)| r));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    rules
}

#[test]
fn risky_files_trigger_exactly_their_rules_at_their_lines() {
    let rules = check_dir("risky");
    // Every rule except advisory matching (tested with an index below) is exercised.
    let missing: Vec<String> = aimap_audit::Catalog::builtin()
        .unwrap()
        .iter()
        .filter(|r| r.id != "vulnerable-image" && !rules.contains(&r.id))
        .map(|r| r.id.clone())
        .collect();
    assert!(missing.is_empty(), "no risky fixture triggers {missing:?}");
}

#[test]
fn hardened_twins_trigger_nothing_at_error_level() {
    check_dir("hardened");
    for path in fixtures("hardened") {
        let (_, findings) = found(&path);
        let bad: Vec<_> = findings
            .iter()
            .filter(|f| f.severity >= Severity::High)
            .collect();
        assert!(bad.is_empty(), "{}: {bad:#?}", path.display());
    }
}
