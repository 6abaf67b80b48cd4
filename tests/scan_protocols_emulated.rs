//! Rules on protocols other than HTTP/1, against emulators in crates/farm
//! built from each product's wire protocol: MongoDB (OP_MSG with BSON),
//! NVIDIA Triton's gRPC endpoint (HTTP/2 + protobuf) and Redis Stack
//! (RESP). Each has an open and a secured twin, and hostile or look-alike
//! servers on its port must give no claim and no crash.
//!
//! Addresses: 127.102.2.0/24.
mod common;

use std::net::SocketAddr;

use aimap_farm::{start, Emulator, MongoDb, RedisStack, Running};
use common::*;

struct Farm {
    _rt: tokio::runtime::Runtime,
    _servers: Vec<Running>,
}

fn farm(servers: Vec<(Emulator, &str)>) -> Farm {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = servers
        .into_iter()
        .map(|(e, addr)| {
            let addr: SocketAddr = addr.parse().unwrap();
            rt.block_on(start(e, addr))
                .unwrap_or_else(|err| panic!("{addr}: {err}"))
        })
        .collect();
    Farm {
        _rt: rt,
        _servers: running,
    }
}

fn mongo(auth: bool) -> Emulator {
    Emulator::MongoDb(MongoDb {
        version: "7.0.14".into(),
        auth,
        databases: vec!["rag".into()],
    })
}

#[test]
fn mongodb_open_secured_and_hostile_neighbours() {
    let _farm = farm(vec![
        (mongo(false), "127.102.2.1:27017"),
        (mongo(true), "127.102.2.2:27017"),
        // Not MongoDB on its port: random bytes, silence, an HTTP server.
        (Emulator::Garbage, "127.102.2.3:27017"),
        (Emulator::Silent, "127.102.2.4:27017"),
        (Emulator::PlainHttp, "127.102.2.5:27017"),
    ]);
    let (r, out) = scan_json(&["127.102.2.1-5", "-p", "27017"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a critical finding fails the run"
    );

    let s = service(&r, "127.102.2.1", 27017).expect("open mongod found");
    assert_eq!(s["service"], "mongodb", "{s}");
    assert_eq!(s["transport"], "mongodb", "{s}");
    assert_eq!(s["version"], "7.0.14", "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(s["findings"][0]["id"], "mongodb-unauthenticated", "{s}");
    assert_eq!(s["findings"][0]["severity"], "critical", "{s}");
    assert_eq!(
        s["details"]["databases"],
        serde_json::json!(["admin", "config", "local", "rag"]),
        "{s}"
    );

    // buildInfo answers before a login, listDatabases does not.
    let s = service(&r, "127.102.2.2", 27017).expect("mongod --auth found");
    assert_eq!(s["service"], "mongodb", "{s}");
    assert_eq!(s["version"], "7.0.14", "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    assert!(s["findings"].as_array().unwrap().is_empty(), "{s}");
    assert!(s["evidence"].to_string().contains("Unauthorized"), "{s}");

    for n in 3..=5 {
        let ip = format!("127.102.2.{n}");
        assert!(
            service(&r, &ip, 27017).is_none_or(|s| s["service"] != "mongodb"),
            "{ip} taken for MongoDB: {r:#}"
        );
    }
}

fn triton_grpc(restricted: bool) -> Emulator {
    Emulator::TritonGrpc {
        version: "2.59.0".into(),
        models: vec!["resnet50".into(), "bert".into()],
        restricted,
    }
}

#[test]
fn triton_grpc_open_restricted_and_look_alikes() {
    let _farm = farm(vec![
        (triton_grpc(false), "127.102.2.11:8001"),
        (triton_grpc(true), "127.102.2.12:8001"),
        // HTTP/1 only, random bytes, and MongoDB on Triton's gRPC port.
        (Emulator::PlainHttp, "127.102.2.13:8001"),
        (Emulator::Garbage, "127.102.2.14:8001"),
        (mongo(false), "127.102.2.15:8001"),
    ]);
    let (r, _) = scan_json(&["127.102.2.11-15", "-p", "8001"]);

    let s = service(&r, "127.102.2.11", 8001).expect("open Triton gRPC found");
    assert_eq!(s["service"], "triton-grpc", "{s}");
    assert_eq!(s["transport"], "grpc", "{s}");
    assert_eq!(s["version"], "2.59.0", "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    assert_eq!(s["findings"][0]["id"], "triton-grpc-unauthenticated", "{s}");
    assert_eq!(
        s["details"]["models"],
        serde_json::json!(["resnet50", "bert"]),
        "{s}"
    );
    let extensions = s["details"]["extensions"].to_string();
    assert!(extensions.contains("model_repository"), "{extensions}");

    // Metadata stays open; the repository index demands the header.
    let s = service(&r, "127.102.2.12", 8001).expect("restricted Triton gRPC found");
    assert_eq!(s["service"], "triton-grpc", "{s}");
    assert_eq!(s["version"], "2.59.0", "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    assert!(s["details"]["models"].is_null(), "{s}");
    assert!(s["evidence"].to_string().contains("restricted"), "{s}");

    for n in 13..=15 {
        let ip = format!("127.102.2.{n}");
        assert!(
            service(&r, &ip, 8001).is_none_or(|s| s["service"] != "triton-grpc"),
            "{ip} taken for Triton gRPC: {r:#}"
        );
    }
}

/// redis-stack-server as it names its modules (search, ReJSON, ...), open
/// and with requirepass. The real-server test (scan_redis.rs) covers a
/// Debian redis-server with the older RediSearch build ("ft").
#[test]
fn redis_stack_modules_open_and_protected() {
    let stack = |auth| {
        Emulator::RedisStack(RedisStack {
            version: "7.4.2".into(),
            auth,
        })
    };
    let _farm = farm(vec![
        (stack(false), "127.102.2.21:6379"),
        (stack(true), "127.102.2.22:6379"),
        (mongo(false), "127.102.2.23:6379"),
    ]);
    let (r, _) = scan_json(&["127.102.2.21-23", "-p", "6379"]);

    let s = service(&r, "127.102.2.21", 6379).expect("Redis Stack found");
    assert_eq!(s["service"], "redis-stack", "{s}");
    assert_eq!(s["version"], "7.4.2", "{s}");
    assert_eq!(s["auth"], "none", "{s}");
    let modules = s["details"]["modules"].to_string();
    for m in ["search,ver=", "ReJSON,ver=", "timeseries,ver=", "bf,ver="] {
        assert!(modules.contains(m), "{m} missing: {modules}");
    }
    // Behind a password the modules cannot be listed: plain Redis, locked.
    let s = service(&r, "127.102.2.22", 6379).expect("protected Redis Stack found");
    assert_eq!(s["service"], "redis", "{s}");
    assert_eq!(s["auth"], "required", "{s}");
    assert!(
        service(&r, "127.102.2.23", 6379)
            .is_none_or(|s| !s["service"].as_str().unwrap_or("").starts_with("redis")),
        "MongoDB on 6379 taken for Redis: {r:#}"
    );
}

/// The new transports stay read-only by construction: a rule asking for a
/// writing MongoDB command or an inference/loading gRPC method does not
/// load, and neither does a malformed gRPC path.
#[test]
fn write_commands_and_methods_are_refused_at_load() {
    let rule = |transport: &str, request: &str| {
        format!(
            "id = \"x\"\nproduct = \"X\"\nports = [1]\ntransport = \"{transport}\"\n\
             exposure_severity = \"high\"\nrisk = \"r\"\nremediation = \"r\"\n\
             [[probes]]\nname = \"p\"\nrequest = {request}\nidentify = 1\n\
             matchers = [{{ body_contains = \"x\" }}]\n"
        )
    };
    let load = |t: &str, r: &str| aimap_rules::load_str("x.toml", &rule(t, r));
    assert!(load("mongodb", r#"{ command = ["buildInfo", "listDatabases"] }"#).is_ok());
    for bad in ["dropDatabase", "insert", "shutdown", "eval"] {
        let err = load("mongodb", &format!(r#"{{ command = ["{bad}"] }}"#)).unwrap_err();
        assert!(err.to_string().contains("read-only"), "{bad}: {err}");
    }
    assert!(load("mongodb", r#"{ path = "/" }"#).is_err());

    let ok = r#"{ path = "/inference.GRPCInferenceService/ServerMetadata" }"#;
    assert!(load("grpc", ok).is_ok());
    assert!(load("grpc", r#"{ path = "/grpc.health.v1.Health/Check" }"#).is_ok());
    for bad in [
        "/inference.GRPCInferenceService/ModelInfer",
        "/inference.GRPCInferenceService/RepositoryModelLoad",
        "/qdrant.Points/Upsert",
    ] {
        let err = load("grpc", &format!(r#"{{ path = "{bad}" }}"#)).unwrap_err();
        assert!(err.to_string().contains("not read-only"), "{bad}: {err}");
    }
    for malformed in ["/NoMethod", "inference.X/Y", "/a b/C", "/svc/"] {
        let err = load("grpc", &format!(r#"{{ path = "{malformed}" }}"#)).unwrap_err();
        assert!(
            err.to_string().contains("/package.Service/Method"),
            "{malformed}: {err}"
        );
    }
}
