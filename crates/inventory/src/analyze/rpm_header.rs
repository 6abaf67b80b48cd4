//! The rpm header blob, as rpm stores one per installed package in its
//! database: `il` and `dl` (big-endian u32), `il` index entries of 16 bytes
//! (tag, type, offset, count), then a data store of `dl` bytes that the
//! offsets point into. The blob in rpmdb.sqlite has no 8-byte magic (that
//! only leads headers inside .rpm files). Only the tags an inventory needs
//! are read; every offset, count and length is checked against the blob,
//! because the database is the target's and may be hostile.

/// rpm refuses headers with more tags or data than this (its
/// `hdrchkTags`/`hdrchkData`); so do we, before touching the index.
const MAX_TAGS: u32 = 0xffff;
const MAX_DATA: u32 = 0x0fff_ffff;
/// No name, version or license is this long; a longer one is garbage.
const MAX_STRING: usize = 64 << 10;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_VENDOR: u32 = 1011;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_I18NSTRING: u32 = 9;

/// What one header says about its package. Absent or unreadable tags are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RpmHeader {
    pub name: Option<String>,
    pub version: Option<String>,
    pub release: Option<String>,
    pub epoch: Option<u32>,
    pub arch: Option<String>,
    pub license: Option<String>,
    pub source_rpm: Option<String>,
    pub vendor: Option<String>,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// The NUL-terminated string at `off` in `data`, if it ends inside the store.
fn string_at(data: &[u8], off: usize) -> Option<String> {
    let rest = data.get(off..)?;
    let rest = &rest[..rest.len().min(MAX_STRING + 1)];
    let end = rest.iter().position(|&b| b == 0)?;
    // Old packages carry Latin-1 vendors and licenses: keep them readable.
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// Parse a header blob. `Err` says why the blob as a whole is unusable;
/// a single bad entry only leaves its field empty.
pub fn parse(blob: &[u8]) -> Result<RpmHeader, &'static str> {
    let il = be32(blob, 0).ok_or("shorter than a header preamble")?;
    let dl = be32(blob, 4).ok_or("shorter than a header preamble")?;
    if il == 0 || il > MAX_TAGS {
        return Err("index entry count out of range");
    }
    if dl > MAX_DATA {
        return Err("data store size out of range");
    }
    // Both are now small enough that this cannot overflow a usize.
    let index_len = il as usize * 16;
    let data_start = 8 + index_len;
    let data_end = data_start + dl as usize;
    let data = blob
        .get(data_start..data_end)
        .ok_or("index or data store runs past the end of the blob")?;
    let mut h = RpmHeader::default();
    for i in 0..il as usize {
        let e = 8 + i * 16;
        let (Some(tag), Some(kind), Some(off), Some(count)) = (
            be32(blob, e),
            be32(blob, e + 4),
            be32(blob, e + 8),
            be32(blob, e + 12),
        ) else {
            return Err("truncated index entry");
        };
        let off = off as usize;
        let text = || match kind {
            // An i18n string is a list; its first entry is the C locale's.
            TYPE_STRING if count == 1 => string_at(data, off),
            TYPE_I18NSTRING if count >= 1 => string_at(data, off),
            _ => None,
        };
        // Later entries win, as in rpm, where entries added after the
        // signed region ("dribbles") replace the region's.
        let set = |slot: &mut Option<String>| {
            if let Some(s) = text() {
                *slot = Some(s);
            }
        };
        match tag {
            TAG_NAME => set(&mut h.name),
            TAG_VERSION => set(&mut h.version),
            TAG_RELEASE => set(&mut h.release),
            TAG_ARCH => set(&mut h.arch),
            TAG_LICENSE => set(&mut h.license),
            TAG_SOURCERPM => set(&mut h.source_rpm),
            TAG_VENDOR => set(&mut h.vendor),
            TAG_EPOCH if kind == TYPE_INT32 && count >= 1 && off.is_multiple_of(4) => {
                if let Some(v) = be32(data, off) {
                    h.epoch = Some(v);
                }
            }
            _ => {}
        }
    }
    Ok(h)
}

/// `bash-5.1.8-6.el9.src.rpm` → `bash`: the source package name that
/// most rpm distributions file their advisories under.
pub fn source_name(source_rpm: &str) -> Option<&str> {
    let stem = source_rpm
        .strip_suffix(".src.rpm")
        .or_else(|| source_rpm.strip_suffix(".nosrc.rpm"))?;
    let (nv, _release) = stem.rsplit_once('-')?;
    let (name, _version) = nv.rsplit_once('-')?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header with the given (tag, type, payload) entries, built the way rpm lays them out.
    pub(crate) fn build(entries: &[(u32, u32, Vec<u8>, u32)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, kind, payload, count) in entries {
            if *kind == TYPE_INT32 {
                while !data.len().is_multiple_of(4) {
                    data.push(0);
                }
            }
            for v in [*tag, *kind, data.len() as u32, *count] {
                index.extend_from_slice(&v.to_be_bytes());
            }
            data.extend_from_slice(payload);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend_from_slice(&index);
        blob.extend_from_slice(&data);
        blob
    }

    fn s(text: &str) -> Vec<u8> {
        let mut v = text.as_bytes().to_vec();
        v.push(0);
        v
    }

    #[test]
    fn reads_the_tags_it_needs() {
        let blob = build(&[
            (TAG_NAME, TYPE_STRING, s("bash"), 1),
            (TAG_VERSION, TYPE_STRING, s("5.1.8"), 1),
            (TAG_RELEASE, TYPE_STRING, s("6.el9"), 1),
            (TAG_EPOCH, TYPE_INT32, 1u32.to_be_bytes().to_vec(), 1),
            (TAG_ARCH, TYPE_STRING, s("x86_64"), 1),
            (TAG_LICENSE, TYPE_STRING, s("GPLv3+"), 1),
            (TAG_SOURCERPM, TYPE_STRING, s("bash-5.1.8-6.el9.src.rpm"), 1),
            (
                TAG_VENDOR,
                TYPE_STRING,
                s("Rocky Enterprise Software Foundation"),
                1,
            ),
        ]);
        let h = parse(&blob).unwrap();
        assert_eq!(h.name.as_deref(), Some("bash"));
        assert_eq!(h.version.as_deref(), Some("5.1.8"));
        assert_eq!(h.release.as_deref(), Some("6.el9"));
        assert_eq!(h.epoch, Some(1));
        assert_eq!(h.arch.as_deref(), Some("x86_64"));
        assert_eq!(h.license.as_deref(), Some("GPLv3+"));
        assert_eq!(source_name(h.source_rpm.as_deref().unwrap()), Some("bash"));
    }

    #[test]
    fn bad_entries_and_blobs_are_refused_not_trusted() {
        // An offset past the store, a string without its NUL, a misaligned epoch.
        let mut blob = build(&[
            (TAG_EPOCH, TYPE_INT32, vec![0, 0, 0, 7], 1),
            (TAG_NAME, TYPE_STRING, b"nonul".to_vec(), 1),
        ]);
        let h = parse(&blob).unwrap();
        assert_eq!(h.name, None);
        assert_eq!(h.epoch, Some(7));
        // Point the epoch past the end of the data store.
        blob[8 + 8..8 + 12].copy_from_slice(&1000u32.to_be_bytes());
        assert_eq!(parse(&blob).unwrap().epoch, None);
        assert!(parse(&[0, 0, 0, 1]).is_err());
        assert!(parse(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_err());
        // Claims more data than the blob has.
        let mut short = build(&[(TAG_NAME, TYPE_STRING, s("x"), 1)]);
        short.truncate(short.len() - 1);
        assert!(parse(&short).is_err());
        assert_eq!(source_name("weird.rpm"), None);
        assert_eq!(source_name("a-b-1-2.nosrc.rpm"), Some("a-b"));
    }
}
