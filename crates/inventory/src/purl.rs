//! Package URLs the advisory matcher understands (pkg:pypi, pkg:npm,
//! pkg:golang, pkg:cargo, pkg:deb/debian, pkg:rpm, pkg:generic).
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

/// Undo [`encode`]; an invalid escape stays as written.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if let (b'%', Some(Some(hi)), Some(Some(lo))) = (
            b[i],
            b.get(i + 1).map(|&c| hex(c)),
            b.get(i + 2).map(|&c| hex(c)),
        ) {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
        // The vendor namespace is known only to the rpm analyzer: see [`rpm`].
        Ecosystem::Rpm => format!("rpm/{}", encode(name)),
        Ecosystem::Generic => format!(
            "generic/{}",
            name.split('/').map(encode).collect::<Vec<_>>().join("/")
        ),
        Ecosystem::Model | Ecosystem::Os => return None,
    };
    Some(match version {
        Some(v) => format!("pkg:{path}@{}", encode(v)),
        None => format!("pkg:{path}"),
    })
}

/// `pkg:rpm/NAMESPACE/NAME@VERSION-RELEASE?QUALIFIERS`, qualifiers sorted
/// by key as the purl spec's canonical form wants (`arch`, `distro`,
/// `epoch`, `upstream`).
pub fn rpm(
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, String)],
) -> String {
    let mut out = String::from("pkg:rpm/");
    if let Some(ns) = namespace {
        out.push_str(&encode(ns));
        out.push('/');
    }
    out.push_str(&encode(name));
    if let Some(v) = version {
        out.push('@');
        out.push_str(&encode(v));
    }
    let mut q: Vec<&(&str, String)> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
    q.sort_by_key(|(k, _)| *k);
    for (i, (k, v)) in q.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

/// An rpm purl taken apart: (namespace, `name@version`, qualifiers), still encoded.
pub type RpmParts = (Option<String>, String, Vec<(String, String)>);

/// The parts of an rpm purl [`rpm`] built.
pub fn split_rpm(purl: &str) -> Option<RpmParts> {
    let rest = purl.strip_prefix("pkg:rpm/")?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (ns, name) = match path.split_once('/') {
        Some((ns, n)) => (Some(ns.to_string()), n.to_string()),
        None => (None, path.to_string()),
    };
    let quals = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Some((ns, name, quals))
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
        let q = [
            ("upstream", "bash-5.1.8-6.el9.src.rpm".to_string()),
            ("arch", "x86_64".to_string()),
            ("epoch", "1".to_string()),
        ];
        let p = rpm(Some("rocky"), "bash", Some("5.1.8-6.el9"), &q);
        assert_eq!(
            p,
            "pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&epoch=1&upstream=bash-5.1.8-6.el9.src.rpm"
        );
        let (ns, name, quals) = split_rpm(&p).unwrap();
        assert_eq!(
            (ns.as_deref(), name.as_str()),
            (Some("rocky"), "bash@5.1.8-6.el9")
        );
        assert_eq!(quals.len(), 3);
    }
}
