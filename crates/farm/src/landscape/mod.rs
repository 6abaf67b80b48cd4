//! Emulators of the wider AI landscape: LLM servers, vector stores, ML
//! platforms, chat front ends and the infrastructure around them, for the
//! products that cannot be installed on a test machine.
//!
//! Each module copies one product (or one family) from its source: exact
//! paths, methods, status codes, headers and JSON shapes, including what the
//! product answers once its own credential switch is on. Each module's
//! header lists the facts it copies and the file of the repository they come
//! from. [`stack`] holds what the web frameworks underneath add.

mod koboldcpp;
mod llamacpp;
mod lmstudio;
mod localai;
mod openai;
mod qdrant;
mod sglang;
mod stack;
mod tgi;
pub(crate) mod tls;
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
        }
    }

    /// The port the product listens on by default.
    pub fn default_port(self) -> u16 {
        match self {
            Product::Vllm | Product::OpenAiCompatible => 8000,
            Product::Sglang => 30000,
            Product::Tgi | Product::LlamaCpp | Product::LocalAi | Product::Weaviate => 8080,
            Product::LmStudio => 1234,
            Product::KoboldCpp => 5001,
            Product::Qdrant => 6333,
        }
    }

    /// Whether the product serves TLS only (the farm then presents its
    /// self-signed test certificate, see [`tls`]).
    pub fn tls_only(self) -> bool {
        false
    }

    /// Whether the product has a credential switch the emulator models
    /// (`auth: true` then answers as the secured install does).
    pub fn has_auth_switch(self) -> bool {
        !matches!(self, Product::OpenAiCompatible)
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
        }
    }

    /// What `items` names for this product (models, collections, ...).
    pub fn sample_items(self) -> &'static [&'static str] {
        match self {
            Product::Qdrant => &["docs", "faq"],
            Product::Weaviate => &["Article", "Author"],
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
    }
}
