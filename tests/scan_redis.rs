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

/// Real redis-server with Debian's RediSearch module loaded (the module
/// Redis Stack's vector search is built on; the Debian build registers it
/// under its 1.x name "ft"): named Redis Stack with its modules. Without
/// the module it stays plain Redis, and behind a password the modules
/// cannot be listed, so it is Redis, auth required.
#[test]
fn redis_with_search_module_is_redis_stack() {
    const MODULE: &str = "/usr/lib/redis/modules/redisearch.so";
    if !std::path::Path::new(MODULE).exists() {
        return unavailable("redis-redisearch (Debian)");
    }
    let load = ["--loadmodule", MODULE];
    let (Some(stack), Some(plain), Some(locked)) = (
        redis_with("127.102.3.1", 6379, None, &load),
        redis("127.102.3.2", 6379, None),
        redis_with("127.102.3.3", 6379, Some("correct-horse"), &load),
    ) else {
        return unavailable("redis-server");
    };
    let (report, _) = scan_json(&["127.102.3.1-3", "-p", "6379"]);

    let s = service(&report, "127.102.3.1", 6379).expect("redis with modules found");
    assert_eq!(s["service"], "redis-stack", "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(s["findings"][0]["id"], "redis-stack-unauthenticated", "{s}");
    assert!(
        s["version"].as_str().is_some_and(|v| v.contains('.')),
        "{s}"
    );
    let modules = s["details"]["modules"].to_string();
    assert!(modules.contains("ft,ver="), "{modules}");

    let s = service(&report, "127.102.3.2", 6379).expect("plain redis found");
    assert_eq!(s["service"], "redis", "no modules, no Redis Stack: {s}");

    let s = service(&report, "127.102.3.3", 6379).expect("protected redis found");
    assert_eq!(s["service"], "redis", "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    drop((stack, plain, locked));
}
