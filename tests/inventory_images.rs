//! `aimap inventory` on container images end to end: the same image as an
//! OCI layout (directory and tar) and a `docker save` tarball, a real
//! Debian root filesystem packed the same ways, and hostile archives and
//! files (traversal names, a decompression bomb, truncation, a symlink
//! loop, a 10 GB sparse file).
mod common;
#[path = "fixtures/inventory/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{aimap, find_program, unavailable};
use serde_json::Value;
use support::*;

fn images(dir: &Path) -> Option<()> {
    let ok = Command::new(python()?)
        .arg(fixture("make_image.py"))
        .arg(dir)
        .status()
        .ok()?
        .success();
    ok.then_some(())
}

#[test]
fn image_formats_agree_and_honour_whiteouts() {
    let dir = tempfile::tempdir().unwrap();
    if images(dir.path()).is_none() {
        return unavailable("python3 (builds the test images)");
    }
    let mut seen: Vec<Vec<(String, String, String)>> = Vec::new();
    for name in ["good-oci", "good-oci.tar", "good-docker.tar"] {
        let target = dir.path().join(name);
        let (report, out) = run_json(&[
            "inventory",
            target.to_str().unwrap(),
            "--format",
            "json",
            "--no-vulns",
        ]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(report["layers"].as_array().unwrap().len(), 2, "{name}");
        let rows: Vec<(String, String, String)> = report["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let l = &c["locations"][0];
                (
                    c["purl"].as_str().unwrap().to_string(),
                    l["path"].as_str().unwrap().to_string(),
                    l["layer"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let p: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        for want in [
            "pkg:pypi/requests@2.19.0",
            "pkg:pypi/fresh@0.2",
            "pkg:npm/left-pad@1.3.0",
            "pkg:npm/%40types/node@20.1.0",
            "pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&source=glibc",
            "pkg:deb/debian/redis-server@5%3A7.0.15-1~deb12u1?arch=amd64&source=redis",
        ] {
            assert!(p.contains(&want), "{name}: {want} missing from {p:?}");
        }
        // `.wh.thing-1.0.dist-info` and the opaque /srv/cache removed these.
        assert!(
            !p.iter().any(|x| x.contains("thing") || x.contains("stale")),
            "{name}: whiteouts ignored: {p:?}"
        );
        // requests came with layer 1, fresh with layer 2.
        let layers = report["layers"].as_array().unwrap();
        let layer_of = |needle: &str| {
            rows.iter()
                .find(|r| r.0.contains(needle))
                .unwrap()
                .2
                .clone()
        };
        assert_eq!(layer_of("requests"), layers[0].as_str().unwrap());
        assert_eq!(layer_of("fresh"), layers[1].as_str().unwrap());
        seen.push(rows);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1], seen[2]);
    let bom = dir.path().join("image.cdx.json");
    let out = aimap(&[
        "inventory",
        dir.path().join("good-docker.tar").to_str().unwrap(),
        "--format",
        "cyclonedx",
        "--no-vulns",
        "-o",
        bom.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    validate_cyclonedx(&bom, "1.6");
}

#[test]
fn hostile_images_and_files_give_errors_not_damage() {
    let dir = tempfile::tempdir().unwrap();
    if images(dir.path()).is_none() {
        return unavailable("python3 (builds the test images)");
    }
    let work = dir.path().join("cwd");
    std::fs::create_dir(&work).unwrap();
    for name in ["hostile-oci", "hostile-docker.tar"] {
        let target = dir.path().join(name);
        let mut cmd = common::aimap_cmd();
        cmd.current_dir(&work).args([
            "inventory",
            target.to_str().unwrap(),
            "--format",
            "json",
            "--no-vulns",
            "--max-layer-bytes",
            "10000000",
        ]);
        let out = bounded(cmd, name);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(purls(&report), ["pkg:pypi/ok@1.0"]);
        let errors = report["errors"].to_string();
        for bad in [
            "../evil-outside",
            "/etc/evil-absolute",
            "a/../../evil-nested",
        ] {
            assert!(errors.contains(bad), "{name}: no error for {bad}: {errors}");
        }
        assert!(errors.contains("decompression bomb"), "{errors}");
    }
    // Nothing was written anywhere near the run.
    for p in [
        dir.path().join("evil-outside"),
        work.join("evil-outside"),
        dir.path().join("evil-nested"),
    ] {
        assert!(!p.exists());
    }
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0);
    let truncated = bounded(
        aimap_args(&[
            "inventory",
            dir.path().join("truncated-docker.tar").to_str().unwrap(),
            "--no-vulns",
        ]),
        "truncated-docker.tar",
    );
    assert_eq!(truncated.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&truncated.stderr).contains("truncated"));

    // A directory with a symlink loop and a 10 GB sparse "model".
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::os::unix::fs::symlink("b", tree.join("a")).unwrap();
    std::os::unix::fs::symlink("a", tree.join("b")).unwrap();
    std::fs::File::create(tree.join("huge.safetensors"))
        .unwrap()
        .set_len(10 << 30)
        .unwrap();
    std::fs::write(tree.join("requirements.txt"), "flask==0.12\n").unwrap();
    // Endless files: a FIFO nobody writes to under a manifest's name, and
    // a runtime's name linked to /dev/zero. Neither may be opened.
    let fifo = tree.join("dev-requirements.txt");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", tree.join("redis-server")).unwrap();
    let started = std::time::Instant::now();
    let out = bounded(
        aimap_args(&[
            "inventory",
            tree.to_str().unwrap(),
            "--format",
            "json",
            "--no-vulns",
        ]),
        "symlink loop, sparse file, FIFO, /dev/zero",
    );
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(started.elapsed().as_secs() < 20, "the sparse file was read");
    assert_eq!(purls(&report), ["pkg:pypi/flask@0.12"]);
    let errors = report["errors"].to_string();
    assert!(errors.contains("symlink loop"), "{errors}");
    assert!(errors.contains("sparse"), "{errors}");
}

/// Peak resident memory allowed to aimap on any hostile input, in KiB.
/// The caps that make it hold: layers are streamed, a file is read whole
/// only under its size limit, zstd windows are capped at 32 MiB.
const MAX_RSS_KIB: u64 = 128 << 10;

/// The aimap command with `args`, isolated like [`aimap`].
fn aimap_args(args: &[&str]) -> Command {
    let mut cmd = common::aimap_cmd();
    cmd.args(args);
    cmd
}

/// Run `cmd` and assert its peak RSS (wait4's ru_maxrss) stays bounded.
fn bounded(cmd: Command, what: &str) -> std::process::Output {
    let (out, kib) = common::output_with_peak_rss(cmd);
    eprintln!("{what}: peak RSS {} MiB", kib / 1024);
    assert!(
        kib < MAX_RSS_KIB,
        "{what}: peak RSS {kib} KiB is over {MAX_RSS_KIB} KiB"
    );
    out
}

#[test]
fn bombs_and_huge_headers_stay_within_memory() {
    let dir = tempfile::tempdir().unwrap();
    if find_program("zstd").is_none() {
        return unavailable("the zstd CLI (Debian package zstd)");
    }
    let made = Command::new(python().unwrap())
        .arg(fixture("make_image.py"))
        .arg("--bombs")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(made.success());
    // Default limits: 1 GiB of zeros is streamed past, in constant
    // memory, to the small file behind it.
    for name in ["gzip-bomb-oci", "zstd-bomb-oci"] {
        let target = dir.path().join(name);
        let out = bounded(
            aimap_args(&[
                "inventory",
                target.to_str().unwrap(),
                "--format",
                "json",
                "--no-vulns",
            ]),
            name,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(purls(&report), ["pkg:pypi/after@1.0"], "{name}");
        assert_eq!(report["errors"], serde_json::json!([]));
    }
    // The same bomb under a small layer cap stops there.
    let out = bounded(
        aimap_args(&[
            "inventory",
            dir.path().join("zstd-bomb-oci").to_str().unwrap(),
            "--format",
            "json",
            "--no-vulns",
            "--max-layer-bytes",
            "10000000",
        ]),
        "zstd bomb, 10 MB cap",
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["errors"].to_string().contains("decompression bomb"));
    // Headers that claim 2^60 entries, 2^62 bytes and 64 GiB, and an 8 MiB version.
    let target = dir.path().join("huge-headers-oci");
    let out = bounded(
        aimap_args(&[
            "inventory",
            target.to_str().unwrap(),
            "--format",
            "json",
            "--no-vulns",
        ]),
        "huge headers",
    );
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = report["errors"].to_string();
    for want in [
        "over the 67108864-byte read limit",
        "truncated",
        "no package's: dropped",
    ] {
        assert!(errors.contains(want), "{want}: {errors}");
    }
    assert!(purls(&report).is_empty(), "{:?}", purls(&report));
}

/// A Debian minbase root filesystem: `AIMAP_TEST_ROOTFS`, else one made once
/// with debootstrap under target/ (needs root and the Debian mirror).
fn debian_rootfs() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AIMAP_TEST_ROOTFS") {
        return Some(PathBuf::from(p));
    }
    let cached = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/inventory-debian-rootfs");
    if cached.join("var/lib/dpkg/status").is_file() {
        return Some(cached);
    }
    let debootstrap = find_program("debootstrap")
        .or_else(|| Some(PathBuf::from("/usr/sbin/debootstrap")).filter(|p| p.is_file()))?;
    let partial = cached.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    let ok = Command::new(debootstrap)
        .args(["--variant=minbase", "bookworm"])
        .arg(&partial)
        .arg("http://deb.debian.org/debian")
        .output()
        .is_ok_and(|o| o.status.success());
    (ok && std::fs::rename(&partial, &cached).is_ok()).then_some(cached)
}

#[test]
fn debian_rootfs_directory_and_images_agree_with_dpkg() {
    let Some(rootfs) = debian_rootfs() else {
        return unavailable("debootstrap (Debian rootfs)");
    };
    let Some(py) = find_program("python3") else {
        return unavailable("python3");
    };
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new(py)
        .arg(fixture("make_image.py"))
        .arg("--rootfs")
        .arg(&rootfs)
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(ok.success());
    // What dpkg itself says is installed.
    let status = std::fs::read_to_string(rootfs.join("var/lib/dpkg/status")).unwrap();
    let installed: Vec<(String, String)> = status
        .split("\n\n")
        .filter(|p| p.contains("Status: install ok installed"))
        .filter_map(|p| {
            let f = |k: &str| {
                p.lines()
                    .find_map(|l| l.strip_prefix(k))
                    .map(|v| v.trim().to_string())
            };
            Some((f("Package:")?, f("Version:")?))
        })
        .collect();
    assert!(installed.len() > 50);
    let debs = |report: &Value| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = report["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["ecosystem"] == "deb")
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["version"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let mut want = installed.clone();
    want.sort();
    let (plain, _) = run_json(&[
        "inventory",
        rootfs.to_str().unwrap(),
        "--format",
        "json",
        "--no-vulns",
    ]);
    assert_eq!(debs(&plain), want);
    // The image's second layer removes mawk and adds Jinja2.
    want.retain(|(n, _)| n != "mawk");
    for name in ["debian-oci", "debian-oci.tar", "debian-docker.tar"] {
        let (report, out) = run_json(&[
            "inventory",
            dir.path().join(name).to_str().unwrap(),
            "--format",
            "json",
            "--no-vulns",
        ]);
        assert!(out.status.success());
        assert_eq!(debs(&report), want, "{name}");
        assert!(
            purls(&report).contains(&"pkg:pypi/jinja2@2.10".to_string()),
            "{name}"
        );
        assert_eq!(
            report["errors"].as_array().unwrap().len(),
            0,
            "{name}: {}",
            report["errors"]
        );
    }
}

#[test]
fn zstd_layers_and_an_rpm_database_in_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let Some(root) = rpm_root(dir.path()) else {
        return unavailable("rpm and rpmbuild with the SQLite backend (Debian package rpm)");
    };
    if find_program("zstd").is_none() {
        return unavailable("the zstd CLI (Debian package zstd)");
    }
    let made = Command::new(python().unwrap())
        .arg(fixture("make_image.py"))
        .arg("--zstd")
        .arg(&root)
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(made.success());
    let want = rpm_query(&root);
    for name in ["zstd-oci", "zstd-oci.tar"] {
        let target = dir.path().join(name);
        let (report, out) = run_json(&[
            "inventory",
            target.to_str().unwrap(),
            "--format",
            "json",
            "--no-vulns",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(report["errors"], serde_json::json!([]), "{name}: {report}");
        let layers = report["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 2);
        let comps = report["components"].as_array().unwrap();
        let rpms: Vec<&Value> = comps.iter().filter(|c| c["ecosystem"] == "rpm").collect();
        let mut names: Vec<String> = rpms
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        let mut want_names: Vec<String> = want
            .iter()
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect();
        want_names.sort();
        assert_eq!(names, want_names, "{name}");
        // Everything from the zstd layer is attributed to it (its diff id,
        // the digest of the uncompressed tar); the plain layer's to layer 1.
        for c in &rpms {
            assert_eq!(c["locations"][0]["layer"], layers[1], "{c}");
            assert!(c["purl"].as_str().unwrap().contains("distro=almalinux-9.3"));
        }
        let vim = rpms.iter().find(|c| c["name"] == "vim-minimal").unwrap();
        assert_eq!(vim["version"], "2:8.2.2637-16.el9_0.1");
        let os = comps.iter().find(|c| c["ecosystem"] == "os").unwrap();
        assert_eq!(os["locations"][0]["layer"], layers[1]);
        let ok = comps.iter().find(|c| c["name"] == "ok").unwrap();
        assert_eq!(ok["locations"][0]["layer"], layers[0]);
    }
    // A gzip blob under a zstd media type: an error for that layer, and
    // the other layer is still read.
    let (report, out) = run_json(&[
        "inventory",
        dir.path().join("mislabelled-oci").to_str().unwrap(),
        "--format",
        "json",
        "--no-vulns",
    ]);
    assert!(out.status.success());
    assert_eq!(purls(&report), ["pkg:pypi/ok@1.0"]);
    assert!(report["errors"]
        .to_string()
        .contains("media type says zstd"));
}
