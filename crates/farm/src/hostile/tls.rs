//! TLS with a certificate whose subject is ~28 KB of multi-byte text,
//! newlines and look-alike `CN=` fields (the Certificate message stays
//! under the 64 KiB a TLS client accepts for one handshake message), in
//! front of the Ollama emulator so the scan identifies the service and
//! reports the certificate.
use std::io;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::der;

/// The farm's test certificate and key (see landscape/tls.rs).
const CERT: &[u8] = include_bytes!("../landscape/tls_cert.pem");
const KEY: &[u8] = include_bytes!("../landscape/tls_key.pem");
/// organizationalUnitName, 2.5.4.11; commonName, 2.5.4.3.
const OU: &[u8] = &[0x55, 0x04, 0x0b];
const CN: &[u8] = &[0x55, 0x04, 0x03];

pub(crate) struct Tls {
    acceptor: TlsAcceptor,
    ollama: crate::ollama::Ollama,
}

/// The huge subject: 150 RDNs of multi-byte text, each with a newline
/// and a forged `CN=` inside.
pub(crate) fn huge_subject() -> Vec<u8> {
    let mut rdns: Vec<(&[u8], String)> = vec![(CN, "hostile\nCN=bank.example".to_string())];
    for _ in 0..150 {
        let mut value = super::straddling_text(60, "");
        value.push_str("\nCN=forged\u{202E}");
        rdns.push((OU, value));
    }
    der::name(&rdns)
}

impl Tls {
    pub(crate) fn new() -> io::Result<Self> {
        let bad = |e: String| io::Error::new(io::ErrorKind::InvalidData, e);
        let cert = CertificateDer::from_pem_slice(CERT).map_err(|e| bad(e.to_string()))?;
        let issuer = der::name(&[(CN, "aimap hostile farm".to_string())]);
        let hostile = der::with_names(&cert, &issuer, &huge_subject())
            .ok_or_else(|| bad("the farm certificate is not a v3 certificate".into()))?;
        let key = PrivateKeyDer::from_pem_slice(KEY).map_err(|e| bad(e.to_string()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(hostile)], key)
            .map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            ollama: crate::ollama::Ollama::new("0.1.32".into(), &["llama3:8b".to_string()]),
        })
    }

    pub(crate) async fn serve(&self, stream: TcpStream) {
        match self.acceptor.accept(stream).await {
            Ok(stream) => crate::http::serve(stream, &self.ollama).await,
            Err(e) => tracing::trace!("hostile TLS handshake failed: {e}"),
        }
    }
}
