//! What the MCP transport renders from an initialize and a tools/list
//! answer (JSON or an event stream): a JSON document whose server-chosen
//! strings are bounded and on one line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0xff).unwrap_or(data.len());
    let (init, tools) = data.split_at(split);
    let doc = aimap_scan::transport::render_mcp_answers(init, tools.get(1..).unwrap_or(&[]), 4096);
    let value: serde_json::Value = serde_json::from_slice(&doc).expect("the document is JSON");
    fn check(v: &serde_json::Value) {
        match v {
            serde_json::Value::String(s) => {
                assert!(s.chars().count() <= 300);
                assert!(!s.chars().any(char::is_control));
            }
            serde_json::Value::Array(a) => a.iter().for_each(check),
            serde_json::Value::Object(o) => o.values().for_each(check),
            _ => {}
        }
    }
    check(&value);
});
