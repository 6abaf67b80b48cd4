//! Ollama behind an nginx reverse proxy with HTTP Basic authentication:
//!
//! ```nginx
//! location / {
//!     auth_basic           "Ollama";
//!     auth_basic_user_file /etc/nginx/.htpasswd;
//!     proxy_pass           http://127.0.0.1:11434;
//! }
//! ```
//!
//! The right answer for a scanner is "a protected service", not "open
//! Ollama": nothing of Ollama shows without credentials. Every path and
//! method answers 401 with nginx's built-in page (see nginx.rs) and
//! `WWW-Authenticate: Basic realm="Ollama"` (nginx/nginx
//! src/http/modules/ngx_http_auth_basic_module.c
//! `ngx_http_auth_basic_set_realm` quotes the realm this way).
//! The access phase runs before the proxy, so even `/` is refused and no
//! request reaches Ollama; the farm keeps no credentials at all.

use http::Response;

use crate::http::{Body, Handler, Req};
use crate::nginx;

pub(crate) const REALM: &str = "Ollama";

pub(crate) struct AuthProxy;

impl Handler for AuthProxy {
    fn respond(&self, req: &Req) -> Response<Body> {
        let challenge = vec![("www-authenticate", format!("Basic realm=\"{REALM}\""))];
        nginx::error(req, 401, "Authorization Required", challenge)
    }
}
