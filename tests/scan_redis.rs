//! Real redis-server: open, password-protected, and what each proves.
mod common;

use common::*;

#[test]
fn open_and_protected_redis_are_told_apart() {
    let (Some(open), Some(locked)) = (
        redis("127.0.61.1", 6379, None),
        redis("127.0.61.2", 6379, Some("correct-horse")),
    ) else {
        return unavailable("redis-server");
    };
    let (report, out) = scan_json(&["127.0.61.1-127.0.61.3", "-p", "6379"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a critical finding fails the run at the default threshold"
    );

    let s = service(&report, "127.0.61.1", 6379).expect("open redis found");
    assert_eq!(s["service"], "redis");
    assert_eq!(s["auth"], "none");
    assert_eq!(s["version_source"], "banner");
    let version = s["version"].as_str().expect("version read from INFO");
    assert!(
        version.chars().next().unwrap().is_ascii_digit(),
        "{version}"
    );
    let finding = &s["findings"][0];
    assert_eq!(finding["id"], "redis-unauthenticated");
    assert_eq!(finding["severity"], "critical");
    assert_eq!(finding["kind"], "exposure");
    assert!(
        finding["evidence"]
            .as_str()
            .unwrap()
            .contains("redis_version:"),
        "evidence quotes INFO"
    );

    let s = service(&report, "127.0.61.2", 6379).expect("password-protected redis found");
    assert_eq!(s["auth"], "required");
    assert!(
        s["version"].is_null(),
        "no version can be read without the password"
    );
    assert_eq!(s["findings"].as_array().unwrap().len(), 0);
    assert!(
        s["evidence"].to_string().contains("NOAUTH"),
        "evidence quotes the refusal"
    );

    assert!(
        service(&report, "127.0.61.3", 6379).is_none(),
        "nothing listens there"
    );
    assert_eq!(report["stats"]["open_ports"], 2);
    drop((open, locked));
}

#[test]
fn fail_on_threshold_sets_the_exit_code() {
    let Some(_open) = redis("127.0.61.9", 6379, None) else {
        return unavailable("redis-server");
    };
    let (_, out) = scan_json(&["127.0.61.9", "-p", "6379", "--fail-on", "none"]);
    assert_eq!(out.status.code(), Some(0));
    let (_, out) = scan_json(&["127.0.61.9", "-p", "6379", "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(1));
}
