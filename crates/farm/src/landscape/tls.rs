//! TLS for the emulators of TLS-only servers (kubelet, Kubernetes API
//! server). Both generate a self-signed serving certificate when none is
//! configured; the farm presents one fixed test certificate of the same
//! kind (EC P-256, CN `farm-node@1700000000`, valid for a century, made
//! with `openssl req -x509` and kept next to this file). Its key protects
//! nothing: it only ever serves loopback test traffic.

use std::io;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

const CERT: &[u8] = include_bytes!("tls_cert.pem");
const KEY: &[u8] = include_bytes!("tls_key.pem");

/// An acceptor presenting the farm's test certificate.
pub(crate) fn acceptor() -> io::Result<TlsAcceptor> {
    let bad = |e: String| io::Error::new(io::ErrorKind::InvalidData, e);
    let cert = CertificateDer::from_pem_slice(CERT).map_err(|e| bad(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(KEY).map_err(|e| bad(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| bad(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
