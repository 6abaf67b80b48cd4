//! Targets and port lists are typed by users and read from files.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let parts: Vec<String> = text.split('\n').map(str::to_string).collect();
        if let Ok(set) = aimap_scan::TargetSet::build(&parts, &[], |_| Err("no dns".into())) {
            let n = set.address_count();
            if n > 0 {
                let _ = set.address(n - 1);
            }
        }
        let _ = aimap_scan::ports::parse_ports(text);
    }
});
