//! One container, whatever file described it: image, environment and the
//! command line, each token with its line. The AI product is recognised
//! from the image and command, and the server-flag checks run here.
use super::servers::listens_everywhere;
pub use super::servers::split_command;
use super::{images, secrets, Out};

/// A value and where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Item {
    pub text: String,
    pub line: u32,
    pub column: u32,
    /// Another file the value comes from (a compose `env_file:`); `None`
    /// for the file being audited.
    pub file: Option<String>,
}

impl Item {
    pub fn new(text: impl Into<String>, line: u32, column: u32) -> Self {
        Self {
            text: text.into(),
            line,
            column,
            file: None,
        }
    }
}

/// What the checks need to know about one container.
#[derive(Debug, Clone, Default)]
pub struct Workload {
    /// Where the container is declared (service name, container name, FROM).
    pub anchor: Item,
    pub image: Option<Item>,
    /// (name, value): the item's position is where the variable is set.
    pub env: Vec<(String, Item)>,
    /// Entrypoint, command and args, one token each.
    pub args: Vec<Item>,
    /// GPUs requested (runtime: nvidia, device reservations, nvidia.com/gpu).
    pub gpu: bool,
    /// Runs in a container with its own network namespace: a listen address
    /// of 0.0.0.0 there is reachable only through published ports, which
    /// the port rules judge.
    pub isolated_network: bool,
    /// Names that stand for the image when there is none (a compose
    /// service built from source: its service and container names).
    pub names: Vec<String>,
}

/// AI products the checks know the defaults of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ai {
    Ollama,
    Chroma,
    Vllm,
    Triton,
    Qdrant,
    Weaviate,
    Milvus,
    Redis,
    Jupyter,
    Ray,
    Mlflow,
    Tgi,
    LlamaCpp,
    OpenWebUi,
    LiteLlm,
    LocalAi,
    /// Hugging Face text-embeddings-inference (`text-embeddings-router`).
    Tei,
    AnythingLlm,
    /// ClearML server (API, file and web server share one image).
    ClearMl,
    /// Weaviate's model containers (semitechnologies/*-inference,
    /// contextionary…): HTTP model servers with no authentication at all.
    InferenceModule,
}

impl Workload {
    pub fn env(&self, name: &str) -> Option<&Item> {
        self.env.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub(crate) fn has_arg(&self, flag: &str) -> bool {
        self.args
            .iter()
            .any(|a| a.text == flag || a.text.starts_with(&format!("{flag}=")))
    }

    /// The value of `--flag value` or `--flag=value`, with its token.
    pub(crate) fn flag(&self, flag: &str) -> Option<(String, &Item)> {
        for (i, a) in self.args.iter().enumerate() {
            if let Some(v) = a.text.strip_prefix(&format!("{flag}=")) {
                return Some((v.to_string(), a));
            }
            if a.text == flag {
                let v = self
                    .args
                    .get(i + 1)
                    .map(|n| n.text.clone())
                    .unwrap_or_default();
                return Some((v, a));
            }
        }
        None
    }

    fn arg_contains(&self, word: &str) -> bool {
        self.args.iter().any(|a| a.text.contains(word))
    }

    /// The AI product this container runs, if any.
    pub fn ai(&self) -> Option<Ai> {
        let image = self
            .image
            .as_ref()
            .map(|i| images::parse(&i.text).short().to_string())
            .unwrap_or_default();
        let names = self.names.join(" ").to_ascii_lowercase();
        let has = |s: &str| image.contains(s) || names.contains(s);
        let run = |s: &str| self.arg_contains(s);
        Some(if has("ollama") {
            Ai::Ollama
        } else if has("chroma") || self.args.first().is_some_and(|a| a.text == "chroma") {
            Ai::Chroma
        } else if has("vllm")
            || run("vllm.entrypoints")
            || run("vllm serve")
            || self.args.first().is_some_and(|a| a.text == "vllm")
        {
            Ai::Vllm
        } else if has("tritonserver") || run("tritonserver") {
            Ai::Triton
        } else if has("qdrant") {
            Ai::Qdrant
        } else if has("weaviate") {
            Ai::Weaviate
        } else if has("milvus") {
            Ai::Milvus
        } else if has("jupyter") || run("jupyter") {
            Ai::Jupyter
        } else if has("rayproject") || self.args.iter().any(|a| a.text == "ray") {
            Ai::Ray
        } else if has("mlflow") || run("mlflow") {
            Ai::Mlflow
        } else if has("text-generation-inference") || run("text-generation-launcher") {
            Ai::Tgi
        } else if has("llama.cpp") || has("llama-cpp") || run("llama-server") {
            Ai::LlamaCpp
        } else if has("open-webui") {
            Ai::OpenWebUi
        } else if has("litellm") {
            Ai::LiteLlm
        } else if has("localai") || has("local-ai") || run("local-ai") {
            Ai::LocalAi
        } else if has("text-embeddings-inference") || run("text-embeddings-router") {
            Ai::Tei
        } else if has("anythingllm") || has("anything-llm") {
            Ai::AnythingLlm
        } else if has("clearml/server") {
            Ai::ClearMl
        } else if image.starts_with("semitechnologies/") {
            Ai::InferenceModule
        } else if image == "redis"
            || image.ends_with("/redis")
            || image.ends_with("/valkey")
            || has("redis-stack")
            || run("redis-server")
            || run("valkey-server")
        {
            Ai::Redis
        } else {
            return None;
        })
    }

    /// Whether the product's own authentication is switched on.
    pub fn auth_configured(&self, ai: Ai) -> bool {
        let env_set = |n: &str| self.env(n).is_some_and(|v| !v.text.is_empty());
        match ai {
            Ai::Ollama | Ai::Triton | Ai::InferenceModule => false,
            // Ray 2.52+ token auth (RAY_AUTH_MODE=token; KubeRay sets it
            // from spec.authOptions, judged in crds.rs).
            Ai::Ray => self
                .env("RAY_AUTH_MODE")
                .is_some_and(|v| v.text.eq_ignore_ascii_case("token")),
            Ai::Tei => self.has_arg("--api-key") || env_set("API_KEY"),
            // AnythingLLM asks for a password only when AUTH_TOKEN is set.
            Ai::AnythingLlm => env_set("AUTH_TOKEN"),
            // ClearML logs anyone in by name unless fixed users are on
            // (apiserver.conf auth.fixed_users, or its CLEARML__ env form).
            Ai::ClearMl => self.env.iter().any(|(n, v)| {
                n.to_ascii_lowercase()
                    .contains("auth__fixed_users__enabled")
                    && v.text.eq_ignore_ascii_case("true")
            }),
            // TGI's router: `--api-key` (env API_KEY); LocalAI: `--api-keys`.
            Ai::Tgi => self.has_arg("--api-key") || env_set("API_KEY"),
            Ai::Chroma => {
                env_set("CHROMA_SERVER_AUTHN_PROVIDER") || env_set("CHROMA_SERVER_AUTH_PROVIDER")
            }
            Ai::Vllm | Ai::LlamaCpp => {
                self.has_arg("--api-key")
                    || self.has_arg("--api-key-file")
                    || env_set("VLLM_API_KEY")
                    || env_set("LLAMA_API_KEY")
            }
            Ai::Qdrant => env_set("QDRANT__SERVICE__API_KEY"),
            Ai::Weaviate => {
                self.env("AUTHENTICATION_APIKEY_ENABLED")
                    .is_some_and(|v| v.text == "true")
                    || self
                        .env("AUTHENTICATION_OIDC_ENABLED")
                        .is_some_and(|v| v.text == "true")
            }
            Ai::Milvus => self
                .env("COMMON_SECURITY_AUTHORIZATIONENABLED")
                .is_some_and(|v| v.text == "true"),
            Ai::Redis => {
                self.has_arg("--requirepass")
                    || self.arg_contains("requirepass")
                    || env_set("REDIS_PASSWORD")
            }
            Ai::Jupyter => self.jupyter_empty_token().is_none(),
            Ai::Mlflow => self
                .flag("--app-name")
                .is_some_and(|(v, _)| v == "basic-auth"),
            Ai::OpenWebUi => !self
                .env("WEBUI_AUTH")
                .is_some_and(|v| v.text.eq_ignore_ascii_case("false")),
            Ai::LiteLlm => env_set("LITELLM_MASTER_KEY"),
            Ai::LocalAi => {
                self.has_arg("--api-keys")
                    || env_set("API_KEY")
                    || env_set("LOCALAI_API_KEY")
                    || self
                        .env("LOCALAI_AUTH")
                        .is_some_and(|v| v.text.eq_ignore_ascii_case("true"))
            }
        }
    }

    /// The token or env item that sets an empty Jupyter token.
    fn jupyter_empty_token(&self) -> Option<&Item> {
        for flag in [
            "--NotebookApp.token",
            "--ServerApp.token",
            "--IdentityProvider.token",
        ] {
            if let Some((v, item)) = self.flag(flag) {
                let v = v.trim_matches(|c| c == '\'' || c == '"');
                if v.is_empty() {
                    return Some(item);
                }
            }
        }
        self.env("JUPYTER_TOKEN").filter(|v| v.text.is_empty())
    }
}

/// Checks on image, environment and command line shared by every source.
pub fn check_workload(w: &Workload, out: &mut Out) {
    if let Some(image) = &w.image {
        if images::parse(&image.text).is_unpinned() {
            out.hit("unpinned-image", image, format!("image {}", image.text));
        }
        out.images.push(super::ImageUse {
            reference: image.text.clone(),
            line: image.line,
            column: image.column,
            controls: controls(w),
        });
    }
    for (name, value) in &w.env {
        if let Some(what) = secrets::default_credential(name, &value.text, &w.env) {
            out.hit(
                "default-credential",
                value,
                format!("{name}={} ({what})", secrets::mask(&value.text)),
            );
        } else if let Some(what) = secrets::classify(name, &value.text) {
            out.hit(
                "secret-in-env",
                value,
                format!("{name}={} ({what})", secrets::mask(&value.text)),
            );
        }
        match name.as_str() {
            "OLLAMA_HOST" if listens_everywhere(&value.text) && !w.isolated_network => {
                out.hit(
                    "ollama-host-all-interfaces",
                    value,
                    format!("OLLAMA_HOST={}", value.text),
                );
            }
            "OLLAMA_ORIGINS" | "CORS_ALLOW_ORIGIN" | "CORS_ORIGINS"
                if value.text.split(',').any(|o| o.trim() == "*") =>
            {
                out.hit("cors-wildcard", value, format!("{name}={}", value.text));
            }
            "LD_PRELOAD" if w.gpu || gpu_image(w) => {
                out.hit(
                    "ld-preload-gpu",
                    value,
                    format!("LD_PRELOAD={}", value.text),
                );
            }
            _ => {}
        }
    }
    for flag in [
        "--allowed-origins",
        "--cors-allow-origin",
        "--cors-allowed-origins",
        "--allow-origins",
    ] {
        if let Some((v, item)) = w.flag(flag) {
            if v.contains('*') {
                out.hit("cors-wildcard", item, format!("{flag} {v}"));
            }
        }
    }
    let Some(ai) = w.ai() else { return };
    let at = w.image.as_ref().unwrap_or(&w.anchor);
    let first_arg = w.args.first().unwrap_or(at);
    match ai {
        Ai::Jupyter => {
            if let Some(item) = w.jupyter_empty_token() {
                out.hit(
                    "jupyter-no-token",
                    item,
                    format!("{} (empty token)", item.text),
                );
            }
        }
        Ai::Chroma if !w.auth_configured(ai) => {
            out.hit("chroma-no-auth", at, "no CHROMA_SERVER_AUTHN_PROVIDER");
        }
        Ai::Vllm if !w.auth_configured(ai) => {
            out.hit(
                "vllm-no-api-key",
                first_arg,
                "vLLM server without --api-key or VLLM_API_KEY",
            );
        }
        Ai::Qdrant if !w.auth_configured(ai) => {
            out.hit("qdrant-no-api-key", at, "no QDRANT__SERVICE__API_KEY");
        }
        Ai::Triton => {
            if let Some((mode, item)) = w.flag("--model-control-mode") {
                if mode == "explicit" && !w.has_arg("--http-restricted-api") {
                    out.hit(
                        "triton-explicit-model-control",
                        item,
                        "--model-control-mode=explicit without --http-restricted-api",
                    );
                }
            }
        }
        Ai::Ray => {
            if let Some((host, item)) = w.flag("--dashboard-host") {
                if listens_everywhere(&host) {
                    out.hit(
                        "ray-dashboard-public",
                        item,
                        format!("--dashboard-host={host}"),
                    );
                }
            }
        }
        Ai::Weaviate if !w.auth_configured(ai) => {
            let anonymous = w.env("AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED");
            if let Some(v) = anonymous.filter(|v| v.text == "true") {
                out.hit(
                    "weaviate-anonymous-access",
                    v,
                    "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true",
                );
            }
        }
        Ai::Milvus if !w.auth_configured(ai) => {
            let env = w.env("COMMON_SECURITY_AUTHORIZATIONENABLED");
            if let Some(v) = env.filter(|v| v.text == "false") {
                out.hit(
                    "milvus-no-auth",
                    v,
                    "COMMON_SECURITY_AUTHORIZATIONENABLED=false",
                );
            }
        }
        Ai::LlamaCpp if !w.auth_configured(ai) => {
            if let Some((h, item)) = w.flag("--host") {
                if listens_everywhere(&h) {
                    let ev = format!("llama-server --host {h} without --api-key");
                    out.hit("llamacpp-no-api-key", item, ev);
                }
            }
        }
        Ai::Mlflow if !w.auth_configured(ai) => {
            let host = w.flag("--host").or_else(|| w.flag("-h"));
            if let Some((h, item)) = host {
                if listens_everywhere(&h) {
                    out.hit(
                        "mlflow-no-auth",
                        item,
                        format!("mlflow server --host {h} without --app-name basic-auth"),
                    );
                }
            }
        }
        _ => super::servers::check(w, ai, first_arg, out),
    }
}

fn gpu_image(w: &Workload) -> bool {
    w.image.as_ref().is_some_and(|i| {
        let t = i.text.to_ascii_lowercase();
        t.contains("cuda")
            || t.contains("nvidia")
            || t.contains("vllm")
            || t.contains("tritonserver")
            || t.contains("pytorch")
    }) || w.env("NVIDIA_VISIBLE_DEVICES").is_some()
}

/// Controls read from the workload's own environment.
fn controls(w: &Workload) -> Vec<super::Control> {
    w.env
        .iter()
        .filter(|(name, v)| name == "RAY_AUTH_MODE" && v.text == "token")
        .map(|(_, v)| super::Control {
            name: "ray-token-auth",
            evidence: "RAY_AUTH_MODE=token".into(),
            line: v.line,
        })
        .collect()
}
