//! Hostile servers, one per way a target can attack the scanner through
//! each transport aimap speaks: strings of multi-byte characters that
//! straddle the scanner's caps, keys and values carrying newlines that
//! would forge fields, length fields claiming gigabytes, deep nesting,
//! endless streams, floods of small messages, HTTP/2 frames and header
//! blocks out of bounds, MCP SSE endpoints pointing off the target, and a
//! TLS certificate with a huge subject.
//!
//! None of them is a real product; each speaks just enough of its
//! protocol to get past the scanner's first checks and then misbehaves.
//! The scanner must report every one of them (as a service, an
//! unidentified open port, or an error), stay within its memory and time
//! bounds, and never follow anything off the target.
mod der;
mod grpc;
mod http;
mod mcp;
mod mongodb;
mod postgres;
mod raw;
mod tls;

use tokio::net::TcpStream;

pub use mcp::OFF_TARGET;

/// Which hostile behaviour a server shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// MongoDB: replies whose keys are long runs of 2- and 3-byte
    /// characters, many fields per reply, so the rendering passes the
    /// body cap inside a character; keys with newlines forging fields.
    MongoMultibyteKeys,
    /// MongoDB: a reply header claiming a 2 GiB message, and a string
    /// claiming 2 GiB inside a well-framed reply.
    MongoGigabyteLengths,
    /// MongoDB: documents and arrays nested as deep as 1 MiB allows.
    MongoDeepNesting,
    /// MongoDB: one reply with tens of thousands of tiny fields, then a
    /// flood of unrequested replies.
    MongoFieldFlood,
    /// PostgreSQL: ParameterStatus messages of multi-byte text with
    /// newlines forging `auth: ok`, up to the message limit, endlessly.
    PostgresMultibyteFlood,
    /// PostgreSQL: a message length of 4 GiB after a valid start.
    PostgresGigabyteLength,
    /// PostgreSQL: an error response whose fields never end with NUL and
    /// carry control characters.
    PostgresMalformedError,
    /// HTTP/2 (gRPC port): a header block continued forever with
    /// CONTINUATION frames.
    H2ContinuationFlood,
    /// HTTP/2: a frame claiming 16 MiB, past every peer's frame size.
    H2OversizedFrame,
    /// HTTP/2: a valid gRPC answer whose body is an endless flood of
    /// one-byte DATA frames, and a message prefix claiming 4 GiB.
    H2DataFlood,
    /// HTTP/2: a gRPC answer with a huge, multi-byte, newline-laden
    /// grpc-message and protobuf strings at the cap.
    GrpcHostileText,
    /// MCP over SSE: the endpoint event names another host; the scanner
    /// must not send anything there.
    McpOffTargetEndpoint,
    /// MCP (streamable HTTP): an event stream of endless tiny events, and
    /// a serverInfo name of multi-byte text with newlines.
    McpEventFlood,
    /// TLS: a certificate whose subject is tens of kilobytes of
    /// multi-byte text with newlines, in front of an Ollama emulator.
    TlsHugeSubject,
    /// Memcached text protocol: `VERSION` then an endless `STAT` stream.
    MemcachedEndless,
    /// RESP: a bulk string claiming 1 GiB, arrays nested without end,
    /// and an array claiming 2^31 items followed by an endless flood.
    RespHostile,
    /// HTTP/1.1: a body of multi-byte characters across the body cap with
    /// a Content-Length claiming 1 TB, header floods, oversized headers.
    HttpHostile,
}

impl Hostile {
    /// Every hostile server, for tests that start them all.
    pub const ALL: [Hostile; 17] = [
        Hostile::MongoMultibyteKeys,
        Hostile::MongoGigabyteLengths,
        Hostile::MongoDeepNesting,
        Hostile::MongoFieldFlood,
        Hostile::PostgresMultibyteFlood,
        Hostile::PostgresGigabyteLength,
        Hostile::PostgresMalformedError,
        Hostile::H2ContinuationFlood,
        Hostile::H2OversizedFrame,
        Hostile::H2DataFlood,
        Hostile::GrpcHostileText,
        Hostile::McpOffTargetEndpoint,
        Hostile::McpEventFlood,
        Hostile::TlsHugeSubject,
        Hostile::MemcachedEndless,
        Hostile::RespHostile,
        Hostile::HttpHostile,
    ];

    /// The port of the protocol it attacks, so the scanner's rules for
    /// that protocol claim it.
    pub fn default_port(self) -> u16 {
        match self {
            Self::MongoMultibyteKeys
            | Self::MongoGigabyteLengths
            | Self::MongoDeepNesting
            | Self::MongoFieldFlood => 27017,
            Self::PostgresMultibyteFlood
            | Self::PostgresGigabyteLength
            | Self::PostgresMalformedError => 5432,
            Self::H2ContinuationFlood
            | Self::H2OversizedFrame
            | Self::H2DataFlood
            | Self::GrpcHostileText => 8001,
            Self::McpOffTargetEndpoint | Self::McpEventFlood => 3000,
            Self::TlsHugeSubject => 11434,
            Self::MemcachedEndless => 11211,
            Self::RespHostile => 6379,
            Self::HttpHostile => 8000,
        }
    }
}

/// The built form, shared by a server's connections.
pub(crate) struct Server {
    kind: Hostile,
    tls: Option<tls::Tls>,
}

impl Server {
    pub(crate) fn new(kind: Hostile) -> Self {
        let tls = match kind {
            Hostile::TlsHugeSubject => match tls::Tls::new() {
                Ok(t) => Some(t),
                Err(e) => {
                    tracing::error!("hostile TLS setup failed: {e}");
                    None
                }
            },
            _ => None,
        };
        Self { kind, tls }
    }

    pub(crate) async fn serve(&self, stream: TcpStream) {
        match self.kind {
            Hostile::MongoMultibyteKeys => mongodb::multibyte_keys(stream).await,
            Hostile::MongoGigabyteLengths => mongodb::gigabyte_lengths(stream).await,
            Hostile::MongoDeepNesting => mongodb::deep_nesting(stream).await,
            Hostile::MongoFieldFlood => mongodb::field_flood(stream).await,
            Hostile::PostgresMultibyteFlood => postgres::multibyte_flood(stream).await,
            Hostile::PostgresGigabyteLength => postgres::gigabyte_length(stream).await,
            Hostile::PostgresMalformedError => postgres::malformed_error(stream).await,
            Hostile::H2ContinuationFlood => grpc::continuation_flood(stream).await,
            Hostile::H2OversizedFrame => grpc::oversized_frame(stream).await,
            Hostile::H2DataFlood => grpc::data_flood(stream).await,
            Hostile::GrpcHostileText => grpc::hostile_text(stream).await,
            Hostile::McpOffTargetEndpoint => mcp::off_target_endpoint(stream).await,
            Hostile::McpEventFlood => mcp::event_flood(stream).await,
            Hostile::TlsHugeSubject => match &self.tls {
                Some(t) => t.serve(stream).await,
                None => raw::drain(stream).await,
            },
            Hostile::MemcachedEndless => raw::memcached_endless(stream).await,
            Hostile::RespHostile => raw::resp_hostile(stream).await,
            Hostile::HttpHostile => http::hostile(stream).await,
        }
    }
}

/// Text that straddles any byte cap: runs of 2-, 3- and 4-byte
/// characters, with a newline and a forged field every so often.
pub(crate) fn straddling_text(chars: usize, forged: &str) -> String {
    let mut s = String::with_capacity(chars * 3);
    let alphabet = ['é', '€', '𝄞', 'ß', '中'];
    for i in 0..chars {
        if i % 97 == 96 {
            s.push('\n');
            s.push_str(forged);
            s.push('\n');
        } else {
            s.push(alphabet[i % alphabet.len()]);
        }
    }
    s
}
