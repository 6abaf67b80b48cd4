//! MinIO's S3 API (Go; port 9000).
//!
//! Facts copied (minio/minio cmd/):
//! - bucket-handlers.go `ListBucketsHandler`: "Anonymous users, should be
//!   rejected": `GET /` without a signature always answers AccessDenied,
//!   whatever the bucket policies (public buckets are listed by name,
//!   `GET /<bucket>`, which a scanner cannot guess).
//! - api-errors.go / api-response.go: S3 errors are XML, `<?xml
//!   version="1.0" encoding="UTF-8"?>` then `<Error><Code>AccessDenied
//!   </Code><Message>Access Denied.</Message><Resource>/</Resource>
//!   <RequestId>...</RequestId><HostId>...</HostId></Error>`, status 403,
//!   `Content-Type: application/xml`.
//! - generic-handlers.go `addCustomHeadersMiddleware` / api-headers.go
//!   `setCommonHeaders`: `Server: MinIO`, `Accept-Ranges: bytes`,
//!   `Strict-Transport-Security`, `Vary: Origin, Accept-Encoding`,
//!   `X-Amz-Id-2`, `X-Amz-Request-Id`, `X-Content-Type-Options: nosniff`,
//!   `X-Xss-Protection: 1; mode=block` on every answer.
//! - healthcheck-router.go: `GET /minio/health/live` → 200, empty body, no
//!   credentials needed.

use http::Response;

use super::Landscape;
use crate::http::{self as h, Body, Handler, Req};

const REQUEST_ID: &str = "185E0A2B3C4D5E6F";
const HOST_ID: &str = "dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8";

pub(crate) struct Minio {
    _l: Landscape,
}

impl Minio {
    pub fn new(l: Landscape) -> Self {
        Self { _l: l }
    }
}

fn headers(content_type: Option<&str>) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("accept-ranges", "bytes".to_string()),
        ("server", "MinIO".to_string()),
        (
            "strict-transport-security",
            "max-age=31536000; includeSubDomains".to_string(),
        ),
        ("vary", "Origin, Accept-Encoding".to_string()),
        ("x-amz-id-2", HOST_ID.to_string()),
        ("x-amz-request-id", REQUEST_ID.to_string()),
        ("x-content-type-options", "nosniff".to_string()),
        ("x-xss-protection", "1; mode=block".to_string()),
    ];
    if let Some(ct) = content_type {
        headers.push(("content-type", ct.to_string()));
    }
    headers
}

fn error(status: u16, code: &str, message: &str, resource: &str) -> Response<Body> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><Resource>{resource}</Resource><RequestId>{REQUEST_ID}</RequestId><HostId>{HOST_ID}</HostId></Error>"
    );
    h::go(status, headers(Some("application/xml")), body)
}

impl Handler for Minio {
    fn respond(&self, req: &Req) -> Response<Body> {
        match req.path.as_str() {
            "/minio/health/live" | "/minio/health/ready" => h::go(200, headers(None), ""),
            // Every other request of the farm comes unsigned: S3 refuses it.
            path => error(403, "AccessDenied", "Access Denied.", path),
        }
    }
}
