//! Executables on arbitrary bytes: the ELF section table, Go build info
//! (from `.go.buildinfo` or a scan) and cargo-auditable's `.dep-v0`. The
//! ELF magic is supplied so every input gets past the four-byte check.
#![no_main]
use aimap_inventory::analyze::{run, FileMeta, Kind};
use aimap_inventory::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut file = b"\x7fELF".to_vec();
    file.extend_from_slice(data);
    let meta = FileMeta {
        path: "/usr/bin/x",
        size: file.len() as u64,
        executable: true,
        sparse: false,
    };
    let _ = run(Kind::Binary, &meta, &mut &file[..], &Limits::default());
});
