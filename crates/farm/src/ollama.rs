//! An open Ollama server.
//!
//! Facts copied (ollama/ollama at fb30760, Aug 2026, unless noted):
//! - server/routes.go `GenerateRoutes`: the route table below, gin with
//!   `HandleMethodNotAllowed = true`; `GET`/`HEAD /` → 200 "Ollama is
//!   running" via `c.String`; `GET`/`HEAD /api/version` →
//!   `{"version":...}`; `/api/tags` → `ListResponse`; `/api/ps` →
//!   `ProcessResponse` (idle server: no loaded models); `/api/status` →
//!   `{"cloud":{"disabled":false,"source":"none"}}` (envconfig/config.go
//!   `NoCloudSource` default).
//! - Handlers' input errors: empty body → 400 `{"error":"missing request
//!   body"}`; unknown model → 404 `{"error":"model 'X' not found"}`
//!   (`CopyHandler` quotes with %q); `ShowHandler` names the model in
//!   DisplayShortest form (`name:latest`).
//! - Routing misses (404, 405 with `Allow`, trailing-slash redirects) and
//!   JSON binding errors are gin's (gin.rs); gin v1.10.0 render/json.go
//!   and render/text.go give the `charset=utf-8` content types; headers
//!   are Go net/http's (http.rs `go`).
//! - `HEAD /api/blobs/<digest>` for a blob that is not there → 404
//!   `{"error":"blob \"<digest>\" not found"}` (`HeadBlobHandler`).
//! - middleware/openai.go `ListWriter`/`RetrieveWriter`: `/v1/models`
//!   answers `application/json` via json.Encoder (trailing newline), errors
//!   as openai.go `ErrorResponse` with type "not_found_error".
//!
//! What it does not do: run models. A request that would act on an
//! installed model (generate, pull, delete...) gets 501 with an error
//! naming the farm, so a test can never mistake it for the real thing.

use http::Response;

use crate::gin;
use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};
use crate::ollama_models::{with_tag, Model};

/// gin keeps one route tree per method, in the order a method was first
/// registered (`HEAD /` comes first in routes.go); 405's `Allow` follows it.
const METHODS: [&str; 4] = ["HEAD", "GET", "POST", "DELETE"];

/// routes.go `GenerateRoutes`, in order; `:x` is a gin path parameter.
const ROUTES: &[(&str, &str)] = &[
    ("HEAD", "/"),
    ("GET", "/"),
    ("HEAD", "/api/version"),
    ("GET", "/api/version"),
    ("GET", "/api/status"),
    ("POST", "/api/pull"),
    ("POST", "/api/push"),
    ("HEAD", "/api/tags"),
    ("GET", "/api/tags"),
    ("POST", "/api/show"),
    ("DELETE", "/api/delete"),
    ("POST", "/api/me"),
    ("POST", "/api/signout"),
    ("DELETE", "/api/user/keys/:encodedKey"),
    ("POST", "/api/create"),
    ("POST", "/api/blobs/:digest"),
    ("HEAD", "/api/blobs/:digest"),
    ("POST", "/api/copy"),
    ("POST", "/api/experimental/web_search"),
    ("POST", "/api/experimental/web_fetch"),
    ("GET", "/api/experimental/model-recommendations"),
    ("GET", "/api/ps"),
    ("POST", "/api/generate"),
    ("POST", "/api/chat"),
    ("POST", "/api/embed"),
    ("POST", "/api/embeddings"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/completions"),
    ("POST", "/v1/embeddings"),
    ("GET", "/v1/models"),
    ("GET", "/v1/models/:model"),
    ("POST", "/v1/responses"),
    ("POST", "/v1/audio/transcriptions"),
    ("POST", "/v1/messages"),
];

const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

pub(crate) struct Ollama {
    version: String,
    models: Vec<Model>,
    /// Bound to loopback and reached through a forwarder: the Host check
    /// is on (see [`host_allowed`]).
    forwarded: bool,
}

impl Ollama {
    pub fn new(version: String, names: &[String]) -> Self {
        let models = names
            .iter()
            .enumerate()
            .map(|(i, n)| Model::new(n, i))
            .collect();
        Self {
            version,
            models,
            forwarded: false,
        }
    }

    /// Ollama bound to loopback (the default `OLLAMA_HOST`), published by
    /// a TCP forwarder, a tunnel or a proxy that keeps the Host header.
    pub fn forwarded(mut self) -> Self {
        self.forwarded = true;
        self
    }

    fn find(&self, name: &str) -> Option<&Model> {
        let tagged = with_tag(name);
        self.models.iter().find(|m| m.name == tagged)
    }

    fn route(&self, pattern: &str, req: &Req) -> Response<Body> {
        match pattern {
            "/" => h::go(
                200,
                vec![("content-type", TEXT.into())],
                "Ollama is running",
            ),
            "/api/version" => json(200, J::Obj(vec![("version", J::s(&self.version))])),
            "/api/status" => json(
                200,
                J::Obj(vec![(
                    "cloud",
                    J::Obj(vec![("disabled", J::Bool(false)), ("source", J::s("none"))]),
                )]),
            ),
            "/api/tags" => json(
                200,
                J::Obj(vec![(
                    "models",
                    J::Arr(self.models.iter().map(Model::tags_entry).collect()),
                )]),
            ),
            "/api/ps" => json(200, J::Obj(vec![("models", J::Arr(vec![]))])),
            "/v1/models" => {
                let data = if self.models.is_empty() {
                    J::Null
                } else {
                    J::Arr(self.models.iter().map(Model::openai_entry).collect())
                };
                openai(200, J::Obj(vec![("object", J::s("list")), ("data", data)]))
            }
            "/v1/models/:model" => {
                let name = req.path.trim_start_matches("/v1/models/");
                match self.find(name) {
                    Some(m) => openai(200, m.openai_entry()),
                    None => openai_error(404, &format!("model '{}' not found", with_tag(name))),
                }
            }
            "/api/blobs/:digest" if req.method == http::Method::HEAD => {
                let digest = req.path.trim_start_matches("/api/blobs/");
                let quoted = serde_json::Value::from(digest).to_string();
                error(404, &format!("blob {quoted} not found"))
            }
            "/api/show" | "/api/generate" | "/api/chat" | "/api/embed" | "/api/embeddings"
            | "/api/delete" | "/api/copy" | "/api/pull" | "/api/push" => {
                self.model_request(pattern, req)
            }
            _ => not_emulated(),
        }
    }

    /// The input checks the JSON handlers run before acting on a model.
    fn model_request(&self, pattern: &str, req: &Req) -> Response<Body> {
        let body = match gin::bind_json(&req.body, request_type(pattern)) {
            Ok(body) => body,
            Err(message) => return error(400, &message),
        };
        if matches!(pattern, "/api/pull" | "/api/push") {
            return not_emulated();
        }
        let field = |key: &str| {
            body.get(key)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let name = if pattern == "/api/copy" {
            field("source")
        } else if field("model").is_empty() {
            field("name")
        } else {
            field("model")
        };
        if name.is_empty() {
            return error(400, "model is required");
        }
        if self.find(&name).is_some() {
            return not_emulated();
        }
        match pattern {
            "/api/copy" => error(
                404,
                &format!("model {} not found", serde_json::Value::from(name)),
            ),
            "/api/show" => error(404, &format!("model '{}' not found", with_tag(&name))),
            _ => error(404, &format!("model '{name}' not found")),
        }
    }
}

impl Handler for Ollama {
    fn respond(&self, req: &Req) -> Response<Body> {
        if self.forwarded && !host_allowed(req.header("host").unwrap_or("")) {
            // gin's AbortWithStatus: the status, no body.
            return h::go(403, vec![], "");
        }
        match gin::dispatch(&METHODS, ROUTES, req) {
            Ok(pattern) => self.route(pattern, req),
            Err(answer) => *answer,
        }
    }
}

/// The api/types.go request struct each handler decodes into.
fn request_type(pattern: &str) -> &'static str {
    match pattern {
        "/api/show" => "ShowRequest",
        "/api/generate" => "GenerateRequest",
        "/api/chat" => "ChatRequest",
        "/api/embed" => "EmbedRequest",
        "/api/embeddings" => "EmbeddingRequest",
        "/api/delete" => "DeleteRequest",
        "/api/copy" => "CopyRequest",
        "/api/push" => "PushRequest",
        _ => "PullRequest",
    }
}

fn json(status: u16, body: J) -> Response<Body> {
    h::go(
        status,
        vec![("content-type", JSON.into())],
        body.render(Escape::Go),
    )
}

fn error(status: u16, message: &str) -> Response<Body> {
    json(status, J::Obj(vec![("error", J::s(message))]))
}

/// The OpenAI-compatible writers re-encode with json.Encoder: plain
/// `application/json` and a trailing newline.
fn openai(status: u16, body: J) -> Response<Body> {
    h::go(
        status,
        vec![("content-type", "application/json".into())],
        body.render(Escape::Go) + "\n",
    )
}

fn openai_error(status: u16, message: &str) -> Response<Body> {
    let kind = if status == 404 {
        "not_found_error"
    } else {
        "invalid_request_error"
    };
    let error = J::Obj(vec![
        ("message", J::s(message)),
        ("type", J::s(kind)),
        ("param", J::Null),
        ("code", J::Null),
    ]);
    openai(status, J::Obj(vec![("error", error)]))
}

fn not_emulated() -> Response<Body> {
    error(501, "aimap-farm: this Ollama endpoint is not emulated")
}

/// routes.go `allowedHostsMiddleware` (v0.1.29 to v0.32.15), active only
/// while the server binds
/// a loopback address: a Host that is a loopback, private or unspecified
/// IP, or a name `allowedHost` accepts (`localhost`, the machine's
/// hostname, `*.localhost`, `*.local`, `*.internal`), passes; anything
/// else gets 403 with no body. The farm listens on a 127.x address that
/// stands for the forwarder's public one, so every IP literal but the
/// host's own loopback (127.0.0.1, ::1) counts as foreign here; the
/// hostname is not modelled.
fn host_allowed(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = name.parse::<std::net::IpAddr>() {
        return ip == std::net::IpAddr::from([127, 0, 0, 1]) || ip == std::net::Ipv6Addr::LOCALHOST;
    }
    let name = name.to_ascii_lowercase();
    name.is_empty()
        || name == "localhost"
        || [".localhost", ".local", ".internal"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn allowed_hosts_follow_routes_go() {
        for ok in [
            "localhost:11434",
            "LOCALHOST",
            "a.localhost",
            "gpu.local:11434",
            "x.internal",
            "127.0.0.1:11434",
            "[::1]:11434",
            "",
        ] {
            assert!(host_allowed(ok), "{ok}");
        }
        for foreign in [
            "127.80.2.1:11434",
            "203.0.113.7:11434",
            "ollama.example.com",
            "localhost.example.com",
        ] {
            assert!(!host_allowed(foreign), "{foreign}");
        }
    }
}
