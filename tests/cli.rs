//! The command line: bad input, help, completions, config precedence, rules.
mod common;

use common::*;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn bad_input_is_one_clear_error_exit_2_and_no_scan() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["scan", "127.0.0.0/33"],
            "prefix /33 is longer than 32 bits",
        ),
        (
            &["scan", "127.0.0.1", "-p", "80,99999"],
            "port 99999 is outside 1-65535",
        ),
        (
            &["scan", "-iL", "/nonexistent/targets.txt"],
            "cannot read target list /nonexistent/targets.txt",
        ),
        (
            &["scan", "127.0.0.1", "--timeout", "fast"],
            "is not a duration",
        ),
        (
            &["scan", "127.0.0.1", "--format", "xml"],
            "unknown format \"xml\"",
        ),
        (&["scan"], "no targets"),
    ];
    for (args, message) in cases {
        let out = aimap(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(
            out.stdout.is_empty(),
            "{args:?} printed a report: nothing may be scanned"
        );
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
}

#[test]
fn excluding_everything_is_an_error() {
    let out = aimap(&["scan", "127.0.63.0/30", "--exclude", "127.0.63.0/30"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("every target is excluded"));
    // Loopback is a reserved block: an internet-wide exclusion list leaves nothing.
    let out = aimap(&["scan", "127.0.63.0/30", "::1", "--exclude-reserved"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("every target is excluded"));
}

#[test]
fn help_version_and_completions() {
    let help = aimap(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Examples:"));
    let version = aimap(&["--version"]);
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("aimap "));
    for shell in ["bash", "zsh", "fish"] {
        let out = aimap(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("aimap"),
            "{shell}"
        );
    }
}

#[test]
fn target_list_files_and_exclusions_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("targets.txt");
    std::fs::write(&list, "# farm\n127.0.63.1-127.0.63.4\n127.0.63.9\n").unwrap();
    let excl = dir.path().join("exclude.txt");
    std::fs::write(&excl, "127.0.63.2\n").unwrap();
    let (report, out) = scan_json(&[
        "-iL",
        list.to_str().unwrap(),
        "--exclude-file",
        excl.to_str().unwrap(),
        "--exclude",
        "127.0.63.9",
        "-p",
        "1,2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // 3 addresses (1, 3, 4) x 2 ports.
    assert_eq!(report["stats"]["probes_planned"], 6);
    assert_eq!(report["stats"]["probes_sent"], 6);
}

#[test]
fn config_file_env_and_flags_apply_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("aimap.toml");
    std::fs::write(
        &cfg,
        "[scan]\nformat = \"json\"\nports = \"1\"\nfail_on = \"none\"\n",
    )
    .unwrap();
    let run = |env: Option<(&str, &str)>, extra: &[&str]| {
        let mut cmd = common::aimap_cmd();
        cmd.args(["scan", "127.0.63.20", "--config", cfg.to_str().unwrap()])
            .args(extra);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The config file beats the default (table).
    let from_file = run(None, &[]);
    assert!(from_file.trim_start().starts_with('{'), "{from_file}");
    assert!(
        from_file.contains("\"probes_planned\": 1"),
        "ports from the config file"
    );
    // The environment beats the file.
    let from_env = run(Some(("AIMAP_FORMAT", "jsonl")), &[]);
    assert!(from_env.starts_with("{\"type\":\"summary\""), "{from_env}");
    // A flag beats both.
    let from_flag = run(Some(("AIMAP_FORMAT", "jsonl")), &["--format", "table"]);
    assert!(from_flag.contains("No AI services found."), "{from_flag}");

    std::fs::write(&cfg, "[scan]\nconcurency = 3\n").unwrap();
    let out = common::aimap_cmd()
        .args(["scan", "127.0.63.20", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown field `concurency`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rules_list_and_lint() {
    let out = aimap(&["rules", "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "ollama",
        "chromadb",
        "redis",
        "triton",
        "11434",
        "data: GET /api/tags; inference: POST /api/generate",
    ] {
        assert!(text.contains(needle), "rules list lacks {needle}: {text}");
    }
    assert_eq!(aimap(&["rules", "lint"]).status.code(), Some(0));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.toml"),
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/probes/ollama.toml"
        ))
        .unwrap()
        .replace("id = \"ollama\"", "id = \"ollama-copy\""),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "id = \"Bad\"\nproduct = \"x\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("typo.toml"),
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/probes/redis.toml"
        ))
        .unwrap()
        .replace("body_regex", "body_regx"),
    )
    .unwrap();
    // Curated advisory data is linted like code too.
    std::fs::write(
        dir.path().join("advisory.yaml"),
        "id: AIMAP-2026-0001\nmodified: yesterday\n",
    )
    .unwrap();
    let out = aimap(&["rules", "lint", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("advisory.yaml") && err.contains("not RFC 3339"),
        "{err}"
    );
    assert!(
        err.contains("bad.toml") && err.contains("missing field"),
        "{err}"
    );
    assert!(
        err.contains("typo.toml") && err.contains("body_regx"),
        "{err}"
    );
    assert!(err.contains("1 rule(s) valid"), "{err}");

    // A scan refuses an invalid rule directory before probing anything.
    let out = aimap(&[
        "scan",
        "127.0.63.30",
        "--rules",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn docs_services_lists_every_rule() {
    let out = aimap(&["rules", "list", "--markdown"]);
    let table = String::from_utf8_lossy(&out.stdout);
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/services.md")).unwrap();
    let ids: Vec<&str> = table
        .lines()
        .skip(2)
        .filter_map(|l| l.split('`').nth(1))
        .collect();
    assert!(ids.len() >= 50, "{ids:?}");
    for id in ids {
        assert!(
            doc.contains(&format!("| `{id}` |")),
            "docs/services.md lacks {id}: regenerate with aimap rules list --markdown"
        );
    }
}
