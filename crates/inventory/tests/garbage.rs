//! Every inventory parser on hostile input, deterministically, so CI
//! exercises what the fuzz targets (fuzz/fuzz_targets/inventory_*.rs)
//! explore: seeded random bytes, every truncation of a valid sample, bit
//! flips and spliced noise. Nothing may panic, output stays bounded by the
//! input (no component out of nothing), and each parser finishes quickly.
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use aimap_inventory::analyze::{self, rpm_header, FileMeta, Kind};
use aimap_inventory::source::tarfs::{self, Declared, Overlay};
use aimap_inventory::Limits;

/// xorshift64*: reproducible noise without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Random blobs, truncations, bit flips, overwritten runs and spliced
/// noise of `sample`: about `n` inputs, the same on every run.
fn mutations(sample: &[u8], seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed | 1);
    let mut out = Vec::with_capacity(n + 64);
    for len in [0, 1, 2, 3, 7, 16, 64, 100, 512, 4096] {
        out.push(rng.bytes(len));
    }
    // Truncations: every one for small samples, evenly spaced otherwise.
    let step = (sample.len() / 200).max(1);
    out.extend(
        (0..sample.len())
            .step_by(step)
            .map(|i| sample[..i].to_vec()),
    );
    while out.len() < n {
        let mut m = sample.to_vec();
        if m.is_empty() {
            let len = rng.below(256);
            out.push(rng.bytes(len));
            continue;
        }
        match rng.below(4) {
            0 => {
                for _ in 0..=rng.below(8) {
                    let i = rng.below(m.len());
                    m[i] ^= 1 << rng.below(8);
                }
            }
            1 => {
                let i = rng.below(m.len());
                let len = rng.below(32).min(m.len() - i);
                let fill = rng.next() as u8;
                m[i..i + len].iter_mut().for_each(|b| *b = fill);
            }
            2 => {
                let i = rng.below(m.len());
                let len = rng.below(64);
                let noise = rng.bytes(len);
                m.splice(i..i, noise);
            }
            _ => {
                // Extremes where lengths and counts live.
                let i = rng.below(m.len().saturating_sub(4).max(1));
                let v = [0u8, 0xff, 0x7f, 0x80][rng.below(4)];
                let end = (i + 4).min(m.len());
                m[i..end].iter_mut().for_each(|b| *b = v);
            }
        }
        out.push(m);
    }
    out
}

/// Run one analyzer on every mutation of `sample` and check the bounds.
fn hammer(kind: Kind, path: &str, sample: &[u8], seed: u64, n: usize) {
    // Small caps, so that limits are hit as well as parsers.
    let limits = Limits {
        max_manifest_bytes: 1 << 20,
        max_rpmdb_bytes: 1 << 20,
        max_binary_bytes: 1 << 20,
        ..Limits::default()
    };
    let started = Instant::now();
    let inputs = mutations(sample, seed, n);
    let mut parsed = 0usize;
    for data in &inputs {
        let meta = FileMeta {
            path,
            size: data.len() as u64,
            executable: kind == Kind::Binary,
            sparse: false,
        };
        if let Ok(found) = analyze::run(kind, &meta, &mut &data[..], &limits) {
            parsed += 1;
            assert!(
                found.len() <= data.len(),
                "{kind:?}: {} components from {} bytes",
                found.len(),
                data.len()
            );
            for c in &found {
                assert!(
                    c.name.len() <= data.len(),
                    "{kind:?}: name longer than the input"
                );
            }
        }
    }
    // The unmutated sample must still parse: the mutations test something.
    let meta = FileMeta {
        path,
        size: sample.len() as u64,
        executable: kind == Kind::Binary,
        sparse: false,
    };
    let good = analyze::run(kind, &meta, &mut &sample[..], &limits)
        .unwrap_or_else(|e| panic!("{kind:?}: the sample itself fails: {e}"));
    assert!(!good.is_empty(), "{kind:?}: the sample yields nothing");
    assert!(parsed > 0);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{kind:?}: {} inputs took {:?}",
        inputs.len(),
        started.elapsed()
    );
}

const PACKAGE_LOCK: &str = r#"{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/left-pad":{"version":"1.3.0"},"node_modules/@types/node":{"version":"20.1.0"}}}"#;
const YARN_LOCK: &str = "# yarn lockfile v1\n\nlodash@^4.17.0, lodash@^4.17.20:\n  version \"4.17.20\"\n  resolved \"https://registry.yarnpkg.com/lodash/-/lodash-4.17.20.tgz\"\n\n\"@babel/core@^7.0.0\":\n  version \"7.22.0\"\n";
const PNPM_LOCK: &str = "lockfileVersion: '9.0'\n\npackages:\n\n  express@4.18.2:\n    resolution: {integrity: sha512-x}\n\n  '@types/node@20.1.0':\n    resolution: {integrity: sha512-y}\n";
const POETRY_LOCK: &str = "[[package]]\nname = \"fastapi\"\nversion = \"0.100.0\"\n\n[[package]]\nname = \"pydantic\"\nversion = \"2.0.0\"\n";
const UV_LOCK: &str = "version = 1\n[[package]]\nname = \"me\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n[[package]]\nname = \"httpx\"\nversion = \"0.27.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
const PIPFILE_LOCK: &str = r#"{"default": {"flask": {"version": "==2.0.1"}}, "develop": {"pytest": {"version": "==7.0.0"}}}"#;
const PYPROJECT: &str =
    "[project]\nname = \"x\"\ndependencies = [\"torch==2.1.0\", \"numpy>=1\"]\n";
const REQUIREMENTS: &str =
    "flask==0.12\n# comment\nrequests[socks]==2.19.0 ; python_version > '3'\n-r other.txt\ntorch>=2\n";
const CARGO_LOCK: &str = "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.188\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"me\"\nversion = \"0.1.0\"\n";
const METADATA: &str = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\nSummary: x\n\nbody\n";
const PACKAGE_JSON: &str = r#"{"name":"left-pad","version":"1.3.0","license":"WTFPL"}"#;
const DPKG: &str = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u4\n\nPackage: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\n";
const APK: &str = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\n\nP:busybox\nV:1.36.1-r5\n";
const OS_RELEASE: &str =
    "NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Rocky Linux 9.3\"\n";

#[test]
fn lockfiles_and_manifests() {
    let cases: [(Kind, &str, &str); 11] = [
        (Kind::NpmLock, "/app/package-lock.json", PACKAGE_LOCK),
        (Kind::YarnLock, "/app/yarn.lock", YARN_LOCK),
        (Kind::PnpmLock, "/app/pnpm-lock.yaml", PNPM_LOCK),
        (Kind::PoetryLock, "/app/poetry.lock", POETRY_LOCK),
        (Kind::UvLock, "/app/uv.lock", UV_LOCK),
        (Kind::PipfileLock, "/app/Pipfile.lock", PIPFILE_LOCK),
        (Kind::Pyproject, "/app/pyproject.toml", PYPROJECT),
        (Kind::Requirements, "/app/requirements.txt", REQUIREMENTS),
        (Kind::CargoLock, "/app/Cargo.lock", CARGO_LOCK),
        (
            Kind::PyMetadata,
            "/usr/lib/python3/x-1.dist-info/METADATA",
            METADATA,
        ),
        (
            Kind::NodePackage,
            "/app/node_modules/left-pad/package.json",
            PACKAGE_JSON,
        ),
    ];
    for (i, (kind, path, sample)) in cases.iter().enumerate() {
        hammer(*kind, path, sample.as_bytes(), 0x1000 + i as u64, 1500);
    }
}

#[test]
fn os_package_databases() {
    hammer(
        Kind::DpkgStatus,
        "/var/lib/dpkg/status",
        DPKG.as_bytes(),
        7,
        2000,
    );
    hammer(
        Kind::ApkInstalled,
        "/lib/apk/db/installed",
        APK.as_bytes(),
        8,
        2000,
    );
    hammer(
        Kind::OsRelease,
        "/etc/os-release",
        OS_RELEASE.as_bytes(),
        9,
        2000,
    );
}

/// An rpm header blob laid out as rpm does: (tag, type, payload, count).
fn header(entries: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
    let (mut index, mut data) = (Vec::new(), Vec::new());
    for (tag, kind, payload, count) in entries {
        if *kind == 4 {
            while !data.len().is_multiple_of(4) {
                data.push(0);
            }
        }
        for v in [*tag, *kind, data.len() as u32, *count] {
            index.extend_from_slice(&v.to_be_bytes());
        }
        data.extend_from_slice(payload);
    }
    let mut blob = (entries.len() as u32).to_be_bytes().to_vec();
    blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
    blob.extend_from_slice(&index);
    blob.extend_from_slice(&data);
    blob
}

fn rpm_sample(name: &str) -> Vec<u8> {
    let z = |s: &str| format!("{s}\0").into_bytes();
    let srpm = z(&format!("{name}-1.2-3.el9.src.rpm"));
    header(&[
        (63, 7, &[0u8; 16], 16),
        (1000, 6, &z(name), 1),
        (1001, 6, &z("1.2"), 1),
        (1002, 6, &z("3.el9"), 1),
        (1003, 4, &1u32.to_be_bytes(), 1),
        (1004, 9, &z("summary"), 1),
        (1011, 6, &z("Rocky Enterprise Software Foundation"), 1),
        (1014, 6, &z("MIT"), 1),
        (1022, 6, &z("x86_64"), 1),
        (1044, 6, &srpm, 1),
    ])
}

#[test]
fn rpm_header_blobs() {
    let sample = rpm_sample("bash");
    assert_eq!(
        rpm_header::parse(&sample).unwrap().name.as_deref(),
        Some("bash")
    );
    let started = Instant::now();
    for data in mutations(&sample, 11, 20_000) {
        if let Ok(h) = rpm_header::parse(&data) {
            for s in [
                &h.name, &h.version, &h.release, &h.arch, &h.license, &h.vendor,
            ]
            .into_iter()
            .flatten()
            {
                assert!(s.len() <= data.len());
            }
            if let Some(srpm) = &h.source_rpm {
                let _ = rpm_header::source_name(srpm);
            }
        }
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// A real SQLite file shaped like rpm's: the Packages table with header blobs.
fn rpmdb_sample() -> Vec<u8> {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "PRAGMA page_size = 1024;
         CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
         CREATE TABLE 'Name' (key 'TEXT' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL);",
    )
    .unwrap();
    for name in ["bash", "glibc", "openssl-libs"] {
        conn.execute(
            "INSERT INTO Packages (blob) VALUES (?1)",
            [rpm_sample(name)],
        )
        .unwrap();
    }
    // Not a header at all: skipped, the rest still read.
    conn.execute("INSERT INTO Packages (blob) VALUES (x'00')", [])
        .unwrap();
    conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
}

#[test]
fn rpm_sqlite_databases() {
    let sample = rpmdb_sample();
    let meta = FileMeta {
        path: "/var/lib/rpm/rpmdb.sqlite",
        size: sample.len() as u64,
        executable: false,
        sparse: false,
    };
    let found = analyze::run(Kind::RpmSqlite, &meta, &mut &sample[..], &Limits::default()).unwrap();
    assert_eq!(found.len(), 3);
    hammer(
        Kind::RpmSqlite,
        "/var/lib/rpm/rpmdb.sqlite",
        &sample,
        12,
        1500,
    );
}

/// An ELF-looking file whose Go build info is found by scanning (no
/// section table), as for stripped binaries.
fn go_binary() -> Vec<u8> {
    let mut f = b"\x7fELF\x02\x01\x01".to_vec();
    f.resize(64, 0);
    let mut info = b"\xff Go buildinf:".to_vec();
    info.push(8); // pointer size
    info.push(2); // flags: inline strings
    info.resize(32, 0);
    let s = |out: &mut Vec<u8>, b: &[u8]| {
        let mut n = b.len();
        while n >= 0x80 {
            out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(b);
    };
    s(&mut info, b"go1.22.1");
    let mut modinfo = vec![0x30u8; 16];
    modinfo.extend_from_slice(
        b"path\tgithub.com/ollama/ollama\nmod\tgithub.com/ollama/ollama\tv0.1.32\th1:x=\ndep\tgithub.com/gin-gonic/gin\tv1.9.1\th1:y=\n",
    );
    modinfo.extend_from_slice(&[0x31u8; 16]);
    s(&mut info, &modinfo);
    f.extend_from_slice(&info);
    f
}

#[test]
fn elf_and_go_build_info() {
    hammer(Kind::Binary, "/usr/bin/ollama", &go_binary(), 13, 3000);
}

fn layer_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, data).unwrap();
    };
    add("var/lib/dpkg/status", DPKG.as_bytes());
    add(
        "usr/lib/python3/dist-packages/x-1.dist-info/METADATA",
        METADATA.as_bytes(),
    );
    add("etc/.wh.gone", b"");
    add("app/package-lock.json", PACKAGE_LOCK.as_bytes());
    b.into_inner().unwrap()
}

fn apply(data: &[u8], declared: Declared) -> usize {
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        max_entries: 1000,
        ..Limits::default()
    };
    let mut overlay = Overlay::default();
    let mut errors = Vec::new();
    tarfs::apply(
        Box::new(data),
        declared,
        "sha256:test",
        "layer",
        &mut overlay,
        &limits,
        &mut errors,
    );
    overlay.files.values().map(Vec::len).sum()
}

#[test]
fn image_layers_plain_gzip_and_zstd() {
    let plain = layer_tar();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    let gz = gz.finish().unwrap();
    let zst =
        ruzstd::encoding::compress_to_vec(&plain[..], ruzstd::encoding::CompressionLevel::Fastest);
    let mut check = Vec::new();
    ruzstd::decoding::StreamingDecoder::new(&zst[..])
        .unwrap()
        .read_to_end(&mut check)
        .unwrap();
    assert_eq!(check, plain);
    let started = Instant::now();
    for (seed, (sample, declared)) in [
        (plain, Declared::Plain),
        (gz, Declared::Gzip),
        (zst, Declared::Zstd),
    ]
    .into_iter()
    .enumerate()
    {
        let good = apply(&sample, declared);
        assert!(good >= 4, "{declared:?}: the sample yields {good}");
        for data in mutations(&sample, 20 + seed as u64, 1500) {
            let n = apply(&data, declared);
            assert!(n <= data.len().max(good), "{declared:?}: {n} components");
            let _ = apply(&data, Declared::Unknown);
        }
    }
    assert!(started.elapsed() < Duration::from_secs(90));
}
