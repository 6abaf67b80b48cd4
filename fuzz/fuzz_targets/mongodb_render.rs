//! What the MongoDB transport renders from a reply: bounded by the cap,
//! cut on character boundaries, one line per field, no control characters.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cap, reply)) = data.split_first() else {
        return;
    };
    let cap = usize::from(cap) * 16;
    if let Ok(text) = aimap_scan::transport::render_mongodb_reply(reply, cap) {
        assert!(text.len() <= cap);
        assert!(text.split_terminator('\n').all(|l| !l.chars().any(char::is_control)));
    }
});
