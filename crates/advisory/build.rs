//! Embeds every curated advisory under ../../rules/advisories into the
//! crate, so the binary carries them and a new advisory is one new file.
use std::{env, fs, path::Path};

fn main() {
    // Read at run time: a build script binary may be reused from another checkout.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("../../rules/advisories");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = match fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
            })
            .collect(),
        Err(e) => panic!("rules/advisories must exist ({}): {e}", dir.display()),
    };
    files.sort();
    let mut out = String::from("/// Curated advisories: (file name, contents).\npub static CURATED: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = f
            .canonicalize()
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        out.push_str(&format!("    ({name:?}, include_str!({path:?})),\n"));
    }
    out.push_str("];\n");
    let out_dir = env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}"));
    if let Err(e) = fs::write(Path::new(&out_dir).join("curated.rs"), out) {
        panic!("writing curated.rs: {e}");
    }
}
