//! Benchmark: load an advisory snapshot into the index and match 10,000
//! components. Run through `benches/advisory.sh` (release mode).
//!
//! Usage: advisory_bench <advisory-dir> [components]

use std::path::PathBuf;
use std::time::Instant;

use aimap_advisory::osv::RangeKind;
use aimap_advisory::{Ecosystem, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let source = PathBuf::from(
        args.next()
            .ok_or("usage: advisory_bench <advisory-dir> [components]")?,
    );
    let components: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let tmp = std::env::temp_dir().join(format!("aimap-advisory-bench-{}", std::process::id()));
    let store = Store::new(&tmp);

    let t = Instant::now();
    let report = store.import(&[&source])?;
    let import = t.elapsed();
    println!(
        "import   {:>8.1} ms  ({} files, {} advisories, {} errors)",
        ms(import),
        report.files,
        report.advisories,
        report.errors.len()
    );
    let t = Instant::now();
    let again = store.import(&[&source])?;
    println!(
        "reimport {:>8.1} ms  ({} new, {} changed)",
        ms(t.elapsed()),
        again.new,
        again.changed
    );

    // What a scan does: read the store, add the curated data, build the index.
    let (t, cpu) = (Instant::now(), cpu_ms());
    let index = store.index()?;
    let load = t.elapsed();
    println!(
        "load+index {:>6.1} ms  ({}; {} advisories, {} packages)",
        ms(load),
        cpu_since(cpu),
        index.len(),
        index.package_count()
    );

    // Components, like an inventory: every package the data names, each
    // at the versions its own ranges mention plus one old and one made-up
    // version, taken round-robin so that no package (Go's stdlib has
    // hundreds of advisories) dominates; then packages nobody knows.
    let loaded = store.load()?;
    let mut per_package: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for a in &loaded.advisories {
        for af in &a.affected {
            let purl = match Ecosystem::parse(&af.package.ecosystem) {
                Ecosystem::Go => format!("pkg:golang/{}", af.package.name),
                Ecosystem::PyPI => format!("pkg:pypi/{}", af.package.name),
                _ => continue,
            };
            let versions = per_package.entry(purl).or_default();
            versions.extend(
                af.ranges
                    .iter()
                    .filter(|r| r.kind != RangeKind::Git)
                    .flat_map(|r| &r.events)
                    .filter(|e| e.version != "0")
                    .map(|e| e.version.clone()),
            );
            versions.extend(["0.1.0".to_string(), "99.0.0".to_string()]);
        }
    }
    let lists: Vec<(&String, Vec<&String>)> = per_package
        .iter()
        .map(|(p, v)| (p, v.iter().collect()))
        .collect();
    let mut sample: Vec<(String, String)> = Vec::with_capacity(components);
    'fill: for round in 0.. {
        let mut any = false;
        for (purl, versions) in &lists {
            if let Some(v) = versions.get(round) {
                any = true;
                sample.push(((*purl).clone(), (*v).clone()));
                if sample.len() == components {
                    break 'fill;
                }
            }
        }
        if !any {
            break;
        }
    }
    let made_up = ["1.0.0", "2.3.4", "0.0.1", "10.2.0rc1", "v3.1.4"];
    while sample.len() < components {
        let i = sample.len();
        sample.push((
            format!("pkg:pypi/unknown-package-{i}"),
            made_up[i % made_up.len()].into(),
        ));
    }

    let (t, cpu) = (Instant::now(), cpu_ms());
    let (mut affected, mut possible) = (0, 0);
    for (purl, version) in &sample {
        let r = index.match_purl(purl, Some(version));
        affected += r.affected.len();
        possible += r.possible.len();
        if std::env::var_os("BENCH_DEBUG").is_some() && !r.possible.is_empty() {
            eprintln!("{purl} {version}: {:?}", r.possible[0].note);
        }
    }
    let matching = t.elapsed();
    println!(
        "match    {:>8.1} ms  ({}; {} components, {affected} affected, {possible} possible)",
        ms(matching),
        cpu_since(cpu),
        sample.len()
    );
    println!("load+index+match {:.1} ms", ms(load + matching));
    // For profiling: repeat the matching phase.
    let repeat: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    for _ in 0..repeat {
        for (purl, version) in &sample {
            std::hint::black_box(index.match_purl(purl, Some(version)));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

/// CPU time of this thread in ms (Linux; `None` elsewhere): on a shared
/// machine wall time includes other people's work, CPU time does not.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 12th and 13th of them, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

fn cpu_since(start: Option<f64>) -> String {
    match (start, cpu_ms()) {
        (Some(a), Some(b)) => format!("cpu {:.0} ms", b - a),
        _ => String::from("cpu n/a"),
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
