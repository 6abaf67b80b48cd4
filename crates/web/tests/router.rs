//! Handler tests through the router, without a socket: a SQLite store in a
//! temp dir filled through the store's own writer, then requests.
use aimap_model::{AuthVerdict, Evidence, Finding, FindingKind, Service, Severity, Subject};
use aimap_store::{ComponentRow, Location, NewRun, RunKind, RunStatus, RunWriter, Store};
use aimap_web::{router, Options};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const SECRET: &str = "sk-proj-abcdefghijklmnopqrstuvwx";
const TOKEN: &str = "correct-horse-battery-staple";

fn finding(
    id: &str,
    sev: Severity,
    kind: FindingKind,
    host: &str,
    port: u16,
    evidence: &str,
) -> Finding {
    Finding {
        id: id.into(),
        kind,
        severity: sev,
        title: format!("{id} on {host}"),
        description: String::new(),
        subject: Subject::Service {
            host: host.into(),
            port,
            service: "ollama".into(),
        },
        evidence: evidence.into(),
        remediation: "Put it behind an authenticating proxy.".into(),
        references: vec!["https://example.invalid/advisory".into()],
    }
}

fn service(
    host: &str,
    port: u16,
    product: &str,
    version: Option<&str>,
    auth: AuthVerdict,
    findings: Vec<Finding>,
) -> Service {
    Service {
        host: host.into(),
        port,
        service: product.to_lowercase(),
        product: product.into(),
        version: version.map(String::from),
        version_source: None,
        version_candidates: Vec::new(),
        confidence: Default::default(),
        labels: Vec::new(),
        purl: None,
        auth,
        capabilities: Default::default(),
        transport: "http".into(),
        tls: None,
        details: Default::default(),
        evidence: vec![Evidence {
            probe: "models".into(),
            request: "GET /api/tags".into(),
            status: Some(200),
            excerpt: format!("{{\"models\":[]}} OPENAI_API_KEY={SECRET}"),
        }],
        findings,
        vulnerabilities: Vec::new(),
        possible_vulnerabilities: Vec::new(),
    }
}

fn new_run(kind: RunKind, scope: &str) -> NewRun {
    NewRun {
        id: None,
        kind,
        scope: scope.into(),
        label: scope.into(),
        params: serde_json::json!({"source": "directory"}),
        shard_count: 1,
        parent: None,
    }
}

/// Two scans of the same scope (a service gone, one new, one that lost
/// its password) and an inventory run.
async fn fill(store: &Store) -> (String, String, String) {
    let mut ids = Vec::new();
    for round in 0..2 {
        let run = store
            .begin_run(&new_run(RunKind::Scan, "scope-a"))
            .await
            .unwrap();
        let mut w = RunWriter::new(store, &run.id);
        for i in 0..30u16 {
            if round == 1 && i == 0 {
                continue; // gone in the second run
            }
            let host = format!("127.67.1.{i}");
            let sev = Severity::ALL[usize::from(i % 5)];
            let f = finding(
                "ollama-unauthenticated",
                sev,
                FindingKind::Exposure,
                &host,
                11434,
                &format!("GET /api/tags token={SECRET}"),
            );
            let auth = if i % 3 == 0 {
                AuthVerdict::Required
            } else {
                AuthVerdict::None
            };
            let version = if i % 2 == 0 {
                Some("0.1.32")
            } else {
                Some("0.5.7")
            };
            let mut s = service(&host, 11434, "Ollama", version, auth, vec![f.clone()]);
            if i == 7 {
                s.vulnerabilities.push(aimap_model::VulnerabilityRef {
                    id: "GO-2024-0001".into(),
                    aliases: vec![],
                    severity: Severity::Critical,
                    cvss_score: None,
                    fixed: Some("0.1.34".into()),
                    confidence: "package".into(),
                    summary: "test advisory".into(),
                    note: None,
                });
            }
            w.service(&s).unwrap();
            w.finding(&f).unwrap();
        }
        if round == 1 {
            let s = service(
                "127.67.1.99",
                6379,
                "Redis",
                None,
                AuthVerdict::None,
                vec![],
            );
            let mut s = s;
            s.capabilities = [
                (
                    aimap_model::Capability::Data,
                    aimap_model::CapabilityAccess {
                        auth: AuthVerdict::None,
                        evidence: Some(Evidence {
                            probe: "keys".into(),
                            request: "SCAN 0 COUNT 10".into(),
                            status: None,
                            excerpt: format!("session:1 token={SECRET}"),
                        }),
                    },
                ),
                (
                    aimap_model::Capability::Admin,
                    aimap_model::CapabilityAccess {
                        auth: AuthVerdict::Required,
                        evidence: Some(Evidence {
                            probe: "config".into(),
                            request: "CONFIG GET dir".into(),
                            status: None,
                            excerpt: "-NOPERM this user has no permissions".into(),
                        }),
                    },
                ),
            ]
            .into_iter()
            .collect();
            w.service(&s).unwrap();
            let f = finding(
                "redis-unauthenticated",
                Severity::Critical,
                FindingKind::Exposure,
                "127.67.1.99",
                6379,
                "=cmd|' /C calc'!A0",
            );
            w.finding(&f).unwrap();
        }
        w.finish(RunStatus::Done).await.unwrap();
        ids.push(run.id);
    }
    let inv = store
        .begin_run(&new_run(RunKind::Inventory, "inv-a"))
        .await
        .unwrap();
    let mut w = RunWriter::new(store, &inv.id);
    for (name, version) in [("torch", "2.3.0"), ("transformers", "4.40.0")] {
        let c = aimap_inventory::Component::package(
            aimap_inventory::Ecosystem::Pypi,
            name,
            Some(version),
            "python-dist-info",
        );
        w.component(ComponentRow {
            key: c.key(),
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
            ecosystem: "pypi".into(),
            body: serde_json::to_value(&c).unwrap(),
        });
    }
    w.finish(RunStatus::Done).await.unwrap();
    (ids[0].clone(), ids[1].clone(), inv.id)
}

struct App {
    router: Router,
    _dir: tempfile::TempDir,
    runs: (String, String, String),
}

async fn app(token: Option<&str>) -> App {
    let dir = tempfile::tempdir().unwrap();
    let loc = Location::parse(dir.path().join("s.db").to_str().unwrap()).unwrap();
    let store = Store::open(&loc).await.unwrap();
    let runs = fill(&store).await;
    let opts = Options {
        listen: "127.67.0.1:8717".parse().unwrap(),
        token: token.map(String::from),
    };
    App {
        router: router(store, &opts).unwrap(),
        _dir: dir,
        runs,
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn send(app: &Router, req: Request<Body>) -> Reply {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(app: &Router, uri: &str) -> Reply {
    send(
        app,
        Request::get(uri)
            .header(header::HOST, "127.67.0.1:8717")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn overview_counts_the_current_runs() {
    let a = app(None).await;
    let r = get(&a.router, "/api/v1/overview").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    // Current = the second scan (29 Ollama + 1 Redis) and the inventory.
    assert_eq!(v["runs"].as_array().unwrap().len(), 2);
    let o = &v["overview"];
    assert_eq!(o["services"], 30);
    assert_eq!(o["findings"], 30);
    assert_eq!(o["components"], 2);
    assert_eq!(o["vulnerable_services"], 1);
    // i in 1..30 with i % 3 != 0 → 20 open Ollamas, plus the open Redis.
    assert_eq!(o["exposed"], 21);
    let sev = o["findings_by_severity"].as_array().unwrap();
    assert_eq!(
        sev[4],
        5 + 1,
        "critical: i % 5 == 0 for i in 1..30, plus Redis"
    );
    assert_eq!(o["products"][0]["product"], "Ollama");
    // The trend: three runs in order; the open count follows each scope's latest run.
    let t = v["trend"].as_array().unwrap();
    let open: Vec<u64> = t.iter().map(|p| p["open"].as_u64().unwrap()).collect();
    assert_eq!(open, vec![30, 30, 30]);
    assert_eq!(t[1]["run_id"], a.runs.1.as_str());

    // One run asked for by prefix.
    let first = &a.runs.0;
    let v = get(
        &a.router,
        &format!("/api/v1/overview?run={}", &first[..first.len() - 1]),
    )
    .await
    .json();
    assert_eq!(v["overview"]["services"], 30);
    assert_eq!(v["overview"]["exposed"], 20, "i in 0..30, i % 3 != 0");
}

#[tokio::test]
async fn findings_filter_sort_and_page() {
    let a = app(None).await;
    let v = get(&a.router, "/api/v1/findings?severity=high&limit=5")
        .await
        .json();
    assert_eq!(
        v["total"],
        6 + 5 + 1,
        "high and critical of the current scan"
    );
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items
        .iter()
        .all(|f| f["severity"] == "high" || f["severity"] == "critical"));
    assert_eq!(items[0]["severity"], "critical", "worst first");

    let v = get(&a.router, "/api/v1/findings?q=REDIS").await.json();
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["rule"], "redis-unauthenticated");

    let v = get(&a.router, "/api/v1/findings?sort=newest&limit=1")
        .await
        .json();
    assert_eq!(
        v["items"][0]["rule"], "redis-unauthenticated",
        "first seen in the later run"
    );
    let v = get(&a.router, "/api/v1/findings?sort=age&limit=1")
        .await
        .json();
    assert_eq!(v["items"][0]["rule"], "ollama-unauthenticated");

    let page2 = get(&a.router, "/api/v1/findings?limit=20&offset=20")
        .await
        .json();
    assert_eq!(page2["items"].as_array().unwrap().len(), 10);
    assert_eq!(page2["total"], 30);

    for (bad, param) in [
        ("severity=urgent", "severity"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("offset=-1", "offset"),
        ("sort=random", "sort"),
        ("kind=bogus", "kind"),
    ] {
        let r = get(&a.router, &format!("/api/v1/findings?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            r.json()["error"].as_str().unwrap().starts_with(param),
            "{bad}: {}",
            r.body
        );
    }
    let r = get(&a.router, "/api/v1/findings?run=nosuchrun").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn services_filter() {
    let a = app(None).await;
    let count = |v: Value| v["total"].as_u64().unwrap();
    assert_eq!(count(get(&a.router, "/api/v1/services").await.json()), 30);
    assert_eq!(
        count(
            get(&a.router, "/api/v1/services?product=Redis")
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            get(&a.router, "/api/v1/services?auth=required")
                .await
                .json()
        ),
        9
    );
    assert_eq!(
        count(
            get(&a.router, "/api/v1/services?vulnerable=yes")
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            get(&a.router, "/api/v1/services?version=0.1.*")
                .await
                .json()
        ),
        14
    );
    assert_eq!(
        count(
            get(&a.router, "/api/v1/services?version=unknown")
                .await
                .json()
        ),
        1
    );
    let v = get(&a.router, "/api/v1/services?limit=1").await.json();
    assert_eq!(v["items"][0]["auth"], "none", "exposed first");
    let r = get(&a.router, "/api/v1/services?auth=maybe").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let run = &a.runs.1;
    let r = get(
        &a.router,
        &format!("/api/v1/services/{run}/127.67.1.7/11434"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["vulnerabilities"][0]["fixed"], "0.1.34");
    assert_eq!(
        get(
            &a.router,
            &format!("/api/v1/services/{run}/127.67.1.7/99999")
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&a.router, &format!("/api/v1/services/{run}/127.67.1.200/1"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn secrets_never_leave_unmasked() {
    let a = app(None).await;
    let fp = "ollama-unauthenticated@127.67.1.4:11434";
    let enc = fp.replace('@', "%40").replace(':', "%3A");
    let run = &a.runs.1;
    for uri in [
        format!("/api/v1/findings/{enc}"),
        format!("/findings/{enc}"),
        format!("/api/v1/services/{run}/127.67.1.4/11434"),
        format!("/services/{run}/127.67.1.4/11434"),
        "/api/v1/findings/export?format=csv".into(),
        "/api/v1/findings/export?format=json".into(),
    ] {
        let r = get(&a.router, &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
        assert!(!r.body.contains(SECRET), "{uri} leaks the key");
        assert!(
            r.body.contains("sk****")
                || r.body.contains("to****")
                || r.body.contains("OP****")
                || r.body.contains("****"),
            "{uri}: {}",
            &r.body[..r.body.len().min(400)]
        );
    }
    let d = get(&a.router, &format!("/api/v1/findings/{enc}"))
        .await
        .json();
    assert_eq!(d["finding"]["fingerprint"], fp);
    assert_eq!(d["seen_in"].as_array().unwrap().len(), 2, "in both scans");
    assert_eq!(
        get(&a.router, "/api/v1/findings/nope%40x").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn exports_and_sbom() {
    let a = app(None).await;
    let r = get(
        &a.router,
        "/api/v1/findings/export?format=csv&severity=critical",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(lines.len(), 1 + 6, "header and six critical findings");
    assert!(lines[0].starts_with("fingerprint,severity,kind,rule,title"));
    // The planted spreadsheet formula is defused.
    assert!(r.body.contains("'=cmd"), "{}", r.body);
    let v: Value = serde_json::from_str(
        &get(&a.router, "/api/v1/findings/export?format=json&q=redis")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(
        get(&a.router, "/api/v1/findings/export?format=xml")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    let inv = &a.runs.2;
    let r = get(&a.router, &format!("/api/v1/runs/{inv}/sbom")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let bom = r.json();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    let names: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["torch", "transformers"]);
    let scan = &a.runs.1;
    assert_eq!(
        get(&a.router, &format!("/api/v1/runs/{scan}/sbom"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn runs_and_diff() {
    let a = app(None).await;
    let v = get(&a.router, "/api/v1/runs").await.json();
    assert_eq!(v.as_array().unwrap().len(), 3);
    let v = get(&a.router, "/api/v1/runs?kind=inventory").await.json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let (first, second, _) = &a.runs;
    let d = get(&a.router, &format!("/api/v1/diff?from={first}&to={second}"))
        .await
        .json();
    assert_eq!(d["services"]["gone"][0]["host"], "127.67.1.0");
    assert_eq!(d["services"]["new"][0]["host"], "127.67.1.99");
    assert_eq!(d["findings"]["new"][0]["id"], "redis-unauthenticated");
    // Default: the newest run and its predecessor — the inventory has none.
    let r = get(&a.router, "/api/v1/diff").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = get(&a.router, &format!("/diff?to={second}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("127.67.1.99"),
        "the page names the new service"
    );
    assert!(r.body.contains("id=\"findings-new\""));
    let r = get(&a.router, &format!("/runs/{second}")).await;
    assert!(r.body.contains("id=\"diff-previous\""));
}

#[tokio::test]
async fn pages_render_without_scripts_or_inline_styles() {
    let a = app(None).await;
    let fp = "redis-unauthenticated%40127.67.1.99%3A6379";
    for uri in [
        "/".to_string(),
        "/services?auth=none".into(),
        "/findings?severity=medium&sort=age".into(),
        format!("/findings/{fp}"),
        "/components".into(),
        "/runs".into(),
        format!("/runs/{}", a.runs.2),
        "/static/app.css".into(),
    ] {
        let r = get(&a.router, &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        assert!(!r.body.contains("<script"), "{uri}");
        assert!(
            !r.body.contains(" style="),
            "{uri}: inline styles break the CSP"
        );
    }
    let r = get(&a.router, "/").await;
    assert!(
        r.body.contains("<svg class=\"chart\""),
        "the trend chart is inline SVG"
    );
    let r = get(&a.router, "/no-such-page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(&a.router, "/findings?severity=urgent").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("severity="));
}

#[tokio::test]
async fn loopback_server_refuses_foreign_host_names() {
    let a = app(None).await;
    let req = Request::get("/api/v1/overview")
        .header(header::HOST, "attacker.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&a.router, req).await.status, StatusCode::FORBIDDEN);
    let req = Request::get("/api/v1/overview")
        .header(header::HOST, "localhost:8717")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&a.router, req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_is_required_and_the_login_is_csrf_protected() {
    let a = app(Some(TOKEN)).await;
    let r = get(&a.router, "/api/v1/overview").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let r = get(&a.router, "/findings").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("id=\"login\""), "the login form");
    assert!(
        !r.body.contains("ollama-unauthenticated"),
        "no data before login"
    );

    let bearer = |t: &str| {
        Request::get("/api/v1/overview")
            .header(header::HOST, "127.67.0.1:8717")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&a.router, bearer(TOKEN)).await.status, StatusCode::OK);
    assert_eq!(
        send(&a.router, bearer("correct-horse-battery-stapl"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // The login form: its CSRF field must equal its cookie.
    let form = get(&a.router, "/login").await;
    assert_eq!(form.status, StatusCode::OK);
    let set_cookie = form.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    let csrf = set_cookie
        .strip_prefix("aimap_csrf=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(form.body.contains(&csrf));
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let post = |body: String, cookie: Option<String>, origin: Option<&str>| {
        let mut b = Request::post("/login")
            .header(header::HOST, "127.67.0.1:8717")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::from(body)).unwrap()
    };
    let good = format!("token={TOKEN}&csrf={csrf}&next=%2Ffindings");
    // No cookie: refused. Another site's origin: refused. Wrong token: refused.
    assert_eq!(
        send(&a.router, post(good.clone(), None, None)).await.status,
        StatusCode::FORBIDDEN
    );
    let cookie = Some(format!("aimap_csrf={csrf}"));
    assert_eq!(
        send(
            &a.router,
            post(
                good.clone(),
                cookie.clone(),
                Some("http://attacker.example")
            )
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let wrong = format!("token=nope&csrf={csrf}");
    assert_eq!(
        send(&a.router, post(wrong, cookie.clone(), None))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = send(
        &a.router,
        post(good, cookie, Some("http://127.67.0.1:8717")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/findings");
    let session = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("aimap_session="))
        .unwrap();
    let session = session.split(';').next().unwrap().to_string();

    let with_session = |uri: &str| {
        Request::get(uri)
            .header(header::HOST, "127.67.0.1:8717")
            .header(header::COOKIE, session.clone())
            .body(Body::empty())
            .unwrap()
    };
    let page = send(&a.router, with_session("/findings")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ollama-unauthenticated"));
    let logout_csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();

    let logout = |csrf: &str| {
        Request::post("/logout")
            .header(header::HOST, "127.67.0.1:8717")
            .header(header::COOKIE, session.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap()
    };
    assert_eq!(
        send(&a.router, logout("forged")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&a.router, with_session("/findings")).await.status,
        StatusCode::OK,
        "still logged in"
    );
    assert_eq!(
        send(&a.router, logout(&logout_csrf)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&a.router, with_session("/findings")).await.status,
        StatusCode::UNAUTHORIZED,
        "session ended"
    );
}

#[tokio::test]
async fn non_loopback_needs_a_strong_token() {
    let dir = tempfile::tempdir().unwrap();
    let loc = Location::parse(dir.path().join("s.db").to_str().unwrap()).unwrap();
    let store = Store::open(&loc).await.unwrap();
    // Never bound: router() refuses before any socket exists.
    let open = Options {
        listen: "0.0.0.0:8717".parse().unwrap(),
        token: None,
    };
    let e = router(store.clone(), &open).expect_err("refused");
    assert!(e.to_string().contains("without a token"), "{e}");
    let weak = Options {
        listen: "127.0.0.1:8717".parse().unwrap(),
        token: Some("short".into()),
    };
    assert!(router(store.clone(), &weak).is_err());
    let ok = Options {
        listen: "0.0.0.0:8717".parse().unwrap(),
        token: Some(TOKEN.into()),
    };
    let r = router(store, &ok).unwrap();
    // With a token, any Host is accepted (the token protects), but not without it.
    let req = Request::get("/api/v1/runs")
        .header(header::HOST, "aimap.internal")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&r, req).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_documented_route_exists() {
    let a = app(None).await;
    let doc: Value =
        serde_json::from_str(&get(&a.router, "/api/v1/openapi.json").await.body).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let (_, second, inv) = &a.runs;
    for path in doc["paths"].as_object().unwrap().keys() {
        let uri = path
            .replace("{run}", second)
            .replace("{host}", "127.67.1.7")
            .replace("{port}", "11434")
            .replace(
                "{fingerprint}",
                "redis-unauthenticated%40127.67.1.99%3A6379",
            )
            .replace("{id}", inv);
        let uri = if path == "/diff" {
            format!("{uri}?to={second}")
        } else {
            uri
        };
        let r = get(&a.router, &format!("/api/v1{uri}")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    let r = get(&a.router, "/api/v1/undocumented").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("openapi.json"));
}

#[tokio::test]
async fn service_page_shows_each_capability_with_its_proof() {
    let a = app(None).await;
    let r = get(
        &a.router,
        &format!("/services/{}/127.67.1.99/6379", a.runs.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let table = r
        .body
        .split(r#"<table id="capabilities">"#)
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_else(|| panic!("no capability table: {}", r.body));
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{table}");
    assert!(
        rows[0].contains("<td>data</td>") && rows[0].contains("auth-open"),
        "{table}"
    );
    assert!(rows[0].contains("SCAN 0 COUNT 10"), "{table}");
    assert!(
        rows[1].contains("<td>admin</td>") && rows[1].contains("auth-closed"),
        "{table}"
    );
    assert!(rows[1].contains("NOPERM"), "{table}");
    assert!(
        !r.body.contains(SECRET),
        "the proof is redacted like all evidence"
    );
    // A service without a matrix shows no table.
    let r = get(
        &a.router,
        &format!("/services/{}/127.67.1.4/11434", a.runs.1),
    )
    .await;
    assert!(!r.body.contains(r#"id="capabilities""#), "{}", r.body);
}
