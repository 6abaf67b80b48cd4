//! A Redis reply is whatever a target sends: parse it with bounds, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = aimap_scan::transport::parse_resp_reply(data, 4096);
});
