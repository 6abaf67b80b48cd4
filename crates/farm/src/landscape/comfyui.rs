//! ComfyUI (aiohttp; port 8188). It has no authentication of its own.
//!
//! Facts copied (comfyanonymous/ComfyUI server.py `PromptServer`):
//! - `GET /system_stats` → `{"system": {"os", "ram_total", "ram_free",
//!   "comfyui_version", "required_frontend_version",
//!   "installed_templates_version", "required_templates_version",
//!   "python_version", "pytorch_version", "embedded_python", "argv"},
//!   "devices": [{"name", "type", "index", "vram_total", "vram_free",
//!   "torch_vram_total", "torch_vram_free"}]}` (releases before 0.2 lack
//!   `comfyui_version`).
//! - `GET /models` → the model folder names; `GET /models/{folder}` → the
//!   file names in it; `GET /queue` → `{"queue_running": [],
//!   "queue_pending": []}`.
//! - Every JSON answer is `web.json_response`: `json.dumps` defaults
//!   (spaced separators, ASCII escapes), `application/json;
//!   charset=utf-8`; aiohttp's 404 is "404: Not Found" (text/plain).

use http::{Method, Response};

use super::{stack, Landscape};
use crate::http::{Body, Handler, Req};
use crate::json::J;

const FOLDERS: [&str; 6] = [
    "checkpoints",
    "loras",
    "vae",
    "clip",
    "controlnet",
    "upscale_models",
];

pub(crate) struct ComfyUi {
    l: Landscape,
}

impl ComfyUi {
    pub fn new(l: Landscape) -> Self {
        Self { l }
    }

    fn system_stats(&self) -> J {
        let system = J::Obj(vec![
            ("os", J::s("posix")),
            ("ram_total", J::Int(67_108_864_000)),
            ("ram_free", J::Int(52_428_800_000)),
            ("comfyui_version", J::s(&self.l.version)),
            ("required_frontend_version", J::s("1.25.9")),
            ("installed_templates_version", J::s("0.1.65")),
            ("required_templates_version", J::s("0.1.65")),
            (
                "python_version",
                J::s("3.12.3 (main, Jun 18 2025, 17:59:45) [GCC 13.3.0]"),
            ),
            ("pytorch_version", J::s("2.8.0+cu128")),
            ("embedded_python", J::Bool(false)),
            ("argv", J::strs(["main.py", "--listen", "0.0.0.0"])),
        ]);
        let device = J::Obj(vec![
            (
                "name",
                J::s("cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync"),
            ),
            ("type", J::s("cuda")),
            ("index", J::Int(0)),
            ("vram_total", J::Int(25_386_352_640)),
            ("vram_free", J::Int(24_012_386_304)),
            ("torch_vram_total", J::Int(0)),
            ("torch_vram_free", J::Int(0)),
        ]);
        J::Obj(vec![("system", system), ("devices", J::Arr(vec![device]))])
    }
}

impl Handler for ComfyUi {
    fn respond(&self, req: &Req) -> Response<Body> {
        let not_found =
            || stack::aiohttp(404, "text/plain; charset=utf-8", "404: Not Found".into());
        if req.method != Method::GET {
            return not_found();
        }
        match req.path.as_str() {
            "/" => stack::aiohttp(
                200,
                "text/html",
                "<!DOCTYPE html><html lang=\"en\"><head><title>ComfyUI</title></head><body></body></html>".into(),
            ),
            "/system_stats" => stack::aiohttp_json(200, self.system_stats()),
            "/queue" => stack::aiohttp_json(
                200,
                J::Obj(vec![("queue_running", J::Arr(vec![])), ("queue_pending", J::Arr(vec![]))]),
            ),
            "/models" => stack::aiohttp_json(200, J::strs(FOLDERS)),
            "/models/checkpoints" => stack::aiohttp_json(200, J::strs(self.l.items.clone())),
            p if p.strip_prefix("/models/").is_some_and(|f| FOLDERS.contains(&f)) => {
                stack::aiohttp_json(200, J::Arr(vec![]))
            }
            _ => not_found(),
        }
    }
}
