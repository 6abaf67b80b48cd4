//! Backports: Debian's and Ubuntu's OSV records say which package revision
//! of a release carries a fix under an old upstream number. A dpkg package
//! in a Debian 12 or Ubuntu 22.04 root (os-release gives the release) is
//! matched against that release's records with dpkg's ordering: the revision
//! before the fix is affected, the fixed one is not, whatever the upstream
//! number says, and another release's records never apply. The records
//! (tests/fixtures/inventory/{DSA,USN}-backport-redis.json) are
//! hand-written in the OSV schema with Debian's and Ubuntu's id formats.
mod common;
#[path = "fixtures/inventory/support.rs"]
mod support;

use std::path::Path;

use common::{aimap, find_program, unavailable};
use serde_json::Value;
use support::*;

/// A root with os-release and redis-server (source redis) at `version`,
/// installed with the real dpkg.
fn root(dir: &Path, os_release: &str, version: &str) -> Option<std::path::PathBuf> {
    let dpkg = find_program("dpkg")?;
    let dpkg_deb = find_program("dpkg-deb")?;
    let root = dir.join("root");
    let admin = root.join("var/lib/dpkg");
    std::fs::create_dir_all(admin.join("updates")).unwrap();
    std::fs::create_dir_all(admin.join("info")).unwrap();
    std::fs::write(admin.join("status"), "").unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), os_release).unwrap();
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(pkg.join("DEBIAN")).unwrap();
    std::fs::write(
        pkg.join("DEBIAN/control"),
        format!(
            "Package: redis-server\nSource: redis\nVersion: {version}\nArchitecture: amd64\n\
             Maintainer: t <t@example.invalid>\nDescription: t\n t\n"
        ),
    )
    .unwrap();
    let deb = dir.join("redis-server.deb");
    let ok = std::process::Command::new(dpkg_deb)
        .args(["--root-owner-group", "--build"])
        .arg(&pkg)
        .arg(&deb)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let ok = std::process::Command::new(dpkg)
        .arg(format!("--root={}", root.display()))
        .args([
            "--force-not-root",
            "--force-bad-path",
            "--force-script-chrootless",
            "--log=/dev/null",
            "-i",
        ])
        .arg(&deb)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    Some(root)
}

fn ids_for(root: &Path, store: &Path) -> (String, Vec<Value>) {
    let (report, out) = run_json(&[
        "inventory",
        root.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
        "--advisories",
        store.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "redis-server")
        .expect("redis-server listed")
        .clone();
    let purl = c["purl"].as_str().unwrap().to_string();
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["subject"]["purl"] == purl.as_str())
        .cloned()
        .collect();
    (purl, findings)
}

const DEBIAN_12: &str =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
                         VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";
const UBUNTU_2204: &str =
    "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\n\
                           VERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n";

#[test]
fn debian_and_ubuntu_backports_decide_by_package_revision() {
    if find_program("dpkg").is_none() || find_program("dpkg-deb").is_none() {
        return unavailable("dpkg and dpkg-deb");
    }
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    for f in ["DSA-backport-redis.json", "USN-backport-redis.json"] {
        let out = aimap(&[
            "db",
            "--advisories",
            store.to_str().unwrap(),
            "import",
            fixture(f).to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // (os-release, installed version, purl namespace/distro, the record
    // that applies, its fixed version or None when the revision is fixed)
    let cases = [
        (
            DEBIAN_12,
            "5:7.0.15-1~deb12u4",
            "pkg:deb/debian/redis-server@",
            "distro=debian-12",
            "DSA-9001-1",
            Some("5:7.0.15-1~deb12u5"),
        ),
        (
            DEBIAN_12,
            "5:7.0.15-1~deb12u5",
            "pkg:deb/debian/redis-server@",
            "distro=debian-12",
            "DSA-9001-1",
            None,
        ),
        // Debian 11's fix (6.0.16-1+deb11u9) says nothing about Debian 12.
        (
            DEBIAN_12,
            "5:6.0.16-1+deb11u9",
            "pkg:deb/debian/redis-server@",
            "distro=debian-12",
            "DSA-9001-1",
            Some("5:7.0.15-1~deb12u5"),
        ),
        (
            UBUNTU_2204,
            "5:6.0.16-1ubuntu1",
            "pkg:deb/ubuntu/redis-server@",
            "distro=ubuntu-22.04",
            "USN-9001-1",
            Some("5:6.0.16-1ubuntu1.1"),
        ),
        (
            UBUNTU_2204,
            "5:6.0.16-1ubuntu1.1",
            "pkg:deb/ubuntu/redis-server@",
            "distro=ubuntu-22.04",
            "USN-9001-1",
            None,
        ),
    ];
    for (i, (os, version, prefix, distro, id, fixed)) in cases.into_iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let root = root(&dir, os, version).unwrap();
        let (purl, findings) = ids_for(&root, &store);
        assert!(
            purl.starts_with(prefix) && purl.contains(distro) && purl.contains("source=redis"),
            "{purl}"
        );
        let f = findings.iter().find(|f| f["id"] == id);
        match fixed {
            Some(fix) => {
                let f = f.unwrap_or_else(|| panic!("{version}: {id} missing: {findings:?}"));
                assert!(
                    f["remediation"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("to {fix} or later")),
                    "{f}"
                );
            }
            None => assert!(f.is_none(), "{version} carries the fix: {findings:?}"),
        }
        // The other distribution's record and Ubuntu Pro's never apply.
        let other = if id.starts_with("DSA") {
            "USN-9001-1"
        } else {
            "DSA-9001-1"
        };
        assert!(findings.iter().all(|f| f["id"] != other), "{findings:?}");
    }
}
