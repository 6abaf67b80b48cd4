//! PostgreSQL wire protocol, as far as the server's authentication request
//! and no further: SSLRequest, StartupMessage, then read what the server
//! demands. A password is never sent; the connection ends with Terminate as
//! soon as the server has said whether it wants credentials.
//!
//! The exchange is rendered as text lines the rules match on:
//! ```text
//! postgres: ssl=no
//! auth: ok                      (or: auth: sasl SCRAM-SHA-256 / md5 / cleartext …)
//! parameter server_version: 15.18 (Debian 15.18-0+deb12u1)
//! ready: I
//! error: FATAL 28000 no pg_hba.conf entry for host …
//! ```
use std::net::SocketAddr;

use aimap_rules::{Request, Response};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::text::Lines;
use super::{Limits, TlsConnector, TransportError};

/// SSLRequest: length 8, code 1234.5679.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
/// Protocol 3.0.
const PROTOCOL_3_0: u32 = 196_608;
/// Longest backend message accepted; the messages read here are small.
const MAX_MESSAGE: usize = 64 * 1024;
/// Most messages read after the startup packet.
const MAX_MESSAGES: usize = 64;

/// Build the StartupMessage for `user` on `database`.
pub fn startup_message(user: &str, database: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&PROTOCOL_3_0.to_be_bytes());
    for (k, v) in [
        ("user", user),
        ("database", database),
        ("application_name", "aimap"),
    ] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut out = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

pub async fn postgres_exchange(
    addr: SocketAddr,
    tls: &TlsConnector,
    req: &Request,
    limits: &Limits,
) -> Result<Response, TransportError> {
    let Request::Postgres { user, database } = req else {
        return Err(TransportError::protocol(
            "postgres",
            "not a PostgreSQL request",
        ));
    };
    let work = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .map_err(|source| TransportError::Connect { addr, source })?;
        stream.write_all(&SSL_REQUEST).await?;
        let mut answer = [0u8; 1];
        stream.read_exact(&mut answer).await?;
        let startup = startup_message(user, database);
        match answer[0] {
            b'N' => talk(stream, "postgres: ssl=no", &startup, limits).await,
            b'S' => {
                let name = ServerName::IpAddress(addr.ip().into());
                let stream = tls
                    .connect(name, stream)
                    .await
                    .map_err(|e| TransportError::Tls(e.to_string()))?;
                talk(stream, "postgres: ssl=yes", &startup, limits).await
            }
            other => Err(TransportError::protocol(
                "postgres",
                format!("SSLRequest answered with 0x{other:02x}"),
            )),
        }
    };
    tokio::time::timeout(limits.timeout, work)
        .await
        .map_err(|_| TransportError::Timeout(limits.timeout))?
}

async fn talk<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    head: &str,
    startup: &[u8],
    limits: &Limits,
) -> Result<Response, TransportError> {
    stream.write_all(startup).await?;
    // One line per message, plus the head.
    let mut out = Lines::new(limits.body_cap, MAX_MESSAGES + 1);
    if !head.is_empty() {
        out.line(&[head]);
    }
    for _ in 0..MAX_MESSAGES {
        let (tag, body) = read_message(&mut stream).await?;
        let step = render(tag, &body, &mut out);
        if step == Step::Done || out.is_full() {
            break;
        }
    }
    // Terminate: leave politely, never answering a challenge.
    let _ = stream.write_all(&[b'X', 0, 0, 0, 4]).await;
    let _ = stream.shutdown().await;
    let truncated = out.truncated();
    Ok(Response::new(
        None,
        Vec::new(),
        out.into_string().into_bytes(),
        truncated,
    ))
}

async fn read_message<R: AsyncRead + Unpin>(r: &mut R) -> Result<(u8, Vec<u8>), TransportError> {
    let mut head = [0u8; 5];
    r.read_exact(&mut head).await?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if !(4..=MAX_MESSAGE).contains(&len) {
        return Err(TransportError::protocol(
            "postgres",
            format!("message length {len}"),
        ));
    }
    let mut body = vec![0u8; len - 4];
    r.read_exact(&mut body).await?;
    Ok((head[0], body))
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    More,
    Done,
}

/// Render one backend message as a text line; say whether to stop.
pub(crate) fn render(tag: u8, body: &[u8], out: &mut Lines) -> Step {
    match tag {
        b'R' => {
            let Some(code) = be_u32(body) else {
                out.field("garbage", "short authentication request");
                return Step::Done;
            };
            let what = match code {
                0 => {
                    out.field("auth", "ok");
                    return Step::More;
                }
                2 => "kerberos".to_string(),
                3 => "cleartext".to_string(),
                5 => "md5".to_string(),
                7 => "gss".to_string(),
                9 => "sspi".to_string(),
                10 => format!("sasl {}", cstrings(&body[4..]).join(" ")),
                other => format!("method-{other}"),
            };
            out.field("auth", &clean(&what));
            Step::Done
        }
        b'S' => {
            let kv = cstrings(body);
            if let [k, v, ..] = kv.as_slice() {
                out.line(&["parameter ", &clean(k), ": ", &clean(v)]);
            }
            Step::More
        }
        b'Z' => {
            let status = body.first().map(|b| *b as char).unwrap_or('?');
            out.field("ready", &clean(&status.to_string()));
            Step::Done
        }
        b'E' | b'N' => {
            let (mut severity, mut code, mut message) =
                (String::new(), String::new(), String::new());
            let mut rest = body;
            while let Some((&field, tail)) = rest.split_first() {
                if field == 0 {
                    break;
                }
                let end = tail.iter().position(|b| *b == 0).unwrap_or(tail.len());
                let value = String::from_utf8_lossy(&tail[..end]).into_owned();
                match field {
                    // 'V' is the untranslated severity (9.6+); 'S' may be localised.
                    b'V' => severity = value,
                    b'S' if severity.is_empty() => severity = value,
                    b'C' => code = value,
                    b'M' => message = value,
                    _ => {}
                }
                rest = tail.get(end + 1..).unwrap_or(&[]);
            }
            let kind = if tag == b'E' { "error" } else { "notice" };
            out.line(&[
                kind,
                ": ",
                &clean(&severity),
                " ",
                &clean(&code),
                " ",
                &clean(&message),
            ]);
            if tag == b'E' {
                Step::Done
            } else {
                Step::More
            }
        }
        // BackendKeyData, NegotiateProtocolVersion: nothing to report.
        b'K' | b'v' => Step::More,
        other => {
            out.field("garbage", &format!("message type 0x{other:02x}"));
            Step::Done
        }
    }
}

/// Render backend messages already received (tag, length, body, as on
/// the wire) as the exchange would, under `cap` bytes: the render path,
/// for fuzzing and tests. Stops at the first malformed message.
pub fn render_messages_bytes(mut bytes: &[u8], cap: usize) -> String {
    let mut out = Lines::new(cap, MAX_MESSAGES + 1);
    for _ in 0..MAX_MESSAGES {
        let Some((&tag, rest)) = bytes.split_first() else {
            break;
        };
        let Some(len) = be_u32(rest).map(|n| n as usize) else {
            break;
        };
        let Some(body) = (4..=MAX_MESSAGE)
            .contains(&len)
            .then(|| rest.get(4..len))
            .flatten()
        else {
            break;
        };
        if render(tag, body, &mut out) == Step::Done || out.is_full() {
            break;
        }
        bytes = &rest[len..];
    }
    out.into_string()
}

fn be_u32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

fn cstrings(b: &[u8]) -> Vec<String> {
    b.split(|c| *c == 0)
        .filter(|s| !s.is_empty())
        .take(16)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Server text ends up in reports: one line, printable, bounded.
fn clean(s: &str) -> String {
    super::text::clean_line(s, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![tag];
        m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    async fn run(bytes: Vec<u8>) -> Result<String, TransportError> {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        // The fake server says its piece, then listens until the client leaves.
        tokio::spawn(async move {
            let _ = server.write_all(&bytes).await;
            let _ = server.shutdown().await;
            let _ = tokio::io::copy(&mut server, &mut tokio::io::sink()).await;
        });
        let startup = startup_message("postgres", "postgres");
        talk(client, "", &startup, &Limits::default())
            .await
            .map(|r| r.text().to_string())
    }

    #[test]
    fn startup_message_is_well_formed() {
        let m = startup_message("postgres", "db");
        assert_eq!(
            u32::from_be_bytes(m[..4].try_into().unwrap()) as usize,
            m.len()
        );
        assert_eq!(&m[4..8], &PROTOCOL_3_0.to_be_bytes());
        assert!(m.ends_with(b"aimap\0\0"));
        assert!(!m.windows(8).any(|w| w == b"password"));
    }

    #[tokio::test]
    async fn trust_gives_ok_parameters_and_ready() {
        let mut b = msg(b'R', &0u32.to_be_bytes());
        b.extend(msg(b'S', b"server_version\x0015.18 (Debian)\x00"));
        b.extend(msg(b'K', &[0; 8]));
        b.extend(msg(b'Z', b"I"));
        let text = run(b).await.unwrap();
        assert_eq!(
            text,
            "auth: ok\nparameter server_version: 15.18 (Debian)\nready: I\n"
        );
    }

    #[tokio::test]
    async fn challenges_and_errors_are_rendered_and_end_the_talk() {
        let mut sasl = 10u32.to_be_bytes().to_vec();
        sasl.extend_from_slice(b"SCRAM-SHA-256\0SCRAM-SHA-256-PLUS\0\0");
        assert_eq!(
            run(msg(b'R', &sasl)).await.unwrap(),
            "auth: sasl SCRAM-SHA-256 SCRAM-SHA-256-PLUS\n"
        );
        let md5 = [&5u32.to_be_bytes()[..], &[1, 2, 3, 4]].concat();
        assert_eq!(run(msg(b'R', &md5)).await.unwrap(), "auth: md5\n");
        let err = msg(
            b'E',
            b"SFATAL\0VFATAL\0C28000\0Mno pg_hba.conf entry for host \"1.2.3.4\"\n\0\0",
        );
        assert_eq!(
            run(err).await.unwrap(),
            "error: FATAL 28000 no pg_hba.conf entry for host \"1.2.3.4\" \n"
        );
    }

    async fn run_capped(bytes: Vec<u8>, cap: usize) -> String {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        tokio::spawn(async move {
            let _ = server.write_all(&bytes).await;
            let _ = server.shutdown().await;
            let _ = tokio::io::copy(&mut server, &mut tokio::io::sink()).await;
        });
        let limits = Limits {
            body_cap: cap,
            ..Limits::default()
        };
        let startup = startup_message("postgres", "postgres");
        let r = talk(client, "postgres: ssl=no", &startup, &limits).await;
        r.unwrap().text().to_string()
    }

    #[tokio::test]
    async fn multibyte_text_at_every_cap_never_panics_or_forges_lines() {
        // A parameter of 3-byte characters and a newline, cut by the cap
        // wherever it falls (it used to be cut inside a character).
        let mut body = b"server_version\0".to_vec();
        body.extend_from_slice("€".repeat(120).as_bytes());
        body.extend_from_slice(b"\nauth: ok\0");
        let mut b = msg(b'S', &body);
        b.extend(msg(b'Z', b"I"));
        for cap in 0..500 {
            let text = run_capped(b.clone(), cap).await;
            assert!(text.len() <= cap, "cap {cap}");
            assert!(!text.lines().any(|l| l.starts_with("auth")), "{text}");
        }
        let text = run_capped(b, 4096).await;
        assert_eq!(text.lines().count(), 3, "{text}");
    }

    #[tokio::test]
    async fn garbage_is_bounded_and_never_panics() {
        assert!(run(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec())
            .await
            .is_err());
        assert!(run(vec![b'R', 0xff, 0xff, 0xff, 0xff]).await.is_err());
        assert!(run(vec![b'R', 0, 0, 0, 2]).await.is_err());
        assert!(run(vec![]).await.is_err());
        assert_eq!(
            run(msg(b'R', &[1])).await.unwrap(),
            "garbage: short authentication request\n"
        );
        assert_eq!(
            run(msg(b'?', b"")).await.unwrap(),
            "garbage: message type 0x3f\n"
        );
        // Endless parameter messages stop at MAX_MESSAGES, then the stream ends.
        let mut many = Vec::new();
        for _ in 0..200 {
            many.extend(msg(b'S', b"a\0b\0"));
        }
        let text = run(many).await.unwrap();
        assert_eq!(text.lines().count(), MAX_MESSAGES);
        let mut out = Lines::new(1 << 20, 1 << 20);
        for tag in 0..=255u8 {
            for body in [&b""[..], b"\0", b"\xff\xff\xff\xff\xff", b"S\0"] {
                let _ = render(tag, body, &mut out);
            }
        }
    }
}
