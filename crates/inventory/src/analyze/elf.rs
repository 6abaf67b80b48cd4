//! Just enough ELF to find named sections: the section header table and its
//! string table, every offset checked against the file. No code runs and
//! nothing is mapped.
use std::collections::HashMap;

/// Reads `len` bytes at `offset`, or `None` past the end.
pub type ReadAt<'a> = dyn FnMut(u64, usize) -> Option<Vec<u8>> + 'a;

/// Section tables and name tables beyond this are hostile.
const MAX_TABLE: usize = 4 << 20;

fn uint(b: &[u8], at: usize, width: usize, little: bool) -> Option<u64> {
    let b = b.get(at..at.checked_add(width)?)?;
    let mut v: u64 = 0;
    for i in 0..width {
        let byte = if little { b[width - 1 - i] } else { b[i] };
        v = (v << 8) | u64::from(byte);
    }
    Some(v)
}

/// Section name → (file offset, size), reading only the ELF header, the
/// section header table and its string table through `read_at`.
pub fn sections(read_at: &mut ReadAt<'_>) -> HashMap<String, (u64, u64)> {
    parse(read_at).unwrap_or_default()
}

/// `read_at` over bytes already in memory.
pub fn slice_reader(data: &[u8]) -> impl FnMut(u64, usize) -> Option<Vec<u8>> + '_ {
    move |off, len| {
        let start = usize::try_from(off).ok()?;
        data.get(start..start.checked_add(len)?).map(<[u8]>::to_vec)
    }
}

fn parse(read_at: &mut ReadAt<'_>) -> Option<HashMap<String, (u64, u64)>> {
    let h = read_at(0, 64)?;
    if h.get(..4)? != b"\x7fELF" {
        return None;
    }
    let wide = *h.get(4)? == 2;
    let little = *h.get(5)? == 1;
    let u = |at, w| uint(&h, at, w, little);
    let (shoff, shentsize, shnum, shstrndx) = if wide {
        (u(0x28, 8)?, u(0x3a, 2)?, u(0x3c, 2)?, u(0x3e, 2)?)
    } else {
        (u(0x20, 4)?, u(0x2e, 2)?, u(0x30, 2)?, u(0x32, 2)?)
    };
    let (shentsize, shnum) = (
        usize::try_from(shentsize).ok()?,
        usize::try_from(shnum).ok()?,
    );
    let table_len = shentsize.checked_mul(shnum)?;
    if table_len > MAX_TABLE || shentsize < if wide { 0x28 } else { 0x18 } {
        return None;
    }
    let table = read_at(shoff, table_len)?;
    // Section header fields: name, type, offset, size.
    let header = |i: usize| -> Option<(u64, u64, u64, u64)> {
        let at = i.checked_mul(shentsize)?;
        let t = |o, w| uint(&table, at + o, w, little);
        if wide {
            Some((t(0, 4)?, t(4, 4)?, t(0x18, 8)?, t(0x20, 8)?))
        } else {
            Some((t(0, 4)?, t(4, 4)?, t(0x10, 4)?, t(0x14, 4)?))
        }
    };
    let (_, _, str_off, str_size) = header(usize::try_from(shstrndx).ok()?)?;
    let str_size = usize::try_from(str_size).ok().filter(|&n| n <= MAX_TABLE)?;
    let strtab = read_at(str_off, str_size)?;
    let mut out = HashMap::new();
    for i in 0..shnum {
        let Some((name, kind, off, size)) = header(i) else {
            break;
        };
        // SHT_NOBITS (.bss) has no bytes in the file.
        if kind == 8 {
            continue;
        }
        let Some(name_bytes) = usize::try_from(name).ok().and_then(|n| strtab.get(n..)) else {
            continue;
        };
        let end = name_bytes
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name_bytes.len());
        if let Ok(name) = std::str::from_utf8(&name_bytes[..end]) {
            out.insert(name.to_string(), (off, size));
        }
    }
    Some(out)
}
