//! `aimap serve`: the dashboard over the store, until Ctrl-C.
use anyhow::Result;

use crate::cli::{ServeArgs, StoreArgs};
use crate::run::exit;
use crate::run::store::for_reading;

pub fn run(store_args: &StoreArgs, args: &ServeArgs) -> Result<u8> {
    let token = match &args.token {
        Some(t) => Some(t.clone()),
        None if !args.listen.ip().is_loopback() => {
            let t = aimap_web::security::random_token();
            // Shown once, on stderr, never logged again.
            eprintln!(
                "aimap serve: {} is not loopback; access token (shown once): {t}",
                args.listen
            );
            Some(t)
        }
        None => None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = for_reading(store_args).await?;
        let opts = aimap_web::Options {
            listen: args.listen,
            token,
        };
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        aimap_web::serve(
            store.clone(),
            opts,
            |addr| {
                eprintln!(
                    "aimap serve: listening on http://{addr}/ (store {})",
                    store.location().display()
                )
            },
            shutdown,
        )
        .await?;
        store.close().await;
        Ok(exit::OK)
    })
}
