//! llama.cpp's `llama-server` (cpp-httplib; default 127.0.0.1:8080).
//!
//! Facts copied (ggml-org/llama.cpp, tools/server):
//! - server-http.cpp: `set_default_headers({{"Server", "llama.cpp"}})` on
//!   every answer; JSON is `nlohmann::ordered_json` (keys in insertion
//!   order), content type `application/json; charset=utf-8`.
//! - API-key middleware (`--api-key`/`LLAMA_API_KEY`): public endpoints
//!   `/health`, `/models`, `/v1/models`, `/api/tags` and `/` never need the
//!   key; any other path without `Authorization: Bearer <key>` → 401
//!   `{"error":{"code":401,"message":"Invalid API Key","type":
//!   "authentication_error"}}` (`format_error_response`).
//! - `GET /health`, `/v1/health` → `{"status":"ok"}`.
//! - `GET /models`, `/v1/models`, `/api/tags` → one body for all three:
//!   `{"models":[Ollama-style entry],"object":"list","data":[{"id",
//!   "object":"model","created","owned_by":"llamacpp","meta":{...}}]}`.
//! - `GET /props` → default_generation_settings, total_slots, model_alias,
//!   model_path, modalities, chat_template, bos_token, eos_token,
//!   build_info (`b<build>-<commit>`).
//! - No route → 404 `{"error":{"code":404,"message":"File Not Found",
//!   "type":"not_found_error"}}`; `GET /` serves the web UI.

use http::{Method, Response};

use super::openai::CREATED;
use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::{Escape, J};

const PUBLIC: [&str; 5] = ["/health", "/models", "/v1/models", "/api/tags", "/"];
const JSON: &str = "application/json; charset=utf-8";

pub(crate) struct LlamaCpp {
    l: Landscape,
}

fn reply(status: u16, content_type: &str, body: String) -> Response<Body> {
    let headers = vec![
        ("server", "llama.cpp".to_string()),
        ("content-type", content_type.to_string()),
    ];
    stack::httplib(status, headers, body)
}

fn json(status: u16, body: J) -> Response<Body> {
    reply(status, JSON, body.render(Escape::Rapid))
}

fn error(code: i64, message: &str, kind: &str) -> Response<Body> {
    let err = J::Obj(vec![
        ("code", J::Int(code)),
        ("message", J::s(message)),
        ("type", J::s(kind)),
    ]);
    json(code as u16, J::Obj(vec![("error", err)]))
}

impl LlamaCpp {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn model(&self) -> &str {
        self.l.items.first().map(String::as_str).unwrap_or("")
    }

    fn models(&self) -> J {
        let ollama_style = J::Obj(vec![
            ("name", J::s(self.model())),
            ("model", J::s(self.model())),
            ("modified_at", J::s("")),
            ("size", J::s("")),
            ("digest", J::s("")),
            ("type", J::s("model")),
            ("description", J::s("")),
            ("tags", J::strs([""])),
            ("capabilities", J::strs(["completion"])),
            ("parameters", J::s("")),
        ]);
        let meta = J::Obj(vec![
            ("vocab_type", J::Int(2)),
            ("n_vocab", J::Int(152_064)),
            ("n_ctx_train", J::Int(32768)),
            ("n_embd", J::Int(3584)),
            ("n_params", J::Int(7_615_616_512)),
            ("size", J::Int(4_677_120_000)),
        ]);
        let data = J::Obj(vec![
            ("id", J::s(self.model())),
            ("object", J::s("model")),
            ("created", J::Int(CREATED)),
            ("owned_by", J::s("llamacpp")),
            ("meta", meta),
        ]);
        J::Obj(vec![
            ("models", J::Arr(vec![ollama_style])),
            ("object", J::s("list")),
            ("data", J::Arr(vec![data])),
        ])
    }

    fn props(&self) -> J {
        let settings = J::Obj(vec![
            ("n_ctx", J::Int(4096)),
            (
                "params",
                J::Obj(vec![
                    ("temperature", J::Raw("0.8".into())),
                    ("top_k", J::Int(40)),
                ]),
            ),
        ]);
        J::Obj(vec![
            ("default_generation_settings", settings),
            ("total_slots", J::Int(1)),
            ("model_alias", J::s(self.model())),
            (
                "model_path",
                J::s(format!("/models/{}.gguf", self.model().replace('/', "_"))),
            ),
            (
                "modalities",
                J::Obj(vec![("vision", J::Bool(false)), ("audio", J::Bool(false))]),
            ),
            (
                "chat_template",
                J::s("{% for message in messages %}...{% endfor %}"),
            ),
            ("bos_token", J::s("<|endoftext|>")),
            ("eos_token", J::s("<|im_end|>")),
            ("build_info", J::s(format!("{}-4d5e6f7", self.l.version))),
        ])
    }
}

impl Handler for LlamaCpp {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        if self.l.auth && !PUBLIC.contains(&path) && req.method != Method::OPTIONS {
            return error(401, "Invalid API Key", "authentication_error");
        }
        if req.method != Method::GET {
            return error(404, "File Not Found", "not_found_error");
        }
        match path {
            "/" => reply(
                200,
                "text/html; charset=utf-8",
                "<!doctype html><html><head><title>llama.cpp - chat</title></head><body><div id=\"app\"></div></body></html>".into(),
            ),
            "/health" | "/v1/health" => json(200, J::Obj(vec![("status", J::s("ok"))])),
            "/models" | "/v1/models" | "/api/tags" => json(200, self.models()),
            "/props" => json(200, self.props()),
            _ => error(404, "File Not Found", "not_found_error"),
        }
    }
}
