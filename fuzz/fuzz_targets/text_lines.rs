//! The renderer every binary transport writes through: whatever the
//! pieces, the text stays under its byte and line caps, is whole lines,
//! and no line holds a control character.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cap, rest)) = data.split_first() else {
        return;
    };
    let (cap, max_lines) = (usize::from(cap) * 4, usize::from(cap % 16));
    let text = String::from_utf8_lossy(rest);
    let mut lines = aimap_scan::transport::text::Lines::new(cap, max_lines);
    for piece in text.split('|') {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        lines.field(k, v);
    }
    let out = lines.into_string();
    assert!(out.len() <= cap);
    assert!(out.is_empty() || out.ends_with('\n'));
    assert!(out.lines().count() <= max_lines);
    assert!(out.lines().all(|l| !l.chars().any(char::is_control)));
});
