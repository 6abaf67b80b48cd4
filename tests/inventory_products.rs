//! Vendor packages are matched as the product they are, offline, from a
//! fresh install (an empty advisory store: the built-in OSV snapshot and
//! curated data only). NVIDIA Container Toolkit 1.16.1 installed from
//! NVIDIA's apt repository (a dpkg database written by the real dpkg), its
//! yum repository (an rpm database written by the real rpm) or present only
//! as its binaries (a Go build, as NVIDIA's Makefile stamps the version)
//! reports CVE-2024-0132 and CVE-2024-0133 with the fixed version 1.16.2,
//! and CVE-2025-23266 with whether its CDI-mode condition holds.
mod common;
#[path = "fixtures/inventory/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{find_program, unavailable};
use serde_json::Value;
use support::*;

/// The four packages of NVIDIA's repository, one release.
const TOOLKIT_PACKAGES: &[&str] = &[
    "nvidia-container-toolkit",
    "nvidia-container-toolkit-base",
    "libnvidia-container1",
    "libnvidia-container-tools",
];

/// `aimap inventory ROOT --format json` against an empty store.
fn inventory(root: &Path) -> Value {
    let store = tempfile::tempdir().unwrap();
    let (report, out) = run_json(&[
        "inventory",
        root.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
        "--advisories",
        store.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report
}

/// The findings about the component whose purl starts with `prefix`.
fn findings_of<'a>(report: &'a Value, prefix: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["subject"]["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with(prefix))
        })
        .collect()
}

fn find<'a>(findings: &[&'a Value], id: &str) -> &'a Value {
    findings.iter().find(|f| f["id"] == id).unwrap_or_else(|| {
        let ids: Vec<&Value> = findings.iter().map(|f| &f["id"]).collect();
        panic!("{id} missing: {ids:?}")
    })
}

/// CVE-2024-0132 (GO-2024-3239) and CVE-2024-0133 (GO-2024-3237), the Go
/// vulnerability database's records, both fixed in 1.16.2.
fn assert_toolkit_cves(findings: &[&Value], package: &str) {
    for (id, cve) in [
        ("GO-2024-3239", "CVE-2024-0132"),
        ("GO-2024-3237", "CVE-2024-0133"),
    ] {
        let f = find(findings, id);
        assert_eq!(f["kind"], "vulnerability");
        assert!(f["evidence"].as_str().unwrap().contains(cve), "{f}");
        assert!(
            f["remediation"]
                .as_str()
                .unwrap()
                .contains(&format!("Upgrade {package} to 1.16.2 or later")),
            "{f}"
        );
        assert!(
            f["description"]
                .as_str()
                .unwrap()
                .contains("is NVIDIA Container Toolkit 1.16.1"),
            "the finding says what the package was matched as: {f}"
        );
    }
}

/// The CVE-2025-23266 finding's condition sentence.
fn condition(findings: &[&Value]) -> (String, String) {
    let f = find(findings, "GO-2025-3992");
    assert!(f["evidence"].as_str().unwrap().contains("CVE-2025-23266"));
    let evidence = f["evidence"].as_str().unwrap();
    let at = evidence.find("Condition").unwrap_or_else(|| panic!("{f}"));
    (
        evidence[at..].to_string(),
        f["severity"].as_str().unwrap().to_string(),
    )
}

fn write_runtime_config(root: &Path, mode: Option<&str>) {
    let Some(mode) = mode else { return };
    let dir = root.join("etc/nvidia-container-runtime");
    std::fs::create_dir_all(&dir).unwrap();
    // The shape of the file the toolkit's packages install.
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "#accept-nvidia-visible-devices-as-volume-mounts = false\n\n\
             [nvidia-container-cli]\nenvironment = []\nldconfig = \"@/sbin/ldconfig\"\n\n\
             [nvidia-container-runtime]\nlog-level = \"info\"\nmode = \"{mode}\"\n\
             runtimes = [\"docker-runc\", \"runc\", \"crun\"]\n\n\
             [nvidia-container-runtime.modes.cdi]\ndefault-kind = \"nvidia.com/gpu\"\n"
        ),
    )
    .unwrap();
}

/// A root filesystem whose dpkg database lists the toolkit's packages,
/// installed with the real dpkg from .deb files built here.
fn dpkg_root(dir: &Path) -> Option<PathBuf> {
    let dpkg = find_program("dpkg")?;
    let dpkg_deb = find_program("dpkg-deb")?;
    let root = dir.join("root");
    let admin = root.join("var/lib/dpkg");
    std::fs::create_dir_all(admin.join("updates")).unwrap();
    std::fs::create_dir_all(admin.join("info")).unwrap();
    std::fs::write(admin.join("status"), "").unwrap();
    for name in TOOLKIT_PACKAGES {
        let pkg = dir.join(name);
        std::fs::create_dir_all(pkg.join("DEBIAN")).unwrap();
        std::fs::write(
            pkg.join("DEBIAN/control"),
            format!(
                "Package: {name}\nVersion: 1.16.1-1\nArchitecture: amd64\n\
                 Maintainer: NVIDIA CORPORATION <cudatools@nvidia.com>\n\
                 Description: NVIDIA container runtime\n test package\n"
            ),
        )
        .unwrap();
        let deb = dir.join(format!("{name}.deb"));
        let built = Command::new(&dpkg_deb)
            .args(["--root-owner-group", "--build"])
            .arg(&pkg)
            .arg(&deb)
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let installed = Command::new(&dpkg)
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
            installed.status.success(),
            "{}",
            String::from_utf8_lossy(&installed.stderr)
        );
    }
    Some(root)
}

#[test]
fn toolkit_from_nvidias_apt_repository_reports_its_cves_and_the_cdi_condition() {
    let dir = tempfile::tempdir().unwrap();
    let Some(root) = dpkg_root(dir.path()) else {
        return unavailable("dpkg and dpkg-deb");
    };
    for (mode, want, severity) in [
        (Some("cdi"), "Condition holds: /etc/nvidia-container-runtime/config.toml sets nvidia-container-runtime.mode = \"cdi\"", None),
        (Some("legacy"), "Condition does not hold: /etc/nvidia-container-runtime/config.toml sets nvidia-container-runtime.mode = \"legacy\"", Some("low")),
        (Some("auto"), "Condition may hold", None),
        (None, "Condition may hold: /etc/nvidia-container-runtime/config.toml is absent, so nvidia-container-runtime.mode is \"auto\" (the default)", None),
        // `mode = ""broken"`: not TOML.
        (Some("\"broken"), "Condition could not be checked", None),
    ] {
        let _ = std::fs::remove_dir_all(root.join("etc/nvidia-container-runtime"));
        write_runtime_config(&root, mode);
        let report = inventory(&root);
        for name in TOOLKIT_PACKAGES {
            let findings = findings_of(&report, &format!("pkg:deb/debian/{name}@1.16.1-1"));
            assert_toolkit_cves(&findings, name);
            let (said, sev) = condition(&findings);
            assert!(said.starts_with(want), "{mode:?}: {said}");
            assert!(said.contains("below 1.17.5, CVE-2025-23266 applies only to the runtime in CDI mode"), "{said}");
            if let Some(s) = severity {
                assert_eq!(sev, s, "{said}");
            } else {
                assert_ne!(sev, "low", "{said}");
            }
        }
    }
}

#[test]
fn toolkit_from_nvidias_yum_repository_reports_its_cves() {
    let dir = tempfile::tempdir().unwrap();
    let specs: Vec<String> = TOOLKIT_PACKAGES
        .iter()
        .map(|name| {
            format!(
                "Name: {name}\nVersion: 1.16.1\nRelease: 1\nSummary: t\nLicense: Apache-2.0\n\
                 Vendor: NVIDIA CORPORATION\n%description\nt\n%files\n"
            )
        })
        .collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let Some(root) = rpm_root_with(dir.path(), &specs, None) else {
        return unavailable("rpm and rpmbuild with the SQLite backend (Debian package rpm)");
    };
    write_runtime_config(&root, Some("legacy"));
    let report = inventory(&root);
    for name in TOOLKIT_PACKAGES {
        let findings: Vec<&Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["subject"]["purl"].as_str().is_some_and(|p| {
                    p.starts_with("pkg:rpm/") && p.contains(&format!("/{name}@1.16.1-1"))
                })
            })
            .collect();
        assert_toolkit_cves(&findings, name);
        let (said, sev) = condition(&findings);
        assert!(said.starts_with("Condition does not hold"), "{said}");
        assert_eq!(sev, "low");
    }
}

/// nvidia-ctk and nvidia-container-runtime-hook alone (copied onto a host
/// or into an image without a package manager): a Go build of a main
/// package in the toolkit's module, version stamped the way the toolkit's
/// Makefile does (`-X .../internal/info.version=`), built offline here.
#[test]
fn toolkit_binaries_alone_report_its_cves() {
    let Some(go) = find_program("go") else {
        return unavailable("go (apt-get install golang-go)");
    };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("internal/info")).unwrap();
    std::fs::write(
        src.join("go.mod"),
        "module github.com/NVIDIA/nvidia-container-toolkit\n\ngo 1.19\n",
    )
    .unwrap();
    std::fs::write(
        src.join("internal/info/version.go"),
        "package info\n\nvar version = \"N/A\"\n\nfunc Version() string { return version }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/NVIDIA/nvidia-container-toolkit/internal/info\"\n)\n\n\
         func main() { fmt.Println(info.Version()) }\n",
    )
    .unwrap();
    let root = dir.path().join("root");
    for bin in ["nvidia-ctk", "nvidia-container-runtime-hook"] {
        let out = root.join("usr/bin").join(bin);
        let built = Command::new(&go)
            .current_dir(&src)
            .env("GOCACHE", dir.path().join("cache"))
            .env("GOFLAGS", "-buildvcs=false")
            .env("GOPROXY", "off")
            .args([
                "build",
                "-ldflags",
                "-X github.com/NVIDIA/nvidia-container-toolkit/internal/info.version=1.16.1",
                "-o",
            ])
            .arg(&out)
            .arg(".")
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let printed = Command::new(&out).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&printed.stdout).trim(), "1.16.1");
    }
    let report = inventory(&root);
    let findings = findings_of(&report, "pkg:generic/nvidia/container-toolkit@1.16.1");
    assert_toolkit_cves(&findings, "nvidia/container-toolkit");
    // No configuration file in this root: the runtime's default, "auto".
    let (said, _) = condition(&findings);
    assert!(said.starts_with("Condition may hold"), "{said}");
    // Found twice (two binaries), reported once per advisory.
    let n = findings
        .iter()
        .filter(|f| f["id"] == "GO-2024-3239")
        .count();
    assert_eq!(n, 1, "{findings:?}");
}
