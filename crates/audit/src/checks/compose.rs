//! docker-compose / compose files (every version: short and long port and
//! volume syntax, map and list environments).
use super::reach::{compose_port, Reach};
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

/// A node as an item; a value resolved from `.env` keeps that file.
fn item(n: &Node) -> Item {
    Item {
        file: n.file.clone(),
        ..Item::new(n.text().unwrap_or_default(), n.line, n.column)
    }
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
    // A service built here has no image name: its own names are the hint.
    if w.image.is_none() {
        w.names.push(w.anchor.text.clone());
        if let Some(c) = svc.get("container_name").and_then(Node::text) {
            w.names.push(c);
        }
    }
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
                Item {
                    file: v.file.clone(),
                    ..Item::new(v.text().unwrap_or_default(), line, col)
                },
            ));
        }
    }
    for i in env.items() {
        if let Some((k, v)) = i.as_str().and_then(|s| s.split_once('=')) {
            let mut it = Item::new(v, i.line, i.column);
            it.file = i.file.clone();
            out.push((k.trim().to_string(), it));
        }
    }
    out
}

fn service(name: &Node, svc: &Node, out: &mut Out) {
    let w = workload(name, svc, out);
    let first_hit = out.hits.len();
    check_workload(&w, out);
    let ai = w.ai();
    let open = ai.filter(|a| !w.auth_configured(*a));
    let published: Vec<(&Node, Reach, String)> = svc
        .get("ports")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| compose_port(p).map(|(r, ev)| (p, r, ev)))
        .collect();
    let host_net = at(svc, "network_mode").filter(|i| i.text == "host");
    match open {
        Some(a) if !published.is_empty() || host_net.is_some() => {
            // One finding per exposed service: at its first published port
            // (or network_mode), naming every port and the product rule
            // that says why it is open.
            let why: Vec<String> = out
                .take_product_hits(first_hit)
                .into_iter()
                .map(|(rule, ev)| format!("{rule}: {ev}"))
                .collect();
            let why = if why.is_empty() {
                format!("{a:?} without authentication")
            } else {
                why.join("; ")
            };
            if let Some((first, _, _)) = published.first() {
                let all: Vec<&str> = published.iter().map(|(_, _, ev)| ev.as_str()).collect();
                let reach = published
                    .iter()
                    .map(|p| p.1)
                    .max()
                    .unwrap_or(Reach::AllInterfaces);
                out.hit_as(
                    "port-all-interfaces",
                    &item(first),
                    format!(
                        "service {}: ports {} ({why})",
                        w.anchor.text,
                        all.join(", ")
                    ),
                    reach.severity(),
                );
            } else if let Some(nm) = &host_net {
                out.hit(
                    "network-mode-host",
                    nm,
                    format!("network_mode: host ({why})"),
                );
            }
        }
        // Not published: reachable from other containers only.
        _ => out.set_product_severity(first_hit, Reach::Internal.severity()),
    }
    let socket = svc
        .get("volumes")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|v| is_docker_socket(&volume_source(v)));
    if let Some(p) = at(svc, "privileged").filter(|i| i.text == "true") {
        if socket {
            // Privileged with the Docker socket: the host, by two routes.
            let ports = if published.is_empty() {
                String::new()
            } else {
                format!(", and publishes {}", published.len())
            };
            out.hit_as(
                "host-takeover",
                &p,
                format!("privileged: true with the Docker socket mounted{ports}"),
                aimap_model::Severity::Critical,
            );
        } else {
            out.hit("privileged", &p, "privileged: true");
        }
        if w.gpu {
            out.hit("gpu-privileged", &p, "privileged: true on a GPU container");
        }
    }
    for o in svc.get("security_opt").map(Node::items).unwrap_or_default() {
        let t = o.text().unwrap_or_default();
        let norm = t.replace('=', ":").to_ascii_lowercase();
        if matches!(
            norm.as_str(),
            "seccomp:unconfined"
                | "apparmor:unconfined"
                | "label:disable"
                | "systempaths:unconfined"
        ) {
            out.hit(
                "security-opt-disabled",
                &item(o),
                format!("security_opt: {t}"),
            );
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
        let source = volume_source(v);
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

/// The host side of a `volumes:` entry (short or long syntax).
fn volume_source(v: &Node) -> String {
    match v.get("source") {
        Some(s) => s.text().unwrap_or_default(),
        None => v
            .text()
            .unwrap_or_default()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}
