//! One finding per root cause. After resolution a value set once (a
//! password in `.env`, an anchor merged into many services) is seen by
//! every service that uses it; each sight would be a finding at the same
//! line. The key is (rule, file, line) of the place that defines the
//! value: sights merge into one finding that lists where else it is used.
use std::collections::HashMap;

use aimap_model::{Finding, Subject};

use crate::ConfigReport;

/// Most "also used by" names listed in one evidence string.
const MAX_USES: usize = 5;

fn key(f: &Finding) -> Option<(String, String, u32)> {
    match &f.subject {
        Subject::File { path, line, .. } => Some((f.id.clone(), path.clone(), line.unwrap_or(0))),
        _ => None,
    }
}

/// Add `also` to `kept`: the higher severity, and its evidence when new.
fn absorb(kept: &mut Finding, also: Finding, uses: &mut Vec<String>, used_by: String) {
    kept.severity = kept.severity.max(also.severity);
    if !uses.contains(&used_by) {
        uses.push(used_by);
    }
}

fn with_uses(f: &mut Finding, uses: &[String]) {
    if uses.is_empty() {
        return;
    }
    let shown: Vec<&str> = uses.iter().take(MAX_USES).map(String::as_str).collect();
    let more = uses.len().saturating_sub(MAX_USES);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    f.evidence = format!("{} (also used by {}{tail})", f.evidence, shown.join(", "));
}

/// Within one file's findings (finding, rule, from another file).
pub fn merge<T>(found: &mut Vec<(Finding, T, bool)>) {
    let mut first: HashMap<(String, String, u32), usize> = HashMap::new();
    let mut uses: Vec<Vec<String>> = Vec::new();
    let mut kept: Vec<(Finding, T, bool)> = Vec::new();
    for (f, rule, elsewhere) in found.drain(..) {
        match key(&f).and_then(|k| first.get(&k).copied().map(|i| (k, i))) {
            Some((_, i)) => {
                let ev = f.evidence.clone();
                if ev != kept[i].0.evidence {
                    absorb(&mut kept[i].0, f, &mut uses[i], ev);
                } else {
                    kept[i].0.severity = kept[i].0.severity.max(f.severity);
                }
            }
            None => {
                if let Some(k) = key(&f) {
                    first.insert(k, kept.len());
                }
                uses.push(Vec::new());
                kept.push((f, rule, elsewhere));
            }
        }
    }
    for ((f, _, _), u) in kept.iter_mut().zip(&uses) {
        // Distinct evidence of the other sights (other services' names).
        let short: Vec<String> = u.iter().map(|e| e.chars().take(80).collect()).collect();
        with_uses(f, &short);
    }
    *found = kept;
}

/// Across files: a finding in an env file reached from a compose file is
/// kept once, in the report of the file where the line is when that file
/// was audited too, and names the other reports as users.
pub fn across(reports: &mut [ConfigReport]) {
    // key → (report index, finding index)
    let mut owner: HashMap<(String, String, u32), (usize, usize)> = HashMap::new();
    for (ri, r) in reports.iter().enumerate() {
        for (fi, f) in r.findings.iter().enumerate() {
            let Some(k) = key(f) else { continue };
            let own = k.1 == r.path;
            match owner.get(&k) {
                Some((pr, _)) if !own || reports[*pr].path == k.1 => {}
                _ => {
                    owner.insert(k, (ri, fi));
                }
            }
        }
    }
    let mut uses: HashMap<(usize, usize), Vec<String>> = HashMap::new();
    let mut drop: Vec<(usize, usize, Finding)> = Vec::new();
    for (ri, r) in reports.iter().enumerate() {
        for (fi, f) in r.findings.iter().enumerate() {
            let Some(k) = key(f) else { continue };
            if let Some(&(or, of)) = owner.get(&k) {
                if (or, of) != (ri, fi) {
                    drop.push((ri, fi, f.clone()));
                    let u = uses.entry((or, of)).or_default();
                    if !u.contains(&r.path) {
                        u.push(r.path.clone());
                    }
                }
            }
        }
    }
    for (ri, fi, f) in &drop {
        let _ = fi;
        if let Some(&(or, of)) = key(f).and_then(|k| owner.get(&k)) {
            let sev = reports[or].findings[of].severity.max(f.severity);
            reports[or].findings[of].severity = sev;
        }
        let _ = ri;
    }
    for ((or, of), u) in &uses {
        with_uses(&mut reports[*or].findings[*of], u);
    }
    // Remove dropped findings, highest index first per report.
    let mut by_report: HashMap<usize, Vec<usize>> = HashMap::new();
    for (ri, fi, _) in drop {
        by_report.entry(ri).or_default().push(fi);
    }
    for (ri, mut idx) in by_report {
        idx.sort_unstable();
        for fi in idx.into_iter().rev() {
            reports[ri].findings.remove(fi);
        }
    }
}
