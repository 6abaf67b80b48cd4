//! docker-compose / compose files (every version: short and long port and
//! volume syntax, map and list environments).
use super::workload::split_command;
use super::{check_workload, is_docker_socket, sensitive_host_path, Item, Out, Workload};
use crate::yaml::{Node, Value};

pub fn check(doc: &Node, out: &mut Out) {
    let Some(services) = doc.get("services") else {
        return;
    };
    for (name, svc) in services.entries() {
        service(name, svc, out);
    }
}

fn item(n: &Node) -> Item {
    Item::new(n.text().unwrap_or_default(), n.line, n.column)
}

/// The place of `key` in `svc`: the value when scalar, else the key.
fn at(svc: &Node, key: &str) -> Option<Item> {
    let v = svc.get(key)?;
    match &v.value {
        Value::Scalar(_) | Value::Bool(_) => Some(item(v)),
        _ => svc.key(key).map(|k| Item::new(key, k.line, k.column)),
    }
}

fn workload(name: &Node, svc: &Node, out: &mut Out) -> Workload {
    let mut w = Workload {
        anchor: item(name),
        image: svc.get("image").map(item),
        ..Workload::default()
    };
    if let Some(env) = svc.get("environment") {
        w.env = environment(env);
    }
    super::envfile::load(svc, &mut w.env, out);
    for key in ["entrypoint", "command"] {
        match svc.get(key).map(|n| &n.value) {
            Some(Value::Scalar(s)) => {
                let n = svc.get(key).map_or((0, 0), |n| (n.line, n.column));
                w.args.extend(split_command(s, n.0, n.1));
            }
            Some(Value::Seq(items)) => w.args.extend(items.iter().map(item)),
            _ => {}
        }
    }
    let runtime_nvidia = svc.get("runtime").and_then(Node::as_str) == Some("nvidia");
    let reserved = svc
        .path(&["deploy", "resources", "reservations", "devices"])
        .is_some_and(|d| {
            d.items().iter().any(|dev| {
                dev.get("driver").and_then(Node::as_str) == Some("nvidia")
                    || dev
                        .get("capabilities")
                        .is_some_and(|c| c.items().iter().any(|x| x.as_str() == Some("gpu")))
            })
        });
    w.isolated_network = svc.get("network_mode").and_then(Node::as_str) != Some("host");
    w.gpu = runtime_nvidia || reserved || w.env("NVIDIA_VISIBLE_DEVICES").is_some();
    w
}

/// `environment:` as a map or as a list of `K=V`.
pub fn environment(env: &Node) -> Vec<(String, Item)> {
    let mut out = Vec::new();
    for (k, v) in env.entries() {
        if let Some(name) = k.as_str() {
            let (line, col) = if matches!(v.value, Value::Null) {
                (k.line, k.column)
            } else {
                (v.line, v.column)
            };
            out.push((
                name.to_string(),
                Item::new(v.text().unwrap_or_default(), line, col),
            ));
        }
    }
    for i in env.items() {
        if let Some((k, v)) = i.as_str().and_then(|s| s.split_once('=')) {
            out.push((k.trim().to_string(), Item::new(v, i.line, i.column)));
        }
    }
    out
}

fn loopback(host: &str) -> bool {
    let h = host.trim_matches(|c| c == '[' || c == ']');
    h.starts_with("127.") || h == "::1" || h == "localhost"
}

/// Whether a `ports:` entry publishes on every interface.
fn public_port(p: &Node) -> Option<String> {
    if let Some(host_ip) = p.get("host_ip").and_then(Node::as_str) {
        return (!loopback(host_ip)).then(|| format!("host_ip {host_ip}"));
    }
    if p.get("target").is_some() {
        // Long syntax without host_ip: published on 0.0.0.0 when published at all.
        return p
            .get("published")
            .map(|_| "long syntax without host_ip".into());
    }
    let s = p.text()?;
    // `[::1]:8080:80`, `127.0.0.1:8080:80`, `8080:80`, `80`.
    let host = if let Some(rest) = s.strip_prefix('[') {
        rest.split_once(']').map(|(h, _)| h.to_string())
    } else {
        let parts: Vec<&str> = s.split(':').collect();
        (parts.len() == 3).then(|| parts[0].to_string())
    };
    match host {
        Some(h) if loopback(&h) => None,
        _ => Some(s),
    }
}

fn service(name: &Node, svc: &Node, out: &mut Out) {
    let w = workload(name, svc, out);
    check_workload(&w, out);
    let ai = w.ai();
    let open = ai.filter(|a| !w.auth_configured(*a));
    if let Some(a) = open {
        for p in svc.get("ports").map(Node::items).unwrap_or_default() {
            if let Some(ev) = public_port(p) {
                out.hit(
                    "port-all-interfaces",
                    &item(p),
                    format!("ports: {ev} ({a:?} without authentication)"),
                );
            }
        }
        if let Some(nm) = at(svc, "network_mode").filter(|i| i.text == "host") {
            out.hit(
                "network-mode-host",
                &nm,
                format!("network_mode: host ({a:?} without authentication)"),
            );
        }
    }
    if let Some(p) = at(svc, "privileged").filter(|i| i.text == "true") {
        out.hit("privileged", &p, "privileged: true");
        if w.gpu {
            out.hit("gpu-privileged", &p, "privileged: true on a GPU container");
        }
    }
    for cap in svc.get("cap_add").map(Node::items).unwrap_or_default() {
        let c = cap.text().unwrap_or_default();
        if c != "NET_BIND_SERVICE" {
            out.hit("cap-add", &item(cap), format!("cap_add: {c}"));
        }
    }
    if let Some(u) =
        at(svc, "user").filter(|u| matches!(u.text.as_str(), "root" | "0" | "0:0" | "root:root"))
    {
        out.hit("runs-as-root", &u, format!("user: {}", u.text));
    }
    for v in svc.get("volumes").map(Node::items).unwrap_or_default() {
        let source = match v.get("source") {
            Some(s) => s.text().unwrap_or_default(),
            None => v
                .text()
                .unwrap_or_default()
                .split(':')
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        let at = if v.get("source").is_some() {
            v.get("source").map(item).unwrap_or_default()
        } else {
            item(v)
        };
        if is_docker_socket(&source) {
            out.hit("docker-socket", &at, format!("volume {source}"));
        } else if source.starts_with('/') && sensitive_host_path(&source) {
            out.hit("host-path", &at, format!("volume {source}"));
        }
    }
    if let Some(p) = at(svc, "pid").filter(|p| p.text == "host") {
        out.hit("host-pid", &p, "pid: host");
    }
    if let Some(p) = at(svc, "ipc").filter(|p| p.text == "host") {
        out.hit("host-ipc", &p, "ipc: host");
    }
    let limited =
        svc.path(&["deploy", "resources", "limits"]).is_some() || svc.get("mem_limit").is_some();
    if ai.is_some() && !limited {
        out.hit(
            "no-resource-limits",
            &w.anchor,
            format!("service {} has no memory limit", w.anchor.text),
        );
    }
}
