//! `aimap inventory`: a directory, image or the running host → components
//! (aimap-inventory) → advisory matches (aimap-advisory) → CycloneDX, SPDX,
//! JSON or a summary table → exit code. Only this module sees both crates.
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};

use aimap_advisory::{Index, Match};
use aimap_inventory::{Component, Inventory, Limits};
use aimap_model::{Finding, Severity};
use aimap_report::bom::{self, DocInfo, Vulnerability};
use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::cli::InventoryArgs;
use crate::run::products::{component_findings, Config};
use crate::run::{exit, vulns};

#[derive(Serialize)]
struct JsonReport<'a> {
    aimap_version: &'a str,
    #[serde(flatten)]
    inventory: &'a Inventory,
    findings: &'a [Finding],
    summary: Summary,
}

#[derive(Serialize, Default)]
struct Summary {
    components: usize,
    per_ecosystem: BTreeMap<String, usize>,
    vulnerable_components: BTreeMap<String, usize>,
    exposed_listeners: usize,
    errors: usize,
}

fn summarize(inv: &Inventory, findings: &[Finding]) -> Summary {
    let mut s = Summary {
        components: inv.components.len(),
        errors: inv.errors.len(),
        ..Summary::default()
    };
    for c in &inv.components {
        *s.per_ecosystem
            .entry(c.ecosystem.as_str().to_string())
            .or_default() += 1;
    }
    // A component counts once, under its worst advisory.
    let mut worst: BTreeMap<String, Severity> = BTreeMap::new();
    for f in findings {
        let e = worst.entry(f.subject.key()).or_insert(f.severity);
        *e = (*e).max(f.severity);
    }
    for sev in worst.values() {
        *s.vulnerable_components
            .entry(sev.as_str().to_string())
            .or_default() += 1;
    }
    s.exposed_listeners = inv
        .processes
        .iter()
        .flat_map(|p| &p.listeners)
        .filter(|l| l.all_interfaces)
        .count();
    s
}

/// `pkg:t/n@v?q` → (`pkg:t/n?q`, `v`): the advisory index takes them apart.
fn split_purl(purl: &str) -> (String, Option<String>) {
    let (main, quals) = match purl.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (purl, None),
    };
    let (base, version) = match main.rsplit_once('@') {
        // The version as written (`5:7.0.15-1~deb12u4`), not as encoded.
        Some((b, v)) if !b.ends_with('/') => (b, Some(aimap_inventory::purl::decode(v))),
        _ => (main, None),
    };
    let base = match quals {
        Some(q) => format!("{base}?{q}"),
        None => base.to_string(),
    };
    (base, version)
}

fn match_all(
    inv: &Inventory,
    index: &Index,
    config: &Config,
) -> (Vec<Finding>, Vec<Vulnerability>) {
    let items = inv
        .components
        .iter()
        .filter_map(|c| match (&c.purl, &c.version) {
            (Some(purl), Some(_)) => Some((purl.as_str(), c.name.as_str(), c.key())),
            _ => None,
        });
    match_components_in(items, index, config)
}

/// Match components given as (purl with version, name, key) — from a
/// fresh inventory or from the store (`rematch`, where the system's
/// configuration files are no longer at hand).
pub fn match_components<'a>(
    items: impl Iterator<Item = (&'a str, &'a str, String)>,
    index: &Index,
) -> (Vec<Finding>, Vec<Vulnerability>) {
    let config = Config::Unreadable("a stored inventory keeps no configuration files".into());
    match_components_in(items, index, &config)
}

/// Each component is matched as itself and as the vendor product it is
/// (rules/mappings/products.toml), conditions read through `config`.
fn match_components_in<'a>(
    items: impl Iterator<Item = (&'a str, &'a str, String)>,
    index: &Index,
    config: &Config,
) -> (Vec<Finding>, Vec<Vulnerability>) {
    let mut findings = Vec::new();
    let mut by_id: BTreeMap<String, (Match, Vec<String>)> = BTreeMap::new();
    for (purl, name, key) in items {
        let (base, version) = split_purl(purl);
        for (m, finding) in component_findings(index, purl, &base, version.as_deref(), name, config)
        {
            findings.push(finding);
            by_id
                .entry(m.id.clone())
                .or_insert_with(|| (m.clone(), Vec::new()))
                .1
                .push(key.clone());
        }
    }
    let vulns = by_id
        .into_values()
        .map(|(m, affects)| Vulnerability {
            id: m.id.clone(),
            aliases: m.aliases.clone(),
            severity: m.severity,
            score: m.cvss.as_ref().and_then(|c| c.score),
            summary: m.summary.to_string(),
            recommendation: m.remediation(&m.id),
            references: Vec::new(),
            affects,
        })
        .collect();
    (findings, vulns)
}

pub fn run(args: InventoryArgs, store_args: &crate::cli::StoreArgs) -> Result<u8> {
    run_recorded(args, store_args).map(|(code, _)| code)
}

/// Run, and say which stored run holds the result (for `watch`).
pub fn run_recorded(
    args: InventoryArgs,
    store_args: &crate::cli::StoreArgs,
) -> Result<(u8, Option<String>)> {
    let format = args.format.as_deref().unwrap_or("table");
    if !matches!(format, "table" | "json" | "cyclonedx" | "spdx") {
        bail!("unknown format {format:?} (cyclonedx, spdx, json, table)");
    }
    let spec = args.spec.as_deref().unwrap_or("1.6");
    if !matches!(spec, "1.6" | "1.7") {
        bail!("unknown CycloneDX version {spec:?} (1.6, 1.7)");
    }
    let fail_on = match args.fail_on.as_deref().unwrap_or("high") {
        "none" => None,
        s => Some(s.parse::<Severity>()?),
    };
    let mut limits = Limits::default();
    if let Some(n) = args.max_layer_bytes {
        limits.max_layer_bytes = n;
    }
    let remember = crate::run::store::Remember::open(store_args)?;
    // Open the output first: an unwritable path fails before any work.
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut inv = match &args.target {
        Some(t) => aimap_inventory::inventory_path(t, &limits)
            .with_context(|| format!("cannot inventory {}", t.display()))?,
        None if args.host => Inventory {
            target: "host".into(),
            source: "host".into(),
            ..Inventory::default()
        },
        None => bail!("give a TARGET (directory or image), --host, or both"),
    };
    if args.host {
        inv.processes = aimap_inventory::source::host::processes();
        let (found, errors) = aimap_inventory::source::host::components(&inv.processes, &limits);
        inv.merge(found);
        inv.errors.extend(errors);
        inv.sort();
    }
    let (findings, vulnerabilities) = if args.no_vulns {
        (Vec::new(), Vec::new())
    } else {
        // Configuration files (advisory conditions) are read from a
        // directory target or the host's root, never from image layers.
        let config = match &args.target {
            Some(t) if t.is_dir() && !aimap_inventory::source::image::is_image(t) => {
                Config::Root(t.clone())
            }
            Some(_) => Config::Unreadable("configuration files are not read from images".into()),
            None => Config::Root("/".into()),
        };
        match_all(
            &inv,
            &vulns::load_index(args.advisories.as_deref())?,
            &config,
        )
    };
    for e in &inv.errors {
        tracing::warn!(path = %e.path, "{}", e.error);
    }
    let doc = DocInfo {
        timestamp: now(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
    };
    let summary = summarize(&inv, &findings);
    let summary_json = serde_json::to_value(&summary)?;
    let text = match format {
        "cyclonedx" => bom::cyclonedx::write(&inv, &vulnerabilities, spec, &doc)?,
        "spdx" => bom::spdx::write(&inv, &doc)?,
        "json" => serde_json::to_string_pretty(&JsonReport {
            aimap_version: env!("CARGO_PKG_VERSION"),
            inventory: &inv,
            findings: &findings,
            summary,
        })?,
        _ => table(&inv, &findings, &summary),
    };
    write_all(out, &text).context("cannot write the report")?;
    let run_id = remember
        .and_then(|remember| remember_inventory(remember, &args, &inv, &findings, summary_json));
    let failing = fail_on.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
    Ok((if failing { exit::FINDINGS } else { exit::OK }, run_id))
}

/// Store the run; a store failure is a warning, the report is out already.
fn remember_inventory(
    remember: crate::run::store::Remember,
    args: &InventoryArgs,
    inv: &Inventory,
    findings: &[Finding],
    summary: serde_json::Value,
) -> Option<String> {
    use crate::run::store::{label, scope_key};
    let target = args.target.as_ref().map(|t| {
        std::fs::canonicalize(t)
            .unwrap_or_else(|_| t.clone())
            .display()
            .to_string()
    });
    let mut parts: Vec<String> = target.iter().cloned().collect();
    if args.host {
        parts.push("--host".into());
    }
    let new = aimap_store::NewRun {
        id: None,
        kind: aimap_store::RunKind::Inventory,
        scope: scope_key("inventory", &parts),
        label: label(&parts, ""),
        params: serde_json::json!({ "target": target, "host": args.host, "source": inv.source }),
        shard_count: 1,
        parent: None,
    };
    let result = remember.record(new, summary, |w| {
        for c in &inv.components {
            w.component(aimap_store::ComponentRow {
                key: c.key(),
                name: c.name.clone(),
                version: c.version.clone(),
                purl: c.purl.clone(),
                ecosystem: c.ecosystem.as_str().to_string(),
                body: serde_json::to_value(c)?,
            });
        }
        for (f, key) in crate::run::store::numbered_keys(findings) {
            w.finding_keyed(f, key)?;
        }
        Ok(())
    });
    match result {
        Ok(id) => {
            tracing::info!(run = %id, "inventory remembered");
            Some(id)
        }
        Err(e) => {
            tracing::warn!("this inventory is not remembered: {e:#}");
            None
        }
    }
}

fn write_all(mut out: Box<dyn Write>, text: &str) -> std::io::Result<()> {
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

fn now() -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc()
        .format(fmt)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

fn location(c: &Component) -> String {
    let Some(l) = c.locations.first() else {
        return String::new();
    };
    let more = if c.locations.len() > 1 {
        format!(" (+{})", c.locations.len() - 1)
    } else {
        String::new()
    };
    match &l.layer {
        Some(layer) => format!("{} [{}]{more}", l.path, layer.get(..19).unwrap_or(layer)),
        None => format!("{}{more}", l.path),
    }
}

fn table(inv: &Inventory, findings: &[Finding], s: &Summary) -> String {
    let mut t = format!(
        "{:<40} {:<20} {:<8} LOCATION\n",
        "COMPONENT", "VERSION", "TYPE"
    );
    for c in &inv.components {
        let v = c.version.as_deref().unwrap_or("-");
        t.push_str(&format!(
            "{:<40} {:<20} {:<8} {}\n",
            c.name,
            v,
            c.ecosystem.as_str(),
            location(c)
        ));
    }
    for p in &inv.processes {
        for l in &p.listeners {
            let flag = if l.all_interfaces {
                "  ALL INTERFACES"
            } else {
                ""
            };
            t.push_str(&format!(
                "process {} ({}) listens on {}:{}{flag}\n",
                p.name, p.pid, l.address, l.port
            ));
        }
    }
    for f in findings {
        t.push_str(&format!(
            "{:<8} {} {}\n",
            f.severity.as_str(),
            f.id,
            f.title
        ));
    }
    let eco: Vec<String> = s
        .per_ecosystem
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let vul: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            s.vulnerable_components
                .get(sev.as_str())
                .map(|n| format!("{sev} {n}"))
        })
        .collect();
    t.push_str(&format!(
        "\n{} components ({}); vulnerable components: {}; exposed listeners: {}; unreadable files: {}",
        s.components,
        eco.join(", "),
        if vul.is_empty() { "none".to_string() } else { vul.join(", ") },
        s.exposed_listeners,
        s.errors
    ));
    t
}
