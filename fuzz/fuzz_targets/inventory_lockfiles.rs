//! The lock-file and manifest parsers on arbitrary bytes: package-lock,
//! yarn.lock, pnpm-lock, poetry.lock, uv.lock, Pipfile.lock, pyproject,
//! requirements, Cargo.lock, dist-info METADATA and node package.json.
//! The first byte picks the parser so one corpus grows for all.
#![no_main]
use aimap_inventory::analyze::{run, FileMeta, Kind};
use aimap_inventory::Limits;
use libfuzzer_sys::fuzz_target;

const KINDS: [(Kind, &str); 11] = [
    (Kind::NpmLock, "/a/package-lock.json"),
    (Kind::YarnLock, "/a/yarn.lock"),
    (Kind::PnpmLock, "/a/pnpm-lock.yaml"),
    (Kind::PoetryLock, "/a/poetry.lock"),
    (Kind::UvLock, "/a/uv.lock"),
    (Kind::PipfileLock, "/a/Pipfile.lock"),
    (Kind::Pyproject, "/a/pyproject.toml"),
    (Kind::Requirements, "/a/requirements.txt"),
    (Kind::CargoLock, "/a/Cargo.lock"),
    (Kind::PyMetadata, "/a/x-1.dist-info/METADATA"),
    (Kind::NodePackage, "/a/node_modules/x/package.json"),
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
