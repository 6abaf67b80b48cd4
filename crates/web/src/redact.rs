//! Masking secrets before anything leaves the server. Audit findings mask
//! the secrets they quote already; scan evidence quotes what a server said,
//! which may hold a key. The dashboard is one more place a secret could
//! leak from, so every text it shows or exports goes through [`redact`].
use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Tokens recognisable by shape: provider API keys, cloud keys, JWTs.
static SHAPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:",
        r"sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}", // OpenAI, Anthropic
        r"|hf_[A-Za-z0-9]{16,}",                  // Hugging Face
        r"|gh[pousr]_[A-Za-z0-9]{20,}",           // GitHub
        r"|github_pat_[A-Za-z0-9_]{20,}",
        r"|xox[abposr]-[A-Za-z0-9\-]{10,}", // Slack
        r"|AKIA[0-9A-Z]{16}",               // AWS access key id
        r"|AIza[0-9A-Za-z_\-]{30,}",        // Google API key
        r"|glpat-[A-Za-z0-9_\-]{16,}",      // GitLab
        r"|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}", // JWT
        r")"
    ))
    .expect("secret shapes compile")
});

/// `password=…`, `"api_key": "…"`, `Authorization: Bearer …` and the like:
/// the value after a name that says it is secret.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"(?i)(\b(?:[a-z0-9_]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)[a-z0-9_]*|authorization)"#,
        r#"(?:"|')?\s*[:=]\s*(?:"|')?(?:bearer\s+|basic\s+|token\s+)?)"#,
        r#"([^\s"',;&}<>]{3,})"#
    ))
    .expect("secret names compile")
});

/// Config directives whose argument is a password (`requirepass s3cret`).
static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b((?:requirepass|masterauth)\s+)([^\s\x22']{3,})")
        .expect("directives compile")
});

/// The text with every secret it holds masked: the first two characters
/// kept (enough to tell two keys apart), the rest replaced.
pub fn redact(text: &str) -> Cow<'_, str> {
    let out = pass(Cow::Borrowed(text), &SHAPED, |c| mask(&c[0]));
    let out = pass(out, &NAMED, |c| format!("{}{}", &c[1], mask(&c[2])));
    pass(out, &DIRECTIVE, |c| format!("{}{}", &c[1], mask(&c[2])))
}

/// One regex over the text; allocates only when it matched.
fn pass<'a>(
    text: Cow<'a, str>,
    re: &Regex,
    f: impl Fn(&regex::Captures) -> String,
) -> Cow<'a, str> {
    let replaced = match re.replace_all(&text, |c: &regex::Captures| f(c)) {
        Cow::Owned(s) => Some(s),
        Cow::Borrowed(_) => None,
    };
    replaced.map_or(text, Cow::Owned)
}

fn mask(secret: &str) -> String {
    if secret.chars().all(|c| c == '*' || c == '•') || secret.contains("****") {
        return secret.to_string(); // already masked upstream
    }
    let keep: String = secret.chars().take(2).collect();
    format!("{keep}****")
}

/// [`redact`] applied to every string inside a JSON value.
pub fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let Cow::Owned(r) = redact(s) {
                *s = r;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keys_by_shape_and_by_name() {
        let cases = [
            (
                "OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234",
                "sk-proj-abcdefghijklmnop1234",
            ),
            (
                "header Authorization: Bearer abc123def456ghi",
                "abc123def456ghi",
            ),
            ("requirepass s3cretpass", "s3cretpass"),
            (r#"{"api_key": "k-9f8e7d6c5b4a"}"#, "k-9f8e7d6c5b4a"),
            (
                "token hf_AbCdEfGhIjKlMnOpQrSt in a log",
                "hf_AbCdEfGhIjKlMnOpQrSt",
            ),
            ("aws AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE"),
            ("POSTGRES_PASSWORD=hunter22", "hunter22"),
        ];
        for (text, secret) in cases {
            let out = redact(text);
            assert!(!out.contains(secret), "{text:?} → {out:?}");
            assert!(out.contains("****"), "{text:?} → {out:?}");
        }
    }

    #[test]
    fn leaves_ordinary_text_and_masked_values_alone() {
        for text in [
            "GET /api/tags → 200: {\"models\":[{\"name\":\"llama3:8b\"}]}",
            "Ollama answers without authentication",
            "auth: none",
            "password=****",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn walks_json() {
        let mut v = serde_json::json!({"evidence": ["x", "PASSWORD=abcdef"], "n": 3});
        redact_json(&mut v);
        assert_eq!(v["evidence"][1], "PASSWORD=ab****");
        assert_eq!(v["n"], 3);
    }
}
