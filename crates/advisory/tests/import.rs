//! Importing OSV data into the store: counts, idempotence, corrupt input,
//! archives and their limits.

mod common;

use std::fs;
use std::io::Write;

use aimap_advisory::Store;

fn count_files(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            n += count_files(&path);
        } else if path.extension().is_some_and(|e| e == "json" || e == "yaml") {
            n += 1;
        }
    }
    n
}

#[test]
fn fixtures_import_once_and_only_once() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path());
    let files = count_files(&common::fixtures());
    let first = store.import(&[common::fixtures()]).unwrap();
    assert_eq!(first.files, files);
    assert_eq!(first.advisories, files, "one advisory per file");
    assert_eq!((first.new, first.changed, first.unchanged), (files, 0, 0));
    assert!(first.errors.is_empty(), "{:?}", first.errors);

    let second = store.import(&[common::fixtures()]).unwrap();
    assert_eq!(
        (second.new, second.changed, second.unchanged, second.older),
        (0, 0, files, 0)
    );

    let status = store.status().unwrap();
    assert_eq!(status.advisories, files);
    assert_eq!(
        status.ecosystems.get("Go"),
        Some(&count_files(&common::fixtures().join("go")))
    );
    assert_eq!(
        status.ecosystems.get("PyPI"),
        Some(&count_files(&common::fixtures().join("pypa")))
    );
    assert_eq!(status.sources.len(), 1, "the same source is listed once");
    assert!(status.updated_at.is_some());
    assert!(status.curated > 40);
    assert_eq!(store.load().unwrap().errors, Vec::<String>::new());
}

#[test]
fn a_corrupt_file_is_named_and_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("input");
    fs::create_dir_all(input.join("nested")).unwrap();
    fs::copy(
        common::fixtures().join("go/GO-2024-2901.json"),
        input.join("GO-2024-2901.json"),
    )
    .unwrap();
    fs::copy(
        common::fixtures().join("pypa/mlflow/PYSEC-2023-29.yaml"),
        input.join("nested/PYSEC-2023-29.yaml"),
    )
    .unwrap();
    fs::write(
        input.join("nested/broken.json"),
        b"{\"id\": \"X\", \"affected\": [",
    )
    .unwrap();
    fs::write(input.join("bad-range.json"), br#"{"id":"BAD-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"1.0"}]}]}]}"#).unwrap();
    fs::write(input.join("notes.txt"), b"not an advisory").unwrap();
    fs::write(input.join(".hidden.json"), b"garbage").unwrap();

    let store = Store::new(tmp.path().join("store"));
    let report = store.import(&[&input]).unwrap();
    assert_eq!(
        report.files, 4,
        "json and yaml files only, hidden ones skipped"
    );
    assert_eq!(report.new, 2);
    let origins: Vec<&str> = report.errors.iter().map(|e| e.origin.as_str()).collect();
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    assert!(
        origins.iter().any(|o| o.ends_with("nested/broken.json")),
        "{origins:?}"
    );
    let bad = report
        .errors
        .iter()
        .find(|e| e.origin.ends_with("bad-range.json"))
        .unwrap();
    assert!(
        bad.message.contains("without an introduced event"),
        "{}",
        bad.message
    );

    let missing = store.import(&[tmp.path().join("nope")]).unwrap();
    assert_eq!(missing.errors.len(), 1);
    assert_eq!(store.status().unwrap().advisories, 2);
}

#[test]
fn newer_records_replace_and_older_ones_do_not() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path().join("store"));
    let write = |name: &str, modified: &str, fixed: &str| {
        let path = tmp.path().join(name);
        let doc = format!(
            r#"{{"id":"TEST-1","modified":"{modified}","affected":[{{"package":{{"ecosystem":"PyPI","name":"demo"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        );
        fs::write(&path, doc).unwrap();
        path
    };
    let v1 = write("v1.json", "2024-01-01T00:00:00Z", "1.0");
    assert_eq!(store.import(&[&v1]).unwrap().new, 1);
    let v2 = write("v2.json", "2024-02-01T00:00:00.5Z", "1.1");
    assert_eq!(store.import(&[&v2]).unwrap().changed, 1);
    let old = write("old.json", "2023-12-01T00:00:00Z", "0.9");
    assert_eq!(store.import(&[&old]).unwrap().older, 1);
    let index = store.index().unwrap();
    let m = index.match_purl("pkg:pypi/demo", Some("1.0.5"));
    assert_eq!(m.affected[0].fixed.as_deref(), Some("1.1"));
}

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    buf.into_inner()
}

#[test]
fn osv_export_archives() {
    let tmp = tempfile::tempdir().unwrap();
    let go = common::fixtures().join("go");
    let mut entries: Vec<(String, Vec<u8>)> = fs::read_dir(&go)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    let good = entries.len();
    // Hostile names are only labels; a bomb entry is cut off at the cap.
    entries.push(("../../etc/evil.json".into(), b"{not json".to_vec()));
    entries.push((
        "bomb.json".into(),
        vec![b' '; (aimap_advisory::MAX_ENTRY_BYTES + 10) as usize],
    ));
    let borrowed: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    let bytes = zip_of(&borrowed);
    let path = tmp.path().join("all.zip");
    fs::write(&path, &bytes).unwrap();

    let store = Store::new(tmp.path().join("store"));
    let report = store.import(&[&path]).unwrap();
    assert_eq!(report.new, good);
    assert_eq!(report.files, good + 2);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.origin.ends_with("all.zip!../../etc/evil.json")),
        "{:?}",
        report.errors
    );
    let bomb = report
        .errors
        .iter()
        .find(|e| e.origin.ends_with("!bomb.json"))
        .unwrap();
    assert!(bomb.message.contains("larger than"), "{}", bomb.message);
    assert!(!tmp.path().join("etc").exists());

    // A folder of downloaded exports is walked into as well.
    let exports = tmp.path().join("exports/Go");
    fs::create_dir_all(&exports).unwrap();
    fs::write(exports.join("all.zip"), &bytes).unwrap();
    let walked = Store::new(tmp.path().join("store2"))
        .import(&[tmp.path().join("exports")])
        .unwrap();
    assert_eq!(walked.new, good);

    let again = store.import_zip_bytes("memory", &bytes).unwrap();
    assert_eq!((again.new, again.changed, again.unchanged), (0, 0, good));
    let not_zip = store.import_zip_bytes("memory", b"PK garbage").unwrap();
    assert_eq!(not_zip.errors.len(), 1);
}

#[test]
fn whole_shared_snapshot() {
    let Some(dir) = common::shared_advisories() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path());
    let go = count_files(&dir.join("go/data/osv"));
    let pypa = count_files(&dir.join("pypa/vulns"));
    let report = store.import(&[&dir]).unwrap();
    assert_eq!(report.files, go + pypa);
    // Every file is an advisory: none is rejected.
    assert_eq!(report.errors, vec![], "no file is rejected");
    assert_eq!(report.advisories, report.files);
    // Two PyPA records carry a fixed version that is not PEP 440
    // ("0.2.0-n653", "2019-09-12"): that range is left out with the reason,
    // the rest of the record is kept.
    assert_eq!(report.skipped_ranges, 2, "{:?}", report.warnings);
    let mut warned: Vec<(&str, &str)> = report
        .warnings
        .iter()
        .map(|w| {
            (
                w.origin.rsplit('/').next().unwrap_or(""),
                w.message.as_str(),
            )
        })
        .collect();
    warned.sort();
    assert_eq!(warned[0].0, "PYSEC-2019-125.yaml");
    assert!(warned[0].1.contains("2019-09-12"), "{}", warned[0].1);
    assert_eq!(warned[1].0, "PYSEC-2021-371.yaml");
    assert!(warned[1].1.contains("0.2.0-n653"), "{}", warned[1].1);
    assert_eq!(report.new, report.advisories);
    // A left-out range matches nothing: binderhub's record has no other
    // range, so no binderhub version is affected by it.
    let index = store.index().unwrap();
    let binderhub = index.match_purl("pkg:pypi/binderhub", Some("0.1.0"));
    assert!(
        binderhub.affected.iter().all(|m| m.id != "PYSEC-2021-371"),
        "{binderhub:?}"
    );

    let again = store.import(&[&dir]).unwrap();
    assert_eq!((again.new, again.changed), (0, 0));
    assert_eq!(again.unchanged, report.advisories);

    let status = store.status().unwrap();
    assert_eq!(status.ecosystems.get("Go"), Some(&go));
    assert_eq!(status.ecosystems.get("PyPI"), Some(&pypa));
    assert_eq!(
        index.len() + status.withdrawn,
        status.advisories + status.curated
    );
}
