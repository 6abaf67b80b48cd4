//! Emulators of the wider AI landscape: LLM servers, vector stores, ML
//! platforms, chat front ends and the infrastructure around them, for the
//! products that cannot be installed on a test machine.
//!
//! Each module copies one product (or one family) from its source: exact
//! paths, methods, status codes, headers and JSON shapes, including what the
//! product answers once its own credential switch is on. Each module's
//! header lists the facts it copies and the file of the repository they come
//! from. [`stack`] holds what the web frameworks underneath add.

mod comfyui;
mod dcgm;
mod docker;
mod koboldcpp;
mod kube;
mod llamacpp;
mod lmstudio;
mod localai;
mod milvus;
mod minio;
mod openai;
mod openwebui;
mod qdrant;
mod search;
mod sglang;
mod stack;
mod tensorboard;
mod tgi;
pub(crate) mod tls;
mod torchserve;
mod vllm;
mod weaviate;

use crate::http::Handler;

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
}

impl Product {
    /// Every product, in a fixed order.
    pub const ALL: &'static [Product] = &[
        Product::Vllm,
        Product::Sglang,
        Product::Tgi,
        Product::LlamaCpp,
        Product::LocalAi,
        Product::LmStudio,
        Product::KoboldCpp,
        Product::OpenAiCompatible,
        Product::Qdrant,
        Product::Weaviate,
        Product::OpenWebUi,
        Product::Elasticsearch,
        Product::OpenSearch,
        Product::MilvusRest,
        Product::MilvusMetrics,
        Product::ComfyUi,
        Product::TorchServe,
        Product::TorchServeManagement,
        Product::Docker,
        Product::Kubelet,
        Product::KubeApiServer,
        Product::DcgmExporter,
        Product::Minio,
        Product::TensorBoard,
    ];

    /// The aimap rule id that should identify this product.
    pub fn rule_id(self) -> &'static str {
        match self {
            Product::Vllm => "vllm",
            Product::Sglang => "sglang",
            Product::Tgi => "tgi",
            Product::LlamaCpp => "llamacpp",
            Product::LocalAi => "localai",
            Product::LmStudio => "lmstudio",
            Product::KoboldCpp => "koboldcpp",
            Product::OpenAiCompatible => "openai-compatible",
            Product::Qdrant => "qdrant",
            Product::Weaviate => "weaviate",
            Product::OpenWebUi => "open-webui",
            Product::Elasticsearch => "elasticsearch",
            Product::OpenSearch => "opensearch",
            Product::MilvusRest | Product::MilvusMetrics => "milvus",
            Product::ComfyUi => "comfyui",
            Product::TorchServe | Product::TorchServeManagement => "torchserve",
            Product::Docker => "docker",
            Product::Kubelet => "kubelet",
            Product::KubeApiServer => "kubernetes-api",
            Product::DcgmExporter => "dcgm-exporter",
            Product::Minio => "minio",
            Product::TensorBoard => "tensorboard",
        }
    }

    /// The port the product listens on by default.
    pub fn default_port(self) -> u16 {
        match self {
            Product::Vllm | Product::OpenAiCompatible => 8000,
            Product::Sglang => 30000,
            Product::Tgi
            | Product::LlamaCpp
            | Product::LocalAi
            | Product::Weaviate
            | Product::OpenWebUi
            | Product::TorchServe => 8080,
            Product::LmStudio => 1234,
            Product::KoboldCpp => 5001,
            Product::Qdrant => 6333,
            Product::Elasticsearch | Product::OpenSearch => 9200,
            Product::MilvusRest => 19530,
            Product::MilvusMetrics => 9091,
            Product::ComfyUi => 8188,
            Product::TorchServeManagement => 8081,
            Product::Docker => 2375,
            Product::Kubelet => 10250,
            Product::KubeApiServer => 6443,
            Product::DcgmExporter => 9400,
            Product::Minio => 9000,
            Product::TensorBoard => 6006,
        }
    }

    /// Whether the product serves TLS only (the farm then presents its
    /// self-signed test certificate, see [`tls`]).
    pub fn tls_only(self) -> bool {
        matches!(self, Product::Kubelet | Product::KubeApiServer)
    }

    /// The `auth` settings the emulator models: `false` the open install,
    /// `true` the one with the product's own credential switch on.
    /// Products without such a switch have only the open form; MinIO
    /// refuses anonymous bucket listing whatever its policies.
    pub fn variants(self) -> &'static [bool] {
        match self {
            Product::OpenAiCompatible
            | Product::MilvusMetrics
            | Product::ComfyUi
            | Product::TensorBoard => &[false],
            Product::Minio => &[true],
            _ => &[false, true],
        }
    }

    /// A typical released version, for tests and the farm binary.
    pub fn sample_version(self) -> &'static str {
        match self {
            Product::Vllm => "0.10.1",
            Product::Sglang => "0.4.10",
            Product::Tgi => "3.3.4",
            Product::LlamaCpp => "b6123",
            Product::LocalAi => "v3.4.0",
            Product::LmStudio => "0.3.23",
            Product::KoboldCpp => "1.76",
            Product::OpenAiCompatible => "1.0.0",
            Product::Qdrant => "1.15.1",
            Product::Weaviate => "1.32.4",
            Product::OpenWebUi => "0.6.22",
            Product::Elasticsearch => "8.18.3",
            Product::OpenSearch => "2.19.2",
            Product::MilvusRest | Product::MilvusMetrics => "2.6.0",
            Product::ComfyUi => "0.3.50",
            Product::TorchServe | Product::TorchServeManagement => "0.12.0",
            Product::Docker => "28.3.3",
            Product::Kubelet | Product::KubeApiServer => "1.33.3",
            Product::DcgmExporter => "4.2.3-4.3.1",
            Product::Minio => "RELEASE.2025-07-23T15-54-02Z",
            Product::TensorBoard => "2.20.0",
        }
    }

    /// What `items` names for this product (models, collections, ...).
    pub fn sample_items(self) -> &'static [&'static str] {
        match self {
            Product::Qdrant => &["docs", "faq"],
            Product::Weaviate => &["Article", "Author"],
            Product::Elasticsearch | Product::OpenSearch => &["docs", "embeddings"],
            Product::MilvusRest | Product::MilvusMetrics => &["docs"],
            Product::ComfyUi => &["sd_xl_base_1.0.safetensors"],
            Product::TorchServe | Product::TorchServeManagement => &["resnet-18"],
            Product::Docker => &["vllm/vllm-openai:v0.10.1", "postgres:16"],
            Product::Kubelet => &["vllm-0"],
            Product::KubeApiServer => &["default", "kube-system", "ml"],
            Product::DcgmExporter => &["NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"],
            Product::TensorBoard => &["train", "validation"],
            _ => &["Qwen/Qwen2.5-7B-Instruct"],
        }
    }
}

/// An emulated product instance: which product, its version, whether its
/// credential switch is on, and the data it holds (model names, collection
/// names, index names, pods, buckets: whatever the product lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landscape {
    pub product: Product,
    pub version: String,
    pub auth: bool,
    pub items: Vec<String>,
}

impl Landscape {
    /// The product with its sample version and items, open or secured.
    pub fn sample(product: Product, auth: bool) -> Self {
        Self {
            product,
            version: product.sample_version().to_string(),
            auth,
            items: product
                .sample_items()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// Build the handler that answers as `l`.
pub(crate) fn handler(l: Landscape) -> Box<dyn Handler> {
    match l.product {
        Product::Vllm => Box::new(vllm::Vllm::new(l)),
        Product::Sglang => Box::new(sglang::Sglang::new(l)),
        Product::Tgi => Box::new(tgi::Tgi::new(l)),
        Product::LlamaCpp => Box::new(llamacpp::LlamaCpp::new(l)),
        Product::LocalAi => Box::new(localai::LocalAi::new(l)),
        Product::LmStudio => Box::new(lmstudio::LmStudio::new(l)),
        Product::KoboldCpp => Box::new(koboldcpp::KoboldCpp::new(l)),
        Product::OpenAiCompatible => Box::new(openai::Generic::new(l)),
        Product::Qdrant => Box::new(qdrant::Qdrant::new(l)),
        Product::Weaviate => Box::new(weaviate::Weaviate::new(l)),
        Product::OpenWebUi => Box::new(openwebui::OpenWebUi::new(l)),
        Product::Elasticsearch => Box::new(search::Search::new(l, search::Flavor::Elastic)),
        Product::OpenSearch => Box::new(search::Search::new(l, search::Flavor::OpenSearch)),
        Product::MilvusRest => Box::new(milvus::MilvusRest::new(l)),
        Product::MilvusMetrics => Box::new(milvus::MilvusMetrics),
        Product::ComfyUi => Box::new(comfyui::ComfyUi::new(l)),
        Product::TorchServe => Box::new(torchserve::TorchServe::new(l, torchserve::Api::Inference)),
        Product::TorchServeManagement => {
            Box::new(torchserve::TorchServe::new(l, torchserve::Api::Management))
        }
        Product::Docker => Box::new(docker::Docker::new(l)),
        Product::Kubelet => Box::new(kube::Kubelet::new(l)),
        Product::KubeApiServer => Box::new(kube::ApiServer::new(l)),
        Product::DcgmExporter => Box::new(dcgm::Dcgm::new(l)),
        Product::Minio => Box::new(minio::Minio::new(l)),
        Product::TensorBoard => Box::new(tensorboard::TensorBoard::new(l)),
    }
}
