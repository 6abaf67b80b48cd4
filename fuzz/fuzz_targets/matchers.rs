//! Every built-in rule against arbitrary answers: matchers and extractors
//! see hostile bodies (bad JSON, huge numbers, invalid UTF-8).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(set) = aimap_rules::builtin_rules() else { return };
    let status = data.first().map(|b| 100 + u16::from(*b) * 2);
    for rule in set.rules() {
        let mut a = aimap_rules::assess(rule);
        while a.next_request().is_some() {
            let r = aimap_rules::Response::new(status, vec![("server".into(), "fuzz".into())], data.to_vec(), false);
            a.feed(Some(&r));
        }
        let _ = (a.identified(), a.auth());
    }
});
