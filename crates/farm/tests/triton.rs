//! Triton's HTTP endpoint and metrics endpoint. Addresses 127.12.x.y.
mod common;

use aimap_farm::{start, Emulator, RESTRICTED_HEADER, RESTRICTED_VALUE};
use common::{addr, get, send};

fn triton(restricted: bool) -> Emulator {
    Emulator::Triton {
        version: "2.59.0".into(),
        models: vec!["resnet50_trt".into(), "densenet_onnx".into()],
        restricted,
    }
}

const INDEX_BODY: &[u8] = b"{}";
const JSON: (&str, &str) = ("Content-Type", "application/json");

#[tokio::test]
async fn server_metadata_and_health() {
    let s = start(triton(false), addr(12, 0, 1)).await.unwrap();
    let r = get(s.addr, "/v2").await;
    assert_eq!(r.status, 200);
    // evhtp: the handler's type, then Content-Length; no Date, no Server.
    assert_eq!(r.names(), ["Content-Type", "Content-Length", "Connection"]);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(v["name"], "triton");
    assert_eq!(v["version"], "2.59.0");
    assert_eq!(v["extensions"][0], "classification");
    assert!(r
        .text()
        .starts_with(r#"{"name":"triton","version":"2.59.0","extensions":["#));

    for path in [
        "/v2/health/live",
        "/v2/health/ready",
        "/v2/models/densenet_onnx/ready",
    ] {
        let r = get(s.addr, path).await;
        assert_eq!((r.status, r.body.len()), (200, 0), "{path}");
        assert_eq!(r.names(), ["Connection", "Content-Length", "Content-Type"]);
    }
}

#[tokio::test]
async fn repository_index_and_models() {
    let s = start(triton(false), addr(12, 0, 2)).await.unwrap();
    let r = send(s.addr, "POST", "/v2/repository/index", &[JSON], INDEX_BODY).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text(),
        r#"[{"name":"densenet_onnx","version":"1","state":"READY"},{"name":"resnet50_trt","version":"1","state":"READY"}]"#
    );
    let m = get(s.addr, "/v2/models/resnet50_trt").await.json();
    assert_eq!(m["platform"], "tensorrt_plan");
    assert_eq!(m["versions"][0], "1");
    assert_eq!(m["inputs"][0]["shape"][0], -1);

    let r = get(s.addr, "/v2/models/nope").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        r#"{"error":"Request for unknown model: 'nope' is not found"}"#
    );
    let r = get(s.addr, "/v2/repository/index").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (405, r#"{"error":"Method Not Allowed"}"#)
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = get(s.addr, "/v2/nothing").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, r#"{"error":"Not Found"}"#)
    );
    assert_eq!(r.header("content-type"), Some("text/plain"));
    let r = send(
        s.addr,
        "POST",
        "/v2/repository/models/densenet_onnx/unload",
        &[JSON],
        INDEX_BODY,
    )
    .await;
    assert_eq!(r.status, 503);
    assert_eq!(
        get(s.addr, "/v2/models/stats").await.json()["model_stats"][1]["name"],
        "resnet50_trt"
    );
}

#[tokio::test]
async fn restricted_api_answers_like_triton() {
    let s = start(triton(true), addr(12, 0, 3)).await.unwrap();
    let r = send(s.addr, "POST", "/v2/repository/index", &[JSON], INDEX_BODY).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        r#"{"error":"This API is restricted, expecting header 'admin-key'"}"#
    );
    // The check runs before the handler sets a type: evhtp's default.
    assert_eq!(r.header("content-type"), Some("text/plain"));
    // Any method: the restriction is checked before the method.
    assert_eq!(get(s.addr, "/v2/repository/index").await.status, 403);
    assert_eq!(get(s.addr, "/v2/models/stats").await.status, 403);
    assert_eq!(
        get(s.addr, "/v2/models/densenet_onnx/config").await.status,
        403
    );
    // Metadata and health stay open, so the server is still identifiable.
    assert_eq!(get(s.addr, "/v2").await.status, 200);
    assert_eq!(get(s.addr, "/v2/health/ready").await.status, 200);
    // The right header opens it.
    let header = (RESTRICTED_HEADER, RESTRICTED_VALUE);
    let r = send(
        s.addr,
        "POST",
        "/v2/repository/index",
        &[JSON, header],
        INDEX_BODY,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    let wrong = (RESTRICTED_HEADER, "guess");
    assert_eq!(
        send(s.addr, "POST", "/v2/repository/index", &[wrong], b"")
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn metrics_endpoint() {
    let models = vec!["resnet50_trt".to_string(), "densenet_onnx".to_string()];
    let s = start(Emulator::TritonMetrics { models }, addr(12, 0, 4))
        .await
        .unwrap();
    let r = get(s.addr, "/metrics").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let text = r.text();
    assert!(text.starts_with(
        "# HELP nv_inference_request_success Number of successful inference requests, all batch sizes\n"
    ));
    for m in ["resnet50_trt", "densenet_onnx"] {
        let line = format!("model=\"{m}\",version=\"1\"}} 0\n");
        assert!(text
            .lines()
            .any(|l| l.starts_with("nv_inference_request_success{")
                && format!("{l}\n").ends_with(&line)));
    }
    assert!(text.contains("\nnv_gpu_utilization{gpu_uuid=\"GPU-"));
    assert!(text.contains("\nnv_cpu_memory_total_bytes "));
    // Triton answers other paths with an empty 200, and non-GET with 405.
    let r = get(s.addr, "/other").await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    let r = send(s.addr, "POST", "/metrics", &[], b"").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (405, r#"{"error":"Method Not Allowed"}"#)
    );
}
