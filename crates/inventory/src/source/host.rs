//! The running host, through /proc: AI server processes (by executable
//! name or Python module) with their command lines, and the TCP sockets
//! they listen on (matched by socket inode), flagging all-interface binds.
use std::collections::HashMap;
use std::fs;

use crate::component::{Listener, Process};

/// Executable names and `python -m` modules that are AI servers.
const SERVERS: &[&str] = &[
    "ollama",
    "redis-server",
    "valkey-server",
    "tritonserver",
    "vllm",
    "chroma",
    "text-generation-launcher",
    "llama-server",
    "qdrant",
    "milvus",
    "mlflow",
    "jupyter",
    "litellm",
    "gradio",
    "streamlit",
    "uvicorn",
];

fn is_ai(cmdline: &[String]) -> Option<String> {
    // Servers that rewrite their title (redis-server) leave one string with spaces.
    let first = cmdline.first()?.split_whitespace().next()?;
    let exe = first.rsplit('/').next()?.to_string();
    if SERVERS.contains(&exe.as_str()) {
        return Some(exe);
    }
    // python -m vllm.entrypoints..., or a console script run by python.
    if exe.starts_with("python") {
        let module = cmdline.iter().skip(1).find(|a| !a.starts_with('-'))?;
        let module = module.rsplit('/').next()?.split('.').next()?;
        return SERVERS.contains(&module).then(|| module.to_string());
    }
    None
}

/// `/proc/net/tcp{,6}` LISTEN sockets: inode → (address, port).
fn listening() -> HashMap<u64, (String, u16)> {
    let mut out = HashMap::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // Field 3 is the state; 0A is LISTEN.
            if f.get(3) != Some(&"0A") {
                continue;
            }
            let (Some(local), Some(inode)) = (f.get(1), f.get(9).and_then(|i| i.parse().ok()))
            else {
                continue;
            };
            let Some((addr, port)) = local.split_once(':') else {
                continue;
            };
            let Ok(port) = u16::from_str_radix(port, 16) else {
                continue;
            };
            out.insert(inode, (decode_addr(addr, v6), port));
        }
    }
    out
}

/// Kernel hex: IPv4 as one little-endian u32, IPv6 as four of them.
fn decode_addr(hex: &str, v6: bool) -> String {
    let words: Vec<u32> = (0..hex.len() / 8)
        .filter_map(|i| {
            hex.get(i * 8..i * 8 + 8)
                .and_then(|w| u32::from_str_radix(w, 16).ok())
        })
        .collect();
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    if !v6 {
        if let Ok(b) = <[u8; 4]>::try_from(bytes.as_slice()) {
            return std::net::Ipv4Addr::from(b).to_string();
        }
    } else if let Ok(b) = <[u8; 16]>::try_from(bytes.as_slice()) {
        return std::net::Ipv6Addr::from(b).to_string();
    }
    hex.to_string()
}

pub fn processes() -> Vec<Process> {
    let sockets = listening();
    let mut out = Vec::new();
    let Ok(dir) = fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(raw) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline: Vec<String> = raw
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let Some(name) = is_ai(&cmdline) else {
            continue;
        };
        let mut listeners = Vec::new();
        // Socket links read `socket:[INODE]`; other users' fds are unreadable, which is fine.
        for fd in fs::read_dir(entry.path().join("fd"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(target) = fs::read_link(fd.path()) else {
                continue;
            };
            let t = target.to_string_lossy();
            let Some(inode) = t
                .strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
                .and_then(|s| s.parse::<u64>().ok())
            else {
                continue;
            };
            if let Some((address, port)) = sockets.get(&inode) {
                let all_interfaces = address == "0.0.0.0" || address == "::";
                listeners.push(Listener {
                    address: address.clone(),
                    port: *port,
                    all_interfaces,
                });
            }
        }
        let exe = fs::read_link(entry.path().join("exe"))
            .ok()
            .map(|p| p.display().to_string());
        let cmd = cmdline.join(" ");
        out.push(Process {
            pid,
            name,
            cmdline: cmd.chars().take(1000).collect(),
            exe,
            listeners,
        });
    }
    out.sort_by_key(|p| p.pid);
    out
}

/// What the running servers' executables are: Go build info, embedded
/// versions. Read through `/proc/PID/exe`, so a deleted or replaced binary
/// is still the one that runs; the process name stands in for the file
/// name, since servers like redis-server run from a differently named link.
pub fn components(
    procs: &[Process],
    limits: &crate::Limits,
) -> (Vec<crate::Component>, Vec<crate::FileError>) {
    use crate::analyze::{run_file, FileMeta, Kind};
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    for p in procs {
        let Some(exe) = &p.exe else { continue };
        let dir = exe.rsplit_once('/').map_or("", |(d, _)| d);
        let path = format!("{dir}/{}", p.name);
        let proc_exe = format!("/proc/{}/exe", p.pid);
        let opened = fs::File::open(&proc_exe).and_then(|f| f.metadata().map(|m| (f, m.len())));
        let (mut file, size) = match opened {
            Ok(x) => x,
            Err(e) => {
                errors.push(crate::FileError {
                    path: exe.clone(),
                    error: e.to_string(),
                });
                continue;
            }
        };
        let meta = FileMeta {
            path: &path,
            size,
            executable: true,
            sparse: false,
        };
        match run_file(Kind::Binary, &meta, &mut file, limits) {
            Ok(mut cs) => {
                for c in &mut cs {
                    c.locations = vec![crate::Location {
                        path: format!("{exe} (pid {})", p.pid),
                        layer: None,
                    }];
                }
                found.extend(cs);
            }
            Err(e) => errors.push(crate::FileError {
                path: exe.clone(),
                error: e.to_string(),
            }),
        }
    }
    (found, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_names() {
        assert_eq!(decode_addr("0100007F", false), "127.0.0.1");
        assert_eq!(decode_addr("00000000000000000000000000000000", true), "::");
        let cmd = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            is_ai(&cmd(
                "/usr/bin/python3 -m vllm.entrypoints.openai.api_server"
            ))
            .as_deref(),
            Some("vllm")
        );
        assert_eq!(
            is_ai(&cmd("/usr/bin/redis-server *:6379")).as_deref(),
            Some("redis-server")
        );
        assert_eq!(is_ai(&cmd("/bin/bash")), None);
        let retitled = vec!["/usr/bin/redis-server 0.0.0.0:6379".to_string()];
        assert_eq!(is_ai(&retitled).as_deref(), Some("redis-server"));
    }
}
