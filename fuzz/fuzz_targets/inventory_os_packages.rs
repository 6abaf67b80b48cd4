//! OS package databases on arbitrary bytes: dpkg status, Alpine's
//! installed, os-release and rpm's SQLite database (loaded in memory).
#![no_main]
use aimap_inventory::analyze::{run, FileMeta, Kind};
use aimap_inventory::Limits;
use libfuzzer_sys::fuzz_target;

const KINDS: [(Kind, &str); 4] = [
    (Kind::DpkgStatus, "/var/lib/dpkg/status"),
    (Kind::ApkInstalled, "/lib/apk/db/installed"),
    (Kind::OsRelease, "/etc/os-release"),
    (Kind::RpmSqlite, "/var/lib/rpm/rpmdb.sqlite"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (kind, path) = KINDS[pick as usize % KINDS.len()];
    let meta = FileMeta {
        path,
        size: rest.len() as u64,
        executable: false,
        sparse: false,
    };
    let _ = run(kind, &meta, &mut &rest[..], &Limits::default());
});
