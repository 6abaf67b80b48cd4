use std::fmt;

/// A read-only request a probe sends. Equal requests are sent once per port
/// however many rules name them, so this is `Eq + Hash`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    Http {
        method: String,
        path: String,
        headers: Vec<(String, String)>,
        body: Option<String>,
    },
    /// A Redis command, sent as a RESP array.
    Resp { args: Vec<String> },
    /// Raw bytes (possibly none: then only the greeting is read).
    Tcp { send: Vec<u8> },
    /// A PostgreSQL StartupMessage; the answer is the authentication request.
    Postgres { user: String, database: String },
    /// MCP initialize + tools/list at `path` (streamable HTTP, else HTTP+SSE).
    Mcp { path: String },
    /// Read-only MongoDB commands, run in order on one connection.
    Mongo { commands: Vec<String> },
    /// One unary gRPC call (`/package.Service/Method`) over cleartext
    /// HTTP/2 with this protobuf request message.
    Grpc { path: String, message: Vec<u8> },
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http {
                method,
                path,
                headers,
                ..
            } => {
                write!(f, "{method} {path}")?;
                // A Host other than the target's own is part of the proof.
                match headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("host")) {
                    Some((_, host)) => write!(f, " (Host: {host})"),
                    None => Ok(()),
                }
            }
            Self::Resp { args } => f.write_str(&args.join(" ")),
            Self::Tcp { send } if send.is_empty() => f.write_str("(read greeting)"),
            Self::Tcp { send } => {
                write!(f, "send {}", String::from_utf8_lossy(send).escape_debug())
            }
            Self::Postgres { user, database } => {
                write!(f, "startup user={user} database={database}")
            }
            Self::Mcp { path } => write!(f, "MCP initialize, tools/list {path}"),
            Self::Mongo { commands } => write!(f, "MongoDB {}", commands.join(", ")),
            Self::Grpc { path, .. } => write!(f, "gRPC {path}"),
        }
    }
}

/// Decode `\r \n \t \\ \0 \xNN` escapes of a `send` string.
pub(crate) fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let next = *bytes.get(i + 1).ok_or("dangling backslash")?;
        match next {
            b'r' => out.push(b'\r'),
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'0' => out.push(0),
            b'\\' => out.push(b'\\'),
            b'x' => {
                let hex = s.get(i + 2..i + 4).ok_or("\\x needs two hex digits")?;
                out.push(
                    u8::from_str_radix(hex, 16).map_err(|_| format!("bad hex escape \\x{hex}"))?,
                );
                i += 2;
            }
            other => return Err(format!("unknown escape \\{}", other as char)),
        }
        i += 2;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_handles_all_forms() {
        assert_eq!(unescape(r"stats\r\n").unwrap(), b"stats\r\n");
        assert_eq!(unescape(r"\x00\x7f\\").unwrap(), vec![0, 0x7f, b'\\']);
        assert!(unescape(r"\x4").is_err());
        assert!(unescape(r"\q").is_err());
        assert!(unescape("\\").is_err());
    }
}
