//! `aimap serve`: a dashboard and a JSON API over the run store.
//!
//! Pipeline position: the last reader.
//! ```text
//! store ──► params (one parser for pages and API) ──► api (JSON) ─┐
//!                                                  └► pages (HTML, SVG charts, no scripts)
//! ```
//! Everything the server sends passes [`security::gate`] (host check,
//! token or session, CSRF, strict CSP) and [`redact`] (no secret quoted by
//! evidence leaves unmasked). Pages and API read through the same store
//! queries with the same parsed filters, so they cannot disagree.
#![forbid(unsafe_code)]

mod api;
mod chart;
mod error;
mod export;
mod html;
mod pages;
mod params;
pub mod redact;
pub mod security;

use std::net::SocketAddr;
use std::sync::Arc;

use aimap_store::Store;
use axum::routing::{get, post};
use axum::Router;

pub use security::MIN_TOKEN_LEN;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub security: Arc<security::Security>,
    pub version: &'static str,
}

/// How the server is exposed.
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    /// Required when `listen` is not loopback.
    pub token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("refusing to listen on {0} without a token: anything but loopback needs --token (or let aimap generate one)")]
    NeedsToken(SocketAddr),
    #[error("the token must be at least {MIN_TOKEN_LEN} characters")]
    WeakToken,
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// The whole application as a router, for `serve` and for tests that
/// drive it without a socket.
pub fn router(store: Store, opts: &Options) -> Result<Router, ServeError> {
    let loopback = opts.listen.ip().is_loopback();
    if let Some(t) = &opts.token {
        if t.len() < MIN_TOKEN_LEN {
            return Err(ServeError::WeakToken);
        }
    } else if !loopback {
        return Err(ServeError::NeedsToken(opts.listen));
    }
    let state = AppState {
        store,
        security: Arc::new(security::Security::new(opts.token.clone(), loopback)),
        version: env!("CARGO_PKG_VERSION"),
    };
    let api = Router::new()
        .route("/openapi.json", get(api::openapi))
        .route("/overview", get(api::overview))
        .route("/services", get(api::services))
        .route("/services/{run}/{host}/{port}", get(api::service))
        .route("/findings", get(api::findings))
        .route("/findings/export", get(export::findings))
        .route("/findings/{fingerprint}", get(api::finding))
        .route("/components", get(api::components))
        .route("/runs", get(api::runs))
        .route("/runs/{id}", get(api::run))
        .route("/runs/{id}/sbom", get(export::sbom))
        .route("/diff", get(api::diff))
        .fallback(api::not_found);
    Ok(Router::new()
        .route("/", get(pages::overview::page))
        .route("/services", get(pages::services::list))
        .route(
            "/services/{run}/{host}/{port}",
            get(pages::services::detail),
        )
        .route("/findings", get(pages::findings::list))
        .route("/findings/{fingerprint}", get(pages::findings::detail))
        .route("/components", get(pages::components::list))
        .route("/runs", get(pages::runs::list))
        .route("/runs/{id}", get(pages::runs::detail))
        .route("/diff", get(pages::runs::diff))
        .route("/login", get(pages::login::show).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/static/app.css", get(pages::stylesheet))
        .route("/favicon.ico", get(pages::favicon))
        .nest("/api/v1", api)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::gate,
        ))
        .with_state(state))
}

/// Listen and serve until `shutdown` resolves.
pub async fn serve(
    store: Store,
    opts: Options,
    on_ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let app = router(store, &opts)?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: opts.listen,
            source,
        })?;
    on_ready(listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
