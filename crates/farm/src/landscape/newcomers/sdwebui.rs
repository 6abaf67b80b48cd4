//! AUTOMATIC1111's Stable Diffusion web UI API (FastAPI under Gradio,
//! port 7860; `--api` or `--nowebui` turns the `/sdapi/v1` routes on).
//!
//! Modelled on AUTOMATIC1111/stable-diffusion-webui modules/api/api.py at
//! commit 0050a35429b824cbb0a794694358fb32ce487ac4 (the 1.10 line):
//! - `GET /sdapi/v1/sd-models` → `[{"title", "model_name", "hash",
//!   "sha256", "filename", "config"}]`.
//! - `--api-auth user:pass` adds `Depends(HTTPBasic())` to every route:
//!   without credentials FastAPI's HTTPBasic raises 401 "Not
//!   authenticated" (`WWW-Authenticate: Basic`), and the API's own
//!   exception handler rewrites every error as `{"error": <class>,
//!   "detail", "body", "errors": str(e)}`.
//! - The `log_and_time` middleware adds `X-Process-Time` to each answer.

use http::{Method, Response};

use super::super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

pub(crate) struct SdWebUi {
    l: Landscape,
}

impl SdWebUi {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }
}

fn answer(status: u16, extra: Vec<(&'static str, String)>, body: J) -> Response<Body> {
    let mut headers = extra;
    headers.push(("x-process-time", "0.0012".into()));
    stack::uvicorn(
        status,
        "application/json",
        headers,
        body.render(crate::json::Escape::Rapid),
    )
}

/// The API's `handle_exception` envelope.
fn error(status: u16, class: &str, detail: &str) -> J {
    J::Obj(vec![
        ("error", J::s(class)),
        ("detail", J::s(detail)),
        ("body", J::s("")),
        ("errors", J::s(format!("{status}: {detail}"))),
    ])
}

impl Handler for SdWebUi {
    fn respond(&self, req: &Req) -> Response<Body> {
        let api = req.path.starts_with("/sdapi/v1/");
        if api && self.l.auth && req.header("authorization").is_none() {
            return answer(
                401,
                vec![("www-authenticate", "Basic".into())],
                error(401, "HTTPException", "Not authenticated"),
            );
        }
        match (req.method.clone(), req.path.as_str()) {
            (Method::GET, "/sdapi/v1/sd-models") => {
                let models = self
                    .l
                    .items
                    .iter()
                    .map(|f| {
                        let name = f.trim_end_matches(".safetensors");
                        J::Obj(vec![
                            ("title", J::s(format!("{f} [31e35c80fc]"))),
                            ("model_name", J::s(name)),
                            ("hash", J::s("31e35c80fc")),
                            ("sha256", J::s("31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b")),
                            ("filename", J::s(format!("/stable-diffusion-webui/models/Stable-diffusion/{f}"))),
                            ("config", J::Null),
                        ])
                    })
                    .collect();
                answer(200, vec![], J::Arr(models))
            }
            _ if api => answer(404, vec![], error(404, "HTTPException", "Not Found")),
            _ => stack::uvicorn_not_found(),
        }
    }
}
