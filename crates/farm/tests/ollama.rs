//! Ollama, its decoy, its auth proxy, and the plain nginx server, checked
//! byte for byte over a raw socket. Addresses 127.11.x.y.
mod common;

use aimap_farm::{start, Emulator};
use common::{addr, get, send};

fn ollama(models: &[&str]) -> Emulator {
    Emulator::Ollama {
        version: "0.12.3".into(),
        models: models.iter().map(|s| s.to_string()).collect(),
    }
}

#[tokio::test]
async fn banner_and_version() {
    let s = start(ollama(&[]), addr(11, 0, 1)).await.unwrap();
    let r = get(s.addr, "/").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "Ollama is running");
    // Go's order and spelling: handler headers, then Date, Content-Length.
    assert_eq!(
        r.names(),
        ["Content-Type", "Date", "Content-Length", "Connection"]
    );
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(r.header("date").unwrap().ends_with(" GMT"));

    let head = send(s.addr, "HEAD", "/", &[], b"").await;
    assert_eq!(
        (head.status, head.header("content-length")),
        (200, Some("17"))
    );

    let v = get(s.addr, "/api/version").await;
    assert_eq!(
        v.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(v.text(), r#"{"version":"0.12.3"}"#);
}

#[tokio::test]
async fn tags_has_ollamas_shape_and_order() {
    let s = start(ollama(&["llama3.2:3b", "nomic-embed-text"]), addr(11, 0, 2))
        .await
        .unwrap();
    let r = get(s.addr, "/api/tags").await;
    assert_eq!(r.status, 200);
    assert!(r.text().starts_with(r#"{"models":[{"name":"llama3.2:3b","model":"llama3.2:3b","modified_at":"2025-05-10T15:06:48."#));
    let v = r.json();
    let models = v["models"].as_array().unwrap();
    let names: Vec<_> = models.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["llama3.2:3b", "nomic-embed-text:latest"]);
    for m in models {
        assert!(m["size"].as_u64().unwrap() > 0);
        assert_eq!(m["digest"].as_str().unwrap().len(), 64);
        let d = &m["details"];
        assert_eq!(d["format"], "gguf");
        assert_eq!(d["parent_model"], "");
        assert_eq!(d["families"][0], d["family"]);
        assert!(d["parameter_size"].is_string() && d["quantization_level"].is_string());
    }
    assert_eq!(models[0]["details"]["parameter_size"], "3.0B");
    assert_eq!(models[1]["details"]["family"], "nomic-bert");

    assert_eq!(get(s.addr, "/api/ps").await.text(), r#"{"models":[]}"#);
    let v1 = get(s.addr, "/v1/models").await;
    assert_eq!(v1.header("content-type"), Some("application/json"));
    assert_eq!(v1.json()["data"][1]["id"], "nomic-embed-text:latest");
    assert_eq!(v1.json()["data"][0]["owned_by"], "library");
}

#[tokio::test]
async fn gin_errors_for_unknown_paths_and_methods() {
    let s = start(ollama(&["llama3:8b"]), addr(11, 0, 3)).await.unwrap();
    let r = get(s.addr, "/nope").await;
    assert_eq!((r.status, r.text().as_str()), (404, "404 page not found"));
    assert_eq!(r.header("content-type"), Some("text/plain"));

    let r = send(s.addr, "POST", "/api/tags", &[], b"").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (405, "405 method not allowed")
    );
    assert_eq!(r.header("allow"), Some("HEAD, GET"));
    let r = get(s.addr, "/api/generate").await;
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));

    let r = get(s.addr, "/api/tags/").await;
    assert_eq!((r.status, r.header("location")), (301, Some("/api/tags")));
    assert_eq!(r.text(), "<a href=\"/api/tags\">Moved Permanently</a>.\n\n");
}

#[tokio::test]
async fn json_handlers_validate_input() {
    let s = start(ollama(&["llama3:8b"]), addr(11, 0, 4)).await.unwrap();
    let r = send(s.addr, "POST", "/api/show", &[], b"").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, r#"{"error":"missing request body"}"#)
    );
    let r = send(s.addr, "POST", "/api/show", &[], br#"{"model":"nope"}"#).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, r#"{"error":"model 'nope:latest' not found"}"#)
    );
    let r = send(
        s.addr,
        "POST",
        "/api/generate",
        &[],
        br#"{"model":"nope","prompt":"hi"}"#,
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, r#"{"error":"model 'nope' not found"}"#)
    );
    let r = send(s.addr, "POST", "/api/chat", &[], b"hello").await;
    assert_eq!(
        r.json()["error"],
        "invalid character 'h' looking for beginning of value"
    );
    // Acting on an installed model is not emulated, and says so.
    let r = send(
        s.addr,
        "POST",
        "/api/generate",
        &[],
        br#"{"model":"llama3:8b"}"#,
    )
    .await;
    assert_eq!(r.status, 501);
    assert!(r.text().contains("aimap-farm"));
}

#[tokio::test]
async fn auth_proxy_refuses_everything() {
    let s = start(Emulator::OllamaBehindAuthProxy, addr(11, 0, 5))
        .await
        .unwrap();
    for path in ["/", "/api/tags", "/api/version", "/whatever"] {
        let r = get(s.addr, path).await;
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"Ollama\""));
        assert_eq!(r.header("server"), Some("nginx/1.24.0"));
        assert_eq!(r.header("content-type"), Some("text/html"));
        assert!(r
            .text()
            .contains("<title>401 Authorization Required</title>"));
        assert!(!r.text().contains("Ollama"));
    }
    let r = get(s.addr, "/").await;
    assert_eq!(r.names()[..3], ["Server", "Date", "Content-Type"]);
    assert_eq!(r.header("connection"), Some("close"));
}

#[tokio::test]
async fn decoy_copies_only_the_banner() {
    let s = start(Emulator::OllamaDecoy, addr(11, 0, 6)).await.unwrap();
    let r = get(s.addr, "/").await;
    assert_eq!((r.status, r.text().as_str()), (200, "Ollama is running"));
    for path in ["/api/version", "/api/tags"] {
        let r = get(s.addr, path).await;
        assert_eq!((r.status, r.text().as_str()), (404, "404 page not found\n"));
    }
}

#[tokio::test]
async fn plain_http_is_stock_nginx() {
    let s = start(Emulator::PlainHttp, addr(11, 0, 7)).await.unwrap();
    let r = get(s.addr, "/").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(r.header("content-length"), Some("615"));
    assert!(r.text().contains("<title>Welcome to nginx!</title>"));
    assert!(r.header("server").unwrap().starts_with("nginx"));
    assert!(r.header("etag").is_some() && r.header("last-modified").is_some());
    let r = get(s.addr, "/api/tags").await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("<center><h1>404 Not Found</h1></center>"));
    let r = send(s.addr, "DELETE", "/", &[], b"").await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn honeypot_answers_every_path_and_method_alike() {
    let s = start(Emulator::Honeypot, addr(103, 2, 1)).await.unwrap();
    let first = get(s.addr, "/api/version").await;
    assert_eq!(first.status, 200);
    assert!(first.text().contains(r#""owned_by":"vllm""#));
    assert!(first.text().contains(r#""models":[{"name":"llama3:8b""#));
    for path in ["/v1/models", "/no/such/path"] {
        let r = get(s.addr, path).await;
        assert_eq!((r.status, r.text()), (200, first.text()), "{path}");
    }
    // Like honeypots built for Ollama scanners, it copies the banner at /.
    let r = get(s.addr, "/").await;
    assert_eq!((r.status, r.text().as_str()), (200, "Ollama is running"));
    let r = send(s.addr, "DELETE", "/api/delete", &[], b"").await;
    assert_eq!((r.status, r.text()), (200, first.text()));
}
