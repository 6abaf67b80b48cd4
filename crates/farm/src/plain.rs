//! An ordinary web server: stock nginx serving its welcome page. A negative
//! control: HTTP answers, a page with a `<title>`, nothing AI about it.
//!
//! Facts copied (nginx/nginx):
//! - docs/html/index.html: the "Welcome to nginx!" page (615 bytes).
//! - src/http/modules/ngx_http_static_module.c: methods other than GET,
//!   HEAD and POST → 405; POST to a file → 405; missing file → 404.
//!   src/http/modules/ngx_http_index_module.c maps "/" to index.html.
//! - src/http/ngx_http_core_module.c `ngx_http_set_etag`: `ETag` is
//!   `"<mtime hex>-<length hex>"`; static files also carry
//!   `Last-Modified` and `Accept-Ranges: bytes`; `text/html` from
//!   conf/mime.types.
//! - 405's page text is "Not Allowed", 404's "Not Found"
//!   (ngx_http_special_response.c).

use std::time::{Duration, UNIX_EPOCH};

use http::{Method, Response};

use crate::http::{self as h, Body, Handler, Req};
use crate::nginx;

const WELCOME: &str = "<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href=\"http://nginx.org/\">nginx.org</a>.<br/>
Commercial support is available at
<a href=\"http://nginx.com/\">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
";

/// index.html's modification time as packaged (2023-04-11 12:58:28 UTC).
const MTIME: u64 = 1_681_217_908;

pub(crate) struct Plain;

impl Handler for Plain {
    fn respond(&self, req: &Req) -> Response<Body> {
        let file = req.path == "/" || req.path == "/index.html";
        if ![Method::GET, Method::HEAD, Method::POST].contains(&req.method) {
            return nginx::error(req, 405, "Not Allowed", vec![]);
        }
        if !file {
            return nginx::error(req, 404, "Not Found", vec![]);
        }
        if req.method == Method::POST {
            return nginx::error(req, 405, "Not Allowed", vec![]);
        }
        let modified = h::http_date(UNIX_EPOCH + Duration::from_secs(MTIME));
        let extra = vec![
            ("etag", format!("\"{MTIME:x}-{:x}\"", WELCOME.len())),
            ("accept-ranges", "bytes".to_string()),
        ];
        nginx::respond(
            req,
            200,
            "text/html",
            Some(modified),
            extra,
            WELCOME.to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn welcome_page_is_the_stock_size() {
        assert_eq!(super::WELCOME.len(), 615);
    }
}
