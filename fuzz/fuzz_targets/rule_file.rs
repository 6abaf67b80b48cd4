//! Rule files come from --rules DIR: any text must load or fail cleanly.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = aimap_rules::load_str("fuzz.toml", text);
    }
});
