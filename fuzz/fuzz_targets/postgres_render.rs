//! What the PostgreSQL transport renders from backend messages: bounded
//! by the cap, cut on character boundaries, no control characters.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cap, messages)) = data.split_first() else {
        return;
    };
    let cap = usize::from(cap) * 16;
    let text = aimap_scan::transport::render_postgres_messages(messages, cap);
    assert!(text.len() <= cap);
    assert!(text.split_terminator('\n').all(|l| !l.chars().any(char::is_control)));
});
