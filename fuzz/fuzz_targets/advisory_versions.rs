//! Versions come from banners and advisory files alike: every scheme must
//! parse any text without panicking, and comparing two versions must be
//! antisymmetric (a < b exactly when b > a). OSV documents in JSON or YAML
//! must parse or fail cleanly too.
#![no_main]
use aimap_advisory::Scheme;
use libfuzzer_sys::fuzz_target;

const SCHEMES: [Scheme; 7] = [
    Scheme::Semver,
    Scheme::Npm,
    Scheme::Cargo,
    Scheme::Go,
    Scheme::Pep440,
    Scheme::Debian,
    Scheme::Generic,
];

fuzz_target!(|data: &[u8]| {
    let _ = aimap_advisory::osv::raw::from_json(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = aimap_advisory::osv::raw::from_yaml(text);
    let (a, b) = text.split_once('\n').unwrap_or((text, "1.0.0"));
    for s in SCHEMES {
        let _ = s.canonical(a);
        if let (Ok(x), Ok(y)) = (s.compare(a, b), s.compare(b, a)) {
            assert_eq!(x, y.reverse(), "{s}: {a:?} vs {b:?}");
        }
    }
});
