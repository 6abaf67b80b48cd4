//! Service configuration outside containers: redis.conf, systemd units,
//! drop-ins and environment files (Ollama's OLLAMA_HOST lives there),
//! Jupyter config files and Qdrant's config.yaml.
use super::workload::split_command;
use super::{check_workload, Item, Out, Workload};
use crate::yaml::Node;

fn numbered(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l.trim()))
}

pub fn redis(text: &str, out: &mut Out) {
    let (mut bind, mut unprotected, mut auth) = (None, None, false);
    for (n, l) in numbered(text) {
        let mut words = l.split_whitespace();
        match words.next().map(str::to_ascii_lowercase).as_deref() {
            Some("bind") => {
                let all = words
                    .any(|a| matches!(a.trim_start_matches('-'), "0.0.0.0" | "*" | "::" | "::*"));
                bind = all.then(|| Item::new(l, n, 1));
            }
            Some("protected-mode") if words.next() == Some("no") => {
                unprotected = Some(Item::new(l, n, 1))
            }
            Some("requirepass") => {
                auth |= words
                    .next()
                    .is_some_and(|p| !p.trim_matches('"').is_empty())
            }
            // An ACL user with a password, or an ACL file, is authentication too.
            Some("user") => auth |= l.contains(" on ") && (l.contains(" >") || l.contains(" #")),
            Some("aclfile") => auth = true,
            _ => {}
        }
    }
    if auth {
        return;
    }
    if let Some(b) = bind {
        out.hit("redis-bind-all-no-auth", &b, b.text.clone());
    }
    if let Some(p) = unprotected {
        out.hit("redis-protected-mode-off", &p, p.text.clone());
    }
}

/// `KEY=VALUE` with optional quotes; several per systemd `Environment=`.
fn env_pairs(s: &str, line: u32, into: &mut Vec<(String, Item)>) {
    for tok in split_command(s, line, 1) {
        if let Some((k, v)) = tok.text.split_once('=') {
            into.push((k.trim().to_string(), Item::new(v, line, 1)));
        }
    }
}

pub fn systemd(text: &str, out: &mut Out) {
    let mut w = Workload {
        anchor: Item::new("unit", 1, 1),
        ..Workload::default()
    };
    for (n, l) in numbered(text) {
        if let Some(v) = l.strip_prefix("Environment=") {
            env_pairs(v, n, &mut w.env);
        } else if let Some(v) = l.strip_prefix("ExecStart=") {
            let v = v.trim_start_matches(['-', '@', '+', '!', ':']);
            if !v.is_empty() {
                w.anchor = Item::new(v, n, 1);
                w.args = split_command(v, n, 1);
            }
        }
    }
    check_workload(&w, out);
}

pub fn env_file(text: &str, out: &mut Out) {
    let w = Workload {
        env: crate::resolve::dotenv(text, None),
        ..Workload::default()
    };
    check_workload(&w, out);
}

/// The `KEY=VALUE` lines of an env file (`export` and quotes allowed).
pub fn env_vars(text: &str) -> Vec<(String, Item)> {
    let mut env = Vec::new();
    for (n, l) in numbered(text) {
        if l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l);
        if let Some((k, v)) = l.split_once('=') {
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
            env.push((k.trim().to_string(), Item::new(v, n, 1)));
        }
    }
    env
}

/// `c.ServerApp.token = ''` (Python) or `"token": ""` (JSON).
pub fn jupyter(text: &str, out: &mut Out) {
    let mut empty_token = None;
    let mut password = false;
    for (n, l) in numbered(text) {
        if l.starts_with('#') {
            continue;
        }
        let Some((lhs, rhs)) = l.split_once([':', '=']) else {
            continue;
        };
        let key = lhs.trim().trim_matches('"');
        // A trailing Python comment is not part of the value.
        let rhs = rhs.split(" #").next().unwrap_or(rhs);
        let value = rhs.trim().trim_end_matches(',').trim();
        let empty = matches!(value, "''" | "\"\"" | "u''");
        if key.ends_with("token") && empty {
            empty_token = Some(Item::new(l, n, 1));
        }
        if (key.ends_with("password") || key.ends_with("hashed_password"))
            && !empty
            && !value.is_empty()
        {
            password = true;
        }
    }
    if let (Some(t), false) = (empty_token, password) {
        out.hit(
            "jupyter-no-token",
            &t,
            format!("{} (empty token, no password)", t.text),
        );
    }
}

pub fn qdrant(docs: &[Node], out: &mut Out) {
    for doc in docs {
        let Some(service) = doc.get("service") else {
            continue;
        };
        let key = service
            .get("api_key")
            .and_then(Node::text)
            .unwrap_or_default();
        if key.is_empty() {
            let at = doc.key("service").map_or(Item::new("service", 1, 1), |k| {
                Item::new("service", k.line, k.column)
            });
            out.hit("qdrant-no-api-key", &at, "service.api_key is not set");
        }
    }
}

/// milvus.yaml: `common.security.authorizationEnabled: false`.
pub fn milvus(docs: &[Node], out: &mut Out) {
    for doc in docs {
        let Some(v) = doc.path(&["common", "security", "authorizationEnabled"]) else {
            continue;
        };
        if !v.is_true() {
            let at = Item::new(v.text().unwrap_or_default(), v.line, v.column);
            out.hit(
                "milvus-no-auth",
                &at,
                format!("authorizationEnabled: {}", at.text),
            );
        }
    }
}
