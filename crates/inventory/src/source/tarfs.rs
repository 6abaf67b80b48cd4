//! Image layers applied in order, in memory: each layer is a tar stream
//! (plain, gzip or zstd) read entry by entry; interesting files are analysed
//! as they stream past, and only their components are kept, keyed by path,
//! so whiteouts (`.wh.name`) and opaque directories (`.wh..wh..opq`) of
//! later layers remove them. Nothing is ever written to disk.
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};

use super::zstd;

use crate::analyze::{self, FileMeta};
use crate::component::{Component, FileError, Location};
use crate::Limits;

/// What the layers so far leave at each path.
#[derive(Default)]
pub struct Overlay {
    pub files: BTreeMap<String, Vec<Component>>,
}

/// Fails the read once a layer inflates past its cap.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::other(
                "layer inflates past the uncompressed-size limit (decompression bomb?)",
            )
        })?;
        Ok(n)
    }
}

/// `./a/../b` style names: `None` for traversal (`..`) or absolute names.
fn normalize(raw: &str) -> Option<String> {
    if raw.starts_with('/') {
        return None;
    }
    let mut parts = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

fn remove_tree(files: &mut BTreeMap<String, Vec<Component>>, path: &str, keep_self: bool) {
    let prefix = format!("{path}/");
    let doomed: Vec<String> = files
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    for k in doomed {
        files.remove(&k);
    }
    if !keep_self {
        files.remove(path);
    }
}

/// How a layer blob is compressed, as its media type declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// No media type (docker save), or an unknown one: go by content.
    Unknown,
    Plain,
    Gzip,
    Zstd,
}

impl Declared {
    /// From an OCI or Docker layer media type (`...tar+gzip`, `...tar+zstd`,
    /// `...rootfs.diff.tar.gzip`).
    pub fn from_media_type(mt: &str) -> Self {
        if mt.ends_with("+zstd") || mt.ends_with(".zstd") {
            Self::Zstd
        } else if mt.ends_with("+gzip") || mt.ends_with(".gzip") {
            Self::Gzip
        } else if mt.ends_with(".tar") {
            Self::Plain
        } else {
            Self::Unknown
        }
    }
}

/// The decompressed tar stream of a layer: the format is read from the
/// magic bytes; a media type that promises a compression the bytes do not
/// have is an error (a mislabelled or substituted blob).
fn decompress<'a>(
    raw: Box<dyn Read + 'a>,
    declared: Declared,
) -> Result<Box<dyn Read + 'a>, String> {
    let mut buffered = BufReader::new(raw);
    let head = buffered.fill_buf().map_err(|e| e.to_string())?;
    let gz = head.starts_with(&[0x1f, 0x8b]);
    let zst = head.starts_with(&zstd::MAGIC);
    match declared {
        Declared::Gzip if !gz => {
            return Err("media type says gzip, but the blob has no gzip header".into())
        }
        Declared::Zstd if !zst => {
            return Err("media type says zstd, but the blob has no zstd frame header".into())
        }
        _ => {}
    }
    Ok(if gz {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else if zst {
        Box::new(zstd::Decoder::new(buffered).map_err(|e| e.to_string())?)
    } else {
        Box::new(buffered)
    })
}

/// Apply one layer; errors go to `errors` under `label` and stop only this layer.
pub fn apply(
    raw: Box<dyn Read + '_>,
    declared: Declared,
    layer: &str,
    label: &str,
    overlay: &mut Overlay,
    limits: &Limits,
    errors: &mut Vec<FileError>,
) {
    let inner = match decompress(raw, declared) {
        Ok(r) => r,
        Err(error) => {
            return errors.push(FileError {
                path: label.into(),
                error,
            })
        }
    };
    let mut archive = tar::Archive::new(Capped {
        inner,
        left: limits.max_layer_bytes,
    });
    let mut local: BTreeMap<String, Vec<Component>> = BTreeMap::new();
    let (mut whiteouts, mut opaque) = (Vec::new(), Vec::new());
    let mut err = |path: String, error: String| errors.push(FileError { path, error });
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => return err(label.into(), format!("not a tar stream: {e}")),
    };
    for (n, entry) in entries.enumerate() {
        if n as u64 >= limits.max_entries {
            err(
                label.into(),
                format!(
                    "more than {} entries: the rest is ignored",
                    limits.max_entries
                ),
            );
            break;
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                err(
                    label.into(),
                    format!("layer truncated or corrupt after {n} entries: {e}"),
                );
                break;
            }
        };
        let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = normalize(&raw_path) else {
            err(
                format!("{label}:{raw_path}"),
                "unsafe entry name (absolute or `..`): skipped".into(),
            );
            continue;
        };
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
        if name == ".wh..wh..opq" {
            opaque.push(dir.to_string());
            continue;
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            whiteouts.push(format!("{dir}/{hidden}"));
            continue;
        }
        let header = entry.header();
        if !header.entry_type().is_file() {
            continue;
        }
        let size = header.size().unwrap_or(0);
        let executable = header.mode().is_ok_and(|m| m & 0o111 != 0);
        let meta = FileMeta {
            path: &path,
            size,
            executable,
            sparse: false,
        };
        let Some(kind) = analyze::classify(&meta) else {
            continue;
        };
        match analyze::run(kind, &meta, &mut entry, limits) {
            Ok(mut found) => {
                for c in &mut found {
                    c.locations = vec![Location {
                        path: path.clone(),
                        layer: Some(layer.to_string()),
                    }];
                }
                local.insert(path, found);
            }
            Err(e) => err(path, e.to_string()),
        }
    }
    for d in opaque {
        remove_tree(&mut overlay.files, &d, true);
    }
    for w in whiteouts {
        remove_tree(&mut overlay.files, &w, false);
    }
    overlay.files.extend(local);
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn names() {
        assert_eq!(normalize("./usr/lib/x").as_deref(), Some("/usr/lib/x"));
        assert_eq!(normalize("a/../../etc/passwd"), None);
        assert_eq!(normalize("/etc/passwd"), None);
    }
}
