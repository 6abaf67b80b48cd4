//! The validated OSV model and matching rules that need no real data:
//! validation errors, withdrawn records, GIT ranges, Debian releases,
//! confidence, and the curated-data lint on bad input.

use aimap_advisory::osv::raw::from_json;
use aimap_advisory::{curated::lint, Advisory, Confidence, Index, Query, Source};
use aimap_model::Severity;

fn parse(doc: &str) -> Result<Advisory, String> {
    let raw = from_json(doc.as_bytes())?.remove(0);
    Advisory::try_from(raw).map_err(|e| e.to_string())
}

fn record(eco: &str, name: &str, ranges: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"T-1","modified":"2024-01-01T00:00:00Z"{extra},"affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},"ranges":{ranges}}}]}}"#
    )
}

fn index_of(docs: &[String]) -> Index {
    Index::build(docs.iter().map(|d| (parse(d).unwrap(), Source::Database)))
}

#[test]
fn invalid_ranges_cannot_exist() {
    let bad = |ranges: &str, why: &str| {
        let err = parse(&record("PyPI", "p", ranges, "")).unwrap_err();
        assert!(err.contains(why), "{err} should mention {why}");
    };
    bad(
        r#"[{"type":"ECOSYSTEM","events":[{"fixed":"1.0"}]}]"#,
        "without an introduced event",
    );
    bad(
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0","fixed":"1.0"}]}]"#,
        "more than one key",
    );
    bad(
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{}]}]"#,
        "empty event",
    );
    // A version the scheme cannot read leaves that range out, with the
    // reason; the advisory and its other ranges stay.
    let kept = parse(&record(
        "PyPI",
        "p",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"not a version"}]},{"type":"ECOSYSTEM","events":[{"introduced":"2.0"},{"fixed":"2.1"}]}]"#,
        "",
    ))
    .unwrap();
    assert_eq!(kept.affected[0].ranges.len(), 1);
    assert_eq!(kept.skipped_ranges.len(), 1);
    assert!(
        kept.skipped_ranges[0].contains("PEP 440"),
        "{:?}",
        kept.skipped_ranges
    );
    let index = Index::build([(kept, Source::Database)]);
    assert!(index
        .match_purl("pkg:pypi/p", Some("0.5"))
        .affected
        .is_empty());
    assert_eq!(
        index.match_purl("pkg:pypi/p", Some("2.0.1")).affected.len(),
        1
    );
    bad(
        r#"[{"type":"RANGE","events":[{"introduced":"0"}]}]"#,
        "unknown range type",
    );
    bad(
        r#"[{"type":"GIT","events":[{"introduced":"0"}]}]"#,
        "GIT range without repo",
    );
    assert!(parse(&record(
        "Go",
        "m",
        r#"[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2"}]}]"#,
        ""
    ))
    .is_ok());
    let go = parse(&record(
        "Go",
        "m",
        r#"[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"x.y"}]}]"#,
        "",
    ))
    .unwrap();
    assert!(go.affected[0].ranges.is_empty() && go.skipped_ranges.len() == 1);
    assert!(parse(r#"{"id":"","modified":"x"}"#).is_err());
    assert!(parse(r#"{"id":"T-2"}"#).unwrap_err().contains("modified"));
    assert!(parse(r#"{"id":"../etc","modified":"x"}"#).is_err());
    // An ecosystem we have no scheme for is stored unvalidated, and never matched.
    let other = parse(&record(
        "Maven",
        "g:a",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"anything"}]}]"#,
        "",
    ))
    .unwrap();
    assert_eq!(Index::build([(other, Source::Database)]).unmatchable(), 1);
}

#[test]
fn severity_from_cvss_then_database_label() {
    let cvss = r#","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"database_specific":{"severity":"LOW"}"#;
    let a = parse(&record("PyPI", "p", "[]", cvss)).unwrap();
    assert_eq!(a.rating(), Some(Severity::Critical));
    assert_eq!(a.cvss().unwrap().score, Some(9.8));
    let label = parse(&record(
        "PyPI",
        "p",
        "[]",
        r#","database_specific":{"severity":"MODERATE"}"#,
    ))
    .unwrap();
    assert_eq!(label.rating(), Some(Severity::Medium));
    let v4 = r#","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],"database_specific":{"severity":"HIGH"}"#;
    let a = parse(&record("PyPI", "p", "[]", v4)).unwrap();
    assert_eq!(
        (a.rating(), a.cvss().unwrap().version.as_str()),
        (Some(Severity::High), "4.0")
    );
    let none = parse(&record("PyPI", "p", "[]", "")).unwrap();
    assert_eq!(none.rating(), None);
    let idx = index_of(&[record(
        "PyPI",
        "p",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]"#,
        "",
    )]);
    let m = &idx.match_purl("pkg:pypi/p", Some("1.0")).affected[0];
    assert_eq!((m.severity, m.rated), (Severity::Medium, false));
}

#[test]
fn withdrawn_advisories_are_never_matched() {
    let live = record(
        "PyPI",
        "p",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]"#,
        "",
    );
    let gone = record(
        "PyPI",
        "p",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]"#,
        r#","withdrawn":"2024-02-01T00:00:00Z""#,
    );
    assert_eq!(
        index_of(&[live])
            .match_purl("pkg:pypi/p", Some("1"))
            .affected
            .len(),
        1
    );
    let idx = index_of(&[gone]);
    assert!(idx.is_empty());
    assert!(idx.match_purl("pkg:pypi/p", Some("1")).is_empty());
}

#[test]
fn git_ranges_are_ignored_but_version_lists_count() {
    let git = r#"[{"type":"GIT","repo":"https://example.invalid/r","events":[{"introduced":"0"},{"fixed":"abc123"}]}]"#;
    let only_git = index_of(&[record("PyPI", "p", git, "")]);
    assert!(only_git.match_purl("pkg:pypi/p", Some("1.0")).is_empty());
    assert!(only_git.match_purl("pkg:pypi/p", None).is_empty());
    let listed = format!(
        r#"{{"id":"T-1","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"PyPI","name":"P_kg"}},"ranges":{git},"versions":["1.0","1.1.0"]}}]}}"#
    );
    let idx = index_of(&[listed]);
    // PEP 503 names, PEP 440 spellings: 1.1 is 1.1.0.
    let hit = idx.match_purl("pkg:pypi/p-kg", Some("1.1"));
    assert_eq!(hit.affected.len(), 1);
    assert_eq!(hit.affected[0].fixed, None);
    assert!(
        idx.match_purl("pkg:pypi/p.kg", Some("1.0.0"))
            .affected
            .len()
            == 1
    );
    assert!(idx.match_purl("pkg:pypi/p-kg", Some("1.2")).is_empty());
    let unknown = idx.match_purl("pkg:pypi/p-kg", None);
    assert_eq!((unknown.affected.len(), unknown.possible.len()), (0, 1));
}

#[test]
fn several_ranges_any_of_them_affects() {
    let ranges = r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0"}]},{"type":"ECOSYSTEM","events":[{"introduced":"2.0"},{"last_affected":"2.5"}]}]"#;
    let idx = index_of(&[record("PyPI", "p", ranges, "")]);
    let fixed = |v: &str| {
        idx.match_purl("pkg:pypi/p", Some(v))
            .affected
            .first()
            .map(|m| m.fixed.clone())
    };
    assert_eq!(fixed("0.5"), Some(Some("1.0".into())));
    assert_eq!(fixed("1.5"), None);
    assert_eq!(fixed("2.5"), Some(None));
    assert_eq!(fixed("2.6"), None);
    let m = &idx.match_purl("pkg:pypi/p", Some("2.0")).affected[0];
    assert_eq!(&*m.affected_versions, "< 1.0; >= 2.0, <= 2.5");
}

#[test]
fn debian_uses_its_own_fixed_versions_per_release() {
    let deb = |release: &str, fixed: &str| {
        format!(
            r#"{{"id":"DSA-{release}","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2022-0543"],"affected":[{{"package":{{"ecosystem":"Debian:{release}","name":"redis"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        )
    };
    let idx = index_of(&[
        deb("10", "5:5.0.14-1+deb10u2"),
        deb("11", "5:6.0.16-1+deb11u2"),
    ]);
    let r = idx.match_purl(
        "pkg:deb/debian/redis?distro=debian-11",
        Some("5:6.0.16-1+deb11u1"),
    );
    assert_eq!(r.affected.len(), 1);
    assert_eq!(r.affected[0].fixed.as_deref(), Some("5:6.0.16-1+deb11u2"));
    assert_eq!(r.affected[0].confidence, Confidence::Package);
    assert!(idx
        .match_purl(
            "pkg:deb/debian/redis?distro=bullseye",
            Some("5:6.0.16-1+deb11u2")
        )
        .is_empty());
    // Buster's advisory never applies to a bullseye package.
    assert!(idx
        .match_purl(
            "pkg:deb/debian/redis?distro=debian-11",
            Some("5:5.0.14-1+deb10u1")
        )
        .affected
        .iter()
        .all(|m| m.id == "DSA-11"));
    // Without the release: possible, with the reason.
    let r = idx.match_purl("pkg:deb/debian/redis", Some("5:5.0.3-4"));
    assert!(r.affected.is_empty());
    assert_eq!(
        r.possible.len(),
        1,
        "both records share the CVE and are reported once"
    );
    assert!(r.possible[0]
        .note
        .as_deref()
        .unwrap_or("")
        .contains("distro qualifier"));
}

#[test]
fn rpm_distributions_match_by_release_epoch_and_source_name() {
    // Shaped like AlmaLinux's and Rocky's OSV records: binary or source
    // names, `fixed` with an epoch, one ecosystem per major release.
    let rec = |id: &str, eco: &str, name: &str, fixed: &str| {
        format!(
            r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        )
    };
    let idx = index_of(&[
        rec("ALSA-9", "AlmaLinux:9", "openssl-libs", "1:3.0.7-27.el9"),
        rec("ALSA-8", "AlmaLinux:8", "openssl-libs", "1:1.1.1k-12.el8_9"),
        rec("RLSA-9", "Rocky Linux:9", "openssl", "1:3.0.7-27.el9"),
    ]);
    let alma = "pkg:rpm/almalinux/openssl-libs?arch=x86_64&distro=almalinux-9.3&epoch=1";
    let r = idx.match_purl(alma, Some("3.0.7-24.el9"));
    let ids: Vec<&str> = r.affected.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["ALSA-9"], "AlmaLinux 8's record must not apply to 9");
    assert_eq!(r.affected[0].fixed.as_deref(), Some("1:3.0.7-27.el9"));
    // The epoch qualifier counts: without it, 0:3.0.7-24 would sort below
    // 1:3.0.7-27 anyway, so check the other way round: fixed at epoch 1.
    assert!(idx.match_purl(alma, Some("3.0.7-27.el9")).is_empty());
    let no_epoch = "pkg:rpm/almalinux/openssl-libs?distro=almalinux-9.3";
    assert_eq!(
        idx.match_purl(no_epoch, Some("3.0.8-1.el9")).affected.len(),
        1,
        "epoch 0 is below the epoch-1 fix"
    );
    assert!(idx
        .match_purl(alma, Some("3.0.8-1.el9"))
        .affected
        .is_empty());
    // Rocky files under the source package: found through `upstream`.
    let rocky =
        "pkg:rpm/rocky/openssl-libs?distro=rocky-9.3&epoch=1&upstream=openssl-3.0.7-24.el9.src.rpm";
    let r = idx.match_purl(rocky, Some("3.0.7-24.el9"));
    assert_eq!(r.affected.len(), 1);
    assert_eq!(r.affected[0].id, "RLSA-9");
    // No distro qualifier: possible only, and the note says what settles it.
    let r = idx.match_purl(
        "pkg:rpm/almalinux/openssl-libs?epoch=1",
        Some("3.0.7-24.el9"),
    );
    assert!(r.affected.is_empty());
    assert!(r.possible.iter().all(|m| m
        .note
        .as_deref()
        .unwrap_or("")
        .contains("distro qualifier")));
    // Fedora's packages have no advisory source.
    assert!(idx
        .match_purl(
            "pkg:rpm/fedora/openssl-libs?distro=fedora-40",
            Some("3.0.0-1.fc40")
        )
        .is_empty());
}

#[test]
fn confidence_follows_the_version_source() {
    let idx = index_of(&[record(
        "PyPI",
        "p",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]"#,
        "",
    )]);
    let q = Query {
        purl: "pkg:pypi/p",
        version: Some("1.0"),
        confidence: Some(Confidence::VersionOnly),
    };
    assert_eq!(
        idx.match_query(&q).affected[0].confidence,
        Confidence::VersionOnly
    );
    assert_eq!(
        idx.match_purl("pkg:pypi/p", Some("1.0")).affected[0].confidence,
        Confidence::Package
    );
}

#[test]
fn lint_catches_bad_curated_records() {
    let good = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rules/advisories/ray.yaml"
    ))
    .unwrap();
    assert_eq!(lint(&[("ray.yaml", &good)]), Vec::<String>::new());
    let renamed = good.replace("AIMAP-2023-0001", "RAY-1");
    assert!(lint(&[("ray.yaml", &renamed)])
        .iter()
        .any(|e| e.contains("AIMAP-YYYY-NNNN")));
    assert!(lint(&[("a.yaml", &good), ("b.yaml", &good)])
        .iter()
        .any(|e| e.contains("duplicate id")));
    let no_mitigation = good.replace("  mitigation:", "  other:");
    assert!(
        lint(&[("ray.yaml", &no_mitigation)])
            .iter()
            .any(|e| e.contains("mitigation")),
        "{:?}",
        lint(&[("ray.yaml", &no_mitigation)])
    );
    let wrong_purl = good.replace("purl: pkg:pypi/ray", "purl: pkg:pypi/rayy");
    assert!(lint(&[("ray.yaml", &wrong_purl)])
        .iter()
        .any(|e| e.contains("does not name")));
    assert!(!lint(&[("x.json", "{not json")]).is_empty());
}
