//! Model Context Protocol over HTTP, as a transport adapter: one rule
//! request (`path`) becomes the client side of an MCP handshake, and the
//! answers are rendered as one JSON document the rules match on.
//!
//! Why an adapter and not generic "capture a header into a variable"
//! probes: MCP needs a session id carried between requests, answers that
//! may arrive as JSON or as server-sent events, and (for the older
//! HTTP+SSE transport) a GET stream held open while the requests are
//! POSTed elsewhere. That is protocol logic; rules stay data.
//!
//! Messages sent, all read-only: `initialize`, `notifications/initialized`
//! and `tools/list`. Streamable HTTP is tried first (POST to `path`); when
//! that is refused with a non-auth 4xx, the HTTP+SSE transport is tried (GET
//! `path`, whose first event names the message endpoint), as the spec's
//! backwards-compatibility section describes. The rendered document:
//! ```json
//! {"endpoint":"/mcp","status":200,"transport":"streamable-http",
//!  "protocolVersion":"2025-06-18","serverInfo":{"name":"x","version":"1.0"},
//!  "capabilities":["tools"],"tools":[{"name":"add"}]}
//! ```
//! or, when the server demands credentials, `status` 401 with
//! `www_authenticate` and (RFC 9728) `resource_metadata`. The response's
//! status and headers are those of the first answer.
use std::net::SocketAddr;

use aimap_model::TlsInfo;
use aimap_rules::{Request, Response};
use serde_json::{json, Map, Value};

use super::http::{host_header, start, Streaming};
use super::sse::SseParser;
use super::text::clean_line;
use super::{Limits, TlsConnector, TransportError};

const PROTOCOL_VERSION: &str = "2025-06-18";
/// Most tools named in the document.
const MAX_TOOLS: usize = 64;
/// Longest server-chosen string kept in the document, in characters.
const MAX_TEXT: usize = 300;

/// What the handshake found out, filled in step by step so an answer cut
/// short by the timeout still reports what did arrive.
#[derive(Debug, Default)]
struct Found {
    status: Option<u16>,
    headers: Vec<(String, String)>,
    doc: Map<String, Value>,
}

struct Ctx<'a> {
    addr: SocketAddr,
    host: &'a str,
    tls: Option<&'a TlsConnector>,
    cap: usize,
}

pub async fn mcp_exchange(
    addr: SocketAddr,
    host: &str,
    tls: Option<&TlsConnector>,
    req: &Request,
    limits: &Limits,
) -> Result<(Response, Option<TlsInfo>), TransportError> {
    let Request::Mcp { path } = req else {
        return Err(TransportError::protocol("mcp", "not an MCP request"));
    };
    let ctx = Ctx {
        addr,
        host,
        tls,
        cap: limits.body_cap,
    };
    let mut found = Found::default();
    found.doc.insert("endpoint".into(), path.as_str().into());
    let mut info = None;
    let outcome =
        tokio::time::timeout(limits.timeout, handshake(&ctx, path, &mut found, &mut info)).await;
    let Some(status) = found.status else {
        return match outcome {
            Err(_) => Err(TransportError::Timeout(limits.timeout)),
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) => Err(TransportError::protocol("mcp", "no answer")),
        };
    };
    match outcome {
        Err(_) => note(&mut found, "timeout"),
        Ok(Err(e)) => note(&mut found, &e.to_string()),
        Ok(Ok(())) => {}
    }
    found.doc.insert("status".into(), status.into());
    let body = serde_json::to_vec(&Value::Object(found.doc)).unwrap_or_default();
    Ok((
        Response::new(Some(status), found.headers, body, false),
        info,
    ))
}

/// Record why the handshake stopped early, unless it already says.
fn note(found: &mut Found, why: &str) {
    found.doc.entry("incomplete").or_insert_with(|| why.into());
}

async fn handshake(
    ctx: &Ctx<'_>,
    path: &str,
    found: &mut Found,
    info: &mut Option<TlsInfo>,
) -> Result<(), TransportError> {
    let (init, tls_info) = post(ctx, path, &[], &rpc(1, "initialize", init_params())).await?;
    *info = tls_info;
    found.status = Some(init.status);
    found.headers = init.headers.clone();
    match init.status {
        200 => {
            found
                .doc
                .insert("transport".into(), "streamable-http".into());
            let session = init
                .header("mcp-session-id")
                .filter(|s| {
                    !s.is_empty() && s.len() <= 256 && s.bytes().all(|b| (0x21..0x7f).contains(&b))
                })
                .map(str::to_string);
            let answer = read_answer(init, 1, ctx.cap).await?;
            let Some(version) = initialized(found, answer) else {
                return Ok(());
            };
            let mut headers = vec![("MCP-Protocol-Version".to_string(), version)];
            if let Some(s) = session {
                headers.push(("Mcp-Session-Id".to_string(), s));
            }
            let notice = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            drop(post(ctx, path, &headers, &notice).await?);
            let (tools, _) = post(ctx, path, &headers, &rpc(2, "tools/list", json!({}))).await?;
            if tools.status != 200 {
                note(found, &format!("tools/list answered HTTP {}", tools.status));
                return Ok(());
            }
            let answer = read_answer(tools, 2, ctx.cap).await?;
            list_tools(found, answer);
            Ok(())
        }
        401 | 403 => {
            refused(found, &init);
            Ok(())
        }
        // Not streamable HTTP here; maybe the older HTTP+SSE transport.
        400..=499 => legacy_sse(ctx, path, found).await,
        _ => Ok(()),
    }
}

/// The HTTP+SSE transport (protocol 2024-11-05): GET opens the stream,
/// whose first event names the endpoint the messages are POSTed to; every
/// answer arrives on the stream.
async fn legacy_sse(ctx: &Ctx<'_>, path: &str, found: &mut Found) -> Result<(), TransportError> {
    let accept = [("Accept".to_string(), "text/event-stream".to_string())];
    let (mut stream, _) = start(
        ctx.addr,
        ctx.host,
        ctx.tls,
        "GET",
        path,
        &accept,
        Vec::new(),
    )
    .await?;
    if matches!(stream.status, 401 | 403) {
        found.status = Some(stream.status);
        found.headers = stream.headers.clone();
        refused(found, &stream);
        return Ok(());
    }
    if stream.status != 200 || !is_event_stream(&stream) {
        return Ok(());
    }
    let mut events = Events::new(ctx.cap);
    let Some(first) = events.next(&mut stream).await else {
        return Ok(());
    };
    if first.event != "endpoint" {
        return Ok(());
    }
    // Only ever talk to the host being scanned: the endpoint must be a path.
    let endpoint = same_origin_path(&first.data, &host_header(ctx.host, ctx.addr))
        .ok_or_else(|| TransportError::protocol("mcp", "SSE endpoint on another origin"))?;
    found.status = Some(stream.status);
    found.headers = stream.headers.clone();
    found.doc.insert("transport".into(), "sse".into());
    found
        .doc
        .insert("message_endpoint".into(), endpoint.as_str().into());
    drop(post(ctx, &endpoint, &[], &rpc(1, "initialize", init_params())).await?);
    let answer = events.answer(&mut stream, 1).await;
    if initialized(found, answer).is_none() {
        return Ok(());
    }
    let notice = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    drop(post(ctx, &endpoint, &[], &notice).await?);
    drop(post(ctx, &endpoint, &[], &rpc(2, "tools/list", json!({}))).await?);
    let answer = events.answer(&mut stream, 2).await;
    list_tools(found, answer);
    Ok(())
}

fn init_params() -> Value {
    json!({
        "protocolVersion": PROTOCOL_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "aimap", "version": env!("CARGO_PKG_VERSION")},
    })
}

fn rpc(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

async fn post(
    ctx: &Ctx<'_>,
    path: &str,
    extra: &[(String, String)],
    message: &Value,
) -> Result<(Streaming, Option<TlsInfo>), TransportError> {
    let mut headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        (
            "Accept".to_string(),
            "application/json, text/event-stream".to_string(),
        ),
    ];
    headers.extend_from_slice(extra);
    let body = serde_json::to_vec(message).unwrap_or_default();
    start(ctx.addr, ctx.host, ctx.tls, "POST", path, &headers, body).await
}

fn is_event_stream(s: &Streaming) -> bool {
    s.header("content-type").is_some_and(|c| {
        c.trim_start()
            .to_ascii_lowercase()
            .starts_with("text/event-stream")
    })
}

/// Read the JSON-RPC answer with `id` from a streamable-HTTP response:
/// a JSON body, or an event stream carrying it among other messages.
async fn read_answer(
    mut s: Streaming,
    id: u64,
    cap: usize,
) -> Result<Option<Value>, TransportError> {
    if is_event_stream(&s) {
        return Ok(Events::new(cap).answer(&mut s, id).await);
    }
    let mut body = Vec::new();
    while let Some(chunk) = s.chunk().await {
        if body.len() + chunk.len() > cap {
            return Err(TransportError::protocol(
                "mcp",
                "answer larger than the cap",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let value: Value =
        serde_json::from_slice(&body).map_err(|e| TransportError::protocol("mcp", e))?;
    Ok(pick(value, id))
}

/// The answer to request `id` in one message or a batch of them.
pub(crate) fn pick(value: Value, id: u64) -> Option<Value> {
    let ours = |v: &Value| {
        v.get("id").and_then(Value::as_u64) == Some(id)
            && (v.get("result").is_some() || v.get("error").is_some())
    };
    match value {
        Value::Array(items) => items.into_iter().find(ours),
        v if ours(&v) => Some(v),
        _ => None,
    }
}

/// Events from one SSE response, bounded in total size.
struct Events {
    parser: SseParser,
    pending: std::collections::VecDeque<super::sse::Event>,
    budget: usize,
}

impl Events {
    fn new(cap: usize) -> Self {
        Self {
            parser: SseParser::new(cap),
            pending: Default::default(),
            budget: cap,
        }
    }

    async fn next(&mut self, s: &mut Streaming) -> Option<super::sse::Event> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(e);
            }
            let chunk = s.chunk().await?;
            self.budget = self.budget.checked_sub(chunk.len())?;
            self.pending.extend(self.parser.push(&chunk).ok()?);
        }
    }

    /// Skip notifications and server requests until the answer to `id`.
    async fn answer(&mut self, s: &mut Streaming, id: u64) -> Option<Value> {
        while let Some(e) = self.next(s).await {
            if !(e.event.is_empty() || e.event == "message") {
                continue;
            }
            if let Some(v) = serde_json::from_str(&e.data).ok().and_then(|v| pick(v, id)) {
                return Some(v);
            }
        }
        None
    }
}

/// The document rendered from an `initialize` answer and a `tools/list`
/// answer as received (each a JSON body or an event stream): the render
/// path, for fuzzing and tests.
pub fn render_answers(init: &[u8], tools: &[u8], cap: usize) -> Vec<u8> {
    let answer = |bytes: &[u8], id| {
        let value = serde_json::from_slice(bytes).ok().and_then(|v| pick(v, id));
        value.or_else(|| {
            let events = SseParser::new(cap).push(bytes).ok()?;
            events
                .into_iter()
                .filter_map(|e| serde_json::from_str(&e.data).ok())
                .find_map(|v| pick(v, id))
        })
    };
    let mut found = Found::default();
    if initialized(&mut found, answer(init, 1)).is_some() {
        list_tools(&mut found, answer(tools, 2));
    }
    serde_json::to_vec(&Value::Object(found.doc)).unwrap_or_default()
}

/// Record an initialize result; returns the negotiated protocol version.
fn initialized(found: &mut Found, answer: Option<Value>) -> Option<String> {
    let Some(answer) = answer else {
        note(found, "no initialize answer");
        return None;
    };
    if let Some(err) = answer.get("error") {
        found.doc.insert("error".into(), short(err));
        return None;
    }
    let result = answer.get("result")?;
    let version = result.get("protocolVersion")?.as_str()?.to_string();
    found
        .doc
        .insert("protocolVersion".into(), version.as_str().into());
    if let Some(Value::Object(info)) = result.get("serverInfo") {
        let keep: Map<String, Value> = ["name", "version", "title"]
            .iter()
            .filter_map(|k| {
                let v = info.get(*k)?.as_str()?;
                Some((k.to_string(), text(v)))
            })
            .collect();
        found.doc.insert("serverInfo".into(), Value::Object(keep));
    }
    if let Some(Value::Object(caps)) = result.get("capabilities") {
        let names: Vec<Value> = caps.keys().take(32).map(|k| text(k)).collect();
        found.doc.insert("capabilities".into(), names.into());
    }
    Some(version)
}

fn list_tools(found: &mut Found, answer: Option<Value>) {
    let Some(answer) = answer else {
        note(found, "no tools/list answer");
        return;
    };
    if let Some(err) = answer.get("error") {
        found.doc.insert("tools_error".into(), short(err));
        return;
    }
    let Some(Value::Array(tools)) = answer.pointer("/result/tools") else {
        note(found, "tools/list result without tools");
        return;
    };
    let names: Vec<Value> = tools
        .iter()
        .filter_map(|t| t.get("name")?.as_str())
        .take(MAX_TOOLS)
        .map(|n| json!({ "name": text(n) }))
        .collect();
    found.doc.insert("tools".into(), names.into());
}

/// A refusal: keep the challenge and where its metadata lives (RFC 9728).
fn refused(found: &mut Found, s: &Streaming) {
    if let Some(challenge) = s.header("www-authenticate") {
        let challenge: String = challenge.chars().take(500).collect();
        if let Some(meta) = auth_param(&challenge, "resource_metadata") {
            found.doc.insert("resource_metadata".into(), meta.into());
        }
        found
            .doc
            .insert("www_authenticate".into(), challenge.into());
    }
}

/// One parameter of a WWW-Authenticate challenge (quoted or token value).
pub(crate) fn auth_param(challenge: &str, name: &str) -> Option<String> {
    let lower = challenge.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let boundary = at == 0 || matches!(lower.as_bytes()[at - 1], b' ' | b',' | b'\t');
        let rest = challenge[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=').filter(|_| boundary) else {
            continue;
        };
        let rest = rest.trim_start();
        return Some(match rest.strip_prefix('"') {
            Some(q) => q.split('"').next().unwrap_or("").to_string(),
            None => rest.split([',', ' ']).next().unwrap_or("").to_string(),
        });
    }
    None
}

/// The path of an SSE `endpoint` event, when it stays on `authority`.
pub(crate) fn same_origin_path(data: &str, authority: &str) -> Option<String> {
    let data = data.trim();
    let path = if data.starts_with('/') && !data.starts_with("//") {
        data.to_string()
    } else {
        let rest = data
            .strip_prefix("http://")
            .or_else(|| data.strip_prefix("https://"))?;
        let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if !auth.eq_ignore_ascii_case(authority) {
            return None;
        }
        if path.is_empty() {
            "/".to_string()
        } else {
            path.to_string()
        }
    };
    let ok = path.len() <= 2048 && path.bytes().all(|b| (0x21..0x7f).contains(&b));
    ok.then_some(path)
}

fn short(v: &Value) -> Value {
    text(&v.to_string())
}

/// A string the server chose, as one bounded line (see [`super::text`]).
fn text(s: &str) -> Value {
    Value::String(clean_line(s, MAX_TEXT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_answer_by_id_from_messages_and_batches() {
        let v =
            json!([{"jsonrpc":"2.0","method":"ping","id":9}, {"jsonrpc":"2.0","id":2,"result":{}}]);
        assert!(pick(v, 2).is_some());
        assert!(
            pick(json!({"id": 1, "method": "x"}), 1).is_none(),
            "a request is not an answer"
        );
        assert!(pick(json!({"id": "1", "result": {}}), 1).is_none());
        assert!(pick(json!(null), 1).is_none());
    }

    #[test]
    fn reads_resource_metadata_from_challenges() {
        let c = r#"Bearer error="invalid_token", error_description="Authentication required", resource_metadata="http://h:8000/.well-known/oauth-protected-resource/mcp""#;
        assert_eq!(
            auth_param(c, "resource_metadata").unwrap(),
            "http://h:8000/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(auth_param("Bearer realm=x, scope=a", "scope").unwrap(), "a");
        assert!(auth_param("Bearer xresource_metadata=1", "resource_metadata").is_none());
        assert!(auth_param("Bearer resource_metadata", "resource_metadata").is_none());
        assert_eq!(
            auth_param(
                "Bearer resource_metadata=\"unterminated",
                "resource_metadata"
            )
            .unwrap(),
            "unterminated"
        );
    }

    #[test]
    fn sse_endpoints_never_leave_the_scanned_origin() {
        let here = "127.0.0.1:8000";
        assert_eq!(
            same_origin_path("/messages/?session_id=ab", here).unwrap(),
            "/messages/?session_id=ab"
        );
        assert_eq!(
            same_origin_path("http://127.0.0.1:8000/m?s=1", here).unwrap(),
            "/m?s=1"
        );
        assert!(same_origin_path("http://10.0.0.1:8000/m", here).is_none());
        assert!(same_origin_path("//evil.example/m", here).is_none());
        assert!(same_origin_path("/a b", here).is_none());
        assert!(same_origin_path("ftp://127.0.0.1:8000/", here).is_none());
    }

    #[test]
    fn initialize_and_tools_results_are_kept_small_and_typed() {
        let mut f = Found::default();
        let init = json!({"id":1,"result":{"protocolVersion":"2025-06-18","serverInfo":{"name":"x","version":"1.2","extra":[1]},"capabilities":{"tools":{}}}});
        assert_eq!(initialized(&mut f, Some(init)).unwrap(), "2025-06-18");
        assert_eq!(f.doc["serverInfo"], json!({"name":"x","version":"1.2"}));
        let tools: Vec<Value> = (0..100).map(|i| json!({"name": format!("t{i}")})).collect();
        list_tools(&mut f, Some(json!({"id":2,"result":{"tools": tools}})));
        assert_eq!(f.doc["tools"].as_array().unwrap().len(), MAX_TOOLS);
        let mut f = Found::default();
        assert!(
            initialized(&mut f, Some(json!({"id":1,"result":{"protocolVersion":5}}))).is_none()
        );
        assert!(initialized(&mut f, Some(json!({"id":1,"error":{"code":-32600}}))).is_none());
        assert!(initialized(&mut f, None).is_none());
        list_tools(&mut f, Some(json!({"id":2,"result":{"tools":"no"}})));
        assert!(f.doc.get("tools").is_none());
    }
}
