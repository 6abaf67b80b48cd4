//! A MongoDB reply (OP_MSG header, sections, BSON) is whatever a target
//! sends: parse it with bounds, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = aimap_scan::transport::parse_mongodb_reply(data);
});
