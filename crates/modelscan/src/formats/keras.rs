//! Keras model configs (`config.json` in a `.keras` zip, the `model_config`
//! attribute of a legacy `.h5`). A config names the classes and functions
//! Keras imports while loading; a Lambda layer carries Python bytecode.
use std::collections::BTreeSet;

use aimap_model::Severity;
use serde_json::Value;

use super::{Origin, Outcome};
use crate::policy::{judge, Judgement};
use crate::report::ModelFormat;
use crate::rules::{Issue, Level, Rule};
use crate::ModelScanError;

/// Modules whose objects are Keras' (or TensorFlow's) own.
fn is_builtin_module(module: &str) -> bool {
    ["keras", "tensorflow", "tf_keras"]
        .iter()
        .any(|k| module == *k || module.starts_with(&format!("{k}.")))
}

pub fn scan_config(json: &[u8], origin: &Origin, format: ModelFormat) -> Outcome {
    let root: Value = match serde_json::from_slice(json) {
        Ok(v) => v,
        Err(e) => {
            return Outcome::failed(
                format,
                ModelScanError::malformed("keras", origin.tag(format!("config is not JSON: {e}"))),
            )
        }
    };
    let mut out = Outcome::new(format);
    let mut seen = BTreeSet::new();
    walk(&root, origin, &mut out.issues, &mut seen);
    out
}

fn walk(v: &Value, origin: &Origin, issues: &mut Vec<Issue>, seen: &mut BTreeSet<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| walk(i, origin, issues, seen)),
        Value::Object(map) => {
            if let Some(class) = map.get("class_name").and_then(Value::as_str) {
                judge_object(class, map, origin, issues, seen);
            }
            map.values().for_each(|i| walk(i, origin, issues, seen));
        }
        _ => {}
    }
}

fn where_in(origin: &Origin) -> String {
    origin
        .entry
        .clone()
        .unwrap_or_else(|| "model config".into())
}

fn judge_object(
    class: &str,
    map: &serde_json::Map<String, Value>,
    origin: &Origin,
    issues: &mut Vec<Issue>,
    seen: &mut BTreeSet<String>,
) {
    let config = map.get("config");
    let layer_name = config
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("?");
    if class == "Lambda" {
        let function = config.and_then(|c| c.get("function"));
        let bytecode = function.is_some_and(|f| {
            f.get("class_name").and_then(Value::as_str) == Some("__lambda__")
                || f.is_array()
                || f.is_string()
        }) && config
            .and_then(|c| c.get("function_type"))
            .and_then(Value::as_str)
            .is_none_or(|t| t == "lambda");
        let what = if bytecode {
            "serialized Python bytecode"
        } else {
            "a Python function"
        };
        issues.push(
            Issue::new(
                Rule::KerasLambda,
                Level::Unsafe,
                Severity::High,
                format!("Keras Lambda layer {layer_name:?} carries {what}"),
            )
            .evidence(format!(
                "layer {layer_name:?} (class_name Lambda) in {}",
                where_in(origin)
            )),
        );
        return;
    }
    if class.starts_with("__") {
        return;
    }
    let Some(module) = map.get("module").and_then(Value::as_str) else {
        return;
    };
    // Functions are stored as module + name and imported on load.
    if class == "function" {
        if let Some(name) = config.and_then(Value::as_str) {
            if let Judgement::Denied(why) = judge(module, name) {
                issues.push(
                    Issue::new(
                        Rule::KerasDangerousFunction,
                        Level::Unsafe,
                        Severity::Critical,
                        format!("Keras config calls {module}.{name} ({why})"),
                    )
                    .evidence(format!(
                        "{{\"module\": {module:?}, \"config\": {name:?}}} in {}",
                        where_in(origin)
                    )),
                );
                return;
            }
            if !is_builtin_module(module) && seen.insert(format!("{module}.{name}")) {
                issues.push(custom(&format!("{module}.{name}"), origin));
            }
        }
        return;
    }
    if let Judgement::Denied(why) = judge(module, class) {
        issues.push(
            Issue::new(
                Rule::KerasDangerousFunction,
                Level::Unsafe,
                Severity::Critical,
                format!("Keras config imports {module}.{class} ({why})"),
            )
            .evidence(format!(
                "{{\"module\": {module:?}, \"class_name\": {class:?}}} in {}",
                where_in(origin)
            )),
        );
    } else if !is_builtin_module(module) && seen.insert(format!("{module}.{class}")) {
        issues.push(custom(&format!("{module}.{class}"), origin));
    }
}

fn custom(what: &str, origin: &Origin) -> Issue {
    Issue::new(
        Rule::KerasCustomObject,
        Level::Suspicious,
        Severity::Medium,
        format!("Keras config imports custom object {what}"),
    )
    .evidence(format!("{what} in {}", where_in(origin)))
}
