//! Benchmark: load an advisory snapshot into the index and match 10,000
//! components. Run through `benches/advisory.sh` (release mode).
//!
//! Usage: advisory_bench <advisory-dir> [components]

use std::path::PathBuf;
use std::time::Instant;

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
    let t = Instant::now();
    let index = store.index()?;
    let load = t.elapsed();
    println!(
        "load+index {:>6.1} ms  ({} advisories, {} packages)",
        ms(load),
        index.len(),
        index.package_count()
    );

    // Components: every package the data names, at versions taken from its
    // own ranges and a few made-up ones, plus packages nobody knows.
    let loaded = store.load()?;
    let mut queries: Vec<(String, String)> = Vec::new();
    for a in &loaded.advisories {
        for af in &a.affected {
            let purl = match Ecosystem::parse(&af.package.ecosystem) {
                Ecosystem::Go => format!("pkg:golang/{}", af.package.name),
                Ecosystem::PyPI => format!("pkg:pypi/{}", af.package.name),
                _ => continue,
            };
            for e in af
                .ranges
                .iter()
                .flat_map(|r| &r.events)
                .filter(|e| e.version != "0")
            {
                queries.push((purl.clone(), e.version.clone()));
            }
            queries.push((purl, "0.1.0".into()));
        }
    }
    let made_up = ["1.0.0", "2.3.4", "0.0.1", "10.2.0rc1", "v3.1.4"];
    let mut i = 0;
    while queries.len() < components {
        queries.push((
            format!("pkg:pypi/unknown-package-{i}"),
            made_up[i % made_up.len()].into(),
        ));
        i += 1;
    }
    // Spread the sample over the whole list instead of taking its head.
    let step = (queries.len() / components).max(1);
    let sample: Vec<&(String, String)> = queries.iter().step_by(step).take(components).collect();

    let t = Instant::now();
    let (mut affected, mut possible) = (0, 0);
    for (purl, version) in &sample {
        let r = index.match_purl(purl, Some(version));
        affected += r.affected.len();
        possible += r.possible.len();
    }
    let matching = t.elapsed();
    println!(
        "match    {:>8.1} ms  ({} components, {affected} affected, {possible} possible)",
        ms(matching),
        sample.len()
    );
    println!("load+index+match {:.1} ms", ms(load + matching));
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
