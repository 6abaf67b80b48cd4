//! ShadowRay (CVE-2023-48022) is closed by Ray's token authentication from
//! Ray 2.52 on: the audit keeps it, suppressed by configuration, with the
//! line that turns the control on; without the control, or on an older Ray
//! that ignores it, it stays a critical finding.
use aimap_advisory::{curated, Index, Source};
use aimap_audit::{audit_text, DocKind, Options};

fn index() -> Index {
    Index::build(curated().into_iter().map(|a| (a, Source::Curated)))
}

fn ray_cluster(tag: &str, auth: bool) -> String {
    let auth = if auth {
        "  authOptions:\n    mode: token\n"
    } else {
        ""
    };
    format!(
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: r\nspec:\n{auth}  headGroupSpec:\n    rayStartParams: {{}}\n    template:\n      spec:\n        containers:\n          - name: head\n            image: rayproject/ray:{tag}\n"
    )
}

fn shadowray(r: &aimap_audit::ConfigReport) -> (usize, Vec<String>) {
    let active = r
        .findings
        .iter()
        .filter(|f| f.id.contains("CVE-2023-48022") || f.title.contains("ShadowRay"))
        .count();
    let suppressed = r
        .suppressed
        .iter()
        .filter(|s| s.finding.title.contains("ShadowRay"))
        .map(|s| format!("{}: {}", s.by, s.reason))
        .collect();
    (active, suppressed)
}

#[test]
fn token_auth_on_a_release_that_has_it_suppresses_shadowray_by_configuration() {
    let idx = index();
    let opts = Options {
        index: Some(&idx),
        baseline: None,
    };
    let r = audit_text(
        "ray.yaml",
        DocKind::Kubernetes,
        &ray_cluster("2.52.0", true),
        &opts,
    );
    let (active, suppressed) = shadowray(&r);
    assert_eq!(active, 0, "{:#?}", r.findings);
    assert_eq!(suppressed.len(), 1, "{:#?}", r.suppressed);
    assert!(
        suppressed[0].starts_with(
            "configuration: mitigated by configuration: spec.authOptions.mode: token (line 7)"
        ),
        "{suppressed:?}"
    );
}

#[test]
fn no_token_or_a_release_without_token_auth_keeps_shadowray_active() {
    let idx = index();
    let opts = Options {
        index: Some(&idx),
        baseline: None,
    };
    for (tag, auth) in [("2.52.0", false), ("2.51.1", true), ("nightly", true)] {
        let r = audit_text(
            "ray.yaml",
            DocKind::Kubernetes,
            &ray_cluster(tag, auth),
            &opts,
        );
        let (active, suppressed) = shadowray(&r);
        if tag == "nightly" {
            // No version: no advisory match at all, so nothing to suppress.
            assert_eq!((active, suppressed.len()), (0, 0), "{tag}");
            continue;
        }
        assert_eq!(active, 1, "{tag} auth={auth}: {:#?}", r.findings);
        assert!(suppressed.is_empty(), "{tag}: {suppressed:?}");
    }
}

#[test]
fn compose_env_token_suppresses_and_a_sibling_service_without_it_does_not() {
    let idx = index();
    let opts = Options {
        index: Some(&idx),
        baseline: None,
    };
    let text = "services:\n  secured:\n    image: rayproject/ray:2.53.0\n    environment:\n      RAY_AUTH_MODE: token\n  open:\n    image: rayproject/ray:2.53.0\n";
    let r = audit_text("compose.yaml", DocKind::Compose, text, &opts);
    let (active, suppressed) = shadowray(&r);
    assert_eq!(active, 1, "{:#?}", r.findings);
    assert_eq!(suppressed.len(), 1, "{:#?}", r.suppressed);
    assert!(
        suppressed[0].contains("RAY_AUTH_MODE=token (line 5)"),
        "{suppressed:?}"
    );
}
