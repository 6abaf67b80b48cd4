//! Redis serialization protocol (RESP2): send one command, read one reply.
//! The reply is rendered as text the rules match on: `+PONG`, `-NOAUTH …`,
//! `:1`, a bulk string's content, or an array's items one per line.
use std::net::SocketAddr;

use aimap_rules::{Request, Response};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{Limits, TransportError};

/// Longest simple-string or header line accepted.
const MAX_LINE: usize = 64 * 1024;
/// Array items rendered, and how deep arrays may nest.
const MAX_ITEMS: usize = 64;
const MAX_DEPTH: usize = 2;

pub fn encode_command(args: &[String]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

pub async fn resp_exchange(
    addr: SocketAddr,
    req: &Request,
    limits: &Limits,
) -> Result<Response, TransportError> {
    let Request::Resp { args } = req else {
        return Err(TransportError::protocol("resp", "not a RESP request"));
    };
    let work = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .map_err(|source| TransportError::Connect { addr, source })?;
        stream.write_all(&encode_command(args)).await?;
        let mut reader = BufReader::new(stream);
        let mut out = Vec::new();
        let truncated = read_reply(&mut reader, &mut out, limits.body_cap, 0).await?;
        Ok(Response::new(None, Vec::new(), out, truncated))
    };
    tokio::time::timeout(limits.timeout, work)
        .await
        .map_err(|_| TransportError::Timeout(limits.timeout))?
}

/// Parse one reply from bytes already received (for fuzzing and tests):
/// the rendered text and whether it was cut at `cap`.
pub fn parse_resp_reply(bytes: &[u8], cap: usize) -> Result<(Vec<u8>, bool), TransportError> {
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    rt.block_on(async {
        let mut reader = BufReader::new(bytes);
        let mut out = Vec::new();
        let truncated = read_reply(&mut reader, &mut out, cap, 0).await?;
        Ok((out, truncated))
    })
}

/// Append one reply to `out`; returns whether anything was cut at `cap`.
pub(crate) async fn read_reply<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    out: &mut Vec<u8>,
    cap: usize,
    depth: usize,
) -> Result<bool, TransportError> {
    let line = read_line(r).await?;
    let (kind, rest) = line
        .split_first()
        .ok_or_else(|| TransportError::protocol("resp", "empty line"))?;
    match kind {
        b'+' | b'-' | b':' => {
            out.extend_from_slice(&line[..line.len().min(cap)]);
            Ok(line.len() > cap)
        }
        b'$' => {
            let n = number(rest)?;
            if n < 0 {
                out.extend_from_slice(b"(nil)");
                return Ok(false);
            }
            let n = n as usize;
            let keep = n.min(cap.saturating_sub(out.len()));
            let start = out.len();
            out.resize(start + keep, 0);
            r.read_exact(&mut out[start..]).await?;
            if keep < n {
                return Ok(true);
            }
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf).await?;
            Ok(false)
        }
        b'*' => {
            let n = number(rest)?;
            if depth >= MAX_DEPTH || n < 0 {
                out.extend_from_slice(format!("(array of {n})").as_bytes());
                return Ok(n > 0);
            }
            for i in 0..(n as usize).min(MAX_ITEMS) {
                if i > 0 {
                    out.push(b'\n');
                }
                if Box::pin(read_reply(r, out, cap, depth + 1)).await? || out.len() >= cap {
                    return Ok(true);
                }
            }
            Ok(n as usize > MAX_ITEMS)
        }
        _ => Err(TransportError::protocol(
            "resp",
            format!("unexpected reply type byte 0x{kind:02x}"),
        )),
    }
}

async fn read_line<R: AsyncRead + Unpin>(r: &mut BufReader<R>) -> Result<Vec<u8>, TransportError> {
    let mut line = Vec::new();
    let n = (&mut *r)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Err(TransportError::protocol("resp", "connection closed"));
    }
    if !line.ends_with(b"\r\n") {
        return Err(TransportError::protocol(
            "resp",
            "line without CRLF or too long",
        ));
    }
    line.truncate(line.len() - 2);
    Ok(line)
}

fn number(digits: &[u8]) -> Result<i64, TransportError> {
    std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| *n >= -1)
        .ok_or_else(|| TransportError::protocol("resp", "bad length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(bytes: &[u8], cap: usize) -> Result<(String, bool), TransportError> {
        let mut r = BufReader::new(bytes);
        let mut out = Vec::new();
        let t = read_reply(&mut r, &mut out, cap, 0).await?;
        Ok((String::from_utf8_lossy(&out).into_owned(), t))
    }

    #[tokio::test]
    async fn renders_each_reply_type() {
        assert_eq!(
            parse(b"+PONG\r\n", 100).await.unwrap(),
            ("+PONG".into(), false)
        );
        assert_eq!(
            parse(b"-NOAUTH Authentication required.\r\n", 100)
                .await
                .unwrap()
                .0,
            "-NOAUTH Authentication required."
        );
        assert_eq!(
            parse(b"$5\r\nhello\r\n", 100).await.unwrap(),
            ("hello".into(), false)
        );
        assert_eq!(parse(b"$-1\r\n", 100).await.unwrap().0, "(nil)");
        assert_eq!(parse(b"*2\r\n+a\r\n:1\r\n", 100).await.unwrap().0, "+a\n:1");
    }

    #[test]
    fn random_bytes_never_panic() {
        // The fuzz target's entry point, on deterministic pseudo-random input.
        const ALPHABET: &[u8] = b"+-:$*\r\n0123456789-1";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..2000usize {
            let bytes: Vec<u8> = (0..len % 300)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Bias toward RESP punctuation so parsing gets deep.
                    ALPHABET[(x % ALPHABET.len() as u64) as usize]
                })
                .collect();
            let _ = parse_resp_reply(&bytes, 64);
        }
    }

    #[tokio::test]
    async fn caps_and_rejects_garbage() {
        let (text, truncated) = parse(b"$1000000000\r\nabc", 3).await.unwrap();
        assert_eq!((text.as_str(), truncated), ("abc", true));
        assert!(parse(b"HTTP/1.1 400 Bad Request\r\n", 100).await.is_err());
        assert!(parse(b"$abc\r\n", 100).await.is_err());
        assert!(parse(b"", 100).await.is_err());
        assert!(parse(&[b'+'; 70_000], 100).await.is_err());
        assert_eq!(
            encode_command(&["INFO".into(), "server".into()]),
            b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"
        );
    }
}
