//! llama.cpp's `llama-server` (cpp-httplib; default 127.0.0.1:8080).
//!
//! Facts copied (ggml-org/llama.cpp, tools/server):
//! - server-http.cpp: `set_default_headers({{"Server", "llama.cpp"}})` on
//!   every answer; JSON is `nlohmann::ordered_json` (keys in insertion
//!   order), content type `application/json; charset=utf-8`.
//! - API-key enforcement changed three times; facts from the llama.cpp
//!   vendored in llama-cpp-python's PyPI sdists (vendor/llama.cpp,
//!   examples/server/server.cpp, later tools/server/server-http.cpp):
//!   - scheme A (to ~March 2024, e.g. c2101a2e in llama-cpp-python
//!     0.2.56): the key is checked inside the completion, chat and infill
//!     handlers only; the refusal is 401 text/plain `Unauthorized` (the
//!     error handler rewrites the body); /props, /slots, /v1/models open.
//!   - scheme B (~May to early October 2024; 0.2.80, 0.3.1 read here):
//!     a fixed `protected_endpoints` list (/props, completions, chat,
//!     infill, tokenize, detokenize, embeddings); /slots (on by default),
//!     /lora-adapters (from ~August 2024), /metrics, /v1/models stay open.
//!   - scheme C (PR #9776, October 2024; 0.3.8 read here): every path but
//!     the `public_endpoints` (/health, /models, /v1/models, /, later
//!     /api/tags and /v1/health) needs the key; /slots off by default.
//!   - scheme D (newest, llama.cpp 0c1e57098 in llama-cpp-python 0.3.36):
//!     only /health, /v1/health and the UI's assets are public; the model
//!     lists need the key too; /slots on by default again.
//! - From B on the refusal is 401 `{"error":{..."message":"Invalid API
//!   Key","type":"authentication_error"...}}` (`format_error_response`).
//!   The build numbers that separate the schemes are not pinned by the
//!   sources read (date-anchored guesses: B from b2600, C from b3900, D
//!   from b7500); the rule decides from the answers, never the number.
//! - A body that is not JSON: `json::parse` throws and the exception
//!   handler (`ex_wrapper` in the newest) answers 500 with nlohmann's
//!   `[json.exception.parse_error.101] ...` message (`server_error`).
//! - `GET /slots` → one object per slot (`id`, `n_ctx`, `prompt`, ...);
//!   when disabled, 501 "This server does not support slots endpoint".
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

/// How `--api-key` is enforced (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scheme {
    PerHandler,
    ProtectedList,
    PublicList,
    HealthOnly,
}

/// scheme B's `protected_endpoints`.
const PROTECTED: [&str; 12] = [
    "/props",
    "/completion",
    "/completions",
    "/v1/completions",
    "/chat/completions",
    "/v1/chat/completions",
    "/infill",
    "/tokenize",
    "/detokenize",
    "/embedding",
    "/embeddings",
    "/v1/embeddings",
];
const PUBLIC_C: [&str; 6] = [
    "/health",
    "/v1/health",
    "/models",
    "/v1/models",
    "/api/tags",
    "/",
];
const PUBLIC_D: [&str; 3] = ["/health", "/v1/health", "/"];
const PARSE_ERROR: &str = "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing object key - unexpected end of input; expected string literal";
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

    fn build(&self) -> u64 {
        self.l
            .version
            .trim_start_matches('b')
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    fn scheme(&self) -> Scheme {
        match self.build() {
            0..2600 => Scheme::PerHandler,
            2600..3900 => Scheme::ProtectedList,
            3900..7500 => Scheme::PublicList,
            _ => Scheme::HealthOnly,
        }
    }

    /// Whether the key (set, and not sent) refuses this request.
    fn refuses(&self, req: &Req) -> bool {
        if !self.l.auth || req.method == Method::OPTIONS {
            return false;
        }
        let path = req.path.as_str();
        match self.scheme() {
            Scheme::PerHandler => {
                req.method == Method::POST
                    && [
                        "/completion",
                        "/completions",
                        "/v1/chat/completions",
                        "/infill",
                    ]
                    .contains(&path)
            }
            Scheme::ProtectedList => PROTECTED.contains(&path),
            Scheme::PublicList => !PUBLIC_C.contains(&path),
            Scheme::HealthOnly => !PUBLIC_D.contains(&path),
        }
    }

    fn refusal(&self) -> Response<Body> {
        if self.scheme() == Scheme::PerHandler {
            return reply(401, "text/plain; charset=utf-8", "Unauthorized".into());
        }
        error(401, "Invalid API Key", "authentication_error")
    }

    /// What the exception handler makes of a body that is not JSON.
    fn parse_error(&self) -> Response<Body> {
        if self.scheme() == Scheme::PerHandler {
            return reply(
                500,
                "text/plain; charset=utf-8",
                format!("500 Internal Server Error\n{PARSE_ERROR}"),
            );
        }
        error(500, PARSE_ERROR, "server_error")
    }

    /// `/lora-adapters` came in August 2024 (b3500, date-anchored).
    fn has_lora(&self) -> bool {
        self.build() >= 3500
    }

    fn slots_enabled(&self) -> bool {
        self.scheme() != Scheme::PublicList
    }

    fn slots(&self) -> J {
        J::Arr(vec![J::Obj(vec![
            ("id", J::Int(0)),
            ("id_task", J::Int(-1)),
            ("n_ctx", J::Int(4096)),
            ("is_processing", J::Bool(false)),
            ("prompt", J::s("")),
        ])])
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
        let mut fields = vec![
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
        ];
        // model_path came in December 2024, build_info in January 2025
        // (vendored ce8784bd and f7cd1330); date-anchored as b4300.
        if self.build() < 4300 {
            fields.retain(|(k, _)| !matches!(*k, "model_path" | "build_info"));
        }
        J::Obj(fields)
    }
}

impl Handler for LlamaCpp {
    fn respond(&self, req: &Req) -> Response<Body> {
        let path = req.path.as_str();
        if self.refuses(req) {
            return self.refusal();
        }
        if req.method == Method::POST {
            return match path {
                "/completion"
                | "/completions"
                | "/v1/completions"
                | "/chat/completions"
                | "/v1/chat/completions"
                | "/infill"
                    if !is_json(&req.body) =>
                {
                    self.parse_error()
                }
                "/lora-adapters" if self.has_lora() && !is_json(&req.body) => self.parse_error(),
                _ => error(404, "File Not Found", "not_found_error"),
            };
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
            "/lora-adapters" if self.has_lora() => json(200, J::Arr(vec![])),
            "/slots" if self.slots_enabled() => json(200, self.slots()),
            "/slots" => error(
                501,
                "This server does not support slots endpoint. Start it with `--slots`",
                "not_supported_error",
            ),
            _ => error(404, "File Not Found", "not_found_error"),
        }
    }
}

fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok()
}
