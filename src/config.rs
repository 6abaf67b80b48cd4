//! The optional config file, `aimap.toml`. Precedence, highest first:
//! command-line flag, `AIMAP_*` environment variable, config file, built-in
//! default. Unknown keys are an error, so a typo never silently does nothing.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub scan: ScanConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    pub ports: Option<String>,
    pub concurrency: Option<usize>,
    pub rate: Option<u32>,
    /// e.g. "3s", "800ms"
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub rules: Option<PathBuf>,
    pub format: Option<String>,
    pub fail_on: Option<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Load the config: the explicit path must exist; the implicit ones may not.
pub fn load(explicit: Option<&Path>) -> Result<ConfigFile> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match implicit_path() {
            Some(p) => p,
            None => return Ok(ConfigFile::default()),
        },
    };
    let text =
        read_small(&path).with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

fn implicit_path() -> Option<PathBuf> {
    let local = PathBuf::from("aimap.toml");
    if local.is_file() {
        return Some(local);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    let user = base.join("aimap").join("aimap.toml");
    user.is_file().then_some(user)
}

/// Read a user-named text file, refusing anything huge: target lists and
/// configs are small, and a mistyped path to a disk image must not eat memory.
pub fn read_small(path: &Path) -> Result<String> {
    use std::io::Read;
    const MAX: u64 = 256 << 20;
    let file = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    file.take(MAX + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX {
        bail!("larger than {} MiB", MAX >> 20);
    }
    String::from_utf8(buf).context("not valid UTF-8 text")
}

/// Lines of a list file without blanks and `#` comments; entries may also
/// be separated by spaces or commas, as nmap's -iL allows.
pub fn list_entries(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split(|c: char| c.is_whitespace() || c == ','))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_files_allow_comments_and_separators() {
        assert_eq!(
            list_entries("# farm\n127.0.0.1 127.0.0.2,127.0.0.3\n\n::1 # v6\n"),
            ["127.0.0.1", "127.0.0.2", "127.0.0.3", "::1"]
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<ConfigFile>("[scan]\nconcurency = 5").is_err());
        let c: ConfigFile = toml::from_str("[scan]\nconcurrency = 5\ntimeout = \"2s\"").unwrap();
        assert_eq!(c.scan.concurrency, Some(5));
    }
}
