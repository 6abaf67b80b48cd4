//! ONNX models are protobuf. Fields are walked by hand, with bounds, over
//! only the messages that matter: tensors whose data lives in external files
//! (where the path points) and nodes and functions (their operator domain).
use std::collections::BTreeSet;

use aimap_model::Severity;

use super::{Origin, Outcome};
use crate::bytes::Cursor;
use crate::report::ModelFormat;
use crate::rules::{Issue, Level, Rule};
use crate::ModelScanError;

/// Protobuf messages nest; graphs inside If/Loop attributes nest again.
const MAX_NESTING: u32 = 64;

/// Domains every ONNX runtime knows; vendor domains are recorded as info.
const STANDARD: &[&str] = &[
    "",
    "ai.onnx",
    "ai.onnx.ml",
    "ai.onnx.training",
    "ai.onnx.preview.training",
];
const VENDOR: &[&str] = &[
    "com.microsoft",
    "com.microsoft.nchwc",
    "com.microsoft.experimental",
    "org.pytorch.aten",
    "com.ms.internal.nhwc",
    "pkg.onnxscript.torch_lib",
];

#[derive(Clone, Copy, PartialEq)]
enum Msg {
    Model,
    Graph,
    Node,
    Attribute,
    Tensor,
    SparseTensor,
    Function,
    Entry,
}

struct Walk<'o> {
    origin: &'o Origin,
    issues: Vec<Issue>,
    domains: BTreeSet<(String, String)>,
    /// Functions the model defines itself: calls to them are not native code.
    functions: BTreeSet<(String, String)>,
    saw_graph: bool,
}

enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8], usize),
    Fixed,
}

fn fields<'a>(
    data: &'a [u8],
    base: usize,
) -> impl Iterator<Item = Result<(u64, Field<'a>), String>> {
    let mut c = Cursor::new(data);
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || c.is_empty() {
            return None;
        }
        let at = base + c.pos();
        let item = (|| -> Result<(u64, Field<'a>), String> {
            let key = c.varint().ok_or_else(|| "bad field key".to_string())?;
            let (number, wire) = (key >> 3, key & 7);
            let field = match wire {
                0 => Field::Varint(c.varint().ok_or_else(|| "truncated varint".to_string())?),
                1 => {
                    c.skip(8).ok_or_else(|| "truncated fixed64".to_string())?;
                    Field::Fixed
                }
                5 => {
                    c.skip(4).ok_or_else(|| "truncated fixed32".to_string())?;
                    Field::Fixed
                }
                2 => {
                    let len = c.varint().ok_or_else(|| "truncated length".to_string())?;
                    let start = base + c.pos();
                    Field::Bytes(
                        c.take(len)
                            .ok_or_else(|| "length runs past the end".to_string())?,
                        start,
                    )
                }
                w => return Err(format!("unsupported wire type {w}")),
            };
            if number == 0 {
                return Err("field number 0".to_string());
            }
            Ok((number, field))
        })();
        let item = item.map_err(|e| format!("{e} at byte {at}"));
        failed = item.is_err();
        Some(item)
    })
}

impl Walk<'_> {
    fn message(&mut self, data: &[u8], base: usize, kind: Msg, depth: u32) -> Result<(), String> {
        if depth > MAX_NESTING {
            return Err("messages nested too deep".into());
        }
        let (mut domain, mut op_type) = (String::new(), String::new());
        let (mut external, mut location) = (false, None);
        for field in fields(data, base) {
            let (number, field) = field?;
            let text = |f: &Field| match f {
                Field::Bytes(b, _) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            };
            let child = match (kind, number) {
                (Msg::Model, 7) | (Msg::Attribute, 6) | (Msg::Attribute, 11) => Some(Msg::Graph),
                (Msg::Model, 25) => Some(Msg::Function),
                (Msg::Graph, 1) | (Msg::Function, 7) => Some(Msg::Node),
                (Msg::Graph, 5)
                | (Msg::Attribute, 5)
                | (Msg::Attribute, 10)
                | (Msg::SparseTensor, 1)
                | (Msg::SparseTensor, 2) => Some(Msg::Tensor),
                (Msg::Graph, 15) | (Msg::Attribute, 22) | (Msg::Attribute, 23) => {
                    Some(Msg::SparseTensor)
                }
                (Msg::Node, 5) => Some(Msg::Attribute),
                (Msg::Tensor, 13) => Some(Msg::Entry),
                _ => None,
            };
            match (kind, number, &field) {
                (Msg::Node, 7, _) | (Msg::Function, 10, _) => {
                    domain = text(&field).unwrap_or_default()
                }
                (Msg::Node, 4, _) | (Msg::Function, 1, _) => {
                    op_type = text(&field).unwrap_or_default()
                }
                (Msg::Tensor, 14, Field::Varint(1)) => external = true,
                _ => {}
            }
            if let (Some(child), Field::Bytes(bytes, start)) = (child, &field) {
                if child == Msg::Entry {
                    let (k, v) = entry(bytes, *start)?;
                    if k.as_deref() == Some("location") {
                        location = v.map(|v| (v, *start));
                    }
                } else {
                    self.message(bytes, *start, child, depth + 1)?;
                }
            }
        }
        if let Some((path, at)) = location {
            self.check_location(&path, at, external);
        }
        if kind == Msg::Function {
            self.functions.insert((domain, op_type));
        } else if kind == Msg::Node && !STANDARD.contains(&domain.as_str()) {
            self.domains.insert((domain, op_type));
        } else if kind == Msg::Graph {
            self.saw_graph = true;
        }
        Ok(())
    }

    fn check_location(&mut self, path: &str, at: usize, external: bool) {
        let absolute =
            path.starts_with('/') || path.starts_with('\\') || path.get(1..2) == Some(":");
        let parent = path.split(['/', '\\']).any(|part| part == "..");
        if !(absolute || parent) {
            return;
        }
        let how = if absolute {
            "an absolute path"
        } else {
            "a path through .."
        };
        let flag = if external {
            ""
        } else {
            " (data_location not EXTERNAL)"
        };
        self.issues.push(
            Issue::new(
                Rule::OnnxExternalDataEscape,
                Level::Unsafe,
                Severity::High,
                format!("ONNX external data at {how}: {path:?}"),
            )
            .evidence(format!(
                "external_data location {path:?} at {}{flag}",
                self.origin.where_is(at)
            ))
            .at(self.origin.file_offset(at)),
        );
    }
}

fn entry(data: &[u8], base: usize) -> Result<(Option<String>, Option<String>), String> {
    let (mut k, mut v) = (None, None);
    for field in fields(data, base) {
        if let (n, Field::Bytes(b, _)) = field? {
            let s = Some(String::from_utf8_lossy(b).into_owned());
            match n {
                1 => k = s,
                2 => v = s,
                _ => {}
            }
        }
    }
    Ok((k, v))
}

pub fn scan(data: &[u8], origin: &Origin) -> Outcome {
    let mut walk = Walk {
        origin,
        issues: Vec::new(),
        domains: BTreeSet::new(),
        functions: BTreeSet::new(),
        saw_graph: false,
    };
    if let Err(e) = walk.message(data, 0, Msg::Model, 0) {
        let mut out = Outcome::failed(
            ModelFormat::Onnx,
            ModelScanError::malformed("onnx", origin.tag(e)),
        );
        out.issues = walk.issues;
        return out;
    }
    let mut out = Outcome::new(ModelFormat::Onnx);
    out.issues = walk.issues;
    if !walk.saw_graph {
        out.error = Some(ModelScanError::malformed(
            "onnx",
            origin.tag("no graph: not an ONNX model".into()),
        ));
    }
    for (domain, op) in walk.domains {
        if walk.functions.contains(&(domain.clone(), op.clone())) {
            continue;
        }
        let vendor = VENDOR.contains(&domain.as_str());
        let (level, severity) = if vendor {
            (Level::Info, Severity::Info)
        } else {
            (Level::Suspicious, Severity::Medium)
        };
        out.issues.push(
            Issue::new(
                Rule::OnnxCustomDomain,
                level,
                severity,
                format!("ONNX operator {op} from custom domain {domain:?}"),
            )
            .evidence(format!("node op_type {op:?} domain {domain:?}")),
        );
    }
    out
}
