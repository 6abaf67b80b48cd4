//! os-release(5): which distribution a root filesystem is. It becomes an
//! `operating-system` component, and [`crate::distro`] uses it to give rpm
//! packages their distribution (purl namespace and `distro` qualifier),
//! without which rpm advisories cannot be told apart by release.
use crate::component::{Component, Ecosystem};

/// `KEY=value` lines; values may be quoted and backslash-escaped.
pub fn field<'a>(text: &'a str, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    let raw = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(key).and_then(|r| r.strip_prefix('=')))?;
    let raw = raw.trim();
    let unquoted = match raw.as_bytes().first() {
        Some(q @ (b'"' | b'\'')) => {
            let q = *q as char;
            raw.strip_prefix(q)?.strip_suffix(q)?
        }
        _ => raw,
    };
    if !unquoted.contains('\\') {
        return Some(unquoted.into());
    }
    let mut out = String::with_capacity(unquoted.len());
    let mut chars = unquoted.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    Some(out.into())
}

/// The OS as a component: name = `ID`, version = `VERSION_ID` (rolling
/// releases have none).
pub fn analyze(text: &str) -> Option<Component> {
    let id = field(text, "ID")?.trim().to_ascii_lowercase();
    let ok = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    if id.is_empty() || id.len() > 64 || !id.chars().all(ok) {
        return None;
    }
    let version = field(text, "VERSION_ID")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.chars().all(ok));
    Some(Component::package(
        Ecosystem::Os,
        &id,
        version.as_deref(),
        "os-release",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_id_and_version() {
        let c = analyze(
            "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n",
        )
        .unwrap();
        assert_eq!(
            (c.name.as_str(), c.version.as_deref()),
            ("rocky", Some("9.3"))
        );
        let tw = analyze("ID=opensuse-tumbleweed\nPRETTY_NAME='openSUSE Tumbleweed'\n").unwrap();
        assert_eq!(
            (tw.name.as_str(), tw.version),
            ("opensuse-tumbleweed", None)
        );
        assert_eq!(field("A=\"x\\\"y\"", "A").as_deref(), Some("x\"y"));
        assert!(analyze("NAME=x\n").is_none());
        assert!(analyze("ID=\"../../etc\"\n").is_none());
    }
}
