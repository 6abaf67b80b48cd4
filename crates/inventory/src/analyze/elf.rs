//! Just enough ELF to find named sections: the section header table and its
//! string table, every offset checked against the file. No code runs and
//! nothing is mapped.
use std::collections::HashMap;
use std::ops::Range;

struct Reader<'a> {
    data: &'a [u8],
    little: bool,
}

impl Reader<'_> {
    fn uint(&self, at: usize, width: usize) -> Option<u64> {
        let b = self.data.get(at..at.checked_add(width)?)?;
        let mut v: u64 = 0;
        for i in 0..width {
            let byte = if self.little { b[width - 1 - i] } else { b[i] };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    }
}

/// Section name → byte range in `data`. Empty for anything not a sane ELF.
pub fn sections(data: &[u8]) -> HashMap<String, Range<usize>> {
    parse(data).unwrap_or_default()
}

fn parse(data: &[u8]) -> Option<HashMap<String, Range<usize>>> {
    if data.get(..4)? != b"\x7fELF" {
        return None;
    }
    let wide = *data.get(4)? == 2;
    let r = Reader {
        data,
        little: *data.get(5)? == 1,
    };
    let (shoff, shentsize, shnum, shstrndx) = if wide {
        (
            r.uint(0x28, 8)?,
            r.uint(0x3a, 2)?,
            r.uint(0x3c, 2)?,
            r.uint(0x3e, 2)?,
        )
    } else {
        (
            r.uint(0x20, 4)?,
            r.uint(0x2e, 2)?,
            r.uint(0x30, 2)?,
            r.uint(0x32, 2)?,
        )
    };
    let (shoff, shentsize) = (usize::try_from(shoff).ok()?, shentsize as usize);
    // Section header fields: name, type, flags, addr, offset, size.
    let header = |i: u64| -> Option<(u64, u64, u64, u64)> {
        let at = shoff.checked_add(usize::try_from(i).ok()?.checked_mul(shentsize)?)?;
        if wide {
            Some((
                r.uint(at, 4)?,
                r.uint(at + 4, 4)?,
                r.uint(at + 0x18, 8)?,
                r.uint(at + 0x20, 8)?,
            ))
        } else {
            Some((
                r.uint(at, 4)?,
                r.uint(at + 4, 4)?,
                r.uint(at + 0x10, 4)?,
                r.uint(at + 0x14, 4)?,
            ))
        }
    };
    let range = |off: u64, size: u64| -> Option<Range<usize>> {
        let start = usize::try_from(off).ok()?;
        let end = start.checked_add(usize::try_from(size).ok()?)?;
        (end <= data.len()).then_some(start..end)
    };
    let (_, _, str_off, str_size) = header(shstrndx)?;
    let strtab = data.get(range(str_off, str_size)?)?;
    let mut out = HashMap::new();
    // A hostile header may claim 65535 sections; each lookup is bounded anyway.
    for i in 0..shnum {
        let Some((name, kind, off, size)) = header(i) else {
            break;
        };
        // SHT_NOBITS (.bss) has no bytes in the file.
        if kind == 8 {
            continue;
        }
        let Some(name_bytes) = strtab.get(usize::try_from(name).ok()?..) else {
            continue;
        };
        let end = name_bytes
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name_bytes.len());
        let Ok(name) = std::str::from_utf8(&name_bytes[..end]) else {
            continue;
        };
        if let Some(range) = range(off, size) {
            out.insert(name.to_string(), range);
        }
    }
    Some(out)
}
