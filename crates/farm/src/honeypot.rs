//! A low-interaction honeypot that answers everything: `/` gets Ollama's
//! banner, every other method and path 200 and one canned JSON document stitched together from the
//! answers of the servers attackers look for, so that a scanner checking
//! one route at a time sees Ollama's `/api/version` and `/api/tags`,
//! vLLM's `/version` and an OpenAI `/v1/models` listing whose cards say
//! `owned_by: vllm`, all at once. No real product answers like this: Ollama
//! and vLLM both 404 unknown paths (gin's and FastAPI's defaults, see
//! gin.rs and landscape/stack.rs), and none serves another's routes with
//! the same body. The answer is written the way Go net/http writes a
//! handler's JSON (as the Ollama look-alike it mostly is), see
//! crate::http::go.

use http::Response;

use crate::http::{self as h, Body, Handler, Req};
use crate::json::{Escape, J};

pub(crate) struct Honeypot;

fn canned() -> String {
    let model = "llama3:8b";
    J::Obj(vec![
        ("version", J::s("0.1.32")),
        (
            "models",
            J::Arr(vec![J::Obj(vec![
                ("name", J::s(model)),
                ("model", J::s(model)),
                ("size", J::Int(4661224676)),
            ])]),
        ),
        ("object", J::s("list")),
        (
            "data",
            J::Arr(vec![J::Obj(vec![
                ("id", J::s(model)),
                ("object", J::s("model")),
                ("created", J::Int(1715000000)),
                ("owned_by", J::s("vllm")),
            ])]),
        ),
    ])
    .render(Escape::Rapid)
}

impl Handler for Honeypot {
    fn respond(&self, req: &Req) -> Response<Body> {
        // Honeypots built for Ollama scanners copy its banner at `/`
        // (the first thing every scanner asks), then answer everything else
        // with the document.
        if req.path == "/" {
            return h::go(
                200,
                vec![("content-type", "text/plain; charset=utf-8".into())],
                "Ollama is running",
            );
        }
        h::go(
            200,
            vec![("content-type", "application/json; charset=utf-8".into())],
            canned(),
        )
    }
}
