//! The products the landscape farm emulates, one catalogue line each: the
//! rule that should name it, its default port, which `auth` settings it
//! has, a typical released version and the data a sample instance holds.

/// One product of the landscape, as its default install answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    Vllm,
    Sglang,
    Tgi,
    LlamaCpp,
    LocalAi,
    LmStudio,
    KoboldCpp,
    /// A server that only speaks the OpenAI API: a home-grown proxy or an
    /// engine with no product name in its answers (FastAPI, `owned_by`
    /// "openai"). The generic `openai-compatible` rule's target.
    OpenAiCompatible,
    Qdrant,
    Weaviate,
    OpenWebUi,
    Elasticsearch,
    OpenSearch,
    /// Milvus's RESTful API on the proxy port.
    MilvusRest,
    /// Milvus's metrics, health and web UI port.
    MilvusMetrics,
    ComfyUi,
    /// TorchServe's inference API.
    TorchServe,
    /// TorchServe's management API.
    TorchServeManagement,
    Docker,
    Kubelet,
    KubeApiServer,
    DcgmExporter,
    Minio,
    TensorBoard,
    AnythingLlm,
    Flowise,
    SillyTavern,
    Langflow,
    FastChat,
    LmDeploy,
    Xinference,
    TabbyApi,
    TextGenWebUi,
    Dify,
    LabelStudio,
    N8n,
    Langfuse,
    Typesense,
    /// NVIDIA NIM for LLMs (2.x, vLLM inside).
    Nim,
    PrivateGpt,
    /// The Dask distributed scheduler's dashboard.
    Dask,
    /// The Kubeflow central dashboard reached without its auth proxy.
    Kubeflow,
    LangServe,
    /// Vespa's container (query, document and state APIs).
    Vespa,
    /// The ClearML API server.
    ClearMl,
    /// The ClearML file server (artifacts, models, debug samples).
    ClearMlFiles,
    /// The Argilla server (API and web app).
    Argilla,
    /// RAGFlow's API server.
    RagFlow,
    LibreChat,
    LobeChat,
    /// NextChat (ChatGPT-Next-Web).
    NextChat,
    // Added for #16 (newcomers/): auth true is the product's own switch.
    /// OpenClaw's gateway (Control UI, tools API).
    OpenClaw,
    /// Hugging Face Text Embeddings Inference.
    Tei,
    /// The TensorZero gateway.
    TensorZero,
    /// The Portkey AI gateway (open source, no auth of its own).
    Portkey,
    /// Infinity (infinity-emb) embedding server.
    Infinity,
    Letta,
    InvokeAi,
    /// AUTOMATIC1111's SD web UI API (`--api`).
    SdWebUi,
    // Added for #15: auth true is LitServe's LIT_SERVER_API_KEY.
    /// Lightning AI LitServe.
    LitServe,
    /// KServe's Python model server (no auth of its own).
    KServe,
}

/// Open only (no credential switch of its own).
const OPEN: &[bool] = &[false];
/// Open, and with the product's own credential switch on.
const BOTH: &[bool] = &[false, true];
/// Secured only.
const SECURED: &[bool] = &[true];
const MODEL: &[&str] = &["Qwen/Qwen2.5-7B-Instruct"];

struct Entry {
    product: Product,
    rule: &'static str,
    port: u16,
    variants: &'static [bool],
    version: &'static str,
    items: &'static [&'static str],
}

const fn e(
    product: Product,
    rule: &'static str,
    port: u16,
    variants: &'static [bool],
    version: &'static str,
    items: &'static [&'static str],
) -> Entry {
    Entry {
        product,
        rule,
        port,
        variants,
        version,
        items,
    }
}

use Product as P;

#[rustfmt::skip]
const CATALOG: &[Entry] = &[
    e(P::Vllm, "vllm", 8000, BOTH, "0.10.1", MODEL),
    e(P::Sglang, "sglang", 30000, BOTH, "0.4.10", MODEL),
    e(P::Tgi, "tgi", 8080, BOTH, "3.3.4", MODEL),
    e(P::LlamaCpp, "llamacpp", 8080, BOTH, "b6123", MODEL),
    e(P::LocalAi, "localai", 8080, BOTH, "v3.4.0", MODEL),
    e(P::LmStudio, "lmstudio", 1234, BOTH, "0.3.23", MODEL),
    e(P::KoboldCpp, "koboldcpp", 5001, BOTH, "1.76", MODEL),
    e(P::OpenAiCompatible, "openai-compatible", 8000, OPEN, "1.0.0", MODEL),
    e(P::Qdrant, "qdrant", 6333, BOTH, "1.15.1", &["docs", "faq"]),
    e(P::Weaviate, "weaviate", 8080, BOTH, "1.32.4", &["Article", "Author"]),
    e(P::OpenWebUi, "open-webui", 8080, BOTH, "0.6.22", MODEL),
    e(P::Elasticsearch, "elasticsearch", 9200, BOTH, "8.18.3", &["docs", "embeddings"]),
    e(P::OpenSearch, "opensearch", 9200, BOTH, "2.19.2", &["docs", "embeddings"]),
    e(P::MilvusRest, "milvus", 19530, BOTH, "2.6.0", &["docs"]),
    e(P::MilvusMetrics, "milvus", 9091, OPEN, "2.6.0", &["docs"]),
    e(P::ComfyUi, "comfyui", 8188, OPEN, "0.3.50", &["sd_xl_base_1.0.safetensors"]),
    e(P::TorchServe, "torchserve", 8080, BOTH, "0.12.0", &["resnet-18"]),
    e(P::TorchServeManagement, "torchserve", 8081, BOTH, "0.12.0", &["resnet-18"]),
    e(P::Docker, "docker", 2375, BOTH, "28.3.3", &["vllm/vllm-openai:v0.10.1", "postgres:16"]),
    e(P::Kubelet, "kubelet", 10250, BOTH, "1.33.3", &["vllm-0"]),
    e(P::KubeApiServer, "kubernetes-api", 6443, BOTH, "1.33.3", &["default", "kube-system", "ml"]),
    e(P::DcgmExporter, "dcgm-exporter", 9400, BOTH, "4.2.3-4.3.1", &["NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"]),
    // MinIO refuses anonymous bucket listing whatever its policies.
    e(P::Minio, "minio", 9000, SECURED, "RELEASE.2025-07-23T15-54-02Z", &[]),
    e(P::TensorBoard, "tensorboard", 6006, OPEN, "2.20.0", &["train", "validation"]),
    e(P::AnythingLlm, "anythingllm", 3001, BOTH, "1.16.0", &["Support docs"]),
    e(P::Flowise, "flowise", 3000, BOTH, "2.2.8", &["RAG chatbot"]),
    e(P::SillyTavern, "sillytavern", 8000, BOTH, "1.12.6", &["Seraphina"]),
    e(P::Langflow, "langflow", 7860, BOTH, "1.4.3", &["RAG chatbot"]),
    e(P::FastChat, "fastchat", 8000, BOTH, "0.2.36", MODEL),
    e(P::LmDeploy, "lmdeploy", 23333, BOTH, "0.9.2", MODEL),
    e(P::Xinference, "xinference", 9997, BOTH, "1.8.0", MODEL),
    e(P::TabbyApi, "tabbyapi", 5000, BOTH, "0.0.0", MODEL),
    e(P::TextGenWebUi, "text-generation-webui", 5000, BOTH, "3.9", MODEL),
    // auth false: a fresh install whose owner account is not yet set up.
    e(P::Dify, "dify", 5001, BOTH, "1.7.1", &[]),
    e(P::LabelStudio, "label-studio", 8080, SECURED, "1.20.0", &[]),
    e(P::N8n, "n8n", 5678, BOTH, "1.105.3", &[]),
    e(P::Langfuse, "langfuse", 3000, SECURED, "3.95.2", &[]),
    e(P::Typesense, "typesense", 8108, SECURED, "29.0", &[]),
    e(P::Nim, "nvidia-nim", 8000, OPEN, "2.0.4", &["meta/llama-3.1-8b-instruct"]),
    e(P::PrivateGpt, "privategpt", 8001, BOTH, "0.6.2", &["handbook.pdf"]),
    e(P::Dask, "dask", 8787, OPEN, "2025.7.0", &["tcp://10.0.0.12:40123"]),
    e(P::Kubeflow, "kubeflow", 8082, OPEN, "1.10.0", &["kubeflow-user-example-com"]),
    e(P::LangServe, "langserve", 8000, BOTH, "0.3.1", &["joke", "rag"]),
    // Items: the application's document types (schemas).
    e(P::Vespa, "vespa", 8080, OPEN, "8.585.19", &["music", "lyrics"]),
    // auth false: no fixed users, the login takes any name.
    e(P::ClearMl, "clearml", 8008, BOTH, "2.0.0", &[]),
    e(P::ClearMlFiles, "clearml", 8081, OPEN, "2.0.0", &[]),
    e(P::Argilla, "argilla", 6900, SECURED, "2.8.0", &[]),
    // auth false: anyone may register (REGISTER_ENABLED=1).
    e(P::RagFlow, "ragflow", 9380, BOTH, "v0.27.0", &[]),
    // auth false: ALLOW_REGISTRATION=true.
    e(P::LibreChat, "librechat", 3080, BOTH, "0.8.0", &[]),
    e(P::LobeChat, "lobechat", 3210, OPEN, "1.120.0", &[]),
    // auth true: an access code (CODE) is set.
    e(P::NextChat, "nextchat", 3000, BOTH, "2.16.1", &["gpt-4o-mini"]),
    // #16 newcomers. OpenClaw auth false: gateway.auth.mode "none".
    e(P::OpenClaw, "openclaw", 18789, BOTH, "2026.9.6", &[]),
    e(P::Tei, "tei", 3000, BOTH, "1.9.3", &["BAAI/bge-base-en-v1.5"]),
    e(P::TensorZero, "tensorzero", 3000, BOTH, "2026.4.1", &[]),
    e(P::Portkey, "portkey", 8787, OPEN, "1.15.2", &[]),
    e(P::Infinity, "infinity", 7997, BOTH, "0.0.77", &["BAAI/bge-small-en-v1.5"]),
    e(P::Letta, "letta", 8283, BOTH, "0.16.8", &["support-agent"]),
    // auth true: multiuser mode (6.x).
    e(P::InvokeAi, "invokeai", 9090, BOTH, "6.13.8", &["Juggernaut XL v9"]),
    // auth true: --api-auth.
    e(P::SdWebUi, "sd-webui", 7860, BOTH, "1.10.1", &["sd_xl_base_1.0.safetensors"]),
    // #15. LitServe auth true: LIT_SERVER_API_KEY.
    e(P::LitServe, "litserve", 8000, BOTH, "0.2.19", &[]),
    e(P::KServe, "kserve", 8080, OPEN, "0.21.0", &["sklearn-iris"]),
];

impl Product {
    /// Every product, in catalogue order.
    pub fn all() -> impl Iterator<Item = Product> {
        CATALOG.iter().map(|e| e.product)
    }

    fn entry(self) -> &'static Entry {
        // Every variant has a line: the catalogue test checks it.
        CATALOG
            .iter()
            .find(|e| e.product == self)
            .unwrap_or(&CATALOG[0])
    }

    /// The aimap rule id that should identify this product.
    pub fn rule_id(self) -> &'static str {
        self.entry().rule
    }

    /// The port the product listens on by default.
    pub fn default_port(self) -> u16 {
        self.entry().port
    }

    /// Whether the product serves TLS only (the farm then presents its
    /// self-signed test certificate, see tls.rs).
    pub fn tls_only(self) -> bool {
        matches!(self, Product::Kubelet | Product::KubeApiServer)
    }

    /// The `auth` settings the emulator models: `false` the open install,
    /// `true` the one with the product's own credential switch on.
    pub fn variants(self) -> &'static [bool] {
        self.entry().variants
    }

    /// A typical released version, for tests and the farm binary.
    pub fn sample_version(self) -> &'static str {
        self.entry().version
    }

    /// What a sample instance holds (models, collections, ...).
    pub fn sample_items(self) -> &'static [&'static str] {
        self.entry().items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_product_has_one_catalogue_line() {
        for (i, entry) in CATALOG.iter().enumerate() {
            let first = CATALOG.iter().position(|e| e.product == entry.product);
            assert_eq!(first, Some(i), "{:?} listed twice", entry.product);
        }
        assert_eq!(Product::all().count(), CATALOG.len());
    }
}
