//! KoboldCpp (Python `http.server` around llama.cpp; port 5001). It copies
//! other products' routes: OpenAI's `/v1/models` and Ollama's `/api/tags`,
//! which is why rules for those must not claim it.
//!
//! Facts copied (LostRuins/koboldcpp koboldcpp.py at 2da346a, v1.76):
//! - `ServerRequestHandler`: `server_version = "ConcedoLlamaForKoboldServer"`,
//!   `sys_version = ""` (so `Server: ConcedoLlamaForKoboldServer `, trailing
//!   space from http.server's `version_string`); `end_headers` adds
//!   `access-control-allow-origin: *`, `-methods: *`, `-headers`,
//!   `cache-control: no-store`, then `content-type`. Bodies are
//!   `json.dumps` defaults (`", "`, `": "`).
//! - `do_GET`: paths compared after `rstrip('/')`, mostly with `endswith`:
//!   `/api/v1/model` → `{"result": friendlymodelname}` (`koboldcpp/<file>`),
//!   or `"koboldcpp/protected-model"` when `--password` is set and no
//!   matching `Authorization: Bearer` came; `/api/extra/version` →
//!   `{"result": "KoboldCpp", "version": KcppVersion, "protected": bool,
//!   "txt2img", "vision", "transcribe"}`; `/v1/models` → one entry with
//!   `"owned_by": "koboldcpp"`; `/api/tags` ("ollama compatible") → one
//!   model named "koboldcpp" whose details say `"family": "koboldcpp"`.
//! - Anything else: 404, `text/html`, "Error: HTTP Server is running, but
//!   this endpoint does not exist. Please check the URL."
//! - The password guards generation (`secure_endpoint`, 401 `{"detail":
//!   {"error": "Unauthorized", ...}}`), never these reads.

use http::{Method, Response};

use super::stack::{self, Headers};
use super::Landscape;
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

const SERVER: &str = "ConcedoLlamaForKoboldServer ";

pub(crate) struct KoboldCpp {
    l: Landscape,
}

fn cors(content_type: &str) -> Headers {
    vec![
        ("access-control-allow-origin", "*".to_string()),
        ("access-control-allow-methods", "*".to_string()),
        (
            "access-control-allow-headers",
            "*, Accept, Content-Type, Content-Length, Cache-Control, Accept-Encoding, X-CSRF-Token, Client-Agent, X-Fields, Content-Type, Authorization, X-Requested-With, X-HTTP-Method-Override, apikey, genkey".to_string(),
        ),
        ("cache-control", "no-store".to_string()),
        ("content-type", content_type.to_string()),
    ]
}

fn ok(content_type: &str, body: String) -> Response<Body> {
    let mut headers = vec![("content-length", body.len().to_string())];
    headers.extend(cors(content_type));
    stack::python_http(200, SERVER, headers, body)
}

fn json(body: J) -> Response<Body> {
    ok("application/json", body.render(Escape::Python))
}

impl KoboldCpp {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn friendly_name(&self) -> String {
        let file = self.l.items.first().map(String::as_str).unwrap_or("model");
        format!("koboldcpp/{}", file.rsplit('/').next().unwrap_or(file))
    }
}

impl Handler for KoboldCpp {
    fn respond(&self, req: &Req) -> Response<Body> {
        if req.method != Method::GET {
            // Generation (POST) is out of the farm's scope; with a
            // password it would first be refused by `secure_endpoint`.
            return json(J::Obj(vec![(
                "detail",
                J::Obj(vec![("msg", J::s("aimap-farm: not emulated"))]),
            )]));
        }
        let path = req.path.trim_end_matches('/');
        if path.is_empty() {
            return ok(
                "text/html",
                "<!DOCTYPE html><html><head><title>KoboldAI Lite</title></head></html>".into(),
            );
        }
        if path.ends_with("/api/v1/model") || path.ends_with("/api/latest/model") {
            // The farm holds no password, so a protected server always masks.
            let name = if self.l.auth {
                "koboldcpp/protected-model".to_string()
            } else {
                self.friendly_name()
            };
            return json(J::Obj(vec![("result", J::s(name))]));
        }
        if path.ends_with("/api/extra/version") {
            return json(J::Obj(vec![
                ("result", J::s("KoboldCpp")),
                ("version", J::s(&self.l.version)),
                ("protected", J::Bool(self.l.auth)),
                ("txt2img", J::Bool(false)),
                ("vision", J::Bool(false)),
                ("transcribe", J::Bool(false)),
            ]));
        }
        if path.ends_with("/v1/models") {
            let entry = J::Obj(vec![
                ("id", J::s(self.friendly_name())),
                ("object", J::s("model")),
                ("created", J::Int(super::openai::CREATED)),
                ("owned_by", J::s("koboldcpp")),
                ("permission", J::Arr(vec![])),
                ("root", J::s("koboldcpp")),
            ]);
            return json(J::Obj(vec![
                ("object", J::s("list")),
                ("data", J::Arr(vec![entry])),
            ]));
        }
        if path.ends_with("/api/tags") {
            let details = J::Obj(vec![
                ("parent_model", J::s("")),
                ("format", J::s("gguf")),
                ("family", J::s("koboldcpp")),
                ("families", J::strs(["koboldcpp"])),
                ("parameter_size", J::s("128M")),
                ("quantization_level", J::s("Q4_0")),
            ]);
            let model = J::Obj(vec![
                ("name", J::s("koboldcpp")),
                ("model", J::s(self.friendly_name())),
                ("modified_at", J::s("2024-07-19T15:26:55.6122841+08:00")),
                ("size", J::Int(394_998_579)),
                (
                    "digest",
                    J::s("b5dc5e784f2a3ee1582373093acf69a2f4e2ac1710b253a001712b86a61f88bb"),
                ),
                ("details", details),
            ]);
            return json(J::Obj(vec![("models", J::Arr(vec![model]))]));
        }
        let body = "Error: HTTP Server is running, but this endpoint does not exist. Please check the URL.";
        stack::python_http(404, SERVER, cors("text/html"), body.into())
    }
}
