//! The protocol layer: perform one read-only [`Request`] against one port and
//! return a bounded [`Response`]. Every read is capped and every wait has a
//! timeout, because every byte a target sends is hostile.
pub mod bson;
mod grpc;
mod http;
mod mcp;
mod mongodb;
mod postgres;
pub mod protobuf;
mod resp;
mod sse;
mod tcp;
pub mod text;
mod tls;

use std::net::SocketAddr;
use std::time::Duration;

pub use grpc::{grpc_exchange, grpc_frame, render_body as render_grpc_body};
pub use http::http_exchange;
pub use mcp::{mcp_exchange, render_answers as render_mcp_answers};
pub use mongodb::{
    mongodb_exchange, op_msg, parse_reply_bytes as parse_mongodb_reply,
    render_reply_bytes as render_mongodb_reply,
};
pub use postgres::{
    postgres_exchange, render_messages_bytes as render_postgres_messages, startup_message,
};
pub use resp::{encode_command, parse_resp_reply, resp_exchange};
pub use tcp::tcp_exchange;
pub use tls::{describe as describe_certificate, tls_connector, TlsConnector};

/// Bounds applied to every exchange.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Whole exchange: connect, handshake, request, response.
    pub timeout: Duration,
    /// Most body bytes kept; reading stops there.
    pub body_cap: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            body_cap: 256 * 1024,
        }
    }
}

/// Why an exchange produced no response.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("connect to {addr} failed: {source}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The peer answered, but not in this protocol (or hung up).
    #[error("not {protocol}: {detail}")]
    Protocol {
        protocol: &'static str,
        detail: String,
    },
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl TransportError {
    pub(crate) fn protocol(protocol: &'static str, detail: impl ToString) -> Self {
        Self::Protocol {
            protocol,
            detail: detail.to_string(),
        }
    }
}
