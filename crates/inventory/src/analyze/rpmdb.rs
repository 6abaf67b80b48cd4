//! Installed rpm packages from rpm's SQLite database (`rpmdb.sqlite`, the
//! default since rpm 4.16: Fedora 33+, RHEL/Rocky/AlmaLinux 9+). The file
//! is loaded into an in-memory, read-only SQLite (`sqlite3_deserialize`),
//! so nothing is written next to the target and the same code reads a
//! directory and an image layer stream; each row's header blob is then
//! parsed by [`super::rpm_header`]. The older Berkeley DB `Packages` and
//! SUSE's ndb `Packages.db` are recognised but not read.
use std::io::{Cursor, Read};

use rusqlite::limits::Limit;
use rusqlite::{Connection, OpenFlags, OptionalExtension, MAIN_DB};

use super::rpm_header::{self, RpmHeader};
use super::FileMeta;
use crate::component::{Component, Ecosystem};
use crate::error::{InventoryError, Result};
use crate::Limits;

/// More packages than any distribution installs; past this it is garbage.
const MAX_PACKAGES: usize = 200_000;
/// Largest header blob SQLite will hand back (real ones are a few KiB to
/// a few MiB: the file list of texlive-base is the extreme).
const MAX_BLOB: i32 = 32 << 20;

fn open(meta: &FileMeta<'_>, reader: &mut dyn Read, limits: &Limits) -> Result<Connection> {
    let path = meta.path;
    if meta.size > limits.max_rpmdb_bytes {
        return Err(InventoryError::limit(
            path,
            format!(
                "{} bytes is over the {}-byte rpm database limit",
                meta.size, limits.max_rpmdb_bytes
            ),
        ));
    }
    let size = usize::try_from(meta.size)
        .map_err(|_| InventoryError::limit(path, "rpm database too large"))?;
    let mut head = [0u8; 100];
    if size < head.len() || reader.read_exact(&mut head).is_err() {
        return Err(InventoryError::malformed(
            path,
            "too short for an SQLite database",
        ));
    }
    if !head.starts_with(b"SQLite format 3\0") {
        return Err(InventoryError::malformed(path, "not an SQLite database"));
    }
    // rpm keeps the database in WAL mode (header bytes 18/19 = 2), which
    // the in-memory file cannot open; the pages are the same in rollback
    // mode (1) once rpm has checkpointed, as it does on closing.
    for b in &mut head[18..20] {
        if *b == 2 {
            *b = 1;
        }
    }
    let sql = |e: rusqlite::Error| InventoryError::malformed(path, format!("SQLite: {e}"));
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    // One copy, straight from the stream into SQLite's buffer.
    conn.deserialize_read_exact(MAIN_DB, Cursor::new(head).chain(reader), size, true)
        .map_err(sql)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_BLOB)
        .map_err(sql)?;
    // The schema is the target's: never let it run our query through a
    // view or trigger of its making.
    conn.pragma_update(None, "trusted_schema", false)
        .map_err(sql)?;
    let kind: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Packages'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql)?;
    if kind.as_deref() != Some("table") {
        return Err(InventoryError::malformed(
            path,
            "no Packages table: not an rpm database",
        ));
    }
    Ok(conn)
}

/// Every installed package, one component each.
pub fn packages(
    meta: &FileMeta<'_>,
    reader: &mut dyn Read,
    limits: &Limits,
) -> Result<Vec<Component>> {
    let path = meta.path;
    let conn = open(meta, reader, limits)?;
    let sql = |e: rusqlite::Error| InventoryError::malformed(path, format!("SQLite: {e}"));
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages ORDER BY hnum")
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    let (mut out, mut bad, mut seen) = (Vec::new(), 0usize, 0usize);
    while let Some(row) = rows.next().map_err(sql)? {
        seen += 1;
        if seen > MAX_PACKAGES {
            return Err(InventoryError::limit(
                path,
                format!("more than {MAX_PACKAGES} packages"),
            ));
        }
        let header = row
            .get_ref(0)
            .ok()
            .and_then(|v| v.as_blob().ok())
            .map(rpm_header::parse);
        match header {
            Some(Ok(h)) => out.extend(component(&h)),
            _ => bad += 1,
        }
    }
    if bad > 0 && out.is_empty() {
        return Err(InventoryError::malformed(
            path,
            format!("none of its {bad} package headers could be read"),
        ));
    }
    Ok(out)
}

/// The purl namespace for a vendor string, until os-release says better
/// (see [`crate::distro`]).
fn vendor_namespace(vendor: &str) -> Option<String> {
    let v = vendor.to_ascii_lowercase();
    let known = [
        ("red hat", "redhat"),
        ("fedora", "fedora"),
        ("rocky", "rocky"),
        ("almalinux", "almalinux"),
        ("opensuse", "opensuse"),
        ("suse", "suse"),
        ("centos", "centos"),
        ("amazon", "amazon"),
        ("oracle", "oracle"),
        ("mageia", "mageia"),
        ("openeuler", "openeuler"),
        ("microsoft", "azurelinux"),
    ];
    if let Some((_, ns)) = known.iter().find(|(k, _)| v.contains(k)) {
        return Some((*ns).to_string());
    }
    let word: String = v
        .split_whitespace()
        .next()?
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    (!word.is_empty()).then_some(word)
}

fn component(h: &RpmHeader) -> Option<Component> {
    let name = h.name.as_deref().filter(|n| !n.is_empty())?;
    // Imported signing keys are stored as pseudo-packages: not software.
    if name == "gpg-pubkey" {
        return None;
    }
    let vr = match (h.version.as_deref(), h.release.as_deref()) {
        (Some(v), Some(r)) => Some(format!("{v}-{r}")),
        (Some(v), None) => Some(v.to_string()),
        _ => None,
    };
    let shown = match (h.epoch, &vr) {
        (Some(e), Some(vr)) => Some(format!("{e}:{vr}")),
        _ => vr.clone(),
    };
    let mut c = Component::package(Ecosystem::Rpm, name, shown.as_deref(), "rpmdb-sqlite");
    let mut quals = Vec::new();
    if let Some(a) = &h.arch {
        quals.push(("arch", a.clone()));
    }
    if let Some(e) = h.epoch {
        quals.push(("epoch", e.to_string()));
    }
    if let Some(s) = &h.source_rpm {
        quals.push(("upstream", s.clone()));
    }
    let ns = h.vendor.as_deref().and_then(vendor_namespace);
    c.purl = Some(crate::purl::rpm(ns.as_deref(), name, vr.as_deref(), &quals));
    c.license = h.license.clone().filter(|l| !l.is_empty());
    Some(c)
}
