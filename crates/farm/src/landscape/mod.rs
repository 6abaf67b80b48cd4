//! Emulators of the wider AI landscape: LLM servers, vector stores, ML
//! platforms, chat front ends and the infrastructure around them, for the
//! products that cannot be installed on a test machine.
//!
//! Each module copies one product (or one family) from its source: exact
//! paths, methods, status codes, headers and JSON shapes, including what the
//! product answers once its own credential switch is on. Each module's
//! header lists the facts it copies and the file of the repository they come
//! from. [`stack`] holds what the web frameworks underneath add.

mod argilla;
mod catalog;
mod chat_apps;
mod clearml;
mod comfyui;
mod compute;
mod dcgm;
mod docker;
mod koboldcpp;
mod kserve;
mod kube;
mod kubeflow_langserve;
mod langflow;
mod litserve;
mod llamacpp;
mod lmstudio;
mod localai;
mod milvus;
mod minio;
mod newcomers;
mod node_apps;
mod openai;
mod openai_family;
mod openwebui;
mod platforms;
mod qdrant;
mod ragflow;
mod search;
mod sglang;
mod stack;
mod tensorboard;
mod tgi;
pub(crate) mod tls;
mod torchserve;
mod vespa;
mod vllm;
mod weaviate;

use crate::http::Handler;
pub use catalog::Product;

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
        Product::AnythingLlm => Box::new(node_apps::NodeApp::new(l, node_apps::App::AnythingLlm)),
        Product::Flowise => Box::new(node_apps::NodeApp::new(l, node_apps::App::Flowise)),
        Product::SillyTavern => Box::new(node_apps::NodeApp::new(l, node_apps::App::SillyTavern)),
        Product::Langflow => Box::new(langflow::Langflow::new(l)),
        Product::FastChat => family(l, openai_family::Kind::FastChat),
        Product::LmDeploy => family(l, openai_family::Kind::LmDeploy),
        Product::Xinference => family(l, openai_family::Kind::Xinference),
        Product::TabbyApi => family(l, openai_family::Kind::TabbyApi),
        Product::TextGenWebUi => family(l, openai_family::Kind::TextGenWebUi),
        Product::Dify => gated(l, platforms::Platform::Dify),
        Product::LabelStudio => gated(l, platforms::Platform::LabelStudio),
        Product::N8n => gated(l, platforms::Platform::N8n),
        Product::Langfuse => gated(l, platforms::Platform::Langfuse),
        Product::Typesense => gated(l, platforms::Platform::Typesense),
        Product::Nim => Box::new(compute::Compute::new(l, compute::Kind::Nim)),
        Product::PrivateGpt => Box::new(compute::Compute::new(l, compute::Kind::PrivateGpt)),
        Product::Dask => Box::new(compute::Compute::new(l, compute::Kind::Dask)),
        Product::Kubeflow => Box::new(kubeflow_langserve::Kubeflow::new(l)),
        Product::LangServe => Box::new(kubeflow_langserve::LangServe::new(l)),
        Product::Vespa => Box::new(vespa::Vespa::new(l)),
        Product::ClearMl => Box::new(clearml::ClearMl::new(l, false)),
        Product::ClearMlFiles => Box::new(clearml::ClearMl::new(l, true)),
        Product::Argilla => Box::new(argilla::Argilla::new(l)),
        Product::RagFlow => Box::new(ragflow::RagFlow::new(l)),
        Product::LibreChat => chat(l, chat_apps::App::Libre),
        Product::LobeChat => chat(l, chat_apps::App::Lobe),
        Product::NextChat => chat(l, chat_apps::App::Next),
        Product::LitServe => Box::new(litserve::LitServe::new(l)),
        Product::KServe => Box::new(kserve::KServe::new(l)),
        // The #16 products, one module each under newcomers/.
        _ => match newcomers::handler(l) {
            Some(h) => h,
            None => Box::new(crate::plain::Plain),
        },
    }
}

fn family(l: Landscape, kind: openai_family::Kind) -> Box<dyn Handler> {
    Box::new(openai_family::Family::new(l, kind))
}

fn chat(l: Landscape, app: chat_apps::App) -> Box<dyn Handler> {
    Box::new(chat_apps::ChatApp::new(l, app))
}

fn gated(l: Landscape, platform: platforms::Platform) -> Box<dyn Handler> {
    Box::new(platforms::Gated::new(l, platform))
}
