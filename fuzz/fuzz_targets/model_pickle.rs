//! The pickle walker on arbitrary opcode streams: every protocol, memo and
//! mark tricks, lengths that lie. It must stop with a verdict, never panic
//! or allocate past its limits.
#![no_main]
use aimap_modelscan::{pickle, Limits, Origin};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_opcodes: 100_000,
        ..Limits::default()
    };
    let _ = pickle::scan(data, 0, &Origin::file(), &limits, pickle::Pickles::One);
    let _ = pickle::scan(
        data,
        0,
        &Origin::file(),
        &limits,
        pickle::Pickles::Exactly(5),
    );
});
