//! OS packages: the dpkg status file and Alpine's installed database
//! (rpm's database is [`super::rpmdb`]).
use crate::component::{Component, Ecosystem};

/// Installed packages from /var/lib/dpkg/status; `Source:` names the
/// package OSV's Debian advisories are filed under.
pub fn dpkg_status(text: &str) -> Vec<Component> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let field = |key: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
                .map(str::trim)
        };
        let (Some(name), Some(version)) = (field("Package"), field("Version")) else {
            continue;
        };
        if !field("Status")
            .unwrap_or("install ok installed")
            .ends_with(" installed")
        {
            continue;
        }
        let mut c = Component::package(Ecosystem::Deb, name, Some(version), "dpkg-status");
        let mut quals = Vec::new();
        if let Some(arch) = field("Architecture") {
            quals.push(format!("arch={}", crate::purl::encode(arch)));
        }
        // `Source: name (version)`: the version part is not needed.
        if let Some(src) = field("Source").and_then(|s| s.split_whitespace().next()) {
            if src != name {
                quals.push(format!("source={}", crate::purl::encode(src)));
            }
        }
        if let (Some(p), false) = (&mut c.purl, quals.is_empty()) {
            p.push('?');
            p.push_str(&quals.join("&"));
        }
        out.push(c);
    }
    out
}

/// /lib/apk/db/installed: `P:` name, `V:` version, one block per package.
pub fn apk_installed(text: &str) -> Vec<Component> {
    text.split("\n\n")
        .filter_map(|block| {
            let get = |k: &str| block.lines().find_map(|l| l.strip_prefix(k));
            Some(Component::package(
                Ecosystem::Apk,
                get("P:")?,
                get("V:"),
                "apk-installed",
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg() {
        let c = dpkg_status("Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n");
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].purl.as_deref(),
            Some("pkg:deb/debian/libc6@2.36-9?arch=amd64&source=glibc")
        );
    }
}
