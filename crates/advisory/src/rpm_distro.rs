//! rpm-based distributions in OSV: which ecosystem an `pkg:rpm` purl's
//! namespace names, how its `distro` qualifier (`<os-release ID>-<VERSION_ID>`)
//! becomes the ecosystem's release, and whether an advisory's release
//! covers the installed one. Each family spells releases its own way:
//! `AlmaLinux:9`, `Rocky Linux:9`, `openSUSE:Leap 15.5`,
//! `SUSE:Linux Enterprise Server 15 SP5`, `Red Hat:enterprise_linux:9::baseos`.

/// OSV ecosystem names whose versions are rpm versions.
pub const FAMILIES: &[&str] = &[
    "AlmaLinux",
    "Rocky Linux",
    "Red Hat",
    "openSUSE",
    "SUSE",
    "Mageia",
    "openEuler",
    "Photon OS",
    "Azure Linux",
];

/// The OSV family for a purl namespace; `None` for vendors without an
/// advisory source (Fedora, CentOS, Amazon, Oracle).
pub fn family_for_namespace(ns: &str) -> Option<&'static str> {
    Some(match ns.to_ascii_lowercase().as_str() {
        "almalinux" => "AlmaLinux",
        "rocky" => "Rocky Linux",
        "redhat" => "Red Hat",
        "opensuse" => "openSUSE",
        "suse" => "SUSE",
        "mageia" => "Mageia",
        "openeuler" => "openEuler",
        "photon" => "Photon OS",
        "azurelinux" | "mariner" => "Azure Linux",
        _ => return None,
    })
}

/// `rocky-9.3` → (`rocky`, `9.3`); `opensuse-tumbleweed` → (`opensuse-tumbleweed`, "").
fn split_distro(distro: &str) -> (&str, &str) {
    match distro.rsplit_once('-') {
        Some((id, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => (id, v),
        _ => (distro, ""),
    }
}

/// The release of an installed system in the family's own spelling.
pub fn release_from_distro(family: &str, distro: &str) -> Option<String> {
    let (id, v) = split_distro(distro.trim());
    let id = id.to_ascii_lowercase();
    let sp = |v: &str| match v.split_once('.') {
        Some((major, minor)) if minor != "0" => format!("{major} SP{minor}"),
        Some((major, _)) => major.to_string(),
        None => v.to_string(),
    };
    let r = match family {
        "openSUSE" => match id.as_str() {
            "opensuse-tumbleweed" => "Tumbleweed".to_string(),
            "opensuse-leap" if !v.is_empty() => format!("Leap {v}"),
            "opensuse-leap-micro" if !v.is_empty() => format!("Leap Micro {v}"),
            _ => return None,
        },
        "SUSE" if v.is_empty() => return None,
        "SUSE" => match id.as_str() {
            "sles" => format!("Linux Enterprise Server {}", sp(v)),
            "sled" => format!("Linux Enterprise Desktop {}", sp(v)),
            "sles_sap" => format!("Linux Enterprise Server for SAP Applications {}", sp(v)),
            "sle-micro" | "sl-micro" => format!("Linux Enterprise Micro {v}"),
            _ => return None,
        },
        _ if v.is_empty() => return None,
        _ => v.to_string(),
    };
    Some(r)
}

/// How an advisory's release relates to the installed one.
#[derive(Debug, PartialEq, Eq)]
pub enum Fit {
    Same,
    /// It may apply, and why that is not certain.
    Possible(String),
    Different,
}

/// Leading digits and dots: `9` of `9`, `22.03` of `22.03-LTS-SP1`.
fn number(s: &str) -> &str {
    let end = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    s[..end].trim_end_matches('.')
}

/// `9` covers `9.3`; `22.03` covers `22.03`, not `22.09`.
fn covers(advisory: &str, installed: &str) -> bool {
    let (a, i) = (number(advisory), number(installed));
    !a.is_empty() && (i == a || i.strip_prefix(a).is_some_and(|r| r.starts_with('.')))
}

pub fn fit(family: &str, installed: &str, advisory: &str) -> Fit {
    match family {
        // `enterprise_linux:9::baseos`: the release stream a plain RHEL 9
        // system follows. Extended-support streams (rhel_eus, rhel_aus,
        // ...) depend on the subscription, which no file on disk records.
        "Red Hat" => {
            let mut parts = advisory.split(':');
            match (parts.next(), parts.next()) {
                (Some("enterprise_linux"), Some(v)) if covers(v, installed) => Fit::Same,
                (Some(_), Some(v)) if covers(v, installed) => Fit::Possible(format!(
                    "This is Red Hat's {advisory} stream; whether the system follows it depends on its subscription."
                )),
                _ => Fit::Different,
            }
        }
        "openSUSE" => {
            if advisory.eq_ignore_ascii_case(installed) {
                Fit::Same
            } else {
                Fit::Different
            }
        }
        // SUSE files advisories per product and per module; the modules a
        // system has enabled are not in the rpm database.
        "SUSE" => {
            if advisory.eq_ignore_ascii_case(installed) {
                return Fit::Same;
            }
            let tail = |s: &str| {
                s.rsplit_once(' ')
                    .map(|(rest, last)| {
                        if last.starts_with("SP") {
                            format!("{} {last}", rest.rsplit(' ').next().unwrap_or(""))
                        } else {
                            last.to_string()
                        }
                    })
                    .unwrap_or_default()
            };
            if advisory.contains("Module") && tail(advisory) == tail(installed) {
                Fit::Possible(format!(
                    "This is SUSE's {advisory} advisory; whether that module is enabled is not recorded in the rpm database."
                ))
            } else {
                Fit::Different
            }
        }
        _ => {
            if covers(advisory, installed) {
                Fit::Same
            } else {
                Fit::Different
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_by_family() {
        assert_eq!(
            release_from_distro("Rocky Linux", "rocky-9.3").as_deref(),
            Some("9.3")
        );
        assert_eq!(
            release_from_distro("openSUSE", "opensuse-leap-15.5").as_deref(),
            Some("Leap 15.5")
        );
        assert_eq!(
            release_from_distro("openSUSE", "opensuse-tumbleweed-20240101").as_deref(),
            Some("Tumbleweed")
        );
        assert_eq!(
            release_from_distro("SUSE", "sles-15.5").as_deref(),
            Some("Linux Enterprise Server 15 SP5")
        );
        assert_eq!(release_from_distro("AlmaLinux", "almalinux"), None);
        assert_eq!(fit("AlmaLinux", "9.3", "9"), Fit::Same);
        assert_eq!(fit("AlmaLinux", "9.3", "8"), Fit::Different);
        assert_eq!(fit("AlmaLinux", "90", "9"), Fit::Different);
        assert_eq!(fit("openEuler", "22.03", "22.03-LTS-SP1"), Fit::Same);
        assert_eq!(fit("openEuler", "22.09", "22.03-LTS"), Fit::Different);
        assert_eq!(
            fit("Red Hat", "9.3", "enterprise_linux:9::baseos"),
            Fit::Same
        );
        assert!(matches!(
            fit("Red Hat", "9.2", "rhel_eus:9.2::baseos"),
            Fit::Possible(_)
        ));
        assert_eq!(
            fit("Red Hat", "8.6", "enterprise_linux:9::baseos"),
            Fit::Different
        );
        assert_eq!(fit("openSUSE", "Leap 15.5", "Leap 15.5"), Fit::Same);
        assert_eq!(fit("openSUSE", "Leap 15.5", "Leap 15.4"), Fit::Different);
        assert!(matches!(
            fit(
                "SUSE",
                "Linux Enterprise Server 15 SP5",
                "Linux Enterprise Module for Basesystem 15 SP5"
            ),
            Fit::Possible(_)
        ));
        assert_eq!(
            fit(
                "SUSE",
                "Linux Enterprise Server 15 SP5",
                "Linux Enterprise Module for Basesystem 15 SP4"
            ),
            Fit::Different
        );
    }
}
