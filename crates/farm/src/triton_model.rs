//! The JSON bodies an emulated Triton serves about itself and its models.
//!
//! Facts copied (triton-inference-server/core at 73aad7c, Jun 2026):
//! - src/server.cc `InferenceServer()`: id "triton" and the extension
//!   list, in order (statistics, trace and logging are compiled into the
//!   NGC containers).
//! - src/tritonserver.cc `TRITONSERVER_ServerMetadata`: {name, version,
//!   extensions}; `TRITONSERVER_ServerModelIndex`: [{name, version (a
//!   string), state}]; `TRITONSERVER_ServerModelMetadata`: {name,
//!   versions, platform (the backend when platform is empty), inputs,
//!   outputs}, each {name, datatype, shape} with -1 first when the model
//!   batches; `TRITONSERVER_ServerModelStatistics`: {model_stats:[{name,
//!   version, last_inference, inference_count, execution_count,
//!   inference_stats, response_stats, batch_stats, memory_usage}]}, each
//!   inference stat {count, ns}.
//! - rapidjson writes compactly, so do we.
//!
//! The model configuration is a trimmed form of what
//! `/v2/models/<m>/config` prints (the real one lists every default).

use crate::json::J;

/// server.cc's extensions, in registration order.
pub(crate) const EXTENSIONS: [&str; 13] = [
    "classification",
    "sequence",
    "model_repository",
    "model_repository(unload_dependents)",
    "schedule_policy",
    "model_configuration",
    "system_shared_memory",
    "cuda_shared_memory",
    "binary_tensor_data",
    "parameters",
    "statistics",
    "trace",
    "logging",
];

/// Every emulated model batches up to this, so shapes start with -1.
const MAX_BATCH: i64 = 8;

pub(crate) struct Model {
    pub name: String,
    platform: &'static str,
    backend: &'static str,
}

impl Model {
    /// The backend is guessed from the name, so a repository of
    /// "resnet50_trt" and "tokenizer_python" looks mixed, as real ones do.
    pub fn new(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
        let (platform, backend) = if has(&["ensemble"]) {
            ("ensemble", "")
        } else if has(&["python", "_py", "tokenizer"]) {
            ("", "python")
        } else if has(&["trt", "tensorrt", "plan"]) {
            ("tensorrt_plan", "tensorrt")
        } else if has(&["torch", "_pt"]) {
            ("pytorch_libtorch", "pytorch")
        } else if has(&["tf", "savedmodel"]) {
            ("tensorflow_savedmodel", "tensorflow")
        } else {
            ("onnxruntime_onnx", "onnxruntime")
        };
        Self {
            name: name.to_string(),
            platform,
            backend,
        }
    }

    fn io(&self, name: &str) -> J {
        J::Obj(vec![
            ("name", J::s(name)),
            ("datatype", J::s("FP32")),
            ("shape", J::Arr(vec![J::Int(-1), J::Int(16)])),
        ])
    }

    /// `GET /v2/models/<m>[/versions/<v>]`.
    pub fn metadata(&self, version: &str) -> J {
        J::Obj(vec![
            ("name", J::s(&self.name)),
            (
                "versions",
                J::strs([if version.is_empty() { "1" } else { version }]),
            ),
            (
                "platform",
                J::s(if self.platform.is_empty() {
                    self.backend
                } else {
                    self.platform
                }),
            ),
            ("inputs", J::Arr(vec![self.io("INPUT0")])),
            ("outputs", J::Arr(vec![self.io("OUTPUT0")])),
        ])
    }

    /// One entry of `POST /v2/repository/index`.
    pub fn index_entry(&self) -> J {
        J::Obj(vec![
            ("name", J::s(&self.name)),
            ("version", J::s("1")),
            ("state", J::s("READY")),
        ])
    }

    /// `GET /v2/models/<m>/config` (trimmed).
    pub fn config(&self) -> J {
        let tensor = |name: &str| {
            J::Obj(vec![
                ("name", J::s(name)),
                ("data_type", J::s("TYPE_FP32")),
                ("dims", J::Arr(vec![J::Int(16)])),
                ("is_shape_tensor", J::Bool(false)),
            ])
        };
        J::Obj(vec![
            ("name", J::s(&self.name)),
            ("platform", J::s(self.platform)),
            ("backend", J::s(self.backend)),
            (
                "version_policy",
                J::Obj(vec![("latest", J::Obj(vec![("num_versions", J::Int(1))]))]),
            ),
            ("max_batch_size", J::Int(MAX_BATCH)),
            ("input", J::Arr(vec![tensor("INPUT0")])),
            ("output", J::Arr(vec![tensor("OUTPUT0")])),
        ])
    }

    /// One entry of `model_stats`: an idle model.
    pub fn stats_entry(&self) -> J {
        let zero = || J::Obj(vec![("count", J::Int(0)), ("ns", J::Int(0))]);
        let kinds = [
            "success",
            "fail",
            "queue",
            "compute_input",
            "compute_infer",
            "compute_output",
            "cache_hit",
            "cache_miss",
        ];
        J::Obj(vec![
            ("name", J::s(&self.name)),
            ("version", J::s("1")),
            ("last_inference", J::Int(0)),
            ("inference_count", J::Int(0)),
            ("execution_count", J::Int(0)),
            (
                "inference_stats",
                J::Obj(kinds.iter().map(|k| (*k, zero())).collect()),
            ),
            ("response_stats", J::Obj(vec![])),
            ("batch_stats", J::Arr(vec![])),
            ("memory_usage", J::Arr(vec![])),
        ])
    }
}

/// `GET /v2`.
pub(crate) fn server_metadata(version: &str) -> J {
    J::Obj(vec![
        ("name", J::s("triton")),
        ("version", J::s(version)),
        ("extensions", J::strs(EXTENSIONS)),
    ])
}
