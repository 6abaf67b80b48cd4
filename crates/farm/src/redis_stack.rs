//! Redis Stack server (redis-stack-server 7.4, port 6379): Redis with the
//! search, JSON, time-series and probabilistic modules loaded. Only the
//! read-only commands a scanner sends are answered; `auth: true` is
//! `requirepass`.
//!
//! Facts copied (redis/redis src/server.c `genRedisInfoString`,
//! src/module.c `genModulesInfoString`; the module names RediSearch,
//! RedisJSON, RedisTimeSeries and RedisBloom register, and their
//! MAJOR*10000+MINOR*100+PATCH version encoding, e.g. RediSearch 2.10.5 →
//! 21005; the versions are typical of a 7.4 Stack, not pinned to one):
//! - `INFO server` → `# Server` then `redis_version:`, `redis_mode:`,
//!   `os:`, ... as `key:value` CRLF lines in one bulk string.
//! - `INFO modules` → `# Modules` then one line per module:
//!   `module:name=<name>,ver=<int>,api=1,filters=<n>,usedby=[..],
//!   using=[..],options=[..]`.
//! - Without the password every command but AUTH/HELLO answers
//!   `-NOAUTH Authentication required.`; unknown commands `-ERR unknown
//!   command '<c>', with args beginning with: `.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// Arguments per command and bytes per argument the emulator accepts.
const MAX_ARGS: usize = 16;
const MAX_ARG: usize = 4096;

/// The modules a redis-stack-server 7.4 loads, with typical versions.
const MODULES: [(&str, u32, &str, &str); 4] = [
    ("timeseries", 11202, "[]", "[handle-io-errors]"),
    ("search", 21005, "[]", "[handle-io-errors]"),
    ("ReJSON", 20809, "[search]", "[handle-io-errors]"),
    ("bf", 20802, "[]", "[]"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisStack {
    pub version: String,
    /// requirepass set: every command answers NOAUTH.
    pub auth: bool,
}

fn bulk(text: &str) -> Vec<u8> {
    format!("${}\r\n{text}\r\n", text.len()).into_bytes()
}

impl RedisStack {
    fn answer(&self, args: &[String]) -> Vec<u8> {
        let verb = args
            .first()
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default();
        if self.auth {
            return b"-NOAUTH Authentication required.\r\n".to_vec();
        }
        let section = args.get(1).map(|a| a.to_ascii_lowercase());
        match (verb.as_str(), section.as_deref()) {
            ("PING", _) => b"+PONG\r\n".to_vec(),
            ("INFO", Some("server")) => bulk(&format!(
                "# Server\r\nredis_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n\
                 redis_build_id:7c3d1a2b3c4d5e6f\r\nredis_mode:standalone\r\n\
                 os:Linux 6.8.0-1019-aws x86_64\r\narch_bits:64\r\nmultiplexing_api:epoll\r\n\
                 gcc_version:11.4.0\r\nprocess_id:1\r\ntcp_port:6379\r\n",
                self.version
            )),
            ("INFO", Some("modules")) => {
                let mut text = String::from("# Modules\r\n");
                for (name, ver, usedby, options) in MODULES {
                    let using = if name == "search" { "[ReJSON]" } else { "[]" };
                    text.push_str(&format!(
                        "module:name={name},ver={ver},api=1,filters=0,usedby={usedby},using={using},options={options}\r\n"
                    ));
                }
                bulk(&text)
            }
            _ => format!(
                "-ERR unknown command '{}', with args beginning with: \r\n",
                args.first().map(String::as_str).unwrap_or("")
            )
            .into_bytes(),
        }
    }
}

pub(crate) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(stream: S, server: &RedisStack) {
    let mut stream = BufReader::new(stream);
    while let Some(args) = read_command(&mut stream).await {
        if stream
            .get_mut()
            .write_all(&server.answer(&args))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// One RESP array of bulk strings; None ends the connection.
async fn read_command<S: AsyncRead + Unpin>(r: &mut BufReader<S>) -> Option<Vec<String>> {
    let count: usize = line(r).await?.strip_prefix('*')?.parse().ok()?;
    if count == 0 || count > MAX_ARGS {
        return None;
    }
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        let len: usize = line(r).await?.strip_prefix('$')?.parse().ok()?;
        if len > MAX_ARG {
            return None;
        }
        let mut buf = vec![0u8; len + 2];
        r.read_exact(&mut buf).await.ok()?;
        buf.truncate(len);
        args.push(String::from_utf8_lossy(&buf).into_owned());
    }
    Some(args)
}

async fn line<S: AsyncRead + Unpin>(r: &mut BufReader<S>) -> Option<String> {
    let mut buf = Vec::new();
    let n = (&mut *r).take(64).read_until(b'\n', &mut buf).await.ok()?;
    if n == 0 || !buf.ends_with(b"\r\n") {
        return None;
    }
    buf.truncate(buf.len() - 2);
    String::from_utf8(buf).ok()
}
