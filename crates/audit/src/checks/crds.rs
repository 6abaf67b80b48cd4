//! Custom resources whose pods run AI servers. Field names read from the
//! operators' Go types at a release tag:
//! - KubeRay v1.7.0 `ray-operator/apis/ray/v1/*_types.go`: RayCluster
//!   `spec` (`authOptions.mode`, `headGroupSpec.{serviceType, headService,
//!   enableIngress, rayStartParams, template}`, `workerGroupSpecs[].template`),
//!   RayJob `spec.rayClusterSpec`, RayService `spec.rayClusterConfig`.
//! - KServe v0.20.0 `pkg/apis/serving`: InferenceService
//!   `spec.{predictor,transformer,explainer}` (inline PodSpec),
//!   (Cluster)ServingRuntime `spec` (ServingRuntimePodSpec: `containers`),
//!   LLMInferenceService(Config) `spec.{template,worker}`, `spec.prefill.{template,worker}`.
//! - Seldon Core v2.10.2 `operator/apis/mlops/v1alpha1`: Server `spec.podSpec`;
//!   SeldonDeployment (v1) `spec.predictors[].componentSpecs[].spec`.
use aimap_model::Severity;

use super::reach::Reach;
use super::{Control, Item, Out};
use crate::yaml::Node;

fn item(n: &Node) -> Item {
    Item::new(n.text().unwrap_or_default(), n.line, n.column)
}

/// The pod specs of a custom resource, for the ordinary pod checks.
pub fn pod_specs<'a>(kind: &str, doc: &'a Node) -> Vec<&'a Node> {
    let spec = doc.get("spec");
    let mut out = Vec::new();
    let at = |keys: &[&str]| spec.and_then(|s| s.path(keys));
    match kind {
        "RayCluster" | "RayJob" | "RayService" => {
            if let Some(c) = ray_cluster(kind, doc) {
                out.extend(c.path(&["headGroupSpec", "template", "spec"]));
                for g in c
                    .get("workerGroupSpecs")
                    .map(Node::items)
                    .unwrap_or_default()
                {
                    out.extend(g.path(&["template", "spec"]));
                }
            }
        }
        "InferenceService" => {
            for k in ["predictor", "transformer", "explainer"] {
                out.extend(at(&[k]).filter(|p| p.get("containers").is_some()));
            }
        }
        "ServingRuntime" | "ClusterServingRuntime" => out.extend(spec),
        "LLMInferenceService" | "LLMInferenceServiceConfig" => {
            for k in [
                &["template"][..],
                &["worker"],
                &["prefill", "template"],
                &["prefill", "worker"],
            ] {
                out.extend(at(k));
            }
        }
        "Server" => out.extend(at(&["podSpec"])),
        "SeldonDeployment" => {
            for p in at(&["predictors"]).map(Node::items).unwrap_or_default() {
                for c in p.get("componentSpecs").map(Node::items).unwrap_or_default() {
                    out.extend(c.get("spec"));
                }
            }
        }
        _ => {}
    }
    out
}

/// The RayClusterSpec of a KubeRay resource.
fn ray_cluster<'a>(kind: &str, doc: &'a Node) -> Option<&'a Node> {
    match kind {
        "RayCluster" => doc.get("spec"),
        "RayJob" => doc.path(&["spec", "rayClusterSpec"]),
        "RayService" => doc.path(&["spec", "rayClusterConfig"]),
        _ => None,
    }
}

/// A Ray cluster without token auth, at the line that decides its reach.
/// With token auth on, the control that says so (for every image of the
/// resource: KubeRay sets RAY_AUTH_MODE on all its pods).
pub fn ray(kind: &str, doc: &Node, out: &mut Out) -> Option<Control> {
    let c = ray_cluster(kind, doc)?;
    let token = c
        .path(&["authOptions", "mode"])
        .filter(|m| m.as_str() == Some("token"));
    let head = c.get("headGroupSpec");
    let env_token = head
        .and_then(|h| h.path(&["template", "spec", "containers"]))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .flat_map(|ct| ct.get("env").map(Node::items).unwrap_or_default())
        .find(|e| {
            e.get("name").and_then(Node::as_str) == Some("RAY_AUTH_MODE")
                && e.get("value").and_then(Node::text).as_deref() == Some("token")
        })
        .and_then(|e| e.get("value"));
    if let Some(t) = token {
        return Some(Control {
            name: "ray-token-auth",
            evidence: "spec.authOptions.mode: token".into(),
            line: t.line,
        });
    }
    if let Some(v) = env_token {
        return Some(Control {
            name: "ray-token-auth",
            evidence: "RAY_AUTH_MODE=token".into(),
            line: v.line,
        });
    }
    let head = head?;
    let svc_type = head
        .path(&["headService", "spec", "type"])
        .or_else(|| head.get("serviceType"));
    let ingress = head.get("enableIngress").filter(|v| v.is_true());
    let (at, reach, how) = if let Some(i) = ingress {
        (item(i), Reach::Ingress, "enableIngress: true".to_string())
    } else if let Some(t) = svc_type {
        let ty = t.text().unwrap_or_default();
        (
            item(t),
            super::reach::service_type(&ty),
            format!("head Service type {ty}"),
        )
    } else {
        let k = c.key("headGroupSpec").map(item).unwrap_or_default();
        (
            k,
            Reach::Internal,
            "head Service ClusterIP (default)".into(),
        )
    };
    let name = doc
        .path(&["metadata", "name"])
        .and_then(Node::text)
        .unwrap_or_default();
    out.hit_as(
        "ray-cluster-no-auth",
        &at,
        format!("{kind} {name}: no authOptions.mode: token; dashboard on 0.0.0.0, {how}"),
        reach.severity(),
    );
    None
}

/// Ingress backends that are Ray heads (dashboard 8265, client 10001).
pub fn ray_backend(doc: &Node) -> bool {
    let mut hit = false;
    for r in doc
        .path(&["spec", "rules"])
        .map(Node::items)
        .unwrap_or_default()
    {
        for p in r
            .path(&["http", "paths"])
            .map(Node::items)
            .unwrap_or_default()
        {
            let svc = p.path(&["backend", "service"]);
            let port = svc
                .and_then(|s| s.path(&["port", "number"]))
                .and_then(Node::text)
                .unwrap_or_default();
            let name = svc
                .and_then(|s| s.get("name"))
                .and_then(Node::text)
                .unwrap_or_default();
            hit |= port == "8265" || port == "10001" || name.ends_with("head-svc");
        }
    }
    hit
}

pub const CRITICAL: Severity = Severity::Critical;
