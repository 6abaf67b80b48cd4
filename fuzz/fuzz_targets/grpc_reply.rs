//! A gRPC reply body (length-prefixed protobuf messages) is whatever a
//! target sends: decode it without a schema, with bounds, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = aimap_scan::transport::render_grpc_body(data, 4096);
    assert!(text.len() <= 4096);
    let _ = aimap_scan::transport::protobuf::render(data);
});
