//! Smaller OpenAI-compatible servers, each named by its model cards or by a
//! route of its own. All FastAPI apps served by uvicorn.
//!
//! Facts copied:
//! - lm-sys/FastChat fastchat/protocol/openai_api_protocol.py `ModelCard`
//!   (owned_by "fastchat", root, parent, permission) and
//!   fastchat/serve/openai_api_server.py `check_api_key`: with
//!   `--api-keys`, a missing or wrong bearer → HTTPException 401 whose
//!   detail is `{"error":{"message":"","type":"invalid_request_error",
//!   "param":null,"code":"invalid_api_key"}}` (rendered under `detail`).
//!   `POST /api/v1/chat/completions` has no `check_api_key` (v0.2.36 and
//!   the last commit, 0e6d3e4b): a body that is not JSON gets FastChat's
//!   RequestValidationError handler, 400 `{"object":"error","message":
//!   str(exc),"code":40001}` (ErrorCode.VALIDATION_TYPE_ERROR), key or not.
//! - InternLM/lmdeploy lmdeploy/serve/openai/protocol.py `ModelCard`
//!   (owned_by 'lmdeploy') and api_server.py `check_api_key`, copied from
//!   FastChat with the same refusal, up to v0.12.1; from v0.12.2 an ASGI
//!   `AuthenticationMiddleware` answers 401 `{"error":"Unauthorized"}`
//!   (serve/utils/server_utils.py), and by v0.16.0 the OpenAI envelope
//!   `{"message":"Unauthorized.","type":"authentication_error","code":401}`
//!   (the farm uses it from v0.13); `GET /health` answers 200 unguarded.
//! - xorbitsai/inference xinference/api/restful_api.py: `GET /v1/models`
//!   lists running models with `"owned_by": "xinference"` plus their
//!   model_info (model_type, address, accelerators, model_name, ...);
//!   `GET /v1/cluster/auth` (never guarded) answers `{"auth": <bool>}`
//!   (`is_cluster_authenticated`, restful_api.py at v1.7.0, routers/admin.py
//!   at v3.2.1; a dict since the route came in v0.8.0); `GET
//!   /v1/cluster/version` (admin scope when auth is on) answers
//!   versioneer's dict {version, full-revisionid, dirty, error, date} up to
//!   2.x, and only {version, full-revisionid} (the id may be null) in 3.x.
//!   With auth, OAuth2 bearer: 401 `{"detail":"Not authenticated"}` and
//!   `WWW-Authenticate: Bearer` up to 2.x (oauth2/auth_service.py, v1.7.0);
//!   the advanced auth of 3.x (on by default since v3.0.0) answers 401
//!   `{"detail":"Could not validate credentials"}` with
//!   `WWW-Authenticate: Bearer scope="..."` (oauth2/advanced/auth_service.py,
//!   v3.2.1).
//! - theroyallab/tabbyAPI endpoints/core/router.py: `GET
//!   /.well-known/serviceinfo` (unguarded) names "TabbyAPI"; `GET
//!   /v1/models` behind common/auth.py `check_api_key` (API keys on by
//!   default): no key → 401 `{"detail":"Please provide an API key"}`;
//!   model cards say `"owned_by": "tabbyAPI"`. With its Kobold API on
//!   (`api_servers: ["OAI", "Kobold"]`), endpoints/Kobold/router.py
//!   (added in b7cb6f0, 2024-07-26; unchanged at e632af4) impersonates
//!   KoboldCpp without a key: `GET /api/extra/version` →
//!   `{"result":"KoboldCpp","version":"1.74"}`. Emulated always.
//! - oobabooga/text-generation-webui modules/api/script.py: every route
//!   depends on `verify_api_key` (`--api-key`: 401
//!   `{"detail":"Unauthorized"}`); `GET /v1/internal/model/info` →
//!   `{"model_name","lora_names","loader"}` (modules/api/models.py);
//!   `/v1/models` cards say `"owned_by": "user"`, created 0.

use http::{Method, Response};

use super::openai::{card, list};
use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    FastChat,
    LmDeploy,
    Xinference,
    TabbyApi,
    TextGenWebUi,
}

pub(crate) struct Family {
    l: Landscape,
    kind: Kind,
}

fn detail(status: u16, detail: J, extra: Vec<(&'static str, String)>) -> Response<Body> {
    let body = J::Obj(vec![("detail", detail)]).render(crate::json::Escape::Rapid);
    stack::uvicorn(status, "application/json", extra, body)
}

fn invalid_api_key() -> Response<Body> {
    let error = J::Obj(vec![
        ("message", J::s("")),
        ("type", J::s("invalid_request_error")),
        ("param", J::Null),
        ("code", J::s("invalid_api_key")),
    ]);
    detail(401, J::Obj(vec![("error", error)]), vec![])
}

impl Family {
    pub fn new(l: Landscape, kind: Kind) -> Self {
        Self { l, kind }
    }

    fn models(&self) -> J {
        let owner = match self.kind {
            Kind::FastChat => "fastchat",
            Kind::LmDeploy => "lmdeploy",
            Kind::Xinference => "xinference",
            Kind::TabbyApi => "tabbyAPI",
            Kind::TextGenWebUi => "user",
        };
        let data = self
            .l
            .items
            .iter()
            .map(|m| {
                let mut fields = card(m, owner);
                match self.kind {
                    Kind::FastChat | Kind::LmDeploy => fields.extend([
                        ("root", J::s(m)),
                        ("parent", J::Null),
                        ("permission", J::Arr(vec![])),
                    ]),
                    Kind::Xinference => fields.extend([
                        ("model_type", J::s("LLM")),
                        ("address", J::s("0.0.0.0:35417")),
                        ("accelerators", J::strs(["0"])),
                        ("model_name", J::s(m)),
                        ("model_lang", J::strs(["en", "zh"])),
                        ("model_ability", J::strs(["generate", "chat"])),
                    ]),
                    Kind::TabbyApi => fields.push(("parameters", J::Null)),
                    Kind::TextGenWebUi => {
                        fields[2] = ("created", J::Int(0));
                    }
                }
                J::Obj(fields)
            })
            .collect();
        list(data)
    }

    /// Major and minor of the emulated release.
    fn release(&self) -> (u64, u64) {
        let mut it = self
            .l
            .version
            .trim_start_matches('v')
            .split('.')
            .map(|p| p.parse().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    }

    /// The major number of the emulated release.
    fn major(&self) -> u64 {
        self.l
            .version
            .split('.')
            .next()
            .and_then(|m| m.trim_start_matches('v').parse().ok())
            .unwrap_or(0)
    }

    /// The product's refusal when its key is set and none came.
    fn refuse(&self) -> Response<Body> {
        match self.kind {
            Kind::LmDeploy if self.release() >= (0, 13) => stack::uvicorn_json(
                401,
                J::Obj(vec![
                    ("message", J::s("Unauthorized.")),
                    ("type", J::s("authentication_error")),
                    ("code", J::Int(401)),
                ]),
            ),
            Kind::LmDeploy
                if self.release() >= (0, 12)
                    && !self.l.version.starts_with("0.12.0")
                    && !self.l.version.starts_with("0.12.1") =>
            {
                stack::uvicorn_json(401, J::Obj(vec![("error", J::s("Unauthorized"))]))
            }
            Kind::FastChat | Kind::LmDeploy => invalid_api_key(),
            Kind::Xinference if self.major() >= 3 => detail(
                401,
                J::s("Could not validate credentials"),
                vec![("www-authenticate", r#"Bearer scope="models:list""#.into())],
            ),
            Kind::Xinference => detail(
                401,
                J::s("Not authenticated"),
                vec![("www-authenticate", "Bearer".into())],
            ),
            Kind::TabbyApi => detail(401, J::s("Please provide an API key"), vec![]),
            Kind::TextGenWebUi => detail(401, J::s("Unauthorized"), vec![]),
        }
    }

    /// Routes that answer whatever the key setting.
    fn public(&self, path: &str) -> Option<Response<Body>> {
        match (self.kind, path) {
            (Kind::LmDeploy, "/health") => Some(stack::uvicorn(200, "", vec![], String::new())),
            (Kind::Xinference, "/v1/cluster/auth") => Some(stack::uvicorn_json(
                200,
                J::Obj(vec![("auth", J::Bool(self.l.auth))]),
            )),
            (Kind::TabbyApi, "/.well-known/serviceinfo") => {
                let software = J::Obj(vec![
                    ("name", J::s("TabbyAPI")),
                    (
                        "repository",
                        J::s("https://github.com/theroyallab/tabbyAPI"),
                    ),
                    ("homepage", J::s("https://github.com/theroyallab/tabbyAPI")),
                ]);
                Some(stack::uvicorn_json(
                    200,
                    J::Obj(vec![
                        ("version", J::Raw("0.1".into())),
                        ("software", software),
                    ]),
                ))
            }
            (Kind::TabbyApi, "/api/extra/version") => Some(stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("result", J::s("KoboldCpp")),
                    ("version", J::s("1.74")),
                ]),
            )),
            (Kind::TabbyApi, "/health") => Some(stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("status", J::s("healthy")),
                    ("issues", J::Arr(vec![])),
                ]),
            )),
            _ => None,
        }
    }
}

impl Handler for Family {
    fn respond(&self, req: &Req) -> Response<Body> {
        if self.kind == Kind::FastChat
            && req.method == Method::POST
            && req.path == "/api/v1/chat/completions"
            && serde_json::from_slice::<serde_json::Value>(&req.body).is_err()
        {
            return stack::uvicorn_json(
                400,
                J::Obj(vec![
                    ("object", J::s("error")),
                    ("message", J::s("[{'type': 'json_invalid', 'loc': ('body', 1), 'msg': 'JSON decode error', 'input': {}, 'ctx': {'error': 'Expecting property name enclosed in double quotes'}}]")),
                    ("code", J::Int(40001)),
                ]),
            );
        }
        if req.method != Method::GET {
            return stack::uvicorn_json(405, J::Obj(vec![("detail", J::s("Method Not Allowed"))]));
        }
        let path = req.path.as_str();
        if let Some(answer) = self.public(path) {
            return answer;
        }
        let known = matches!(
            (self.kind, path),
            (_, "/v1/models")
                | (Kind::Xinference, "/v1/cluster/version")
                | (Kind::TextGenWebUi, "/v1/internal/model/info")
        );
        if !known {
            return stack::uvicorn_not_found();
        }
        if self.l.auth {
            return self.refuse();
        }
        match path {
            "/v1/models" => stack::uvicorn_json(200, self.models()),
            "/v1/cluster/version" if self.major() >= 3 => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("version", J::s(&self.l.version)),
                    ("full-revisionid", J::Null),
                ]),
            ),
            "/v1/cluster/version" => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    ("date", J::s("2025-08-01T12:00:00+0800")),
                    ("dirty", J::Bool(false)),
                    ("error", J::Null),
                    (
                        "full-revisionid",
                        J::s("3c1e9f0a7b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"),
                    ),
                    ("version", J::s(&self.l.version)),
                ]),
            ),
            _ => stack::uvicorn_json(
                200,
                J::Obj(vec![
                    (
                        "model_name",
                        J::s(self.l.items.first().cloned().unwrap_or_default()),
                    ),
                    ("lora_names", J::Arr(vec![])),
                    ("loader", J::s("llama.cpp")),
                ]),
            ),
        }
    }
}
