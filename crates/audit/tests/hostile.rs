//! Hostile input: YAML bombs, deep nesting, binary files named like
//! configs, a 100 MB file and invalid UTF-8 each get a clear per-file error
//! while the rest of the run completes.
use std::io::{Seek, SeekFrom, Write};

use aimap_audit::{audit_all, collect, Options};

fn billion_laughs() -> String {
    let mut y = String::from(
        "x-lol: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut prev = "a";
    for n in names {
        let refs = vec![format!("*{prev}"); 9].join(",");
        y.push_str(&format!("x-{n}: &{n} [{refs}]\n"));
        prev = n;
    }
    y.push_str("services:\n  web:\n    image: nginx:1.27\n    labels: *i\n");
    y
}

#[test]
fn every_hostile_file_fails_alone_and_the_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::create_dir_all(p("bomb")).unwrap();
    std::fs::write(p("bomb/compose.yaml"), billion_laughs()).unwrap();
    std::fs::create_dir_all(p("deep")).unwrap();
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(p("deep/deep.yaml"), deep).unwrap();
    let mut block = String::from("apiVersion: v1\nkind: ConfigMap\n");
    for i in 0..1_000 {
        block.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
    }
    std::fs::write(p("deep/block.yaml"), block).unwrap();
    std::fs::create_dir_all(p("binary")).unwrap();
    std::fs::write(
        p("binary/compose.yaml"),
        [0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 3, 0xff, 0xfe],
    )
    .unwrap();
    std::fs::create_dir_all(p("huge")).unwrap();
    // 100 MB, sparse: the auditor must refuse it by size without reading it.
    let mut f = std::fs::File::create(p("huge/docker-compose.yml")).unwrap();
    f.write_all(b"services:\n").unwrap();
    f.seek(SeekFrom::Start(100 * 1024 * 1024)).unwrap();
    f.write_all(b"\n").unwrap();
    drop(f);
    std::fs::create_dir_all(p("latin1")).unwrap();
    std::fs::write(
        p("latin1/Dockerfile"),
        b"FROM alpine:3.20\nLABEL maintainer=\"Jos\xe9\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(p("good")).unwrap();
    std::fs::write(
        p("good/compose.yaml"),
        "services:\n  redis:\n    image: redis:7.2.4\n    ports:\n      - 6379:6379\n",
    )
    .unwrap();
    std::fs::write(
        p("good/broken.yaml"),
        "apiVersion: v1\nkind: Pod\nspec: [unclosed\n",
    )
    .unwrap();

    let before = peak_rss_kib();
    let collected = collect(&[dir.path().to_path_buf()]);
    let reports = audit_all(&collected.configs, &Options::default());
    // Memory stays bounded: the bomb is not expanded, the 100 MB file not read.
    if let (Some(before), Some(after)) = (before, peak_rss_kib()) {
        assert!(
            after.saturating_sub(before) < 256 * 1024,
            "peak RSS grew by {} KiB",
            after - before
        );
    }
    let by = |suffix: &str| {
        reports
            .iter()
            .find(|r| r.path.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} not audited: {reports:#?}"))
    };
    let err = |suffix: &str| {
        by(suffix)
            .error
            .clone()
            .unwrap_or_else(|| panic!("{suffix}: no error"))
    };
    assert!(
        err("bomb/compose.yaml").to_lowercase().contains("yaml"),
        "{}",
        err("bomb/compose.yaml")
    );
    assert!(err("deep/deep.yaml").contains("YAML"));
    assert!(err("deep/block.yaml").contains("nesting"));
    assert!(err("binary/compose.yaml").contains("binary"));
    assert!(err("huge/docker-compose.yml").contains("larger than"));
    assert!(err("latin1/Dockerfile").contains("UTF-8"));
    assert!(err("good/broken.yaml").contains("invalid YAML"));
    let good = by("good/compose.yaml");
    assert!(good.error.is_none());
    assert!(good.findings.iter().any(|f| f.id == "port-all-interfaces"));
}

/// Peak resident memory of this process (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
