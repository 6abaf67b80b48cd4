//! `aimap watch --host`: every interval, the AI server processes of this
//! host and the sockets they listen on (aimap-inventory's host source),
//! and the files under watch. A listener that appears on all interfaces,
//! or a file whose content changes, is an alert within one interval.
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aimap_model::Severity;
use anyhow::Result;

use super::alerts::{now, Alert};
use super::deliver::Outputs;

/// (process name, address, port) of an all-interface listener.
type Exposed = (String, String, u16);

fn exposed() -> BTreeMap<Exposed, (u32, String)> {
    let mut out = BTreeMap::new();
    for p in aimap_inventory::source::host::processes() {
        for l in p.listeners.iter().filter(|l| l.all_interfaces) {
            out.insert(
                (p.name.clone(), l.address.clone(), l.port),
                (p.pid, p.cmdline.clone()),
            );
        }
    }
    out
}

/// A file's content digest (FNV-1a over at most 16 MiB), or why it
/// cannot be read: a file appearing or vanishing is a change too.
fn digest(path: &PathBuf) -> String {
    use std::io::Read;
    let Ok(f) = std::fs::File::open(path) else {
        return "missing".into();
    };
    let mut buf = Vec::new();
    if f.take(16 << 20).read_to_end(&mut buf).is_err() {
        return "unreadable".into();
    }
    let h = buf.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}:{}", buf.len())
}

pub fn watch(
    files: &[PathBuf],
    interval: Duration,
    count: Option<u64>,
    outputs: &mut Outputs,
) -> Result<()> {
    // What is there at the start is the baseline, except what is already
    // exposed: that is reported once, at once.
    let mut seen: BTreeSet<Exposed> = BTreeSet::new();
    let mut digests: Vec<String> = files.iter().map(digest).collect();
    let mut polls = 0u64;
    loop {
        let t0 = Instant::now();
        let mut alerts = Vec::new();
        let current = exposed();
        for (key, (pid, cmdline)) in &current {
            if seen.insert(key.clone()) {
                let (name, address, port) = key;
                alerts.push(Alert {
                    event: "listener-opened",
                    at: now(),
                    severity: Severity::High,
                    summary: format!(
                        "{name} (pid {pid}) listens on all interfaces: {address}:{port}"
                    ),
                    run: None,
                    previous_run: None,
                    detail: serde_json::json!({
                        "process": name, "pid": pid, "cmdline": cmdline,
                        "address": address, "port": port,
                    }),
                });
            }
        }
        // A listener that went away may come back: forget it.
        seen.retain(|k| current.contains_key(k));
        for (path, old) in files.iter().zip(digests.iter_mut()) {
            let new = digest(path);
            if new != *old {
                alerts.push(Alert {
                    event: "config-changed",
                    at: now(),
                    severity: Severity::Medium,
                    summary: format!("{} changed", path.display()),
                    run: None,
                    previous_run: None,
                    detail: serde_json::json!({
                        "path": path.display().to_string(), "before": old, "after": new,
                        "hint": format!("audit it: aimap audit {}", path.display()),
                    }),
                });
                *old = new;
            }
        }
        outputs.emit(&alerts)?;
        outputs.retry();
        polls += 1;
        if count.is_some_and(|c| polls >= c) {
            return Ok(());
        }
        std::thread::sleep(interval.saturating_sub(t0.elapsed()));
    }
}
