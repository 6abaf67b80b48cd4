//! Triton's Prometheus metrics endpoint (port 8002).
//!
//! Facts copied:
//! - triton-inference-server/server src/http_server.cc
//!   `HTTPMetricsServer::Handle`: non-GET → 405 `{"error":"Method Not
//!   Allowed"}` (no type set, so evhtp's `text/plain`); otherwise
//!   `Content-Type: text/plain; charset=utf-8`, and the metrics only when the
//!   path fully matches `/metrics/?` — any other path gets 200 with an
//!   empty body. src/http_server.h `api_regex_`.
//! - triton-inference-server/core src/metrics.cc: family names and HELP
//!   texts; src/metric_model_reporter.cc: per-model counters (success,
//!   count, exec_count, the four latency counters), failure counters with a
//!   `reason` label (REJECTED, CANCELED, BACKEND, OTHER), gauges
//!   `nv_inference_pending_request_count` and `nv_model_load_duration_secs`;
//!   src/constants.h label names `model`, `version`, `gpu_uuid`. Cache,
//!   histogram and summary families stay empty by default and are not
//!   printed.
//! - prometheus-cpp (text_serializer.cc, registry.cc): `# HELP`, `# TYPE`,
//!   then `name{labels} value` lines; `Registry::Collect` takes counters,
//!   then gauges, histograms, summaries, each in registration order.
//!   Labels come from a std::map, so sorted by name. That a family with no
//!   metric prints nothing is from memory, not re-read.
//!
//! The GPU is one H100 80GB with invented, plausible readings.

use std::fmt::Write;

use http::{Method, Response};

use crate::http::{self as h, Body, Handler, Req};

const GPU: &str = "GPU-4c1e7d2a-9b3f-5e86-a0d4-7f2c91b3e5a8";

/// (name, help) of the per-model counters, in registration order; the
/// failure counter (second) is written separately for its reasons.
const MODEL_COUNTERS: [(&str, &str); 8] = [
    ("nv_inference_request_success", "Number of successful inference requests, all batch sizes"),
    ("nv_inference_count", "Number of inferences performed (does not include cached requests)"),
    ("nv_inference_exec_count", "Number of model executions performed (does not include cached requests)"),
    ("nv_inference_request_duration_us", "Cumulative inference request duration in microseconds (includes cached requests)"),
    ("nv_inference_queue_duration_us", "Cumulative inference queuing duration in microseconds (includes cached requests)"),
    ("nv_inference_compute_input_duration_us", "Cumulative compute input duration in microseconds (does not include cached requests)"),
    ("nv_inference_compute_infer_duration_us", "Cumulative compute inference duration in microseconds (does not include cached requests)"),
    ("nv_inference_compute_output_duration_us", "Cumulative inference compute output duration in microseconds (does not include cached requests)"),
];

const FAILURE: (&str, &str) = (
    "nv_inference_request_failure",
    "Number of failed inference requests, all batch sizes",
);
const REASONS: [&str; 4] = ["REJECTED", "CANCELED", "BACKEND", "OTHER"];

pub(crate) struct Metrics {
    body: String,
}

impl Metrics {
    pub fn new(models: &[String]) -> Self {
        Self {
            body: render(models),
        }
    }
}

impl Handler for Metrics {
    fn respond(&self, req: &Req) -> Response<Body> {
        let response = if req.method != Method::GET {
            h::evhtp(405, None, "{\"error\":\"Method Not Allowed\"}")
        } else {
            let metrics = req.path == "/metrics" || req.path == "/metrics/";
            let body = if metrics {
                self.body.clone()
            } else {
                String::new()
            };
            h::evhtp(200, Some("text/plain; charset=utf-8"), body)
        };
        h::evhtp_close(req, response)
    }
}

fn family(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n");
}

/// The whole exposition for an idle server with `models` loaded (version 1
/// each, on the one GPU). Counters are zero, as after a fresh start.
fn render(models: &[String]) -> String {
    let mut out = String::new();
    let labels = |m: &str| format!("gpu_uuid=\"{GPU}\",model=\"{m}\",version=\"1\"");
    let mut counters: Vec<(&str, &str)> = MODEL_COUNTERS.to_vec();
    counters.insert(1, FAILURE);
    if !models.is_empty() {
        for (name, help) in counters {
            family(&mut out, name, help, "counter");
            for m in models {
                if name == FAILURE.0 {
                    for reason in REASONS {
                        let _ = writeln!(out, "{name}{{gpu_uuid=\"{GPU}\",model=\"{m}\",reason=\"{reason}\",version=\"1\"}} 0");
                    }
                } else {
                    let _ = writeln!(out, "{name}{{{}}} 0", labels(m));
                }
            }
        }
    }
    family(
        &mut out,
        "nv_energy_consumption",
        "GPU energy consumption in joules since the Triton Server started",
        "counter",
    );
    let _ = writeln!(
        out,
        "nv_energy_consumption{{gpu_uuid=\"{GPU}\"}} 1843297.512"
    );
    if !models.is_empty() {
        let per_model = [
            (
                "nv_inference_pending_request_count",
                "Instantaneous number of pending requests awaiting execution per-model.",
            ),
            ("nv_model_load_duration_secs", "Model load time in seconds"),
        ];
        for (name, help) in per_model {
            family(&mut out, name, help, "gauge");
            for (i, m) in models.iter().enumerate() {
                let value = if name == per_model[0].0 {
                    "0".to_string()
                } else {
                    format!("{}", 1.25 + i as f64 * 0.5)
                };
                let _ = writeln!(out, "{name}{{{}}} {value}", labels(m));
            }
        }
    }
    let gauges: [(&str, &str, bool, &str); 10] = [
        (
            "nv_pinned_memory_pool_total_bytes",
            "Pinned memory pool total memory size, in bytes",
            false,
            "268435456",
        ),
        (
            "nv_pinned_memory_pool_used_bytes",
            "Pinned memory pool used memory size, in bytes",
            false,
            "0",
        ),
        (
            "nv_gpu_utilization",
            "GPU utilization rate [0.0 - 1.0)",
            true,
            "0",
        ),
        (
            "nv_gpu_memory_total_bytes",
            "GPU total memory, in bytes",
            true,
            "85520809984",
        ),
        (
            "nv_gpu_memory_used_bytes",
            "GPU used memory, in bytes",
            true,
            "2473590784",
        ),
        (
            "nv_gpu_power_usage",
            "GPU power usage in watts",
            true,
            "71.894",
        ),
        (
            "nv_gpu_power_limit",
            "GPU power management limit in watts",
            true,
            "700",
        ),
        (
            "nv_cpu_utilization",
            "CPU utilization rate [0.0 - 1.0]",
            false,
            "0.0127",
        ),
        (
            "nv_cpu_memory_total_bytes",
            "CPU total memory (RAM), in bytes",
            false,
            "2163963199488",
        ),
        (
            "nv_cpu_memory_used_bytes",
            "CPU used memory (RAM), in bytes",
            false,
            "61423747072",
        ),
    ];
    for (name, help, gpu, value) in gauges {
        family(&mut out, name, help, "gauge");
        let labels = if gpu {
            format!("{{gpu_uuid=\"{GPU}\"}}")
        } else {
            String::new()
        };
        let _ = writeln!(out, "{name}{labels} {value}");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_model_has_success_and_failure_lines() {
        let text = super::render(&["resnet50".into(), "bert".into()]);
        assert!(text.contains("nv_inference_request_success{gpu_uuid=\""));
        assert!(text.contains(",model=\"bert\",version=\"1\"} 0\n"));
        assert_eq!(text.matches("nv_inference_request_failure{").count(), 8);
        assert!(text
            .lines()
            .all(|l| l.starts_with("# ") || l.starts_with("nv_")));
    }
}
