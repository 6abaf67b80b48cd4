//! A decoy that copies only Ollama's banner: the kind of honeypot or
//! placeholder a banner-only scanner would wrongly report as Ollama.
//!
//! It is modelled as a small Go net/http program (a `ServeMux` with one
//! handler for "/"), so its answers are Go's defaults:
//! - "/" → 200 "Ollama is running": the handler sets no type, so net/http
//!   sniffs `text/plain; charset=utf-8` and writes it after `Date` and
//!   `Content-Length` (golang/go src/net/http/server.go `extraHeader`).
//! - anything else → `http.NotFound`: 404 "404 page not found\n" with
//!   `Content-Type: text/plain; charset=utf-8` and
//!   `X-Content-Type-Options: nosniff` (src/net/http/server.go `Error`).
//!
//! Unlike real Ollama it has no `/api/version` or `/api/tags`, and its 404
//! body ends in a newline where gin's does not.

use std::time::SystemTime;

use http::Response;

use crate::http::{self as h, Body, Handler, Req};

pub(crate) struct Decoy;

impl Handler for Decoy {
    fn respond(&self, req: &Req) -> Response<Body> {
        if req.path == "/" {
            let body = "Ollama is running";
            let headers = vec![
                ("date", h::http_date(SystemTime::now())),
                ("content-length", body.len().to_string()),
                ("content-type", "text/plain; charset=utf-8".to_string()),
            ];
            return h::build(200, headers, Body::Full(Some(body.into())));
        }
        let headers = vec![
            ("content-type", "text/plain; charset=utf-8".to_string()),
            ("x-content-type-options", "nosniff".to_string()),
        ];
        h::go(404, headers, "404 page not found\n")
    }
}
