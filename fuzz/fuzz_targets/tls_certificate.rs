//! A TLS certificate is whatever a target presents: describe it with
//! bounded, single-line names, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(info) = aimap_scan::transport::describe_certificate(data) {
        for name in [&info.subject, &info.issuer] {
            assert!(name.chars().count() <= 512);
            assert!(!name.chars().any(char::is_control));
        }
    }
});
