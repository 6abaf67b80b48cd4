//! The checks the auditor can report, each with a stable id, the text that
//! explains it and how to fix it. Parsers only raise [`Issue`]s naming a
//! [`Rule`]; turning them into shared [`Finding`]s happens once, here.
use aimap_model::{Finding, FindingKind, Severity, Subject};

/// How an issue moves the file's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Worth knowing; the file stays `safe`.
    Info,
    /// Not proven dangerous, not proven harmless: `suspicious`.
    Suspicious,
    /// Runs code, or escapes where it must not, when loaded: `unsafe`.
    Unsafe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    PickleDangerousImport,
    PickleUnknownImport,
    PickleExtension,
    PickleUnresolvedGlobal,
    KerasLambda,
    KerasDangerousFunction,
    KerasCustomObject,
    OnnxExternalDataEscape,
    OnnxCustomDomain,
    GgufTemplateInjection,
    SafetensorsMalformed,
}

struct Meta {
    id: &'static str,
    description: &'static str,
    remediation: &'static str,
    references: &'static [&'static str],
}

const PICKLE_REFS: &[&str] = &[
    "https://docs.python.org/3/library/pickle.html#restricting-globals",
    "https://pytorch.org/docs/stable/generated/torch.load.html",
];
const PICKLE_FIX: &str = "Do not load this file with pickle, joblib or torch.load(weights_only=False). \
Obtain the weights as safetensors from a trusted source, or load with torch.load(weights_only=True) after review.";

impl Rule {
    fn meta(self) -> Meta {
        match self {
            Self::PickleDangerousImport => Meta {
                id: "model-pickle-dangerous-import",
                description: "The pickle imports a function that runs commands, evaluates code, opens files or sockets, or loads another pickle. Unpickling calls it with arguments the author chose.",
                remediation: PICKLE_FIX,
                references: PICKLE_REFS,
            },
            Self::PickleUnknownImport => Meta {
                id: "model-pickle-unknown-import",
                description: "The pickle imports something outside the set that model weights need (the set PyTorch's weights_only loader accepts, NumPy reconstruction, collections). Loading it imports and may call that code.",
                remediation: "Review what the import is and who made the file. Prefer safetensors; load with torch.load(weights_only=True), which refuses the import.",
                references: PICKLE_REFS,
            },
            Self::PickleExtension => Meta {
                id: "model-pickle-extension-code",
                description: "The pickle refers to a global through the copyreg extension registry (EXT1/EXT2/EXT4), which hides what is imported.",
                remediation: PICKLE_FIX,
                references: PICKLE_REFS,
            },
            Self::PickleUnresolvedGlobal => Meta {
                id: "model-pickle-unresolved-global",
                description: "STACK_GLOBAL takes its module or name from a value computed while unpickling, so the import cannot be known without running it.",
                remediation: PICKLE_FIX,
                references: PICKLE_REFS,
            },
            Self::KerasLambda => Meta {
                id: "model-keras-lambda",
                description: "A Keras Lambda layer carries serialized Python bytecode that runs when the model is loaded with safe_mode off.",
                remediation: "Load only with safe_mode=True (the default), or rebuild the model without Lambda layers.",
                references: &["https://keras.io/api/layers/core_layers/lambda/"],
            },
            Self::KerasDangerousFunction => Meta {
                id: "model-keras-dangerous-function",
                description: "The Keras config names a Python function from a dangerous module; deserialising the config imports and calls it, even in safe mode (CVE-2025-1550).",
                remediation: "Do not load this model. Upgrade Keras to 3.9 or later.",
                references: &["https://nvd.nist.gov/vuln/detail/CVE-2025-1550"],
            },
            Self::KerasCustomObject => Meta {
                id: "model-keras-custom-object",
                description: "The Keras config names classes or functions from outside Keras; loading imports that code.",
                remediation: "Check that the named module is yours and trusted before loading.",
                references: &["https://keras.io/guides/serialization_and_saving/"],
            },
            Self::OnnxExternalDataEscape => Meta {
                id: "model-onnx-external-data-escape",
                description: "An ONNX tensor stores its data in an external file outside the model's directory (an absolute path or `..`): loading reads, and conversion tools may write, files elsewhere on the host.",
                remediation: "Keep external data files next to the model with relative paths; reject the model otherwise.",
                references: &["https://onnx.ai/onnx/repo-docs/ExternalData.html"],
            },
            Self::OnnxCustomDomain => Meta {
                id: "model-onnx-custom-domain",
                description: "The ONNX graph uses operators from a custom domain; running it needs a native custom-operator library, which is code.",
                remediation: "Load the custom-operator library only from a trusted source.",
                references: &["https://onnxruntime.ai/docs/reference/operators/add-custom-op.html"],
            },
            Self::GgufTemplateInjection => Meta {
                id: "model-gguf-template-injection",
                description: "The GGUF chat template reaches for Python internals (__class__, __globals__, __subclasses__, import, os.popen …): rendered by an unsandboxed Jinja environment it runs code (CVE-2024-34359 in llama-cpp-python).",
                remediation: "Do not load the model with a chat template renderer that is not sandboxed; upgrade llama-cpp-python to 0.2.72 or later; replace the template.",
                references: &[
                    "https://nvd.nist.gov/vuln/detail/CVE-2024-34359",
                    "https://github.com/abetlen/llama-cpp-python/security/advisories/GHSA-56xg-wfcc-g829",
                ],
            },
            Self::SafetensorsMalformed => Meta {
                id: "model-safetensors-malformed",
                description: "The safetensors header is inconsistent (offsets outside the data, overlapping tensors, sizes that do not match dtype and shape): a crafted file that targets loaders, or a corrupt one.",
                remediation: "Re-download the file from its source and compare its hash.",
                references: &["https://github.com/huggingface/safetensors#format"],
            },
        }
    }

    pub fn id(self) -> &'static str {
        self.meta().id
    }
}

/// One problem found by a parser, before it becomes a shared [`Finding`].
#[derive(Debug, Clone)]
pub struct Issue {
    pub rule: Rule,
    pub level: Level,
    pub severity: Severity,
    pub title: String,
    pub evidence: String,
    /// Byte offset in the file on disk, when the problem has one there.
    pub offset: Option<u64>,
}

impl Issue {
    pub fn new(rule: Rule, level: Level, severity: Severity, title: impl Into<String>) -> Self {
        Self {
            rule,
            level,
            severity,
            title: title.into(),
            evidence: String::new(),
            offset: None,
        }
    }

    pub fn evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = evidence.into();
        self
    }

    pub fn at(mut self, offset: Option<u64>) -> Self {
        self.offset = offset;
        self
    }

    pub fn to_finding(&self, path: &str) -> Finding {
        let meta = self.rule.meta();
        Finding {
            id: meta.id.to_string(),
            kind: FindingKind::UnsafeModel,
            severity: self.severity,
            title: self.title.clone(),
            description: meta.description.to_string(),
            subject: Subject::File {
                path: path.to_string(),
                line: None,
                column: None,
            },
            evidence: self.evidence.clone(),
            remediation: meta.remediation.to_string(),
            references: meta.references.iter().map(|r| r.to_string()).collect(),
        }
    }
}
