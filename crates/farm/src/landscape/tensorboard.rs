//! TensorBoard (Werkzeug; port 6006). It has no authentication at all.
//!
//! Facts copied (tensorflow/tensorboard):
//! - tensorboard/plugins/core/core_plugin.py `_serve_environment`:
//!   `GET /data/environment` → `{"version", "data_location",
//!   "window_title", "experiment_name", "experiment_description",
//!   "creation_time"}`; `GET /data/runs` → the run names.
//! - tensorboard/backend/http_util.py `Respond`: `json.dumps` defaults
//!   (spaced separators), `application/json; charset=utf-8`,
//!   `X-Content-Type-Options: nosniff` and a Content-Security-Policy;
//!   Werkzeug's server adds `Server: Werkzeug/<v> Python/<v>` and `Date`.
//! - `_send_404_without_logging`: unknown paths → 404 "Not found".

use http::{Method, Response};

use super::stack::{self, Headers};
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

const SERVER: &str = "Werkzeug/3.1.3 Python/3.12.3";

pub(crate) struct TensorBoard {
    l: Landscape,
}

fn respond(status: u16, content_type: &str, body: String) -> Response<Body> {
    let headers: Headers = vec![
        ("content-type", content_type.to_string()),
        ("x-content-type-options", "nosniff".to_string()),
        ("content-security-policy", "default-src 'self'; font-src 'self' data:; frame-ancestors *; frame-src 'self'; img-src 'self' data: blob:; object-src 'none'; style-src 'self' https://www.gstatic.com data: 'unsafe-inline'; connect-src 'self'; script-src 'self' 'unsafe-eval'".to_string()),
    ];
    stack::named(status, SERVER, headers, body)
}

impl TensorBoard {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }
}

impl Handler for TensorBoard {
    fn respond(&self, req: &Req) -> Response<Body> {
        let json = "application/json; charset=utf-8";
        if req.method != Method::GET {
            return respond(404, "text/plain; charset=utf-8", "Not found".into());
        }
        match req.path.as_str() {
            "/data/environment" => {
                let env = J::Obj(vec![
                    ("version", J::s(&self.l.version)),
                    ("data_location", J::s("/logs")),
                    ("window_title", J::s("")),
                    ("experiment_name", J::s("")),
                    ("experiment_description", J::s("")),
                    ("creation_time", J::Raw("0.0".into())),
                ]);
                respond(200, json, env.render(Escape::Python))
            }
            "/data/runs" => respond(200, json, J::strs(self.l.items.clone()).render(Escape::Python)),
            "/" => respond(
                200,
                "text/html; charset=utf-8",
                "<!doctype html><meta name=\"tb-relative-root\" content=\"./\"><!doctype html><html><head><title>TensorBoard</title></head></html>".into(),
            ),
            _ => respond(404, "text/plain; charset=utf-8", "Not found".into()),
        }
    }
}
