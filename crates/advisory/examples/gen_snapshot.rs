//! Regenerates the built-in OSV snapshot (crates/advisory/data/): every
//! record of the given OSV exports whose package aimap names — a probe
//! rule's purl (rules/probes), a curated advisory's package
//! (rules/advisories) or a mapped product (rules/mappings/products.toml) —
//! under every name the matcher looks it up by. Run through
//! `scripts/gen-osv-snapshot.sh`.
//!
//! Usage: gen_snapshot <repo-root> <date YYYY-MM-DD> <sources; separated> <osv-path>...

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aimap_advisory::osv::RangeKind;
use aimap_advisory::snapshot::{encode, SnapshotInfo};
use aimap_advisory::{curated, lookup_keys, Ecosystem, Products, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, date, sources, paths @ ..] = args.as_slice() else {
        return Err("usage: gen_snapshot <repo-root> <date> <sources> <osv-path>...".into());
    };
    if paths.is_empty() {
        return Err("name at least one OSV export".into());
    }
    let root = PathBuf::from(root);
    let wanted = named_packages(&root)?;

    // Import through the store, so the records are validated exactly as
    // `db import` validates them (and ranges it skips are skipped here).
    let tmp = std::env::temp_dir().join(format!("aimap-snapshot-{}", std::process::id()));
    let store = Store::new(&tmp);
    let report = store.import(paths)?;
    if !report.errors.is_empty() {
        eprintln!(
            "{} files not imported, e.g. {:?}",
            report.errors.len(),
            report.errors.first()
        );
    }
    let loaded = store.load()?;
    let _ = std::fs::remove_dir_all(&tmp);
    let keep: Vec<_> = loaded
        .advisories
        .into_iter()
        .filter(|a| {
            a.affected.iter().any(|af| {
                let eco = Ecosystem::parse(&af.package.ecosystem);
                let has_ranges =
                    af.ranges.iter().any(|r| r.kind != RangeKind::Git) || !af.versions.is_empty();
                has_ranges && wanted.contains(&(eco.family(), eco.normalize_name(&af.package.name)))
            })
        })
        .collect();
    let info = SnapshotInfo {
        date: date.clone(),
        sources: sources
            .split(';')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        records: keep.len(),
        packages: wanted.iter().map(|(e, n)| format!("{e}/{n}")).collect(),
    };
    let (gz, manifest) = encode(&keep, &info)?;
    let data = root.join("crates/advisory/data");
    std::fs::create_dir_all(&data)?;
    std::fs::write(data.join("osv-snapshot.jsonl.gz"), &gz)?;
    std::fs::write(data.join("osv-snapshot.json"), manifest)?;
    println!(
        "{} records for {} packages, {} bytes compressed",
        keep.len(),
        wanted.len(),
        gz.len()
    );
    Ok(())
}

/// (ecosystem family, name) of every package aimap names.
fn named_packages(root: &Path) -> Result<BTreeSet<(String, String)>, Box<dyn std::error::Error>> {
    let mut purls: Vec<String> = Vec::new();
    let mut probes: Vec<PathBuf> = std::fs::read_dir(root.join("rules/probes"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    probes.sort();
    for file in probes {
        let table: toml::Table = toml::from_str(&std::fs::read_to_string(&file)?)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        if let Some(p) = table.get("purl").and_then(|v| v.as_str()) {
            purls.push(p.to_string());
        }
    }
    for a in curated() {
        purls.extend(a.affected.iter().filter_map(|af| af.package.purl.clone()));
    }
    for p in &Products::builtin().products {
        for purl in &p.purls {
            purls.push(purl.clone());
            if p.go_major_suffix {
                purls.extend((2..=4).map(|m| format!("{purl}/v{m}")));
            }
        }
    }
    Ok(purls
        .iter()
        .flat_map(|p| lookup_keys(p))
        .filter(|(family, _)| family != "Generic")
        .collect())
}
