//! rpm header blobs (index entries and data store) on arbitrary bytes.
#![no_main]
use aimap_inventory::analyze::rpm_header;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = rpm_header::parse(data) {
        if let Some(s) = &h.source_rpm {
            let _ = rpm_header::source_name(s);
        }
    }
});
