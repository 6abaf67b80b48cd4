//! A finding keeps its identity across edits that do not change it: audit
//! a compose file into the store, insert lines above its findings, audit
//! again, and `aimap diff` shows no change (the store used to key on the
//! line, which made every moved finding "fixed" plus "new"). Changing the
//! value still shows. Model findings keep their byte offsets when stored.
mod common;

use common::{aimap_cmd, json_of};
use serde_json::Value;

fn run(db: &str, args: &[&str]) -> std::process::Output {
    aimap_cmd().arg("--db").arg(db).args(args).output().unwrap()
}

fn audit(db: &str, path: &std::path::Path) {
    let out = run(
        db,
        &[
            "audit",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn diff(db: &str) -> Value {
    let out = run(db, &["diff", "--format", "json"]);
    json_of(&out)
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

const COMPOSE: &str = "services:
  worker:
    image: ollama/ollama:0.5.7
    privileged: true
    cap_add:
      - SYS_ADMIN
  other:
    image: ollama/ollama:0.5.7
    privileged: true
";

#[test]
fn inserting_lines_above_an_audit_finding_changes_nothing_in_diff() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aimap.db").display().to_string();
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, COMPOSE).unwrap();
    audit(&db, &file);
    let first = json_of(&run(&db, &["show", "last", "--format", "json"]));
    let keys: Vec<&str> = first["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert!(
        keys.iter().any(|k| k.starts_with("privileged@")),
        "{keys:?}"
    );
    // Two privileged services: one identity, the repeat numbered.
    assert!(
        keys.iter().any(|k| k.ends_with("privileged: true#2")),
        "{keys:?}"
    );
    assert!(
        keys.iter().all(|k| !k.contains("compose.yaml:")),
        "{keys:?}"
    );

    // Lines above every finding, and a comment inside the service.
    let moved = format!(
        "# deployed by the platform team\n# do not edit by hand\n\n{}",
        COMPOSE.replace(
            "    privileged: true\n    cap_add:",
            "    # needs the NIC\n    privileged: true\n    cap_add:"
        )
    );
    std::fs::write(&file, &moved).unwrap();
    audit(&db, &file);
    let d = diff(&db);
    assert_eq!(d["findings"]["new"], Value::Array(vec![]), "{d:#}");
    assert_eq!(d["findings"]["gone"], Value::Array(vec![]), "{d:#}");
    assert_eq!(d["findings"]["changed"], Value::Array(vec![]), "{d:#}");
    // The findings did move: the run holds their new lines.
    let second = json_of(&run(&db, &["show", "last", "--format", "json"]));
    let line_of = |show: &Value| {
        show["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "cap-add")
            .map(|f| f["subject"]["line"].as_u64().unwrap())
            .unwrap()
    };
    assert_eq!(line_of(&second), line_of(&first) + 4);

    // A real change is still one: the capability is dropped, another added.
    std::fs::write(&file, moved.replace("SYS_ADMIN", "NET_ADMIN")).unwrap();
    audit(&db, &file);
    let d = diff(&db);
    assert_eq!(ids(&d["findings"]["gone"]), ["cap-add"], "{d:#}");
    assert_eq!(ids(&d["findings"]["new"]), ["cap-add"], "{d:#}");
    assert!(d["findings"]["gone"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .ends_with("#cap_add: SYS_ADMIN"));
}

#[test]
fn a_baseline_written_before_the_edit_still_suppresses_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    let baseline = dir.path().join("baseline.json");
    std::fs::write(&file, COMPOSE).unwrap();
    let out = aimap_cmd()
        .args(["--no-store", "audit", file.to_str().unwrap()])
        .args(["--format", "json", "--fail-on", "none", "--write-baseline"])
        .arg(&baseline)
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&file, format!("# moved\n\n{COMPOSE}")).unwrap();
    let out = aimap_cmd()
        .args(["--no-store", "audit", file.to_str().unwrap()])
        .args(["--format", "json", "--fail-on", "none", "--baseline"])
        .arg(&baseline)
        .output()
        .unwrap();
    let report = json_of(&out);
    let config = &report["configs"][0];
    assert_eq!(config["findings"], Value::Array(vec![]), "{config:#}");
    assert!(!config["suppressed"].as_array().unwrap().is_empty());
}

/// `pickle.dumps` of a `__reduce__` to `os.system("id")` at protocol 2,
/// as CPython on Linux writes it: PROTO 2, then GLOBAL `posix system` at byte 2.
const PICKLE: &[u8] = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";

#[test]
fn model_findings_keep_their_byte_offsets_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aimap.db").display().to_string();
    let file = dir.path().join("model.pkl");
    std::fs::write(&file, PICKLE).unwrap();
    audit(&db, &file);
    let show = json_of(&run(&db, &["show", "last", "--format", "json"]));
    let f = &show["findings"][0];
    assert_eq!(f["kind"], "unsafe-model", "{show:#}");
    assert_eq!(f["byte_offset"], 2, "{f:#}");
    assert_eq!(PICKLE[2], b'c', "GLOBAL");
}
