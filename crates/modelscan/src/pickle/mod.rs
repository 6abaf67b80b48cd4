//! Pickle streams: walk every pickle in the data, then judge each import.
mod joblib;
mod machine;
mod memo;
mod scalars;
mod value;

use std::collections::BTreeMap;

use aimap_model::Severity;

use crate::formats::Origin;
use crate::policy::{canonical, judge, Judgement};
use crate::rules::{Issue, Level, Rule};
use crate::{Limits, ModelScanError};
pub use machine::Event;
use machine::Machine;

/// How many pickles a stream holds.
#[derive(Debug, Clone, Copy)]
pub enum Pickles {
    /// One, as `pickle.load` reads; further pickles that follow directly
    /// (starting with PROTO) are walked too, on a best-effort basis.
    One,
    /// Exactly this many, back to back (the legacy torch format has five,
    /// then raw storage bytes).
    Exactly(usize),
}

/// What walking a stream found.
#[derive(Debug, Default)]
pub struct PickleScan {
    pub issues: Vec<Issue>,
    pub error: Option<ModelScanError>,
    /// Where the last complete pickle ended.
    pub end: usize,
    pub pickles: usize,
    pub persistent_ids: u64,
    /// The last `module.name` imported (legacy torch storage records name
    /// their storage class this way).
    pub last_import: Option<(String, String)>,
}

/// The legacy (pre-zip) torch format opens with its magic number
/// 0x1950a86a20f9469cfc6c pickled as a protocol-2 LONG1.
pub const TORCH_LEGACY_PREFIX: &[u8] = &[
    0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];

/// Walk the pickle(s) at `start` in `data` and judge their imports.
pub fn scan(
    data: &[u8],
    start: usize,
    origin: &Origin,
    limits: &Limits,
    count: Pickles,
) -> PickleScan {
    let mut m = Machine::new(data, start, limits);
    let mut out = PickleScan {
        end: start,
        ..PickleScan::default()
    };
    loop {
        let wanted = match count {
            Pickles::One => {
                out.pickles == 0 || (m.peek() == Some(0x80) && starts_pickle(&data[m.pos()..]))
            }
            Pickles::Exactly(n) => out.pickles < n,
        };
        if !wanted || (out.pickles > 0 && m.at_end()) {
            break;
        }
        match m.run_one() {
            Ok(_) => {
                out.pickles += 1;
                out.end = m.pos();
            }
            Err(fault) => {
                // A pickle after the first one that `pickle.load` would read
                // is only walked for its imports; junk there is no error.
                let must = matches!(count, Pickles::Exactly(_)) || out.pickles == 0;
                if must {
                    out.error = Some(ModelScanError::Pickle {
                        offset: origin.describe_offset(fault.offset),
                        reason: origin.tag(fault.reason),
                    });
                }
                break;
            }
        }
    }
    out.persistent_ids = m.persistent_ids;
    out.last_import = m.events.iter().rev().find_map(|e| match e {
        Event::Import { module, name, .. } => Some((module.clone(), name.clone())),
        _ => None,
    });
    out.issues = judge_events(&m.events, origin);
    out
}

/// `\x80` followed by a protocol number CPython knows.
pub fn starts_pickle(data: &[u8]) -> bool {
    matches!(data, [0x80, 2..=5, ..])
}

/// One issue per distinct import (with its first offset and a count), so a
/// checkpoint that imports the same class ten thousand times stays readable.
fn judge_events(events: &[Event], origin: &Origin) -> Vec<Issue> {
    let mut imports: BTreeMap<(String, String), (usize, &'static str, usize)> = BTreeMap::new();
    let mut issues = Vec::new();
    for e in events {
        match e {
            Event::Import {
                module,
                name,
                offset,
                opcode,
            } => {
                imports
                    .entry((module.clone(), name.clone()))
                    .and_modify(|(_, _, n)| *n += 1)
                    .or_insert((*offset, opcode, 1));
            }
            Event::Unresolved { offset, detail } => issues.push(
                Issue::new(
                    Rule::PickleUnresolvedGlobal,
                    Level::Suspicious,
                    Severity::High,
                    "pickle builds an import name at load time",
                )
                .evidence(format!(
                    "STACK_GLOBAL {detail} at {}",
                    origin.where_is(*offset)
                ))
                .at(origin.file_offset(*offset)),
            ),
            Event::Extension { offset, code } => issues.push(
                Issue::new(
                    Rule::PickleExtension,
                    Level::Suspicious,
                    Severity::High,
                    format!("pickle imports extension-registry code {code}"),
                )
                .evidence(format!("EXT code {code} at {}", origin.where_is(*offset)))
                .at(origin.file_offset(*offset)),
            ),
        }
    }
    for ((raw_module, raw_name), (offset, opcode, n)) in imports {
        let (module, name) = canonical(&raw_module, &raw_name);
        let (rule, level, severity, title) = match judge(&module, &name) {
            Judgement::Allowed => continue,
            Judgement::Denied(why) => (
                Rule::PickleDangerousImport,
                Level::Unsafe,
                Severity::Critical,
                format!("pickle imports {module}.{name} ({why})"),
            ),
            Judgement::Unknown => (
                Rule::PickleUnknownImport,
                Level::Suspicious,
                Severity::Medium,
                format!("pickle imports {module}.{name}, outside the weights allow-list"),
            ),
        };
        let times = if n > 1 {
            format!(" ({n} times)")
        } else {
            String::new()
        };
        let written =
            if (raw_module.as_str(), raw_name.as_str()) == (module.as_str(), name.as_str()) {
                String::new()
            } else {
                format!(" (written as {raw_module}.{raw_name})")
            };
        issues.push(
            Issue::new(rule, level, severity, title)
                .evidence(format!(
                    "{opcode} {module}.{name}{written} at {}{times}",
                    origin.where_is(offset)
                ))
                .at(origin.file_offset(offset)),
        );
    }
    issues
}
