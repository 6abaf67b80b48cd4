//! SARIF 2.1.0, the format code-scanning dashboards read. Any finding can be
//! written: file subjects become physical locations (a line and column for
//! text, a byte offset for binary files such as model weights); service and
//! component subjects become logical locations. One rule per finding id,
//! with the finding's description as its help text.
use std::collections::BTreeMap;
use std::io::{self, Write};

use aimap_model::{Finding, Severity, Subject};
use serde_json::{json, Value};

/// One result to write: a finding, plus its byte offset in a binary file.
#[derive(Debug, Clone, Copy)]
pub struct SarifResult<'a> {
    pub finding: &'a Finding,
    pub byte_offset: Option<u64>,
}

/// The tool that produced the results.
#[derive(Debug, Clone)]
pub struct SarifTool<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub information_uri: &'a str,
}

/// SARIF levels: critical/high → error, medium → warning, low/info → note.
pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The 0–10 score GitHub code scanning sorts security results by.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A path as a URI reference: absolute paths become `file://` URIs, relative
/// ones stay relative; everything but unreserved characters and `/` is
/// percent-encoded.
pub fn path_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(i) => &text[..=i],
        None => text,
    }
}

fn rule(f: &Finding, worst: Severity) -> Value {
    let mut help = f.remediation.clone();
    if !f.references.is_empty() {
        help.push_str("\n\nReferences: ");
        help.push_str(&f.references.join(", "));
    }
    let description = if f.description.is_empty() {
        &f.title
    } else {
        &f.description
    };
    let mut r = json!({
        "id": f.id,
        "shortDescription": { "text": first_sentence(description) },
        "fullDescription": { "text": description },
        "help": { "text": help },
        "defaultConfiguration": { "level": sarif_level(worst) },
        "properties": {
            "tags": ["security", kind_tag(f)],
            "security-severity": security_severity(worst),
        },
    });
    if let Some(uri) = f.references.first() {
        r["helpUri"] = json!(uri);
    }
    r
}

fn kind_tag(f: &Finding) -> String {
    serde_json::to_value(f.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn location(f: &Finding, byte_offset: Option<u64>) -> Value {
    match &f.subject {
        Subject::File { path, line, column } => {
            let mut region = serde_json::Map::new();
            if let Some(l) = line {
                region.insert("startLine".into(), json!(l));
                if let Some(c) = column {
                    region.insert("startColumn".into(), json!(c));
                }
            } else if let Some(o) = byte_offset {
                region.insert("byteOffset".into(), json!(o));
            }
            let mut physical = json!({ "artifactLocation": { "uri": path_uri(path) } });
            if !region.is_empty() {
                physical["region"] = Value::Object(region);
            }
            json!({ "physicalLocation": physical })
        }
        Subject::Service { .. } | Subject::Component { .. } => json!({
            "logicalLocations": [{ "fullyQualifiedName": f.subject.key(), "kind": "resource" }]
        }),
    }
}

/// Records the run's invocation: files that could not be read or parsed
/// become `toolExecutionNotifications` (level `error`, located at the
/// file), and `executionSuccessful` is false when there are any. A code
/// scanning UI then shows that part of the input went unaudited instead of
/// a clean result.
pub fn add_notifications(log: &mut Value, errors: &[(&str, &str)]) {
    let notes: Vec<Value> = errors
        .iter()
        .map(|(path, message)| {
            json!({
                "level": "error",
                "message": { "text": message },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": path_uri(path) } } }],
            })
        })
        .collect();
    log["runs"][0]["invocations"] = json!([{
        "executionSuccessful": notes.is_empty(),
        "toolExecutionNotifications": notes,
    }]);
}

/// The whole SARIF log as a JSON value.
pub fn sarif_log(tool: &SarifTool<'_>, results: &[SarifResult<'_>]) -> Value {
    // Rules in id order; each rule's level is the worst severity it reached.
    let mut rules: BTreeMap<&str, (&Finding, Severity)> = BTreeMap::new();
    for r in results {
        let e = rules
            .entry(&r.finding.id)
            .or_insert((r.finding, r.finding.severity));
        e.1 = e.1.max(r.finding.severity);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let out: Vec<Value> = results
        .iter()
        .map(|r| {
            let f = r.finding;
            let text = if f.evidence.is_empty() {
                f.title.clone()
            } else {
                format!("{}: {}", f.title, f.evidence)
            };
            json!({
                "ruleId": f.id,
                "ruleIndex": index.get(f.id.as_str()).copied().unwrap_or(0),
                "level": sarif_level(f.severity),
                "message": { "text": text },
                "locations": [location(f, r.byte_offset)],
                "partialFingerprints": { "aimapFinding/v1": f.fingerprint() },
                "properties": { "severity": f.severity.as_str() },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": tool.name,
                "version": tool.version,
                "informationUri": tool.information_uri,
                "rules": rules.values().map(|(f, worst)| rule(f, *worst)).collect::<Vec<_>>(),
            }},
            "results": out,
        }],
    })
}

/// Write the SARIF log, pretty-printed.
pub fn write_sarif(
    mut out: impl Write,
    tool: &SarifTool<'_>,
    results: &[SarifResult<'_>],
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &sarif_log(tool, results))?;
    writeln!(out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aimap_model::FindingKind;

    fn finding(id: &str, severity: Severity, subject: Subject) -> Finding {
        Finding {
            id: id.into(),
            kind: FindingKind::UnsafeModel,
            severity,
            title: "t".into(),
            description: "Why it matters. More.".into(),
            subject,
            evidence: "e".into(),
            remediation: "fix".into(),
            references: vec!["https://example.invalid/r".into()],
        }
    }

    #[test]
    fn maps_levels_locations_and_rules() {
        let file = Subject::File {
            path: "/m/a b.pt".into(),
            line: None,
            column: None,
        };
        let text = Subject::File {
            path: "c.yaml".into(),
            line: Some(3),
            column: Some(2),
        };
        let a = finding("x", Severity::Critical, file);
        let b = finding("x", Severity::Medium, text);
        let c = finding(
            "y",
            Severity::Low,
            Subject::Component {
                purl: "pkg:pypi/a".into(),
            },
        );
        let log = sarif_log(
            &SarifTool {
                name: "aimap",
                version: "0",
                information_uri: "https://example.invalid",
            },
            &[
                SarifResult {
                    finding: &a,
                    byte_offset: Some(7),
                },
                SarifResult {
                    finding: &b,
                    byte_offset: None,
                },
                SarifResult {
                    finding: &c,
                    byte_offset: None,
                },
            ],
        );
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"],
            "error"
        );
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["shortDescription"]["text"],
            "Why it matters."
        );
        let r = &run["results"];
        assert_eq!(r[0]["level"], "error");
        assert_eq!(r[1]["level"], "warning");
        assert_eq!(r[2]["level"], "note");
        assert_eq!(r[2]["ruleIndex"], 1);
        let loc = &r[0]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "file:///m/a%20b.pt");
        assert_eq!(loc["region"]["byteOffset"], 7);
        assert_eq!(
            r[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
    }

    #[test]
    fn unreadable_files_become_notifications_and_the_run_is_not_successful() {
        let tool = SarifTool {
            name: "aimap",
            version: "0",
            information_uri: "https://example.invalid",
        };
        let mut log = sarif_log(&tool, &[]);
        add_notifications(&mut log, &[("/m/bad.yaml", "not valid YAML: line 3")]);
        let inv = &log["runs"][0]["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        let n = &inv["toolExecutionNotifications"][0];
        assert_eq!(n["level"], "error");
        assert_eq!(n["message"]["text"], "not valid YAML: line 3");
        assert_eq!(
            n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "file:///m/bad.yaml"
        );
        let mut clean = sarif_log(&tool, &[]);
        add_notifications(&mut clean, &[]);
        assert_eq!(
            clean["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
    }
}
