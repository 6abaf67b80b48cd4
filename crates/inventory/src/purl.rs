//! Package URLs the advisory matcher understands (pkg:pypi, pkg:npm,
//! pkg:golang, pkg:cargo, pkg:deb/debian, pkg:generic).
use crate::component::Ecosystem;

/// Percent-encode what a purl name or version may not carry verbatim.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' | b'+' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// PEP 503 name normalisation: lowercase, runs of `-_.` become `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// `pkg:TYPE/NAMESPACE/NAME@VERSION`; `None` for models (no purl type).
pub fn build(eco: Ecosystem, name: &str, version: Option<&str>) -> Option<String> {
    let path = match eco {
        Ecosystem::Pypi => format!("pypi/{}", encode(&pep503(name))),
        Ecosystem::Npm => match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, n)) => format!("npm/%40{}/{}", encode(scope), encode(n)),
            None => format!("npm/{}", encode(name)),
        },
        // Go module paths keep their slashes as purl namespace segments.
        Ecosystem::Golang => format!(
            "golang/{}",
            name.split('/').map(encode).collect::<Vec<_>>().join("/")
        ),
        Ecosystem::Cargo => format!("cargo/{}", encode(name)),
        Ecosystem::Deb => format!("deb/debian/{}", encode(name)),
        Ecosystem::Apk => format!("apk/alpine/{}", encode(name)),
        Ecosystem::Generic => format!(
            "generic/{}",
            name.split('/').map(encode).collect::<Vec<_>>().join("/")
        ),
        Ecosystem::Model => return None,
    };
    Some(match version {
        Some(v) => format!("pkg:{path}@{}", encode(v)),
        None => format!("pkg:{path}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        assert_eq!(
            build(Ecosystem::Pypi, "Jinja2", Some("2.10")).as_deref(),
            Some("pkg:pypi/jinja2@2.10")
        );
        assert_eq!(
            build(Ecosystem::Npm, "@types/node", Some("1.0.0")).as_deref(),
            Some("pkg:npm/%40types/node@1.0.0")
        );
        assert_eq!(
            build(Ecosystem::Golang, "github.com/a/b", Some("v1.2.3")).as_deref(),
            Some("pkg:golang/github.com/a/b@v1.2.3")
        );
        assert_eq!(
            build(Ecosystem::Deb, "libc6", Some("2.36-9+deb12u4")).as_deref(),
            Some("pkg:deb/debian/libc6@2.36-9+deb12u4")
        );
        assert_eq!(pep503("Foo__Bar.baz"), "foo-bar-baz");
    }
}
