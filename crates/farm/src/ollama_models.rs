//! The installed models an emulated Ollama lists, synthesized from names.
//!
//! Facts copied (ollama/ollama at fb30760, Aug 2026):
//! - api/types.go `ListModelResponse`: name, model, modified_at, size,
//!   digest, details; `ModelDetails`: parent_model, format, family,
//!   families, parameter_size, quantization_level (in that order).
//! - docs/api.md "List Local Models" example values: names carry a tag
//!   (`deepseek-r1:latest`), format "gguf", quantization "Q4_K_M",
//!   parameter sizes like "7.6B", sha256 hex digests.
//! - server/model_list_cache.go `sortListModelResponses`: newest first.
//! - types/model/name.go: a bare name means namespace "library", tag
//!   "latest"; openai/openai.go `ToListCompletion` uses that namespace as
//!   `owned_by` and `modified_at` as `created`.
//!
//! Sizes, digests and dates are invented but deterministic per name, so
//! tests can rely on them and every farm member looks alike.

use crate::http::civil_from_days;
use crate::json::J;

/// 2025-05-10T15:06:48Z: the first model's modification time; later
/// models are older, so the list is already in Ollama's order.
const NEWEST: i64 = 1_746_889_608;

pub(crate) struct Model {
    pub name: String,
    namespace: String,
    modified: i64,
    nanos: u32,
    size: u64,
    digest: String,
    family: &'static str,
    parameter_size: String,
    quantization: String,
}

/// (name prefix, family, default parameter size, billions): longest
/// prefixes first so "qwen3" wins over "qwen".
const FAMILIES: &[(&str, &str, f64)] = &[
    ("nomic-embed-text", "nomic-bert", 0.137),
    ("mxbai-embed-large", "bert", 0.334),
    ("all-minilm", "bert", 0.023),
    ("deepseek-r1", "qwen2", 7.6),
    ("codellama", "llama", 6.7),
    ("tinyllama", "llama", 1.1),
    ("gpt-oss", "gptoss", 20.9),
    ("mixtral", "llama", 46.7),
    ("mistral", "llama", 7.2),
    ("llama3", "llama", 8.0),
    ("llama2", "llama", 6.7),
    ("llama", "llama", 8.0),
    ("qwen3", "qwen3", 8.2),
    ("qwen", "qwen2", 7.6),
    ("gemma3", "gemma3", 4.3),
    ("gemma2", "gemma2", 9.2),
    ("gemma", "gemma", 8.5),
    ("phi", "phi3", 3.8),
];

impl Model {
    pub fn new(raw: &str, index: usize) -> Self {
        let name = with_tag(raw);
        let (path, tag) = name.rsplit_once(':').unwrap_or((name.as_str(), "latest"));
        let segments: Vec<&str> = path.split('/').collect();
        let base = segments.last().copied().unwrap_or(path);
        // host/namespace/model, namespace/model, or model (library).
        let namespace = match segments.len() {
            0 | 1 => "library".to_string(),
            n => segments[n - 2].to_string(),
        };
        let (family, default_b) = FAMILIES
            .iter()
            .find(|(prefix, _, _)| base.starts_with(prefix))
            .map(|&(_, family, b)| (family, b))
            .unwrap_or(("llama", 7.0));
        // A tag names the rounded size ("7b" for 7.6B): keep the family's
        // exact figure when the tag agrees with it.
        let billions = match tag_parameters(tag) {
            Some(b) if (b - default_b).abs() < 1.0 => default_b,
            Some(b) => b,
            None => default_b,
        };
        let embedding = matches!(family, "bert" | "nomic-bert");
        let quantization = tag_quantization(tag)
            .unwrap_or_else(|| if embedding { "F16" } else { "Q4_K_M" }.to_string());
        let bits = match quantization.as_str() {
            "F16" => 16.0,
            "Q8_0" => 8.5,
            "Q4_0" => 4.5,
            _ => 4.85,
        };
        let h = fnv(&name);
        let size = (billions * 1e9 * bits / 8.0) as u64 + h % 50_000_000;
        let digest = (0..4u64)
            .map(|i| format!("{:016x}", fnv(&format!("{i}{name}"))))
            .collect();
        Self {
            namespace,
            modified: NEWEST - index as i64 * 133_217,
            // Go trims trailing zeros of the fraction; keep the last digit
            // non-zero so every model prints nine digits.
            nanos: (h % 1_000_000_000) as u32 | 1,
            size,
            digest,
            family,
            parameter_size: human_parameters(billions),
            quantization,
            name,
        }
    }

    /// One entry of `/api/tags`.
    pub fn tags_entry(&self) -> J {
        J::Obj(vec![
            ("name", J::s(&self.name)),
            ("model", J::s(&self.name)),
            ("modified_at", J::s(rfc3339_nano(self.modified, self.nanos))),
            ("size", J::Int(self.size as i64)),
            ("digest", J::s(&self.digest)),
            (
                "details",
                J::Obj(vec![
                    ("parent_model", J::s("")),
                    ("format", J::s("gguf")),
                    ("family", J::s(self.family)),
                    ("families", J::strs([self.family])),
                    ("parameter_size", J::s(&self.parameter_size)),
                    ("quantization_level", J::s(&self.quantization)),
                ]),
            ),
        ])
    }

    /// One entry of the OpenAI-compatible `/v1/models` list.
    pub fn openai_entry(&self) -> J {
        J::Obj(vec![
            ("id", J::s(&self.name)),
            ("object", J::s("model")),
            ("created", J::Int(self.modified)),
            ("owned_by", J::s(&self.namespace)),
        ])
    }
}

/// Ollama shows every name with its tag; a bare name means ":latest".
pub(crate) fn with_tag(raw: &str) -> String {
    let last = raw.rsplit('/').next().unwrap_or(raw);
    if last.contains(':') {
        raw.to_string()
    } else {
        format!("{raw}:latest")
    }
}

/// "8b", "0.5b-instruct", "135m" → billions of parameters.
fn tag_parameters(tag: &str) -> Option<f64> {
    let head = tag.split('-').next()?;
    let (number, scale) = match head.chars().last()? {
        'b' | 'B' => (&head[..head.len() - 1], 1.0),
        'm' | 'M' => (&head[..head.len() - 1], 0.001),
        _ => return None,
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

/// "8b-instruct-q8_0" → "Q8_0".
fn tag_quantization(tag: &str) -> Option<String> {
    tag.split('-')
        .find(|p| p.starts_with('q') || p == &"fp16")
        .map(|p| {
            if p == "fp16" {
                "F16".to_string()
            } else {
                p.to_ascii_uppercase()
            }
        })
}

/// Ollama's format.HumanNumber style: "8.0B", "137M".
fn human_parameters(billions: f64) -> String {
    if billions >= 1.0 {
        format!("{billions:.1}B")
    } else {
        format!("{:.0}M", billions * 1000.0)
    }
}

/// Go's time.RFC3339Nano for a UTC time.
fn rfc3339_nano(secs: i64, nanos: u32) -> String {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let frac = format!("{nanos:09}");
    let frac = frac.trim_end_matches('0');
    let dot = if frac.is_empty() { "" } else { "." };
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}{dot}{frac}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tags_and_details() {
        let m = Model::new("llama3.1:8b-instruct-q8_0", 0);
        assert_eq!(m.name, "llama3.1:8b-instruct-q8_0");
        assert_eq!(
            (m.family, m.parameter_size.as_str(), m.quantization.as_str()),
            ("llama", "8.0B", "Q8_0")
        );
        let e = Model::new("nomic-embed-text", 1);
        assert_eq!(e.name, "nomic-embed-text:latest");
        assert_eq!(
            (e.family, e.parameter_size.as_str(), e.quantization.as_str()),
            ("nomic-bert", "137M", "F16")
        );
        assert_eq!(Model::new("hf.co/bartowski/x:Q4", 0).namespace, "bartowski");
        assert_eq!(m.digest.len(), 64);
        assert!(Model::new("a", 0).modified > Model::new("a", 1).modified);
    }

    #[test]
    fn rfc3339_nano_trims_like_go() {
        assert_eq!(
            rfc3339_nano(NEWEST, 639_712_648),
            "2025-05-10T15:06:48.639712648Z"
        );
        assert_eq!(rfc3339_nano(NEWEST, 500_000_000), "2025-05-10T15:06:48.5Z");
        assert_eq!(rfc3339_nano(NEWEST, 0), "2025-05-10T15:06:48Z");
    }
}
