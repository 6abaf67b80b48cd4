//! AI servers and runtimes recognised by file: redis-server, tritonserver,
//! the NVIDIA Container Toolkit, CUDA runtime and cuDNN libraries. Purls
//! follow the ones the probe rules and curated advisories use
//! (`pkg:generic/redis`, `pkg:generic/nvidia/triton-inference-server`).
use crate::component::{Component, ComponentKind, Ecosystem};

const ANALYZER: &str = "runtime-file";

/// Library file name prefix → generic purl name.
const LIBS: &[(&str, &str)] = &[
    ("libcudart.so", "nvidia/cuda-runtime"),
    ("libcudnn.so", "nvidia/cudnn"),
    ("libnvidia-container.so", "nvidia/libnvidia-container"),
];

fn generic(name: &str, version: Option<&str>) -> Component {
    Component::package(Ecosystem::Generic, name, version, ANALYZER)
}

pub fn is_runtime_lib(file: &str) -> bool {
    LIBS.iter().any(|(prefix, _)| file.starts_with(prefix))
}

/// `libcudart.so.12.2.140` → cuda-runtime 12.2.140. A bare `.so` (a
/// development symlink target) gives no version.
pub fn from_lib_name(file: &str) -> Option<Component> {
    let (prefix, name) = LIBS.iter().find(|(p, _)| file.starts_with(p))?;
    let version = file[prefix.len()..].trim_start_matches('.');
    let version = (!version.is_empty() && version.split('.').all(|p| p.parse::<u32>().is_ok()))
        .then_some(version);
    let mut c = generic(name, version);
    c.kind = ComponentKind::Library;
    Some(c)
}

/// /opt/tritonserver/TRITON_VERSION holds the release, e.g. `2.41.0`.
pub fn triton_version(text: &str) -> Option<Component> {
    let v = text.lines().next()?.trim();
    (!v.is_empty()).then(|| generic("nvidia/triton-inference-server", Some(v)))
}

fn is_version(s: &[u8]) -> bool {
    let parts: Vec<&[u8]> = s.split(|&b| b == b'.').collect();
    (2..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 6 && p.iter().all(u8::is_ascii_digit))
}

/// The first NUL-terminated version string within `window` bytes after `anchor`.
fn version_after(data: &[u8], anchor: &[u8], window: usize) -> Option<String> {
    let at = data.windows(anchor.len()).position(|w| w == anchor)? + anchor.len();
    let region = data.get(at..at.saturating_add(window).min(data.len()))?;
    region
        .split(|&b| b == 0)
        .find(|s| is_version(s))
        .map(|s| String::from_utf8_lossy(s).into_owned())
}

/// A value set with `-X ...info.version=1.14.3` in Go ldflags.
fn ldflag_version(data: &[u8]) -> Option<String> {
    let key = b"info.version=";
    let at = data.windows(key.len()).position(|w| w == key)? + key.len();
    let tail = data.get(at..at.saturating_add(40).min(data.len()))?;
    let end = tail
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'~')))
        .unwrap_or(tail.len());
    let v = String::from_utf8_lossy(&tail[..end])
        .trim_start_matches('v')
        .to_string();
    (!v.is_empty()).then_some(v)
}

/// Names whose version [`from_binary`] digs out of the whole file.
pub fn is_runtime_binary(file: &str) -> bool {
    matches!(
        file,
        "redis-server"
            | "tritonserver"
            | "nvidia-ctk"
            | "nvidia-container-toolkit"
            | "nvidia-container-runtime"
            | "nvidia-container-runtime-hook"
    )
}

/// A server binary recognised by name, with the version it embeds.
pub fn from_binary(file: &str, data: &[u8], go: &[Component]) -> Option<Component> {
    match file {
        // The version sits among the config-table strings right after the
        // supervised-mode names (`systemd`, `upstart`) in every 6.x/7.x build.
        "redis-server" => Some(generic(
            "redis",
            version_after(data, b"\0upstart\0", 64).as_deref(),
        )),
        "tritonserver" => Some(generic("nvidia/triton-inference-server", None)),
        "nvidia-ctk"
        | "nvidia-container-toolkit"
        | "nvidia-container-runtime"
        | "nvidia-container-runtime-hook" => {
            let main = go.iter().find(|c| {
                c.kind == ComponentKind::Application && c.name.contains("nvidia-container-toolkit")
            });
            let version = main
                .and_then(|c| c.version.clone())
                .map(|v| v.trim_start_matches('v').to_string())
                .or_else(|| ldflag_version(data));
            Some(generic("nvidia/container-toolkit", version.as_deref()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libs_and_redis() {
        let c = from_lib_name("libcudnn.so.8.9.2").unwrap();
        assert_eq!(c.purl.as_deref(), Some("pkg:generic/nvidia/cudnn@8.9.2"));
        assert_eq!(from_lib_name("libcudart.so").unwrap().version, None);
        let bin = b"xx\0systemd\0upstart\0err\x007.0.15\0c11-builtin\0";
        let r = from_binary("redis-server", bin, &[]).unwrap();
        assert_eq!(r.purl.as_deref(), Some("pkg:generic/redis@7.0.15"));
    }
}
