//! Every parser on hostile input, deterministically, so CI exercises what
//! the fuzz targets explore: random bytes, every truncation of a valid
//! sample, and bit flips of each. Nothing may panic, and each run must end
//! quickly with a verdict.
use std::io::Write;
use std::time::Instant;

use aimap_modelscan::formats::{gguf, h5, keras, npy, onnx, safetensors, tar};
use aimap_modelscan::{pickle, scan_bytes, Limits, ModelFormat, Origin, Verdict};

/// xorshift64*: reproducible noise without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn pickle_sample() -> Vec<u8> {
    // {'w': _rebuild_tensor_v2(BINPERSID(...)), 'n': [1, 2.5, 'x']} at protocol 4, by hand.
    let mut p = b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01w\x94".to_vec();
    p.extend_from_slice(b"\x8c\x0ctorch._utils\x8c\x12_rebuild_tensor_v2\x93((\x8c\x07storage\x8c\x05torch\x8c\x0cFloatStorage\x93\x8c\x010\x8c\x03cpuK\x04t\x94QK\x00K\x04\x85K\x01\x85\x89\x8c\x0bcollections\x8c\x0bOrderedDict\x93)R\x94t\x94R");
    p.extend_from_slice(b"\x8c\x01n](K\x01G@\x04\x00\x00\x00\x00\x00\x00\x8c\x01xeu.");
    p
}

fn npy_sample(descr: &str, body: &[u8]) -> Vec<u8> {
    let header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}");
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(body);
    out
}

fn gguf_sample(template: &str) -> Vec<u8> {
    let s = |out: &mut Vec<u8>, t: &str| {
        out.extend_from_slice(&(t.len() as u64).to_le_bytes());
        out.extend_from_slice(t.as_bytes());
    };
    let mut out = b"GGUF".to_vec();
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes()); // tensors
    out.extend_from_slice(&2u64.to_le_bytes()); // key/values
    s(&mut out, "general.name");
    out.extend_from_slice(&8u32.to_le_bytes());
    s(&mut out, "tiny");
    s(&mut out, "tokenizer.chat_template");
    out.extend_from_slice(&8u32.to_le_bytes());
    s(&mut out, template);
    s(&mut out, "w");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&4u64.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    while !out.len().is_multiple_of(32) {
        out.push(0);
    }
    out.extend_from_slice(&[0; 16]);
    out
}

fn safetensors_sample() -> Vec<u8> {
    let header =
        br#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}"#;
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header);
    out.extend_from_slice(&[0; 8]);
    out
}

/// Protobuf by hand: a length-delimited field.
fn field(number: u64, body: &[u8]) -> Vec<u8> {
    let mut out = vec![(number << 3 | 2) as u8];
    let mut n = body.len() as u64;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        out.push(if n == 0 { b } else { b | 0x80 });
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(body);
    out
}

fn onnx_sample(location: &str, domain: &str) -> Vec<u8> {
    let entry = [field(1, b"location"), field(2, location.as_bytes())].concat();
    let tensor = [field(8, b"w"), field(13, &entry), vec![14 << 3, 1]].concat();
    let node = [field(4, b"Op"), field(7, domain.as_bytes())].concat();
    let graph = [field(1, &node), field(5, &tensor)].concat();
    [vec![1 << 3, 8], field(7, &graph)].concat()
}

fn zip_sample(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn tar_sample(name: &str, data: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
    h[156] = b'0';
    h[257..262].copy_from_slice(b"ustar");
    let mut out = h;
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

fn keras_config() -> Vec<u8> {
    br#"{"module":"keras","class_name":"Sequential","config":{"layers":[{"module":"keras.layers","class_name":"Lambda","config":{"name":"l","function":{"class_name":"__lambda__","config":{"code":"AA"}}}}]}}"#.to_vec()
}

/// Run every parser on `data`; each must return.
fn all_parsers(data: &[u8]) {
    let o = Origin::file();
    let limits = Limits {
        max_opcodes: 200_000,
        ..Limits::default()
    };
    let _ = pickle::scan(data, 0, &o, &limits, pickle::Pickles::One);
    let _ = pickle::scan(data, 0, &o, &limits, pickle::Pickles::Exactly(5));
    let _ = gguf::scan(data, data.len() as u64, &o);
    let _ = safetensors::scan_bytes(data);
    let _ = onnx::scan(data, &o);
    let _ = npy::scan(data, &o, &limits);
    let _ = keras::scan_config(data, &o, ModelFormat::Keras);
    let _ = h5::scan(data, &o);
    let _ = tar::scan(data, &o, &limits);
    for name in ["m.pt", "m.npz", "m.keras", "m.joblib", "m.pkl"] {
        let _ = scan_bytes(name, data, &limits);
    }
}

fn samples() -> Vec<Vec<u8>> {
    let pkl = pickle_sample();
    vec![
        pkl.clone(),
        npy_sample("|O", &pkl),
        npy_sample("<f8", &[0; 8]),
        gguf_sample("{{ messages }}"),
        safetensors_sample(),
        onnx_sample("w.bin", "ai.onnx"),
        zip_sample(&[("archive/data.pkl", &pkl), ("archive/data/0", &[0; 16])]),
        zip_sample(&[("a.npy", &npy_sample("|O", &pkl))]),
        zip_sample(&[("config.json", &keras_config()), ("metadata.json", b"{}")]),
        tar_sample("pickle", &pkl),
        keras_config(),
    ]
}

#[test]
fn valid_samples_get_the_expected_verdicts() {
    let limits = Limits::default();
    let v = |name: &str, data: &[u8]| scan_bytes(name, data, &limits).verdict;
    assert_eq!(v("m.pkl", &pickle_sample()), Verdict::Safe);
    assert_eq!(
        v("m.npy", &npy_sample("|O", &pickle_sample())),
        Verdict::Safe
    );
    assert_eq!(v("m.gguf", &gguf_sample("{{ messages }}")), Verdict::Safe);
    assert_eq!(
        v(
            "m.gguf",
            &gguf_sample("{{ cycler.__init__.__globals__.os.popen('id') }}")
        ),
        Verdict::Unsafe
    );
    assert_eq!(v("m.safetensors", &safetensors_sample()), Verdict::Safe);
    assert_eq!(v("m.onnx", &onnx_sample("w.bin", "")), Verdict::Safe);
    assert_eq!(
        v("m.onnx", &onnx_sample("../../w.bin", "")),
        Verdict::Unsafe
    );
    assert_eq!(
        v("m.onnx", &onnx_sample("w.bin", "com.example")),
        Verdict::Suspicious
    );
    assert_eq!(
        v("m.onnx", &onnx_sample("w.bin", "com.microsoft")),
        Verdict::Safe
    );
    let torch = zip_sample(&[
        ("archive/data.pkl", &pickle_sample()),
        ("archive/data/0", &[0; 16]),
    ]);
    let r = scan_bytes("m.bin", &torch, &limits);
    assert_eq!(
        (r.format, r.verdict),
        (ModelFormat::TorchZip, Verdict::Safe)
    );
    let keras = zip_sample(&[("config.json", &keras_config()), ("metadata.json", b"{}")]);
    assert_eq!(v("m.keras", &keras), Verdict::Unsafe);
    assert_eq!(
        v("m.tar", &tar_sample("pickle", b"cos\nsystem\n(S'id'\ntR.")),
        Verdict::Unsafe
    );
}

#[test]
fn nested_archives_stop_at_the_depth_limit() {
    let mut data = zip_sample(&[("archive/data.pkl", b"cos\nsystem\n.")]);
    for _ in 0..6 {
        data = zip_sample(&[("inner.zip", &data)]);
    }
    let r = scan_bytes("m.zip", &data, &Limits::default());
    assert_eq!(r.verdict, Verdict::Error, "{r:?}");
    assert!(r.error.unwrap().contains("nested deeper"));
}

#[test]
fn hostile_bytes_never_panic() {
    let start = Instant::now();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for n in [0, 1, 2, 7, 8, 9, 16, 64, 300, 4096] {
        for _ in 0..40 {
            all_parsers(&rng.bytes(n));
        }
    }
    for sample in samples() {
        for cut in 0..sample.len() {
            all_parsers(&sample[..cut]);
        }
        for _ in 0..200 {
            let mut m = sample.clone();
            let i = (rng.next() as usize) % m.len();
            m[i] ^= 1 << (rng.next() % 8);
            if rng.next().is_multiple_of(4) {
                let j = (rng.next() as usize) % m.len();
                m[j] = [0x00, 0x7f, 0x80, 0xff][(rng.next() % 4) as usize];
            }
            all_parsers(&m);
        }
    }
    assert!(
        start.elapsed().as_secs() < 120,
        "parsers took {:?}",
        start.elapsed()
    );
}

#[test]
fn zip_bombs_hit_the_decompression_limit() {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("archive/data.pkl", opts).unwrap();
    // A valid-looking pickle start followed by megabytes of zeros.
    w.write_all(b"\x80\x02").unwrap();
    w.write_all(&vec![0u8; 4 << 20]).unwrap();
    let data = w.finish().unwrap().into_inner();
    assert!(data.len() < 64 << 10, "the bomb is small on disk");
    let limits = Limits {
        max_read_bytes: 1 << 20,
        ..Limits::default()
    };
    let r = scan_bytes("model.pt", &data, &limits);
    assert_eq!(r.verdict, Verdict::Error);
    assert!(r.error.as_deref().unwrap_or("").contains("limit"), "{r:?}");
}
