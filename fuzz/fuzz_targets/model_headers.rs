//! Every model-header parser on arbitrary bytes: GGUF, safetensors, ONNX
//! protobuf, NumPy, Keras config, HDF5 config search and the legacy torch
//! tar. The first byte picks the parser so one corpus grows for all.
#![no_main]
use aimap_modelscan::formats::{gguf, h5, keras, npy, onnx, safetensors, tar};
use aimap_modelscan::{Limits, ModelFormat, Origin};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let o = Origin::file();
    let limits = Limits::default();
    let _ = match pick % 7 {
        0 => gguf::scan(rest, rest.len() as u64, &o),
        1 => safetensors::scan_bytes(rest),
        2 => onnx::scan(rest, &o),
        3 => npy::scan(rest, &o, &limits),
        4 => keras::scan_config(rest, &o, ModelFormat::Keras),
        5 => h5::scan(rest, &o),
        _ => tar::scan(rest, &o, &limits),
    };
});
