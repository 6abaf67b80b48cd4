//! Secrets in environment values: provider key formats first (they are
//! certain), then a generic rule for literal values under secret-looking
//! names. Evidence never carries the secret: only a short prefix survives.
use std::sync::OnceLock;

use regex::Regex;

use super::Item;

const PROVIDERS: &[(&str, &str)] = &[
    ("Anthropic API key", r"sk-ant-[A-Za-z0-9_\-]{20,}"),
    (
        "OpenAI API key",
        r"sk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{20,}",
    ),
    ("Hugging Face token", r"hf_[A-Za-z0-9]{30,}"),
    ("AWS access key id", r"(?:AKIA|ASIA)[0-9A-Z]{16}"),
    (
        "GitHub token",
        r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})",
    ),
    ("Google API key", r"AIza[0-9A-Za-z_\-]{35}"),
    ("Slack token", r"xox[baprs]-[0-9A-Za-z\-]{10,}"),
    ("Groq API key", r"gsk_[A-Za-z0-9]{40,}"),
    ("Replicate token", r"r8_[A-Za-z0-9]{30,}"),
];

fn providers() -> &'static [(&'static str, Regex)] {
    static RE: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    RE.get_or_init(|| {
        PROVIDERS
            .iter()
            .filter_map(|(n, p)| Regex::new(p).ok().map(|r| (*n, r)))
            .collect()
    })
}

const SECRET_NAMES: &[&str] = &[
    "API_KEY",
    "APIKEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "MASTER_KEY",
];

/// Values that fill a slot in documentation, not a credential
/// (`<your-token>`, `xxxxx`, `sk-...your key here`).
fn placeholder(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    v.contains('<')
        || v.contains("xxxx")
        || v.contains("your")
        || v.contains("replace")
        || v.contains("example")
        || v.contains("...")
}

/// Five distinct characters or fewer (`sk-aaaaaaaa…`): a shape, not a key.
fn low_variety(value: &str) -> bool {
    let mut seen: Vec<char> = value.chars().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len() < 6
}

/// Names under which a value is a credential.
fn credential_name(upper: &str) -> bool {
    [
        "PASSWORD",
        "PASSWD",
        "_PWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "MASTER_KEY",
        "ENCRYPTION_KEY",
        "PRIVATE_KEY",
    ]
    .iter()
    .any(|s| upper.contains(s))
        || upper.ends_with("_PASS")
        || upper == "PASS"
}

/// Passwords every installer and scanner tries first, and the sample
/// values projects ship (MinIO's, PostgreSQL's image docs, Keycloak's…).
const WELL_KNOWN: &[&str] = &[
    "admin",
    "administrator",
    "password",
    "passw0rd",
    "pass",
    "root",
    "toor",
    "postgres",
    "mysql",
    "changeme",
    "change_me",
    "changeit",
    "secret",
    "mysecret",
    "supersecret",
    "minioadmin",
    "minio123",
    "test",
    "testing",
    "guest",
    "default",
    "letmein",
    "123456",
    "12345678",
    "qwerty",
    "demo",
    "elastic",
    "neo4j",
    "redis",
    "ragflow",
];

/// Why `value` under a credential-like `name` is a default or weak
/// credential (`env`: the other variables of the same container, for a
/// password equal to its user name), if it is.
pub fn default_credential(name: &str, value: &str, env: &[(String, Item)]) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    if !credential_name(&upper) || upper.ends_with("_FILE") || upper.ends_with("_PATH") {
        return None;
    }
    let v = value.trim();
    if v.is_empty() || v.contains('$') || placeholder(v) || v.contains("://") {
        return None;
    }
    let lower = v.to_ascii_lowercase();
    if WELL_KNOWN.contains(&lower.as_str()) {
        return Some("well-known default");
    }
    if lower.contains("password") || lower.contains("changeme") || lower.contains("secret") {
        return Some("weak: names itself");
    }
    if v.len() >= 8 && v.chars().all(|c| c == v.chars().next().unwrap_or(' ')) {
        return Some("weak: one repeated character");
    }
    let same_as_user = env.iter().any(|(n, u)| {
        let n = n.to_ascii_uppercase();
        (n.ends_with("_USER") || n.ends_with("_USERNAME") || n == "USER")
            && !u.text.is_empty()
            && u.text == v
    });
    same_as_user.then_some("weak: equal to the user name")
}

/// What kind of secret `value` (under `name`) is, if any.
pub fn classify(name: &str, value: &str) -> Option<&'static str> {
    if placeholder(value) || low_variety(value) {
        return None;
    }
    if let Some((what, _)) = providers().iter().find(|(_, re)| re.is_match(value)) {
        return Some(what);
    }
    let upper = name.to_ascii_uppercase();
    let secret_name = SECRET_NAMES.iter().any(|s| upper.contains(s));
    let literal = !value.contains("${") && !value.starts_with('$') && !value.contains("$(");
    // Paths and URLs name where a secret lives, not the secret.
    let reference = value.starts_with('/')
        || value.contains("://")
        || ["_FILE", "_PATH", "_URL", "_DIR"]
            .iter()
            .any(|s| upper.ends_with(s));
    let literal = literal && !reference;
    // Short values are flags (`true`, `none`), not keys.
    (secret_name && literal && value.len() >= 12 && !value.contains(' ')).then_some("secret value")
}

/// `sk-p…` (51 chars): enough to find the key, useless to an attacker.
pub fn mask(value: &str) -> String {
    let prefix: String = value.chars().take(4).collect();
    format!("{prefix}… ({} chars, masked)", value.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_and_generic_names() {
        let openai = format!("sk-proj-{}", "a1B2".repeat(10));
        assert_eq!(classify("X", &openai), Some("OpenAI API key"));
        assert_eq!(
            classify("X", &format!("sk-ant-api03-{}", "k9Qz7LmP2w".repeat(3))),
            Some("Anthropic API key")
        );
        assert_eq!(
            classify("HF", &format!("hf_{}", "AbCdEfGhJk".repeat(4))),
            Some("Hugging Face token")
        );
        assert_eq!(
            classify("K", "AKIAJ7Q2LZ4MWX9RT5BN"),
            Some("AWS access key id")
        );
        // AWS's own documentation key is a placeholder, not a leak.
        assert_eq!(classify("K", "AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(
            classify("T", &format!("ghp_{}", "Zq8Wn3Rt5Y".repeat(4))),
            Some("GitHub token")
        );
        assert_eq!(
            classify("DB_PASSWORD", "hunter2hunter2"),
            Some("secret value")
        );
        assert_eq!(classify("DB_PASSWORD", "${DB_PASSWORD}"), None);
        assert_eq!(classify("WEBUI_AUTH", "true"), None);
        assert_eq!(
            classify("HF_TOKEN_PATH", "/run/secrets/hf_token_file"),
            None
        );
        assert_eq!(classify("API_KEY_FILE", "secrets/api-key.txt"), None);
        assert_eq!(
            classify("OPENAI_API_KEY", &format!("sk-{}", "x".repeat(40))),
            None
        );
        assert_eq!(classify("HF_TOKEN", "<your-hf-access-token-value>"), None);
        let env = vec![("POSTGRES_USER".to_string(), Item::new("localai", 1, 1))];
        assert!(default_credential("POSTGRES_PASSWORD", "localai", &env).is_some());
        assert!(default_credential("MINIO_ROOT_PASSWORD", "minioadmin", &[]).is_some());
        assert!(default_credential("CLICKHOUSE_PASSWORD", "chpassword", &[]).is_some());
        assert!(default_credential("ENCRYPTION_KEY", "0000000000000000", &[]).is_some());
        assert!(default_credential("DB_PASSWORD", "k3T9#qLz!w2", &[]).is_none());
        assert!(default_credential("DB_PASSWORD", "${DB_PASSWORD}", &[]).is_none());
        assert!(default_credential("DISABLE_PASSWORD_LOGIN", "false", &[]).is_none());
        assert!(default_credential("POSTGRES_USER", "postgres", &[]).is_none());
        let m = mask(&openai);
        assert!(m.starts_with("sk-p") && !m.contains("a1B2a1B2"));
    }
}
