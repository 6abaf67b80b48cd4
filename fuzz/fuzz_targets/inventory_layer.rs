//! One image layer on arbitrary bytes: compression detection (plain,
//! gzip, zstd) against the declared media type, the tar reader, name
//! normalisation, whiteouts, and every analyzer behind them.
#![no_main]
use aimap_inventory::source::tarfs::{apply, Declared, Overlay};
use aimap_inventory::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let declared = match pick % 4 {
        0 => Declared::Unknown,
        1 => Declared::Plain,
        2 => Declared::Gzip,
        _ => Declared::Zstd,
    };
    // Small caps keep each run fast; bombs stop at the layer cap.
    let limits = Limits {
        max_layer_bytes: 16 << 20,
        max_entries: 10_000,
        ..Limits::default()
    };
    let mut overlay = Overlay::default();
    let mut errors = Vec::new();
    apply(
        Box::new(rest),
        declared,
        "sha256:fuzz",
        "layer",
        &mut overlay,
        &limits,
        &mut errors,
    );
});
