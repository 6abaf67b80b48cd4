//! NVIDIA Triton Inference Server's HTTP/REST endpoint (KServe v2).
//!
//! Facts copied (triton-inference-server/server at e1db8a6, Aug 2026):
//! - src/http_server.cc `HTTPAPIServer::Handle`: the dispatch order and
//!   path patterns below (`/v2/models/stats`, `/v2/logging`, the model
//!   regex, `/v2`, health, shared memory, repository, trace); anything else
//!   → 404 `{"error":"Not Found"}`.
//! - Each handler first runs `RETURN_AND_RESPOND_IF_RESTRICTED`, then (most
//!   of them) sets `Content-Type: application/json`, then checks the method
//!   → 405 `{"error":"Method Not Allowed"}`. Health and model-ready set no
//!   type. `RespondIfRestricted` answers 403 `{"error":"This API is
//!   restricted, expecting header '<key>'"}` before any type is set.
//! - `HttpCodeFromError`: INVALID_ARG → 400, NOT_FOUND → 404,
//!   UNAVAILABLE → 503; health and ready answer 200 with no body.
//! - docs/customization_guide/inference_protocols.md: the restricted API
//!   example `shared-memory,model-config,model-repository,statistics,trace`;
//!   qa/L0_http/test.sh: header `admin-key=admin-value`.
//! - triton-inference-server/core src/model_repository_manager/*.cc:
//!   "Request for unknown model: '<m>' is not found" (400), "... '<m>'
//!   version <v> is not found" (404), "explicit model load / unload is not
//!   allowed if polling is enabled" (503, default model control mode);
//!   src/tritonserver.cc "requested model '<m>' is not available" (400).
//! - Bodies: triton_model.rs; paths: triton_paths.rs; errors:
//!   triton_reply.rs; headers: libevhtp (http.rs `evhtp`).
//!
//! What it does not do: inference, trace settings, shared-memory
//! registration. Those answer 501 naming the farm.

use http::{Method, Response};

use crate::http::{self as h, Body, Handler, Req};
use crate::json::J;
use crate::triton_model::{server_metadata, Model};
use crate::triton_paths::{model_path, repository_path, shared_memory_action};
use crate::triton_reply::{error, json_get, logging, not_allowed, not_emulated, ok, Fail, JSON};

/// The header a restricted emulator demands, and its value.
pub const RESTRICTED_HEADER: &str = "admin-key";
pub const RESTRICTED_VALUE: &str = "admin-value";

/// restricted_features.h API groups.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Health,
    Metadata,
    Inference,
    SharedMemory,
    ModelConfig,
    ModelRepository,
    Statistics,
    Trace,
    Logging,
}

/// What `restricted: true` puts behind the header (the docs' example).
const RESTRICTED: [Api; 5] = [
    Api::SharedMemory,
    Api::ModelConfig,
    Api::ModelRepository,
    Api::Statistics,
    Api::Trace,
];

pub(crate) struct Triton {
    version: String,
    models: Vec<Model>,
    restricted: bool,
}

impl Triton {
    pub fn new(version: String, mut names: Vec<String>, restricted: bool) -> Self {
        // The repository manager keeps models in name order.
        names.sort();
        names.dedup();
        Self {
            version,
            models: names.iter().map(|n| Model::new(n)).collect(),
            restricted,
        }
    }

    /// `RETURN_AND_RESPOND_IF_RESTRICTED`.
    fn refuse(&self, req: &Req, api: Api) -> Option<Response<Body>> {
        if !self.restricted
            || !RESTRICTED.contains(&api)
            || req.header(RESTRICTED_HEADER) == Some(RESTRICTED_VALUE)
        {
            return None;
        }
        let message = format!("This API is restricted, expecting header '{RESTRICTED_HEADER}'");
        Some(error(403, None, &message))
    }

    /// Unknown model → 400; a version other than 1 → 404 (every
    /// emulated model has version 1 only).
    fn model(&self, name: &str, version: &str, ct: Option<&'static str>) -> Result<&Model, Fail> {
        let model = self
            .models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| Fail::unknown_model(ct, name))?;
        if version.is_empty() || version == "1" {
            return Ok(model);
        }
        let message = format!("Request for unknown model: '{name}' version {version} is not found");
        Err(Fail::new(404, ct, message))
    }

    fn route(&self, req: &Req) -> Option<Response<Body>> {
        let path = req.path.as_str();
        let get = req.method == Method::GET;
        let post = req.method == Method::POST;
        if path == "/v2/models/stats" {
            return Some(
                self.refuse(req, Api::Statistics)
                    .unwrap_or_else(|| self.stats(req, None, "")),
            );
        }
        if path == "/v2/logging" {
            let answer = if get || post {
                logging()
            } else {
                not_allowed(JSON)
            };
            return Some(self.refuse(req, Api::Logging).unwrap_or(answer));
        }
        if let Some((name, version, kind)) = model_path(path) {
            let answer = match kind {
                "ready" => Some(
                    self.refuse(req, Api::Health)
                        .unwrap_or_else(|| self.ready(req, name, version)),
                ),
                "infer" | "generate" | "generate_stream" => {
                    Some(self.refuse(req, Api::Inference).unwrap_or_else(|| {
                        if !post {
                            return not_allowed(None);
                        }
                        self.model(name, version, None)
                            .map_or_else(Fail::respond, |_| not_emulated(None))
                    }))
                }
                "config" => Some(self.refuse(req, Api::ModelConfig).unwrap_or_else(|| {
                    json_get(req, || self.model(name, version, JSON).map(Model::config))
                })),
                "stats" => Some(
                    self.refuse(req, Api::Statistics)
                        .unwrap_or_else(|| self.stats(req, Some(name), version)),
                ),
                "trace/setting" if version.is_empty() => Some(
                    self.refuse(req, Api::Trace)
                        .unwrap_or_else(|| not_emulated(JSON)),
                ),
                "" => Some(self.refuse(req, Api::Metadata).unwrap_or_else(|| {
                    json_get(req, || {
                        self.model(name, version, JSON).map(|m| m.metadata(version))
                    })
                })),
                _ => None,
            };
            if answer.is_some() {
                return answer;
            }
        }
        if path == "/v2" {
            let answer = || json_get(req, || Ok(server_metadata(&self.version)));
            return Some(self.refuse(req, Api::Metadata).unwrap_or_else(answer));
        }
        if path == "/v2/health/live" || path == "/v2/health/ready" {
            let answer = if get {
                h::evhtp(200, None, "")
            } else {
                not_allowed(None)
            };
            return Some(self.refuse(req, Api::Health).unwrap_or(answer));
        }
        if let Some(action) = shared_memory_action(path) {
            return Some(self.refuse(req, Api::SharedMemory).unwrap_or_else(|| {
                match (action, get, post) {
                    ("status", true, _) => ok(J::Arr(vec![])),
                    ("status", false, _) | (_, _, false) => not_allowed(JSON),
                    _ => not_emulated(JSON),
                }
            }));
        }
        if let Some(control) = repository_path(path) {
            return Some(
                self.refuse(req, Api::ModelRepository)
                    .unwrap_or_else(|| self.repository(req, control)),
            );
        }
        if path == "/v2/trace/setting" {
            return Some(
                self.refuse(req, Api::Trace)
                    .unwrap_or_else(|| not_emulated(JSON)),
            );
        }
        None
    }

    fn ready(&self, req: &Req, name: &str, version: &str) -> Response<Body> {
        if req.method != Method::GET {
            return not_allowed(None);
        }
        match self.model(name, version, None) {
            Ok(_) => h::evhtp(200, None, ""),
            Err(fail) => fail.respond(),
        }
    }

    fn stats(&self, req: &Req, name: Option<&str>, version: &str) -> Response<Body> {
        json_get(req, || {
            let chosen: Vec<J> = match name {
                None => self.models.iter().map(Model::stats_entry).collect(),
                Some(n) => match self.models.iter().find(|m| m.name == n) {
                    None => {
                        let message = format!("requested model '{n}' is not available");
                        return Err(Fail::new(400, JSON, message));
                    }
                    Some(_) if !version.is_empty() && version != "1" => {
                        let message =
                            format!("requested model version is not available for model '{n}'");
                        return Err(Fail::new(400, JSON, message));
                    }
                    Some(m) => vec![m.stats_entry()],
                },
            };
            Ok(J::Obj(vec![("model_stats", J::Arr(chosen))]))
        })
    }

    /// `POST /v2/repository[/<repo>]/index` and `.../models/<m>/load|unload`.
    fn repository(&self, req: &Req, control: bool) -> Response<Body> {
        if req.method != Method::POST {
            return not_allowed(JSON);
        }
        if !req.body.is_empty() && serde_json::from_slice::<serde_json::Value>(&req.body).is_err() {
            return error(
                400,
                JSON,
                "failed to parse the request JSON buffer: Invalid value. at 0",
            );
        }
        if control {
            return error(
                503,
                JSON,
                "explicit model load / unload is not allowed if polling is enabled",
            );
        }
        ok(J::Arr(self.models.iter().map(Model::index_entry).collect()))
    }
}

impl Handler for Triton {
    fn respond(&self, req: &Req) -> Response<Body> {
        let response = self
            .route(req)
            .unwrap_or_else(|| error(404, None, "Not Found"));
        h::evhtp_close(req, response)
    }
}
