//! OSV range evaluation, exactly as the OSV schema describes it: events
//! sorted by version, `introduced: "0"` below everything, `fixed` and
//! `limit` exclusive, `last_affected` inclusive, and a version affected
//! when any range says so.

use std::cmp::Ordering;

use crate::error::Result;
use crate::osv::{EventKind, Range};
use crate::version::{Scheme, Version};

#[derive(Debug, Clone, PartialEq)]
enum Bound {
    /// `introduced: "0"`: before every version.
    Zero,
    At(Version),
}

impl Bound {
    /// `self` compared with `v`.
    fn cmp_version(&self, v: &Version) -> Option<Ordering> {
        match self {
            Self::Zero => Some(Ordering::Less),
            Self::At(b) => b.partial_cmp(v),
        }
    }

    fn cmp_bound(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Zero, Self::Zero) => Ordering::Equal,
            (Self::Zero, _) => Ordering::Less,
            (_, Self::Zero) => Ordering::Greater,
            (Self::At(a), Self::At(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        }
    }
}

#[derive(Debug, Clone)]
struct CompiledEvent {
    kind: EventKind,
    bound: Bound,
    text: String,
}

/// Where a version fell inside a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The `introduced` event that opened the affected interval (`0` for
    /// "from the beginning").
    pub introduced: String,
    /// The first fixed version above it, if the data names one.
    pub fixed: Option<String>,
    /// The last affected version, when the data gives that instead of a fix.
    pub last_affected: Option<String>,
}

/// A range with its versions parsed once and its events sorted.
#[derive(Debug, Clone)]
pub struct CompiledRange {
    events: Vec<CompiledEvent>,
}

impl CompiledRange {
    /// Parses and sorts a validated range under `scheme`.
    pub fn compile(range: &Range, scheme: Scheme) -> Result<Self> {
        let mut events = Vec::with_capacity(range.events.len());
        for e in &range.events {
            let bound = if e.kind == EventKind::Introduced && e.version == "0" {
                Bound::Zero
            } else {
                Bound::At(scheme.parse(&e.version)?)
            };
            events.push(CompiledEvent {
                kind: e.kind,
                bound,
                text: e.version.clone(),
            });
        }
        // At equal versions an `introduced` comes first, so that
        // `introduced: 1.0, fixed: 1.0` affects nothing.
        events.sort_by(|a, b| a.bound.cmp_bound(&b.bound).then(a.kind.cmp(&b.kind)));
        Ok(Self { events })
    }

    /// Whether `v` is affected, and by which interval.
    pub fn affects(&self, v: &Version) -> Option<Hit> {
        let mut open: Option<usize> = None;
        for (i, e) in self.events.iter().enumerate() {
            let ord = e.bound.cmp_version(v)?;
            match e.kind {
                EventKind::Introduced if ord != Ordering::Greater => open = Some(i),
                EventKind::Fixed | EventKind::Limit if ord != Ordering::Greater => open = None,
                EventKind::LastAffected if ord == Ordering::Less => open = None,
                // Sorted: nothing later can apply to `v`.
                _ if ord == Ordering::Greater => break,
                _ => {}
            }
        }
        // `limit` caps the whole range, whatever was introduced after it.
        let limited = self.events.iter().any(|e| {
            e.kind == EventKind::Limit && e.bound.cmp_version(v) != Some(Ordering::Greater)
        });
        let start = open.filter(|_| !limited)?;
        let close = self.events[start + 1..]
            .iter()
            .find(|e| matches!(e.kind, EventKind::Fixed | EventKind::LastAffected));
        Some(Hit {
            introduced: self.events[start].text.clone(),
            fixed: close
                .filter(|e| e.kind == EventKind::Fixed)
                .map(|e| e.text.clone()),
            last_affected: close
                .filter(|e| e.kind == EventKind::LastAffected)
                .map(|e| e.text.clone()),
        })
    }

    /// True when the range affects every version (`introduced: "0"` and
    /// nothing closing it), so the answer does not depend on a version.
    pub fn affects_all_versions(&self) -> bool {
        self.events.iter().any(|e| e.bound == Bound::Zero)
            && self.events.iter().all(|e| e.kind == EventKind::Introduced)
    }

    /// The range in words: `< 6.2.20; >= 7.0.0, < 7.2.11`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        // The interval being written: `Some("")` opened at zero.
        let mut open: Option<String> = None;
        for e in &self.events {
            if e.kind == EventKind::Introduced {
                open = Some(if e.bound == Bound::Zero {
                    String::new()
                } else {
                    format!(">= {}", e.text)
                });
                continue;
            }
            let op = if e.kind == EventKind::LastAffected {
                "<="
            } else {
                "<"
            };
            let close = format!("{op} {}", e.text);
            parts.push(match open.take() {
                Some(start) if !start.is_empty() => format!("{start}, {close}"),
                _ => close,
            });
        }
        if let Some(start) = open {
            parts.push(if start.is_empty() {
                "all versions".into()
            } else {
                start
            });
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::{Event, RangeKind};

    fn range(events: &[(EventKind, &str)]) -> CompiledRange {
        let r = Range {
            kind: RangeKind::Ecosystem,
            repo: None,
            events: events
                .iter()
                .map(|(k, v)| Event {
                    kind: *k,
                    version: v.to_string(),
                })
                .collect(),
        };
        CompiledRange::compile(&r, Scheme::Generic).unwrap()
    }

    fn hit(r: &CompiledRange, v: &str) -> Option<Hit> {
        r.affects(&Scheme::Generic.parse(v).unwrap())
    }

    fn affected(r: &CompiledRange, v: &str) -> bool {
        hit(r, v).is_some()
    }

    use EventKind::{Fixed, Introduced as Intro, LastAffected as Last, Limit};

    #[test]
    fn introduced_zero_and_fixed_is_exclusive() {
        let r = range(&[(Intro, "0"), (Fixed, "1.0.0")]);
        assert!(affected(&r, "0.0.1"));
        assert!(affected(&r, "0.9.9"));
        assert!(!affected(&r, "1.0.0"));
        assert!(!affected(&r, "1.0.1"));
        assert_eq!(
            hit(&r, "0.5").unwrap(),
            Hit {
                introduced: "0".into(),
                fixed: Some("1.0.0".into()),
                last_affected: None
            }
        );
        assert_eq!(r.describe(), "< 1.0.0");
    }

    #[test]
    fn introduced_is_inclusive() {
        let r = range(&[(Intro, "1.2.0"), (Fixed, "1.3.0")]);
        assert!(!affected(&r, "1.1.9"));
        assert!(affected(&r, "1.2.0"));
        assert!(affected(&r, "1.2.99"));
        assert!(!affected(&r, "1.3.0"));
    }

    #[test]
    fn last_affected_is_inclusive_and_gives_no_fix() {
        let r = range(&[(Intro, "1.0.0"), (Last, "1.5.9")]);
        assert!(!affected(&r, "0.6.3"));
        assert!(affected(&r, "1.5.9"));
        assert!(!affected(&r, "1.5.10"));
        assert_eq!(hit(&r, "1.5.9").unwrap().fixed, None);
        assert_eq!(
            hit(&r, "1.5.9").unwrap().last_affected.as_deref(),
            Some("1.5.9")
        );
        assert_eq!(r.describe(), ">= 1.0.0, <= 1.5.9");
    }

    #[test]
    fn open_ended_ranges() {
        let all = range(&[(Intro, "0")]);
        assert!(affected(&all, "0.0.1") && affected(&all, "99.0"));
        assert!(all.affects_all_versions());
        assert_eq!(all.describe(), "all versions");
        let from = range(&[(Intro, "2.0")]);
        assert!(!affected(&from, "1.9") && affected(&from, "2.0") && affected(&from, "3.0"));
        assert!(!from.affects_all_versions());
        assert_eq!(hit(&from, "3.0").unwrap().fixed, None);
        assert_eq!(from.describe(), ">= 2.0");
    }

    #[test]
    fn several_intervals_in_one_range_pick_their_own_fix() {
        // Redis CVE-2025-49844: one fix per maintained branch, none for 7.0.
        let r = range(&[
            (Intro, "0"),
            (Fixed, "6.2.20"),
            (Intro, "7.0.0"),
            (Fixed, "7.2.11"),
            (Intro, "7.4.0"),
            (Fixed, "7.4.6"),
            (Intro, "8.0.0"),
            (Fixed, "8.0.4"),
            (Intro, "8.2.0"),
            (Fixed, "8.2.2"),
        ]);
        let fix = |v: &str| hit(&r, v).and_then(|h| h.fixed);
        assert_eq!(fix("6.2.17").as_deref(), Some("6.2.20"));
        assert_eq!(fix("6.2.20"), None);
        assert!(!affected(&r, "6.2.21"));
        assert_eq!(fix("7.0.15").as_deref(), Some("7.2.11"));
        assert_eq!(fix("7.2.4").as_deref(), Some("7.2.11"));
        assert!(!affected(&r, "7.2.11"));
        assert_eq!(fix("7.4.0").as_deref(), Some("7.4.6"));
        assert!(!affected(&r, "7.4.6") && !affected(&r, "8.0.4"));
        assert_eq!(fix("8.2.1").as_deref(), Some("8.2.2"));
        assert!(!affected(&r, "8.2.2") && !affected(&r, "8.4.0"));
        assert_eq!(
            r.describe(),
            "< 6.2.20; >= 7.0.0, < 7.2.11; >= 7.4.0, < 7.4.6; >= 8.0.0, < 8.0.4; >= 8.2.0, < 8.2.2"
        );
    }

    #[test]
    fn events_are_sorted_before_evaluation() {
        let r = range(&[
            (Fixed, "2.0"),
            (Intro, "1.0"),
            (Fixed, "4.0"),
            (Intro, "3.0"),
        ]);
        assert!(!affected(&r, "0.5"));
        assert!(affected(&r, "1.5"));
        assert!(!affected(&r, "2.5"));
        assert!(affected(&r, "3.5"));
        assert!(!affected(&r, "4.0"));
    }

    #[test]
    fn equal_introduced_and_fixed_affect_nothing() {
        let r = range(&[(Intro, "1.0"), (Fixed, "1.0")]);
        assert!(!affected(&r, "1.0") && !affected(&r, "0.9") && !affected(&r, "1.1"));
    }

    #[test]
    fn limit_caps_the_range() {
        let r = range(&[(Intro, "0"), (Limit, "2.0")]);
        assert!(affected(&r, "1.9"));
        assert!(!affected(&r, "2.0") && !affected(&r, "3.0"));
        let r = range(&[(Intro, "1.0"), (Limit, "2.0"), (Intro, "3.0")]);
        assert!(!affected(&r, "3.5"), "limit applies to the whole range");
    }

    #[test]
    fn pre_releases_before_the_fix_are_affected() {
        let r = range(&[(Intro, "0"), (Fixed, "8.0.0")]);
        assert!(affected(&r, "8.0-rc1"));
    }
}
