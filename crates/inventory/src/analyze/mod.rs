//! Analyzers: one per ecosystem or file kind. [`classify`] decides from a
//! path (and the executable bit) whether a file is worth reading; [`run`]
//! reads it through a capped reader and returns components. Sources never
//! look inside files; analyzers never know where the bytes came from.
mod elf;
mod golang;
mod header;
mod js;
mod model;
mod os;
mod os_release;
mod python;
pub mod rpm_header;
mod rpmdb;
mod runtime;
mod rust;

use std::io::Read;

use crate::component::Component;
use crate::error::{InventoryError, Result};
use crate::Limits;

pub use model::is_sparse_hint;
pub use runtime::is_runtime_binary;

/// What a file is, decided from its path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PyMetadata,
    Requirements,
    PoetryLock,
    UvLock,
    PipfileLock,
    Pyproject,
    NpmLock,
    YarnLock,
    PnpmLock,
    NodePackage,
    CargoLock,
    DpkgStatus,
    ApkInstalled,
    /// rpm's SQLite database (rpm 4.16 and later).
    RpmSqlite,
    /// rpm's Berkeley DB `Packages` or SUSE's ndb `Packages.db`: recognised, not read.
    RpmLegacy,
    OsRelease,
    TritonVersion,
    /// A shared library recognised by its file name (CUDA, cuDNN, libnvidia-container).
    RuntimeLib,
    Model,
    /// An executable or shared object: maybe a Go or cargo-auditable binary.
    Binary,
}

/// A file as the source sees it.
#[derive(Debug, Clone, Copy)]
pub struct FileMeta<'a> {
    /// Root-relative path with a leading `/`.
    pub path: &'a str,
    pub size: u64,
    pub executable: bool,
    /// Mostly holes on disk (see [`is_sparse_hint`]): never read.
    pub sparse: bool,
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether (and how) to read a file.
pub fn classify(meta: &FileMeta<'_>) -> Option<Kind> {
    let path = meta.path;
    let name = file_name(path);
    let parent = path.rsplit('/').nth(1).unwrap_or_default();
    let kind = match name {
        "METADATA" if parent.ends_with(".dist-info") => Kind::PyMetadata,
        "PKG-INFO" if parent.ends_with(".egg-info") => Kind::PyMetadata,
        "poetry.lock" => Kind::PoetryLock,
        "uv.lock" => Kind::UvLock,
        "Pipfile.lock" => Kind::PipfileLock,
        "pyproject.toml" => Kind::Pyproject,
        "package-lock.json" | "npm-shrinkwrap.json" => Kind::NpmLock,
        "yarn.lock" => Kind::YarnLock,
        "pnpm-lock.yaml" => Kind::PnpmLock,
        "package.json" if is_installed_node_package(path) => Kind::NodePackage,
        "Cargo.lock" => Kind::CargoLock,
        "status" if path.ends_with("/var/lib/dpkg/status") => Kind::DpkgStatus,
        "installed" if path.ends_with("/lib/apk/db/installed") => Kind::ApkInstalled,
        // Fedora 36+ and openSUSE keep the database under /usr/lib/sysimage
        // (with /var/lib/rpm a symlink to it, which walks do not follow).
        "rpmdb.sqlite" if is_rpm_dir(parent_path(path)) => Kind::RpmSqlite,
        "Packages" | "Packages.db" if is_rpm_dir(parent_path(path)) => Kind::RpmLegacy,
        "os-release" if path == "/etc/os-release" || path == "/usr/lib/os-release" => {
            Kind::OsRelease
        }
        "TRITON_VERSION" => Kind::TritonVersion,
        _ if name.starts_with("requirements") && name.ends_with(".txt") => Kind::Requirements,
        // An egg-info may be a single file rather than a directory.
        _ if name.ends_with(".egg-info") => Kind::PyMetadata,
        _ if runtime::is_runtime_lib(name) => Kind::RuntimeLib,
        _ if model::is_model_name(name) => Kind::Model,
        _ if meta.executable || name.contains(".so") => Kind::Binary,
        _ => return None,
    };
    Some(kind)
}

fn parent_path(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn is_rpm_dir(dir: &str) -> bool {
    dir.ends_with("/var/lib/rpm") || dir.ends_with("/usr/lib/sysimage/rpm")
}

/// `node_modules/x/package.json` or `node_modules/@s/x/package.json`, not
/// deeper files that happen to be called package.json.
fn is_installed_node_package(path: &str) -> bool {
    let parts: Vec<&str> = path.rsplit('/').take(4).collect();
    match parts.as_slice() {
        [_, _, "node_modules", ..] => true,
        [_, _, scope, "node_modules", ..] => scope.starts_with('@'),
        _ => false,
    }
}

/// Read at most `cap` bytes; a longer file is an error, not a silent cut.
pub(crate) fn read_capped(meta: &FileMeta<'_>, reader: &mut dyn Read, cap: u64) -> Result<Vec<u8>> {
    if meta.size > cap {
        return Err(InventoryError::limit(
            meta.path,
            format!("{} bytes is over the {cap}-byte read limit", meta.size),
        ));
    }
    let mut data = Vec::with_capacity(meta.size.min(cap) as usize);
    reader
        .take(cap + 1)
        .read_to_end(&mut data)
        .map_err(|e| InventoryError::io(meta.path, e))?;
    if data.len() as u64 > cap {
        return Err(InventoryError::limit(
            meta.path,
            format!("over the {cap}-byte read limit"),
        ));
    }
    Ok(data)
}

/// The bytes as text, without a second copy (manifests may be 64 MiB).
fn text(meta: &FileMeta<'_>, data: Vec<u8>) -> Result<String> {
    String::from_utf8(data).map_err(|_| InventoryError::malformed(meta.path, "not UTF-8 text"))
}

/// Read one classified file and return what it declares or contains.
pub fn run(
    kind: Kind,
    meta: &FileMeta<'_>,
    reader: &mut dyn Read,
    limits: &Limits,
) -> Result<Vec<Component>> {
    if kind == Kind::Model {
        return model::analyze(meta, reader, limits).map(|c| c.into_iter().collect());
    }
    if kind == Kind::RuntimeLib {
        return Ok(runtime::from_lib_name(file_name(meta.path))
            .into_iter()
            .collect());
    }
    if meta.sparse {
        return Err(InventoryError::limit(
            meta.path,
            format!("sparse file of {} bytes: not read", meta.size),
        ));
    }
    if kind == Kind::RpmSqlite {
        return rpmdb::packages(meta, reader, limits);
    }
    if kind == Kind::RpmLegacy {
        return Err(InventoryError::malformed(
            meta.path,
            "rpm database in the Berkeley DB or ndb format (rpm before 4.16, SUSE): not read; \
             only rpmdb.sqlite is",
        ));
    }
    if kind == Kind::Binary {
        // Only ELF files are read whole; anything else costs four bytes.
        let mut magic = [0u8; 4];
        if meta.size < 64 || reader.read_exact(&mut magic).is_err() || &magic != b"\x7fELF" {
            return Ok(Vec::new());
        }
        let rest = read_capped(meta, reader, limits.max_binary_bytes)?;
        let mut data = magic.to_vec();
        data.extend_from_slice(&rest);
        return Ok(binary(meta, &mut elf::slice_reader(&data), Some(&data)));
    }
    let data = read_capped(meta, reader, limits.max_manifest_bytes)?;
    let t = text(meta, data)?;
    let p = meta.path;
    Ok(match kind {
        Kind::PyMetadata => python::metadata(&t).into_iter().collect(),
        Kind::Requirements => python::requirements(&t),
        Kind::PoetryLock | Kind::UvLock => python::toml_lock(p, &t, kind == Kind::UvLock)?,
        Kind::PipfileLock => python::pipfile_lock(p, &t)?,
        Kind::Pyproject => python::pyproject(p, &t)?,
        Kind::NpmLock => js::package_lock(p, &t)?,
        Kind::YarnLock => js::yarn_lock(&t),
        Kind::PnpmLock => js::pnpm_lock(&t),
        Kind::NodePackage => js::package_json(p, &t)?.into_iter().collect(),
        Kind::CargoLock => rust::cargo_lock(p, &t)?,
        Kind::DpkgStatus => os::dpkg_status(&t),
        Kind::ApkInstalled => os::apk_installed(&t),
        Kind::OsRelease => os_release::analyze(&t).into_iter().collect(),
        Kind::TritonVersion => runtime::triton_version(&t).into_iter().collect(),
        Kind::Model | Kind::RuntimeLib | Kind::Binary | Kind::RpmSqlite | Kind::RpmLegacy => {
            Vec::new()
        }
    })
}

/// Sections worth reading are small; a larger one is skipped.
const MAX_SECTION: u64 = 16 << 20;

/// Binaries recognised by name whose version is an embedded string: read whole.
fn needs_whole(path: &str) -> bool {
    runtime::is_runtime_binary(file_name(path))
}

/// Everything an ELF file can tell without running it, reading only the
/// section table and the sections that matter through `read_at`. `whole`
/// is the file when it is already in memory (tar streams, named runtimes).
fn binary(
    meta: &FileMeta<'_>,
    read_at: &mut elf::ReadAt<'_>,
    whole: Option<&[u8]>,
) -> Vec<Component> {
    let mut out = Vec::new();
    let sections = elf::sections(read_at);
    let mut section = |name: &str| {
        let &(off, size) = sections.get(name)?;
        (size <= MAX_SECTION)
            .then(|| read_at(off, usize::try_from(size).ok()?))
            .flatten()
    };
    let go = section(".go.buildinfo");
    out.extend(golang::buildinfo(
        go.as_deref().unwrap_or_default(),
        whole.unwrap_or_default(),
    ));
    if let Some(dep) = section(".dep-v0") {
        out.extend(rust::auditable(&dep));
    }
    if let Some(data) = whole {
        out.extend(runtime::from_binary(file_name(meta.path), data, &out));
    }
    out
}

/// Like [`run`], for a file that can seek: executables are not read whole.
pub fn run_file(
    kind: Kind,
    meta: &FileMeta<'_>,
    file: &mut std::fs::File,
    limits: &Limits,
) -> Result<Vec<Component>> {
    use std::io::{Seek, SeekFrom};
    if kind != Kind::Binary || meta.sparse || needs_whole(meta.path) || meta.size < 64 {
        let mut reader = std::io::BufReader::with_capacity(256 << 10, file);
        return run(kind, meta, &mut reader, limits);
    }
    if meta.size > limits.max_binary_bytes {
        return Err(InventoryError::limit(
            meta.path,
            format!("{} bytes is over the binary limit", meta.size),
        ));
    }
    let mut read_at = |off: u64, len: usize| -> Option<Vec<u8>> {
        file.seek(SeekFrom::Start(off)).ok()?;
        let mut buf = vec![0u8; len];
        file.read_exact(&mut buf).ok()?;
        Some(buf)
    };
    Ok(binary(meta, &mut read_at, None))
}
