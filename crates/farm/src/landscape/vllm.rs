//! vLLM's OpenAI-compatible server (`vllm serve`, port 8000).
//!
//! Facts copied (vllm-project/vllm):
//! - vllm/entrypoints/openai/basic/api_router.py: `GET /version` →
//!   `{"version": VLLM_VERSION}` (JSONResponse); `GET /load` →
//!   `{"server_load": n}`.
//! - vllm/entrypoints/openai/protocol.py `ModelCard`/`ModelList`: id,
//!   object "model", created, owned_by "vllm", root, parent,
//!   max_model_len, permission[ModelPermission]; list object "list".
//! - `--api-key`/`VLLM_API_KEY` middleware: only paths under the guarded
//!   prefixes of the release ([`guarded_prefixes`]) need
//!   `Authorization: Bearer <key>`; otherwise 401
//!   `{"error":"Unauthorized"}`. `/version`, `/health`, `/metrics` stay open.
//! - `/health` answers 200 with an empty body (serve/instrumentator/health.py).
//! - Unknown paths get FastAPI's 404 `{"detail":"Not Found"}` (vLLM's own
//!   HTTPException handler is registered for FastAPI's subclass, which the
//!   router's 404 is not).
//! - Served by uvicorn (see stack.rs).
//! - A POST whose Content-Type is not JSON (the scan's inference proof;
//!   facts from the PyPI sdists of each release, vllm/entrypoints/openai/
//!   api_server.py unless noted): `/invocations` does not exist before
//!   0.7.0 (0.6.6: FastAPI 404); 0.7.0-0.7.2 route it with no
//!   `validate_json_request`, so `raw_request.json()` on a body that is not
//!   JSON raises and Starlette answers 500 "Internal Server Error"; from
//!   0.7.3 `validate_json_request` guards it and `/v1/chat/completions`:
//!   0.7.3-0.8.5 raise HTTPException 415 (FastAPI's own handler:
//!   `{"detail":"Unsupported Media Type: Only 'application/json' is
//!   allowed"}`), 0.9.2 and later raise RequestValidationError, which
//!   vLLM's handler answers 400 `ErrorResponse` (flat `object: "error"`
//!   in 0.9.2, nested under `error` from 0.10.1, serve/utils/api_utils.py
//!   in 0.34.0). Before 0.7.3 the chat route had no such check: FastAPI
//!   validates the raw bytes against ChatCompletionRequest and vLLM
//!   answers 400 "BadRequestError". None of it reaches the engine.
//! - `--api-key` guards only paths starting `/v1` up to 0.10.1
//!   (`url_path.startswith("/v1")`, 401 `{"error":"Unauthorized"}`), and
//!   `GUARDED_PREFIX = ("/v1", "/v2", "/inference", "/cohere")` in 0.34.0
//!   (serve/middleware/authenticate.py); `/invocations` is outside both,
//!   so a key leaves inference open there (docs/usage/security.md,
//!   "Unprotected Endpoints").

use http::{Method, Response};

use super::openai::{card, list, CREATED};
use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

/// What `--api-key` guards, by release (the released wheels'
/// vllm/entrypoints: 0.4.0-0.20.2 `/v1` only; 0.22.0-0.26.0 add `/v2` and
/// `/inference`; 0.27.0+ add `/cohere`; 0.21.0 has no wheel to check).
fn guarded_prefixes(at: Release) -> &'static [&'static str] {
    if at >= (0, 27, 0) {
        &["/v1", "/v2", "/inference", "/cohere"]
    } else if at >= (0, 22, 0) {
        &["/v1", "/v2", "/inference"]
    } else {
        &["/v1"]
    }
}

type Release = (u64, u64, u64);

/// The first release serving `POST /invocations`.
pub(crate) const INVOCATIONS_SINCE: Release = (0, 7, 0);
/// The first release checking the Content-Type (`validate_json_request`).
const JSON_CHECK_SINCE: Release = (0, 7, 3);
/// The release raising that check as a validation error (400): 0.9.2 does
/// (checked), 0.8.5 does not; 0.9.0 and 0.9.1 are taken to be like 0.9.2.
const VALIDATION_400_SINCE: Release = (0, 9, 0);
/// The first release nesting `ErrorResponse` under `error` (0.10.1;
/// 0.10.0 still flat).
const NESTED_ERROR_SINCE: Release = (0, 10, 1);

/// `x.y.z` of a release string (`0.10.1`, `0.8.5.post1`).
fn release(v: &str) -> Release {
    let mut it = v
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse().unwrap_or(0));
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

/// vLLM's 400 `ErrorResponse`, in the shape of the release.
fn bad_request(at: Release, message: &str, kind: &str) -> Response<Body> {
    let fields = |object: bool| {
        let mut f = Vec::new();
        if object {
            f.push(("object", J::s("error")));
        }
        f.extend([
            ("message", J::s(message)),
            ("type", J::s(kind)),
            ("param", J::Null),
            ("code", J::Int(400)),
        ]);
        J::Obj(f)
    };
    let body = if at >= NESTED_ERROR_SINCE {
        J::Obj(vec![("error", fields(false))])
    } else {
        fields(true)
    };
    stack::uvicorn_json(400, body)
}

/// The answer of a route behind `validate_json_request` to a body whose
/// Content-Type is not JSON.
fn not_json(at: Release) -> Response<Body> {
    const WHY: &str = "Unsupported Media Type: Only 'application/json' is allowed";
    if at >= VALIDATION_400_SINCE {
        let message = format!("1 validation error:\n  {WHY} [\"{WHY}\"]");
        bad_request(at, &message, "Bad Request")
    } else {
        stack::uvicorn_json(415, J::Obj(vec![("detail", J::s(WHY))]))
    }
}

fn is_json_type(req: &Req) -> bool {
    req.header("content-type")
        .and_then(|c| c.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// The body parses as JSON (what `raw_request.json()` checks).
fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok()
}

pub(crate) struct Vllm {
    l: Landscape,
}

impl Vllm {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn models(&self) -> J {
        let data = self
            .l
            .items
            .iter()
            .map(|m| {
                let mut fields = card(m, "vllm");
                fields.extend([
                    ("root", J::s(m)),
                    ("parent", J::Null),
                    ("max_model_len", J::Int(32768)),
                    ("permission", J::Arr(vec![permission()])),
                ]);
                J::Obj(fields)
            })
            .collect();
        list(data)
    }
}

/// vLLM's `ModelPermission` defaults.
fn permission() -> J {
    J::Obj(vec![
        ("id", J::s("modelperm-5f1c0e6a9d3b4f2e8a7c6b5d4e3f2a1b")),
        ("object", J::s("model_permission")),
        ("created", J::Int(CREATED)),
        ("allow_create_engine", J::Bool(false)),
        ("allow_sampling", J::Bool(true)),
        ("allow_logprobs", J::Bool(true)),
        ("allow_search_indices", J::Bool(false)),
        ("allow_view", J::Bool(true)),
        ("allow_fine_tuning", J::Bool(false)),
        ("organization", J::s("*")),
        ("group", J::Null),
        ("is_blocking", J::Bool(false)),
    ])
}

impl Handler for Vllm {
    fn respond(&self, req: &Req) -> Response<Body> {
        let guarded = guarded_prefixes(release(&self.l.version))
            .iter()
            .any(|p| req.path.starts_with(p));
        // The middleware skips OPTIONS and reads only the bearer scheme; the
        // farm holds no key, so every guarded request is refused.
        if self.l.auth && guarded && req.method != Method::OPTIONS {
            return stack::uvicorn_json(401, J::Obj(vec![("error", J::s("Unauthorized"))]));
        }
        let at = release(&self.l.version);
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/version") => {
                stack::uvicorn_json(200, J::Obj(vec![("version", J::s(&self.l.version))]))
            }
            (&Method::GET, "/health") => stack::uvicorn(200, "", vec![], String::new()),
            (&Method::GET, "/load") => {
                stack::uvicorn_json(200, J::Obj(vec![("server_load", J::Int(0))]))
            }
            (&Method::GET, "/v1/models") => stack::uvicorn_json(200, self.models()),
            (&Method::POST, "/v1/chat/completions") if !is_json_type(req) => {
                if at >= JSON_CHECK_SINCE {
                    not_json(at)
                } else {
                    bad_request(
                        at,
                        "[{'type': 'model_attributes_type', 'loc': ('body',), 'msg': 'Input should be a valid dictionary or object to extract fields from', 'input': b'{'}]",
                        "BadRequestError",
                    )
                }
            }
            (&Method::POST, "/invocations") if at >= INVOCATIONS_SINCE => {
                if at >= JSON_CHECK_SINCE && !is_json_type(req) {
                    not_json(at)
                } else if !is_json(&req.body) {
                    // json.JSONDecodeError escapes the handler.
                    stack::uvicorn(
                        500,
                        "text/plain; charset=utf-8",
                        vec![],
                        "Internal Server Error".into(),
                    )
                } else {
                    // A JSON body would run a model: never emulated.
                    stack::uvicorn_json(
                        501,
                        J::Obj(vec![(
                            "detail",
                            J::s("aimap-farm: vLLM inference is not emulated"),
                        )]),
                    )
                }
            }
            _ => stack::uvicorn_not_found(),
        }
    }
}
