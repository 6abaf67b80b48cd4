//! Real PostgreSQL and memcached (Debian packages), each as an open twin
//! and a protected twin: the verdict comes from the server's own answer to
//! the first message, and no credentials are ever sent.
mod common;

use common::*;

#[test]
fn trusting_and_scram_postgres_are_told_apart() {
    let (Some(open), Some(locked)) = (
        postgres("127.81.0.1", 5432, true),
        postgres("127.81.0.2", 5432, false),
    ) else {
        return unavailable("postgresql (Debian package postgresql)");
    };
    let (report, _) = scan_json(&["127.81.0.1-2", "-p", "5432"]);

    let s = service(&report, "127.81.0.1", 5432).expect("trusting postgres found");
    assert_eq!(s["service"], "postgresql", "{s}");
    assert_eq!(s["transport"], "postgres");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(s["version_source"], "banner");
    let version = s["version"]
        .as_str()
        .expect("server_version after AuthenticationOk");
    assert!(
        version.chars().next().unwrap().is_ascii_digit(),
        "{version}"
    );
    let finding = &s["findings"][0];
    assert_eq!(finding["id"], "postgresql-unauthenticated");
    assert_eq!(finding["severity"], "critical");
    assert!(
        finding["evidence"].as_str().unwrap().contains("auth: ok"),
        "{finding}"
    );

    let s = service(&report, "127.81.0.2", 5432).expect("scram postgres found");
    assert_eq!(s["service"], "postgresql", "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    assert!(
        s["version"].is_null(),
        "no version before authentication: {s}"
    );
    assert!(s["findings"].as_array().unwrap().is_empty());
    assert!(
        s["evidence"]
            .to_string()
            .contains("auth: sasl SCRAM-SHA-256"),
        "{s}"
    );
    drop((open, locked));
}

#[test]
fn open_and_authenticating_memcached_are_told_apart() {
    let (Some(open), Some(locked)) = (
        memcached("127.81.1.1", 11211, None),
        memcached("127.81.1.2", 11211, Some("aimap:secret-pw-1")),
    ) else {
        return unavailable("memcached (Debian package memcached)");
    };
    let (report, _) = scan_json(&["127.81.1.1-2", "-p", "11211"]);

    let s = service(&report, "127.81.1.1", 11211).expect("open memcached found");
    assert_eq!(s["service"], "memcached", "{s}");
    assert_eq!(s["auth"], "none");
    assert_eq!(s["version_source"], "banner");
    assert!(
        s["version"].as_str().is_some_and(|v| v.starts_with("1.")),
        "{s}"
    );
    assert_eq!(s["findings"][0]["id"], "memcached-unauthenticated");
    assert!(s["findings"][0]["evidence"]
        .as_str()
        .unwrap()
        .contains("STAT pid"));

    let s = service(&report, "127.81.1.2", 11211).expect("authenticating memcached found");
    assert_eq!(s["service"], "memcached", "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    assert!(s["findings"].as_array().unwrap().is_empty());
    assert!(s["evidence"]
        .to_string()
        .contains("CLIENT_ERROR unauthenticated"));
    drop((open, locked));
}
