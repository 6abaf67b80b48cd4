//! Go module build info, read the way `go version -m` does but without
//! executing anything: the `\xff Go buildinf:` header, then either inline
//! varint-prefixed strings (Go 1.18+) or pointers into the data (older
//! binaries: not followed, so those report only that they are Go).
use crate::component::{Component, Ecosystem};

const MAGIC: &[u8] = b"\xff Go buildinf:";

/// Components from a `.go.buildinfo` section (or, failing that, a scan of
/// the whole file for the header).
pub fn buildinfo(section: &[u8], whole: &[u8]) -> Vec<Component> {
    let start = if section.starts_with(MAGIC) {
        Some(section)
    } else {
        // Only when the section was not found: a scan of the whole file.
        find(whole).and_then(|i| whole.get(i..))
    };
    start.and_then(parse).unwrap_or_default()
}

fn find(data: &[u8]) -> Option<usize> {
    data.windows(MAGIC.len()).position(|w| w == MAGIC)
}

fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn string<'a>(data: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(varint(data, pos)?).ok()?;
    let s = data.get(*pos..pos.checked_add(len)?)?;
    *pos += len;
    Some(s)
}

fn parse(data: &[u8]) -> Option<Vec<Component>> {
    let flags = *data.get(15)?;
    // Bit 1: strings are inline after the 32-byte header (Go 1.18+).
    if flags & 2 == 0 {
        return None;
    }
    let mut pos = 32;
    let version = String::from_utf8_lossy(string(data, &mut pos)?).into_owned();
    let modinfo = string(data, &mut pos)?;
    // The module info is framed by 16-byte sentinels.
    let modinfo = modinfo
        .get(16..modinfo.len().checked_sub(16)?)
        .unwrap_or(modinfo);
    let text = String::from_utf8_lossy(modinfo);
    let mut out = Vec::new();
    let mut std = Component::package(Ecosystem::Golang, "stdlib", Some(&version), "go-buildinfo");
    std.kind = crate::component::ComponentKind::Library;
    let mut main = None;
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["mod", path, ver, ..] => {
                let ver = (*ver != "(devel)").then_some(*ver);
                let mut c = Component::package(Ecosystem::Golang, path, ver, "go-buildinfo");
                c.kind = crate::component::ComponentKind::Application;
                main = Some(c);
            }
            ["dep", path, ver, ..] => out.push(Component::package(
                Ecosystem::Golang,
                path,
                Some(ver),
                "go-buildinfo",
            )),
            // A replaced module: the replacement's version is what runs.
            // Local-directory replacements have no version: keep the original.
            ["=>", path, ver, ..] if !path.starts_with(['.', '/']) => {
                if let Some(last) = out.last_mut() {
                    *last = Component::package(Ecosystem::Golang, path, Some(ver), "go-buildinfo");
                }
            }
            _ => {}
        }
    }
    out.extend(main);
    // stdlib versions are `go1.22.1`; advisories say `1.22.1`.
    std.version = version
        .split_whitespace()
        .next()
        .map(|v| v.trim_start_matches("go").to_string());
    std.purl = crate::purl::build(Ecosystem::Golang, "stdlib", std.version.as_deref());
    out.push(std);
    Some(out)
}
