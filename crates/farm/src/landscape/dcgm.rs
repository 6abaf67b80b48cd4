//! NVIDIA DCGM exporter (Go; port 9400): Prometheus metrics of every GPU
//! on the node.
//!
//! Facts copied (NVIDIA/dcgm-exporter):
//! - pkg/cmd/app.go / internal/pkg/server: `GET /metrics` → Prometheus
//!   text (`text/plain; version=0.0.4; charset=utf-8`); `GET /` → a small
//!   HTML page titled "GPU Exporter" linking to /metrics.
//! - internal/pkg/collector: each sample carries the labels `gpu`, `UUID`,
//!   `pci_bus_id`, `device`, `modelName`, `Hostname` and, by default,
//!   `DCGM_FI_DRIVER_VERSION`; metric names are the DCGM field names
//!   (`DCGM_FI_DEV_GPU_UTIL`, `DCGM_FI_DEV_FB_USED`, ...), each preceded
//!   by `# HELP` and `# TYPE` lines (etc/default-counters.csv).
//! - `--web-config-file` (prometheus/exporter-toolkit) adds basic auth:
//!   401 "Unauthorized\n" with `WWW-Authenticate: Basic`; nothing in that
//!   answer names the exporter.

use http::{Method, Response};

use super::Landscape;
use crate::http::{self as h, Body, Handler, Req};

pub(crate) struct Dcgm {
    l: Landscape,
}

impl Dcgm {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn metrics(&self) -> String {
        let mut out = String::new();
        let fields = [
            ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", "87"),
            (
                "DCGM_FI_DEV_FB_USED",
                "Framebuffer memory used (in MiB).",
                "71230",
            ),
            ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", "64"),
        ];
        for (name, help, value) in fields {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
            for (i, model) in self.l.items.iter().enumerate() {
                out.push_str(&format!(
                    "{name}{{gpu=\"{i}\",UUID=\"GPU-3c4b9e2a-5f1d-4a7e-8b6c-0d9e8f7a6b5{i}\",pci_bus_id=\"00000000:{:02X}:00.0\",device=\"nvidia{i}\",modelName=\"{model}\",Hostname=\"gpu-node-1\",DCGM_FI_DRIVER_VERSION=\"570.148.08\"}} {value}\n",
                    0x18 + i
                ));
            }
        }
        out
    }
}

impl Handler for Dcgm {
    fn respond(&self, req: &Req) -> Response<Body> {
        if self.l.auth {
            return h::go(
                401,
                vec![
                    ("content-type", "text/plain; charset=utf-8".into()),
                    ("www-authenticate", "Basic".into()),
                    ("x-content-type-options", "nosniff".into()),
                ],
                "Unauthorized\n",
            );
        }
        match (&req.method, req.path.as_str()) {
            (&Method::GET, "/metrics") => h::go(
                200,
                vec![("content-type", "text/plain; version=0.0.4; charset=utf-8".into())],
                self.metrics(),
            ),
            (&Method::GET, "/") => h::go(
                200,
                vec![("content-type", "text/html; charset=utf-8".into())],
                "<html>\n<head><title>GPU Exporter</title></head>\n<body>\n<h1>GPU Exporter</h1>\n<p><a href=\"./metrics\">Metrics</a></p>\n</body>\n</html>\n",
            ),
            _ => h::go(
                404,
                vec![
                    ("content-type", "text/plain; charset=utf-8".into()),
                    ("x-content-type-options", "nosniff".into()),
                ],
                "404 page not found\n",
            ),
        }
    }
}
