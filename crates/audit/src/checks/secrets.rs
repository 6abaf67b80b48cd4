//! Secrets in environment values: provider key formats first (they are
//! certain), then a generic rule for literal values under secret-looking
//! names. Evidence never carries the secret: only a short prefix survives.
use std::sync::OnceLock;

use regex::Regex;

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

/// What kind of secret `value` (under `name`) is, if any.
pub fn classify(name: &str, value: &str) -> Option<&'static str> {
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
            classify("X", &format!("sk-ant-api03-{}", "x".repeat(30))),
            Some("Anthropic API key")
        );
        assert_eq!(
            classify("HF", &format!("hf_{}", "A".repeat(34))),
            Some("Hugging Face token")
        );
        assert_eq!(
            classify("K", "AKIAIOSFODNN7EXAMPLE"),
            Some("AWS access key id")
        );
        assert_eq!(
            classify("T", &format!("ghp_{}", "z".repeat(36))),
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
        let m = mask(&openai);
        assert!(m.starts_with("sk-p") && !m.contains("a1B2a1B2"));
    }
}
