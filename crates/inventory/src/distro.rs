//! The distribution a target is (its os-release), applied to the rpm
//! packages found in it once every file has been read: rpm headers name
//! only a vendor, while advisories are filed per distribution and release
//! (`AlmaLinux:9`, `openSUSE:Leap 15.5`). The os-release and the rpm
//! database are different files, possibly in different image layers, so
//! this cannot happen inside one analyzer.
use crate::component::{Component, Ecosystem, Inventory};

/// The purl namespace (vendor) a distribution's packages carry, by os-release `ID`.
pub fn namespace(id: &str) -> &str {
    match id {
        "rhel" => "redhat",
        "amzn" => "amazon",
        "ol" => "oracle",
        _ if id.starts_with("opensuse") => "opensuse",
        "sles" | "sled" | "sles_sap" | "sle-micro" | "sl-micro" => "suse",
        other => other,
    }
}

/// One OS, or none when the target holds several (a directory of root
/// filesystems): then no package is given a distribution it may not have.
fn the_os(inv: &Inventory) -> Option<(String, Option<String>)> {
    let mut found = inv
        .components
        .iter()
        .filter(|c| c.ecosystem == Ecosystem::Os)
        .map(|c| (c.name.clone(), c.version.clone()));
    let first = found.next()?;
    found.all(|o| o == first).then_some(first)
}

pub fn apply(inv: &mut Inventory) {
    let Some((id, version)) = the_os(inv) else {
        return;
    };
    apply_deb(inv, &id, version.as_deref());
    if !inv.components.iter().any(|c| c.ecosystem == Ecosystem::Rpm) {
        return;
    }
    let ns = namespace(&id).to_string();
    let distro = match &version {
        Some(v) => format!("{id}-{v}"),
        None => id.clone(),
    };
    let all = std::mem::take(&mut inv.components);
    let updated: Vec<Component> = all
        .into_iter()
        .map(|mut c| {
            if c.ecosystem == Ecosystem::Rpm {
                c.purl = c.purl.as_deref().map(|p| with_distro(p, &ns, &distro));
            }
            c
        })
        .collect();
    // The same package seen under two vendors is now one component.
    inv.merge(updated);
}

/// dpkg packages of Debian and Ubuntu get their distribution: the purl
/// namespace (`ubuntu` for Ubuntu) and `distro=debian-12` /
/// `distro=ubuntu-22.04`, which select that release's OSV records (Debian's
/// DSA/DLA and Ubuntu's USN data say which package revision carries a
/// backported fix). Other dpkg-based systems keep `pkg:deb/debian/...`
/// without a release: their packages are possible matches only.
fn apply_deb(inv: &mut Inventory, id: &str, version: Option<&str>) {
    let (ns, Some(version)) = (
        match id {
            "debian" => "debian",
            "ubuntu" => "ubuntu",
            _ => return,
        },
        version,
    ) else {
        return;
    };
    let distro = format!("{id}-{version}");
    for c in &mut inv.components {
        if c.ecosystem != Ecosystem::Deb {
            continue;
        }
        if let Some(p) = &c.purl {
            c.purl = Some(deb_with_distro(p, ns, &distro));
        }
    }
}

/// `pkg:deb/debian/NAME@V?arch=amd64` → `pkg:deb/NS/NAME@V?arch=amd64&distro=D`
/// (qualifiers kept sorted by key, as the purl spec's canonical form wants).
fn deb_with_distro(purl: &str, ns: &str, distro: &str) -> String {
    let Some(rest) = purl.strip_prefix("pkg:deb/debian/") else {
        return purl.to_string();
    };
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut q: Vec<(String, String)> = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| *k != "distro")
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    q.push(("distro".into(), crate::purl::encode(distro)));
    q.sort();
    let q: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("pkg:deb/{ns}/{main}?{}", q.join("&"))
}

fn with_distro(purl: &str, ns: &str, distro: &str) -> String {
    let Some((_, name_version, quals)) = crate::purl::split_rpm(purl) else {
        return purl.to_string();
    };
    let mut q: Vec<(&str, String)> = quals
        .iter()
        .filter(|(k, _)| k != "distro")
        .map(|(k, v)| (k.as_str(), crate::purl::decode(v)))
        .collect();
    q.push(("distro", distro.to_string()));
    let (name, version) = match name_version.split_once('@') {
        Some((n, v)) => (n.to_string(), Some(crate::purl::decode(v))),
        None => (name_version.clone(), None),
    };
    crate::purl::rpm(
        Some(ns),
        &crate::purl::decode(&name),
        version.as_deref(),
        &q,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deb_purls_get_the_distribution() {
        assert_eq!(
            deb_with_distro(
                "pkg:deb/debian/libc6@2.36-9?arch=amd64&source=glibc",
                "debian",
                "debian-12"
            ),
            "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12&source=glibc"
        );
        assert_eq!(
            deb_with_distro(
                "pkg:deb/debian/redis-server@5%3A6.0.16-1ubuntu1",
                "ubuntu",
                "ubuntu-22.04"
            ),
            "pkg:deb/ubuntu/redis-server@5%3A6.0.16-1ubuntu1?distro=ubuntu-22.04"
        );
    }

    #[test]
    fn rpm_purls_get_the_distribution() {
        let p = "pkg:rpm/red/bash@5.1.8-6.el9?arch=x86_64&upstream=bash-5.1.8-6.el9.src.rpm";
        assert_eq!(
            with_distro(p, namespace("rocky"), "rocky-9.3"),
            "pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&distro=rocky-9.3&upstream=bash-5.1.8-6.el9.src.rpm"
        );
        assert_eq!(namespace("opensuse-leap"), "opensuse");
        assert_eq!(namespace("rhel"), "redhat");
    }
}
