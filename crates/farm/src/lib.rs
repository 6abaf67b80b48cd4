//! In-process emulators of exposed AI servers, and hostile or negative
//! servers, for aimap's tests and benchmarks.
//!
//! Where the real server cannot be installed here (Ollama, Triton, and the
//! products of [`Landscape`]: LLM servers, vector stores, ML platforms,
//! chat front ends, Docker, Kubernetes, ...) the emulator reproduces its
//! wire behaviour (paths, methods, status codes,
//! headers, JSON shapes and error answers) as read in the upstream source;
//! each module's header names the files its facts come from.
//!
//! Safety: every server binds to a loopback address only. [`start`] refuses
//! anything else, so a test or benchmark can never expose an emulator.
#![forbid(unsafe_code)]

mod auth_proxy;
mod bson;
mod claimable;
mod decoy;
mod endless;
mod garbage;
mod gin;
mod honeypot;
mod hostile;
mod http;
mod json;
mod landscape;
mod mongodb;
mod nginx;
mod ollama;
mod ollama_models;
mod plain;
mod redis_stack;
mod release;
mod silent;
mod triton;
mod triton_grpc;
mod triton_metrics;
mod triton_model;
mod triton_paths;
mod triton_reply;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use claimable::Claimable;
pub use hostile::{Hostile, OFF_TARGET};
pub use landscape::{Landscape, Product};
pub use mongodb::MongoDb;
pub use redis_stack::RedisStack;
pub use triton::{RESTRICTED_HEADER, RESTRICTED_VALUE};

/// What a farm server pretends to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emulator {
    /// An open Ollama server with these models installed.
    Ollama {
        version: String,
        models: Vec<String>,
    },
    /// Ollama bound to loopback and published by a forwarder that keeps
    /// the Host header: its allowed-hosts check answers 403 to the
    /// forwarder's address, and serves `Host: localhost` in full.
    OllamaForwarded {
        version: String,
        models: Vec<String>,
    },
    /// Ollama behind nginx `auth_basic`: every path answers 401.
    OllamaBehindAuthProxy,
    /// Copies only Ollama's banner: "/" answers "Ollama is running",
    /// everything else 404.
    OllamaDecoy,
    /// Triton's HTTP/REST endpoint (port 8000). `restricted` emulates
    /// `--http-restricted-api=shared-memory,model-config,model-repository,statistics,trace:admin-key=admin-value`.
    Triton {
        version: String,
        models: Vec<String>,
        restricted: bool,
    },
    /// Triton's Prometheus metrics endpoint (port 8002).
    TritonMetrics { models: Vec<String> },
    /// Triton's gRPC endpoint (port 8001, cleartext HTTP/2). `restricted`
    /// puts the same groups as [`Emulator::Triton`]'s behind `admin-key`
    /// (`--grpc-restricted-protocol`).
    TritonGrpc {
        version: String,
        models: Vec<String>,
        restricted: bool,
    },
    /// An ordinary nginx web server.
    PlainHttp,
    /// Accepts, writes random-looking non-protocol bytes, closes.
    Garbage,
    /// Accepts and never answers.
    Silent,
    /// Answers any HTTP request with 200 and a body that never ends.
    EndlessBody,
    /// A honeypot answering every path with 200 and one JSON document that
    /// looks like Ollama, vLLM and the OpenAI API at once.
    Honeypot,
    /// A product of the wider AI landscape (LLM servers, vector stores, ML
    /// platforms, infrastructure), emulated from its source.
    Landscape(Landscape),
    /// A standalone mongod on the wire protocol (OP_MSG).
    MongoDb(MongoDb),
    /// redis-stack-server: Redis with its search, JSON, time-series and
    /// Bloom modules, over RESP.
    RedisStack(RedisStack),
    /// A server attacking the scanner through one transport (see [`Hostile`]).
    Hostile(Hostile),
    /// An install anyone can claim (onboarding, auto-login), or its keyed
    /// twin, release by release.
    Claimable(Claimable),
}

impl Emulator {
    /// The port the real product listens on by default (what the farm
    /// binary uses unless told otherwise).
    pub fn default_port(&self) -> u16 {
        match self {
            Self::Ollama { .. }
            | Self::OllamaForwarded { .. }
            | Self::OllamaBehindAuthProxy
            | Self::OllamaDecoy
            | Self::Honeypot => 11434,
            Self::Triton { .. } => 8000,
            Self::TritonMetrics { .. } => 8002,
            Self::TritonGrpc { .. } => 8001,
            Self::PlainHttp | Self::EndlessBody => 8080,
            Self::Garbage | Self::Silent => 9000,
            Self::Landscape(l) => l.product.default_port(),
            Self::MongoDb(_) => 27017,
            Self::RedisStack(_) => 6379,
            Self::Hostile(h) => h.default_port(),
            Self::Claimable(c) => c.default_port(),
        }
    }
}

/// A running farm server. Dropping it stops the listener and every open
/// connection (the tasks notice the closed stop channel).
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    _stop: watch::Sender<()>,
    accept: JoinHandle<()>,
}

impl Running {
    /// `http://addr` (IPv6 addresses bracketed).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Whether `addr` is one a farm server may bind: 127.0.0.0/8 or ::1 only.
pub fn is_allowed_bind(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Start `emulator` on `bind` (port 0 picks a free port). Must be called
/// inside a Tokio runtime; the server runs on it until the [`Running`] is
/// dropped. Refuses any non-loopback address.
pub async fn start(emulator: Emulator, bind: SocketAddr) -> io::Result<Running> {
    if !is_allowed_bind(&bind) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("aimap-farm binds loopback addresses only, refusing {bind}"),
        ));
    }
    let listener = TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(());
    let server = Arc::new(Server::new(emulator));
    let accept = tokio::spawn(accept_loop(listener, server, stopped));
    Ok(Running {
        addr,
        _stop: stop,
        accept,
    })
}

/// The built form of an emulator, shared by its connections.
enum Server {
    Http(Box<dyn http::Handler>),
    /// HTTP behind TLS, for servers that only speak HTTPS.
    Https(Box<dyn http::Handler>, tokio_rustls::TlsAcceptor),
    Garbage,
    Silent,
    MongoDb(MongoDb),
    Grpc(triton_grpc::TritonGrpc),
    RedisStack(RedisStack),
    Hostile(hostile::Server),
}

impl Server {
    fn new(emulator: Emulator) -> Self {
        match emulator {
            Emulator::Ollama { version, models } => {
                Self::Http(Box::new(ollama::Ollama::new(version, &models)))
            }
            Emulator::OllamaForwarded { version, models } => {
                Self::Http(Box::new(ollama::Ollama::new(version, &models).forwarded()))
            }
            Emulator::OllamaBehindAuthProxy => Self::Http(Box::new(auth_proxy::AuthProxy)),
            Emulator::OllamaDecoy => Self::Http(Box::new(decoy::Decoy)),
            Emulator::Triton {
                version,
                models,
                restricted,
            } => Self::Http(Box::new(triton::Triton::new(version, models, restricted))),
            Emulator::TritonMetrics { models } => {
                Self::Http(Box::new(triton_metrics::Metrics::new(&models)))
            }
            Emulator::PlainHttp => Self::Http(Box::new(plain::Plain)),
            Emulator::EndlessBody => Self::Http(Box::new(endless::Endless::new())),
            Emulator::Honeypot => Self::Http(Box::new(honeypot::Honeypot)),
            Emulator::Garbage => Self::Garbage,
            Emulator::Silent => Self::Silent,
            Emulator::Landscape(l) if l.product.tls_only() => match landscape::tls::acceptor() {
                Ok(tls) => Self::Https(landscape::handler(l), tls),
                // Unreachable with the embedded certificate; a farm that
                // cannot do TLS must not quietly serve plain HTTP instead.
                Err(e) => {
                    tracing::error!("farm TLS setup failed: {e}");
                    Self::Silent
                }
            },
            Emulator::Landscape(l) => Self::Http(landscape::handler(l)),
            Emulator::MongoDb(db) => Self::MongoDb(db),
            Emulator::RedisStack(r) => Self::RedisStack(r),
            Emulator::Hostile(h) => Self::Hostile(hostile::Server::new(h)),
            Emulator::Claimable(c) => Self::Http(c.handler()),
            Emulator::TritonGrpc {
                version,
                models,
                restricted,
            } => Self::Grpc(triton_grpc::TritonGrpc {
                version,
                models,
                restricted,
            }),
        }
    }

    async fn serve(&self, stream: TcpStream) {
        match self {
            Self::Http(handler) => http::serve(stream, handler.as_ref()).await,
            Self::Https(handler, tls) => match tls.accept(stream).await {
                Ok(stream) => http::serve(stream, handler.as_ref()).await,
                Err(e) => tracing::trace!("farm TLS handshake failed: {e}"),
            },
            Self::Garbage => garbage::serve(stream).await,
            Self::Silent => silent::serve(stream).await,
            Self::MongoDb(db) => mongodb::serve(stream, db).await,
            Self::Grpc(server) => triton_grpc::serve(stream, server).await,
            Self::RedisStack(r) => redis_stack::serve(stream, r).await,
            Self::Hostile(h) => h.serve(stream).await,
        }
    }
}

async fn accept_loop(listener: TcpListener, server: Arc<Server>, mut stopped: watch::Receiver<()>) {
    loop {
        let accepted = tokio::select! {
            // Err means the Running was dropped: stop accepting.
            _ = stopped.changed() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                let server = Arc::clone(&server);
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = stopped.changed() => {}
                        _ = server.serve(stream) => {}
                    }
                });
            }
            Err(e) => {
                // Out of descriptors and the like: back off instead of spinning.
                tracing::debug!("farm accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}
