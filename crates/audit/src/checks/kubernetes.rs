//! Kubernetes manifests: workloads (Pod, Deployment, StatefulSet,
//! DaemonSet, ReplicaSet, Job, CronJob), Services and Ingresses. A Service
//! is judged exposing an AI server when its selector picks a pod template
//! of the same file whose container runs one without authentication.
use super::{check_workload, is_docker_socket, sensitive_host_path, Item, Out, Workload};
use crate::yaml::{Node, Value};

fn item(n: &Node) -> Item {
    Item::new(n.text().unwrap_or_default(), n.line, n.column)
}

/// (labels, unauthenticated AI?) of each pod template, for Service matching.
type Template = (Vec<(String, String)>, bool);

pub fn check(docs: &[Node], out: &mut Out) {
    let mut templates: Vec<Template> = Vec::new();
    for doc in docs {
        let kind = doc.get("kind").and_then(Node::as_str).unwrap_or_default();
        let pod = match kind {
            "Pod" => Some((doc.get("spec"), doc.path(&["metadata", "labels"]))),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => Some((
                doc.path(&["spec", "template", "spec"]),
                doc.path(&["spec", "template", "metadata", "labels"]),
            )),
            "CronJob" => Some((
                doc.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
                doc.path(&[
                    "spec",
                    "jobTemplate",
                    "spec",
                    "template",
                    "metadata",
                    "labels",
                ]),
            )),
            _ => None,
        };
        let first = out.hits.len();
        if let Some((Some(spec), labels)) = pod {
            let open = pod_spec(spec, out);
            templates.push((labels.map(pairs).unwrap_or_default(), open));
        }
        // Custom resources: their pods get the same checks; Ray clusters
        // are judged from spec.authOptions and the head Service.
        let first_image = out.images.len();
        for spec in super::crds::pod_specs(kind, doc) {
            pod_spec(spec, out);
        }
        if let Some(control) = super::crds::ray(kind, doc, out) {
            for img in &mut out.images[first_image..] {
                img.controls.push(control.clone());
            }
        }
        // A product without auth in a pod is cluster-internal unless a
        // NodePort/LoadBalancer Service below says otherwise.
        out.set_product_severity(first, super::reach::Reach::Internal.severity());
    }
    for doc in docs {
        match doc.get("kind").and_then(Node::as_str) {
            Some("Service") => service(doc, &templates, out),
            Some("Ingress") => ingress(doc, out),
            _ => {}
        }
    }
}

fn pairs(map: &Node) -> Vec<(String, String)> {
    map.entries()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.text()?)))
        .collect()
}

/// Checks one pod spec; true when it runs an AI server without auth.
fn pod_spec(spec: &Node, out: &mut Out) -> bool {
    for (key, rule) in [
        ("hostNetwork", "k8s-host-network"),
        ("hostPID", "host-pid"),
        ("hostIPC", "host-ipc"),
    ] {
        if let Some(v) = spec.get(key).filter(|v| v.is_true()) {
            out.hit(rule, &item(v), format!("{key}: true"));
        }
    }
    for vol in spec.get("volumes").map(Node::items).unwrap_or_default() {
        if let Some(p) = vol.path(&["hostPath", "path"]) {
            let path = p.text().unwrap_or_default();
            if is_docker_socket(&path) {
                out.hit("docker-socket", &item(p), format!("hostPath {path}"));
            } else if sensitive_host_path(&path) {
                out.hit("host-path", &item(p), format!("hostPath {path}"));
            }
        }
    }
    let pod_sc = spec.get("securityContext");
    let host_network = spec.get("hostNetwork").is_some_and(Node::is_true);
    let mut open = false;
    for key in ["containers", "initContainers"] {
        for c in spec.get(key).map(Node::items).unwrap_or_default() {
            open |= container(c, pod_sc, host_network, out);
        }
    }
    open
}

fn container(c: &Node, pod_sc: Option<&Node>, host_network: bool, out: &mut Out) -> bool {
    let anchor = c
        .get("name")
        .map(item)
        .unwrap_or_else(|| Item::new("container", c.line, c.column));
    let mut w = Workload {
        anchor: anchor.clone(),
        image: c.get("image").map(item),
        ..Workload::default()
    };
    for e in c.get("env").map(Node::items).unwrap_or_default() {
        if let Some(name) = e.get("name").and_then(Node::as_str) {
            // valueFrom (Secret, ConfigMap) is the right way: no literal value.
            if let Some(v) = e.get("value") {
                w.env.push((name.to_string(), item(v)));
            } else if e.get("valueFrom").is_some() {
                w.env.push((
                    name.to_string(),
                    Item::new("$(valueFrom)", e.line, e.column),
                ));
            }
        }
    }
    for key in ["command", "args"] {
        for a in c.get(key).map(Node::items).unwrap_or_default() {
            w.args.extend(super::workload::split_command(
                &a.text().unwrap_or_default(),
                a.line,
                a.column,
            ));
        }
    }
    let limits = c.path(&["resources", "limits"]);
    w.gpu = limits.is_some_and(|l| {
        l.entries()
            .iter()
            .any(|(k, _)| k.as_str().is_some_and(|k| k.ends_with("/gpu")))
    }) || w.env("NVIDIA_VISIBLE_DEVICES").is_some();
    w.isolated_network = !host_network;
    check_workload(&w, out);
    for p in c.get("ports").map(Node::items).unwrap_or_default() {
        if let Some(hp) = p.get("hostPort") {
            out.hit(
                "k8s-host-port",
                &item(hp),
                format!("hostPort: {}", hp.text().unwrap_or_default()),
            );
        }
    }
    let sc = c.get("securityContext");
    if let Some(p) = sc.and_then(|s| s.get("privileged")).filter(|p| p.is_true()) {
        out.hit("privileged", &item(p), "privileged: true");
        if w.gpu {
            out.hit(
                "gpu-privileged",
                &item(p),
                "privileged: true on a GPU container",
            );
        }
    }
    for cap in sc
        .and_then(|s| s.path(&["capabilities", "add"]))
        .map(Node::items)
        .unwrap_or_default()
    {
        let t = cap.text().unwrap_or_default();
        if t != "NET_BIND_SERVICE" {
            out.hit("cap-add", &item(cap), format!("capabilities.add: {t}"));
        }
    }
    if let Some(v) = sc
        .and_then(|s| s.get("allowPrivilegeEscalation"))
        .filter(|v| v.is_true())
    {
        out.hit(
            "allow-privilege-escalation",
            &item(v),
            "allowPrivilegeEscalation: true",
        );
    }
    for prof in ["seccompProfile", "appArmorProfile"] {
        let t = sc
            .and_then(|s| s.path(&[prof, "type"]))
            .or_else(|| pod_sc.and_then(|s| s.path(&[prof, "type"])));
        if let Some(t) = t.filter(|t| t.as_str() == Some("Unconfined")) {
            out.hit(
                "security-opt-disabled",
                &item(t),
                format!("{prof}.type: Unconfined"),
            );
        }
    }
    let field = |k: &str| {
        sc.and_then(|s| s.get(k))
            .or_else(|| pod_sc.and_then(|s| s.get(k)))
    };
    let non_root = field("runAsNonRoot").is_some_and(Node::is_true)
        || field("runAsUser")
            .and_then(Node::text)
            .is_some_and(|u| u != "0");
    if let Some(u) = field("runAsUser").filter(|u| u.text().as_deref() == Some("0")) {
        out.hit("runs-as-root", &item(u), "runAsUser: 0");
    } else if !non_root {
        out.hit(
            "runs-as-root",
            &anchor,
            format!(
                "container {} sets neither runAsNonRoot nor runAsUser",
                anchor.text
            ),
        );
    }
    match sc.and_then(|s| s.get("readOnlyRootFilesystem")) {
        Some(v) if v.is_true() => {}
        Some(v) => out.hit(
            "writable-root-fs",
            &item(v),
            "readOnlyRootFilesystem: false",
        ),
        None => out.hit(
            "writable-root-fs",
            &anchor,
            format!("container {} has no readOnlyRootFilesystem", anchor.text),
        ),
    }
    if limits.is_none_or(|l| l.get("memory").is_none()) {
        out.hit(
            "no-resource-limits",
            &anchor,
            format!("container {} has no memory limit", anchor.text),
        );
    }
    w.ai().is_some_and(|a| !w.auth_configured(a))
}

fn service(doc: &Node, templates: &[Template], out: &mut Out) {
    let Some(t) = doc.path(&["spec", "type"]) else {
        return;
    };
    let ty = t.text().unwrap_or_default();
    if ty != "LoadBalancer" && ty != "NodePort" {
        return;
    }
    let selector = doc
        .path(&["spec", "selector"])
        .map(pairs)
        .unwrap_or_default();
    let selects = |labels: &[(String, String)]| {
        !selector.is_empty() && selector.iter().all(|s| labels.contains(s))
    };
    let open = templates
        .iter()
        .any(|(labels, open)| *open && selects(labels));
    // A Service alone in its file: judge by the well-known AI ports.
    let lone = templates.is_empty()
        && doc
            .path(&["spec", "ports"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .any(|p| {
                p.get("port")
                    .and_then(Node::text)
                    .is_some_and(|p| AI_PORTS.contains(&p.as_str()))
            });
    if open || lone {
        out.hit("k8s-service-exposed", &item(t), format!("type: {ty}"));
    }
}

const AI_PORTS: &[&str] = &[
    "11434", "8000", "8001", "8002", "6333", "6334", "19530", "6379", "8888", "8265", "5000",
    "10001",
];

fn ingress(doc: &Node, out: &mut Out) {
    let annotations = doc.path(&["metadata", "annotations"]);
    let has_auth = annotations.is_some_and(|a| {
        a.entries().iter().any(|(k, _)| {
            k.as_str().is_some_and(|k| {
                k.contains("auth") || k.contains("middlewares") || k.contains("oauth")
            })
        })
    });
    if !has_auth {
        let at = match doc.path(&["metadata", "annotations"]) {
            Some(Node {
                value: Value::Map(_),
                ..
            }) => doc.path(&["metadata"]).and_then(|m| m.key("annotations")),
            _ => doc.key("metadata"),
        };
        let at = at.map(item).unwrap_or_default();
        let name = doc
            .path(&["metadata", "name"])
            .and_then(Node::text)
            .unwrap_or_default();
        let at = Item {
            text: name.clone(),
            ..at
        };
        if super::crds::ray_backend(doc) {
            out.hit_as(
                "k8s-ingress-no-auth",
                &at,
                format!("Ingress {name} routes to a Ray head (dashboard or client) with no auth annotation"),
                super::crds::CRITICAL,
            );
        } else {
            out.hit(
                "k8s-ingress-no-auth",
                &at,
                format!("Ingress {name} has no auth annotation"),
            );
        }
    }
}
