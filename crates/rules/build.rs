//! Embeds every rule file under ../../rules/probes, and every asset-hash
//! table under ../../rules/asset-hashes, into the crate, so the binary
//! carries its rules and a new rule is one new data file.
use std::{env, fs, path::Path};

/// `static NAME: &[(&str, &str)]` holding (file name, contents) of every
/// file in `dir` ending in `.ext`.
fn embed(out: &mut String, name: &str, dir: &Path, ext: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == ext));
    files.sort();
    out.push_str(&format!("pub static {name}: &[(&str, &str)] = &[\n"));
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let file = f.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    ({file:?}, include_str!({:?})),\n",
            f.canonicalize().unwrap()
        ));
    }
    out.push_str("];\n");
}

fn main() {
    let root = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../../rules");
    assert!(root.join("probes").is_dir(), "rules/probes exists");
    let mut out = String::from("/// Built-in probe rules: (file name, contents).\n");
    embed(&mut out, "BUILTIN_PROBES", &root.join("probes"), "toml");
    out.push_str("/// Built-in asset-hash tables: (file name, contents).\n");
    embed(
        &mut out,
        "BUILTIN_ASSET_TABLES",
        &root.join("asset-hashes"),
        "json",
    );
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_probes.rs"),
        out,
    )
    .unwrap();
}
