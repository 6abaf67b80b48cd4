//! Directory walks pick model files by magic or extension and skip the rest;
//! files named explicitly are always audited.
use aimap_modelscan::{collect, scan_file, Limits, Target, Verdict};

#[test]
fn walks_pick_models_and_skip_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(dir.path().join("README.md"), "# not a model").unwrap();
    // Raw weights that happen to start with a protocol-0 opcode byte (K).
    std::fs::write(dir.path().join("weights.bin"), b"K\x01raw ggml bytes").unwrap();
    std::fs::write(sub.join("model.dat"), b"\x80\x02}q\x00.").unwrap();
    std::fs::write(sub.join("noext"), b"\x80\x04K\x01.").unwrap();
    let found = collect(&[dir.path().to_path_buf()]);
    let names: Vec<String> = found
        .iter()
        .map(|t| match t {
            Target::File(p) => p.file_name().unwrap().to_string_lossy().into_owned(),
            Target::Unreadable { path, .. } => panic!("unreadable {path:?}"),
        })
        .collect();
    assert_eq!(names, ["model.dat", "noext"]);
    // Named explicitly, a non-model is reported, not skipped.
    let readme = dir.path().join("README.md");
    assert_eq!(
        collect(std::slice::from_ref(&readme)),
        [Target::File(readme.clone())]
    );
    let r = scan_file(&readme, &Limits::default());
    assert_eq!(r.verdict, Verdict::Error);
    assert!(matches!(
        collect(&[dir.path().join("missing")])[0],
        Target::Unreadable { .. }
    ));
}
