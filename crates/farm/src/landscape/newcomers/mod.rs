//! Emulators of the products added for issue #16 (coverage toward 150 AI
//! services): agent gateways, AI gateways, embedding and inference servers,
//! agent platforms and image generators. One module per product; each
//! module's header names the upstream repository, files and release tags its
//! facts were read at. What the web stacks underneath add is in
//! [`super::stack`], plus the Node `http` server here.

mod infinity;
mod invokeai;
mod letta;
mod openclaw;
mod portkey;
mod sdwebui;
mod tei;
mod tensorzero;

use std::time::SystemTime;

use http::Response;

use super::stack::Headers;
use super::{Landscape, Product};
use crate::http::{self as h, Body, Handler};

/// The handler for a newcomer product; `None` for the older products.
pub(crate) fn handler(l: Landscape) -> Option<Box<dyn Handler>> {
    Some(match l.product {
        Product::OpenClaw => Box::new(openclaw::OpenClaw::new(l)),
        Product::Tei => Box::new(tei::Tei::new(l)),
        Product::TensorZero => Box::new(tensorzero::TensorZero::new(l)),
        Product::Portkey => Box::new(portkey::Portkey),
        Product::Infinity => Box::new(infinity::Infinity::new(l)),
        Product::Letta => Box::new(letta::Letta::new(l)),
        Product::InvokeAi => Box::new(invokeai::InvokeAi::new(l)),
        Product::SdWebUi => Box::new(sdwebui::SdWebUi::new(l)),
        _ => return None,
    })
}

/// An answer from Node's `http` module (Hono's node-server and plain
/// handlers alike): the handler's headers in the order it set them, then
/// node's own `Date`, `Connection` and `Keep-Alive`
/// (node lib/_http_outgoing.js).
pub(crate) fn node(status: u16, mut headers: Headers, body: String) -> Response<Body> {
    headers.push(("content-length", body.len().to_string()));
    headers.push(("date", h::http_date(SystemTime::now())));
    headers.push(("connection", "keep-alive".to_string()));
    headers.push(("keep-alive", "timeout=5".to_string()));
    h::build(status, headers, Body::Full(Some(body.into())))
}

/// Whether `version` (digits and dots, an optional `v`, anything after a
/// `-` or `+` ignored) is at least `min`, compared number by number.
pub(crate) fn at_least(version: &str, min: &[u64]) -> bool {
    let core = version.trim_start_matches('v');
    let core = core.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<u64> = core.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    for (i, want) in min.iter().enumerate() {
        let have = parts.get(i).copied().unwrap_or(0);
        if have != *want {
            return have > *want;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::at_least;

    #[test]
    fn versions_compare_number_by_number() {
        assert!(at_least("2026.10.1", &[2026, 4]));
        assert!(!at_least("2026.3.2", &[2026, 4]));
        assert!(at_least("v1.9.3", &[1, 9, 3]));
        assert!(!at_least("0.2.9-rc1", &[0, 3]));
    }
}
