//! The whole dispatcher on arbitrary bytes under model-like names: format
//! detection, zips (torch, npz, keras) and nesting, compressed joblib.
#![no_main]
use aimap_modelscan::{scan_bytes, Limits};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "model.pt",
    "model.npz",
    "model.keras",
    "model.joblib",
    "x.npy",
    "m.gguf",
    "m.safetensors",
    "m.onnx",
    "m.h5",
    "m.pkl",
    "m.tar",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_opcodes: 100_000,
        max_read_bytes: 16 << 20,
        max_unzipped_bytes: 64 << 20,
        ..Limits::default()
    };
    let _ = scan_bytes(NAMES[usize::from(pick) % NAMES.len()], rest, &limits);
});
