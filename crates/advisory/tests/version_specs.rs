//! npm and crates.io version semantics, checked against the examples their
//! own specifications ship: node-semver's comparison and equality fixtures
//! (test/fixtures/comparisons.js, equality.js, invalid-versions.js) and
//! the semver crate's ordering tests, which are Cargo's ordering
//! (tests/test_version.rs). The schemes are reached the way matching
//! reaches them, through the OSV ecosystem name. The SemVer 2.0 §11,
//! PEP 440, Go pseudo-version and Debian examples live next to their
//! schemes (src/version/*.rs).

use std::cmp::Ordering;

use aimap_advisory::{Advisory, Ecosystem, Index, Scheme, Source};

fn scheme(ecosystem: &str) -> Scheme {
    Ecosystem::parse(ecosystem)
        .scheme()
        .unwrap_or_else(|| panic!("{ecosystem} has a scheme"))
}

fn cmp(s: Scheme, a: &str, b: &str) -> Ordering {
    s.compare(a, b)
        .unwrap_or_else(|e| panic!("{s}: {a:?} vs {b:?}: {e}"))
}

/// node-semver test/fixtures/comparisons.js: the first of each pair is
/// greater. Pairs flagged `loose` there carry a `v` prefix.
const NPM_GREATER: &[(&str, &str)] = &[
    ("0.0.0", "0.0.0-foo"),
    ("0.0.1", "0.0.0"),
    ("1.0.0", "0.9.9"),
    ("0.10.0", "0.9.0"),
    ("0.99.0", "0.10.0"),
    ("2.0.0", "1.2.3"),
    ("v0.0.0", "0.0.0-foo"),
    ("v0.0.1", "0.0.0"),
    ("v1.0.0", "0.9.9"),
    ("v0.10.0", "0.9.0"),
    ("v0.99.0", "0.10.0"),
    ("v2.0.0", "1.2.3"),
    ("0.0.0", "v0.0.0-foo"),
    ("0.0.1", "v0.0.0"),
    ("1.0.0", "v0.9.9"),
    ("0.10.0", "v0.9.0"),
    ("0.99.0", "v0.10.0"),
    ("2.0.0", "v1.2.3"),
    ("1.2.3", "1.2.3-asdf"),
    ("1.2.3", "1.2.3-4"),
    ("1.2.3", "1.2.3-4-foo"),
    ("1.2.3-5-foo", "1.2.3-5"),
    ("1.2.3-5", "1.2.3-4"),
    ("1.2.3-5-foo", "1.2.3-5-Foo"),
    ("3.0.0", "2.7.2+asdf"),
    ("1.2.3-a.10", "1.2.3-a.5"),
    ("1.2.3-a.b", "1.2.3-a.5"),
    ("1.2.3-a.b", "1.2.3-a"),
    ("1.2.3-a.b.c.10.d.5", "1.2.3-a.b.c.5.d.100"),
    ("1.2.3-r2", "1.2.3-r100"),
    ("1.2.3-r100", "1.2.3-R2"),
];

/// node-semver test/fixtures/equality.js (loose and strict pairs alike).
const NPM_EQUAL: &[(&str, &str)] = &[
    ("1.2.3", "v1.2.3"),
    ("1.2.3", "=1.2.3"),
    ("1.2.3", "v 1.2.3"),
    ("1.2.3", "= 1.2.3"),
    ("1.2.3", " v1.2.3"),
    ("1.2.3", " =1.2.3"),
    ("1.2.3", " v 1.2.3"),
    ("1.2.3", " = 1.2.3"),
    ("1.2.3-0", "v1.2.3-0"),
    ("1.2.3-0", "= 1.2.3-0"),
    ("1.2.3-0", " v 1.2.3-0"),
    ("1.2.3-1", "=1.2.3-1"),
    ("1.2.3-1", " = 1.2.3-1"),
    ("1.2.3-beta", "v 1.2.3-beta"),
    ("1.2.3-beta", " =1.2.3-beta"),
    ("1.2.3-beta+build", " = 1.2.3-beta+otherbuild"),
    ("1.2.3+build", " = 1.2.3+otherbuild"),
    ("1.2.3-beta+build", "1.2.3-beta+otherbuild"),
    ("1.2.3+build", "1.2.3+otherbuild"),
    ("  v1.2.3+build", "1.2.3+otherbuild"),
];

#[test]
fn npm_orders_like_node_semver() {
    let npm = scheme("npm");
    assert_eq!(npm, Scheme::Npm);
    for (a, b) in NPM_GREATER {
        assert_eq!(cmp(npm, a, b), Ordering::Greater, "{a} > {b}");
        assert_eq!(cmp(npm, b, a), Ordering::Less, "{b} < {a}");
    }
    for (a, b) in NPM_EQUAL {
        assert_eq!(cmp(npm, a, b), Ordering::Equal, "{a:?} == {b:?}");
    }
}

#[test]
fn npm_rejects_what_node_semver_rejects() {
    let npm = scheme("npm");
    // invalid-versions.js: too long (MAX_LENGTH 256), too big
    // (Number.MAX_SAFE_INTEGER), junk even in loose mode.
    let too_long = format!("{}.0.0", "1".repeat(255));
    let too_big = (1u64 << 53).to_string();
    for bad in [
        too_long.as_str(),
        &format!("{too_big}.0.0"),
        &format!("0.{too_big}.0"),
        &format!("0.0.{too_big}"),
        "hello, world",
        "xyz",
    ] {
        assert!(npm.parse(bad).is_err(), "{bad:?} is not an npm version");
    }
    // The largest safe integer is still a version.
    let max = ((1u64 << 53) - 1).to_string();
    assert!(npm.parse(&format!("{max}.0.0")).is_ok());
}

/// An npm advisory in OSV form with one range.
fn npm_advisory(events: &str) -> Advisory {
    let json = format!(
        r#"{{"id":"TEST-1","modified":"2026-01-01T00:00:00Z",
        "affected":[{{"package":{{"ecosystem":"npm","name":"pkg"}},
        "ranges":[{{"type":"SEMVER","events":{events}}}]}}]}}"#
    );
    aimap_advisory::osv::raw::from_json(json.as_bytes())
        .unwrap()
        .into_iter()
        .map(|r| Advisory::try_from(r).unwrap())
        .next()
        .unwrap()
}

#[test]
fn npm_ranges_with_prereleases_follow_osv_not_node_semver_ranges() {
    // node-semver's README: `>1.2.3-alpha.3` matches 1.2.3-alpha.7 but not
    // 3.4.5-alpha.9, because a range only admits pre-releases of its own
    // [major, minor, patch]. OSV events are points on one ordering, so an
    // advisory introduced at 1.2.3-alpha.3 and fixed in 3.4.5 covers
    // 3.4.5-alpha.9 too: a pre-release of the fix may predate it, and a
    // scanner should say so. Both results are asserted here on purpose.
    let index = Index::build([(
        npm_advisory(r#"[{"introduced":"1.2.3-alpha.3"},{"fixed":"3.4.5"}]"#),
        Source::Database,
    )]);
    let affected = |v: &str| !index.match_purl("pkg:npm/pkg", Some(v)).affected.is_empty();
    assert!(!affected("1.2.3-alpha.2"));
    assert!(affected("1.2.3-alpha.3"));
    assert!(affected("1.2.3-alpha.7"));
    assert!(affected("v1.2.3"), "loose spelling of the release");
    assert!(affected("3.4.5-alpha.9"));
    assert!(!affected("3.4.5"));
    assert!(
        !affected("= 3.4.5+build.7"),
        "build metadata has no precedence"
    );
}

/// The semver crate's tests/test_version.rs (test_lt, test_gt, test_le,
/// test_spec_order): Cargo's ordering.
#[test]
fn crates_io_orders_like_cargo() {
    let cargo = scheme("crates.io");
    assert_eq!(cargo, Scheme::Cargo);
    for (lo, hi) in [
        ("0.0.0", "1.2.3-alpha2"),
        ("1.0.0", "1.2.3-alpha2"),
        ("1.2.0", "1.2.3-alpha2"),
        ("1.2.3-alpha1", "1.2.3"),
        ("1.2.3-alpha1", "1.2.3-alpha2"),
    ] {
        assert_eq!(cmp(cargo, lo, hi), Ordering::Less, "{lo} < {hi}");
        assert_eq!(cmp(cargo, hi, lo), Ordering::Greater, "{hi} > {lo}");
    }
    assert_eq!(cmp(cargo, "1.2.3-alpha2", "1.2.3-alpha2"), Ordering::Equal);
    let spec = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ];
    for pair in spec.windows(2) {
        assert_eq!(cmp(cargo, pair[0], pair[1]), Ordering::Less, "{pair:?}");
    }
    // The semver crate also orders build metadata (1.2.3+23 < 1.2.3+42);
    // SemVer precedence does not, and crates.io refuses two versions that
    // differ only there, so matching treats them as one version.
    assert_eq!(cmp(cargo, "1.2.3+23", "1.2.3+42"), Ordering::Equal);
}

#[test]
fn crates_io_rejects_what_cargo_rejects() {
    let cargo = scheme("crates.io");
    // test_version.rs test_parse: every input Cargo refuses.
    for bad in [
        "",
        "  ",
        "1",
        "1.2",
        "1.2.3-",
        "a.b.c",
        "1.2.3 abc",
        "1.2.3-01",
        "5.1.5++",
        "07",
        "75774777777757777757",
        "8\0",
        "v1.2.3",
    ] {
        assert!(cargo.parse(bad).is_err(), "{bad:?} is not a Cargo version");
    }
    for good in [
        "1.2.3-alpha1+build5",
        "1.2.3-1.alpha1.9+build5.7.3aedf",
        "1.2.3-0a.alpha1.9+05build.7.3aedf",
        "0.4.0-beta.1+0851523",
        "1.1.0-beta-10",
    ] {
        assert!(cargo.parse(good).is_ok(), "{good:?} is a Cargo version");
    }
}

/// The property the `advisory_versions` fuzz target checks, on the spec
/// examples above plus hostile text: no scheme panics, and comparing is
/// antisymmetric wherever both sides parse.
#[test]
fn every_scheme_is_panic_free_and_antisymmetric() {
    let long = "9".repeat(300);
    let mut texts: Vec<&str> = NPM_GREATER
        .iter()
        .chain(NPM_EQUAL)
        .flat_map(|(a, b)| [*a, *b])
        .collect();
    texts.extend([
        "",
        "v",
        "=",
        " = v",
        "1.2.3-",
        "1.2.3+",
        "1..2",
        "01.2.3",
        "1!2!3",
        "1!",
        "~~~",
        "1:",
        ":1",
        "1.0-",
        "b",
        "b00001",
        "\u{0}",
        "é1.0",
        "0.0.0-0",
        "1.0.0rc1",
        "1.0.post",
        "2:1.0~rc1-3",
        "18446744073709551616.0.0",
        &long,
    ]);
    for s in [
        Scheme::Semver,
        Scheme::Npm,
        Scheme::Cargo,
        Scheme::Go,
        Scheme::Pep440,
        Scheme::Debian,
        Scheme::Generic,
    ] {
        for a in &texts {
            let _ = s.canonical(a);
            for b in &texts {
                if let (Ok(x), Ok(y)) = (s.compare(a, b), s.compare(b, a)) {
                    assert_eq!(x, y.reverse(), "{s}: {a:?} vs {b:?}");
                }
            }
        }
    }
}
