//! A hostile server that answers any HTTP request with 200 and a body that
//! never ends (chunked, no length). A scanner must cap what it reads.
//!
//! The body repeats one 16 KiB block of text, paced by the client: hyper
//! only asks for more when the socket can take it.

use bytes::Bytes;
use http::Response;

use crate::http::{self as h, Body, Handler, Req};

const CHUNK: usize = 16 * 1024;

pub(crate) struct Endless {
    chunk: Bytes,
}

impl Endless {
    pub fn new() -> Self {
        let line = b"endless body from aimap-farm: this response never ends\n";
        let chunk: Vec<u8> = line.iter().copied().cycle().take(CHUNK).collect();
        Self {
            chunk: Bytes::from(chunk),
        }
    }
}

impl Handler for Endless {
    fn respond(&self, _req: &Req) -> Response<Body> {
        let headers = vec![("content-type", "text/plain; charset=utf-8".to_string())];
        h::build(200, headers, Body::Endless(self.chunk.clone()))
    }
}
