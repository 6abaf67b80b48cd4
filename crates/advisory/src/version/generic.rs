//! A generic dotted scheme for products that have no package ecosystem and
//! report their version in a banner: Redis `7.2.4`, Triton `2.59.0`,
//! llama.cpp `b4567`, Qdrant `v1.9.0`.

use std::cmp::Ordering;
use std::fmt;

use super::Scheme;
use crate::error::Result;

/// One run of digits or of letters. Separators (`.`, `-`, `_`, `+`, `~`)
/// only split runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// Digits without leading zeros, so length then text orders them and
    /// there is no overflow on long build numbers.
    Number(String),
    /// Lower-cased letters.
    Word(String),
}

/// A version as a list of number and word runs.
///
/// Ordering rules, chosen to match how these products name releases:
/// numbers compare numerically; words compare alphabetically; at the same
/// position a number outranks a word (`1.0.1` > `1.0.rc1`); when one side
/// runs out, missing numbers count as zero (`1.0` = `1.0.0`) and a trailing
/// word marks a pre-release (`2.0.0-rc1` < `2.0.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericVersion {
    text: String,
    tokens: Vec<Token>,
}

impl GenericVersion {
    pub fn parse(text: &str) -> Result<Self> {
        let err = |reason: &str| Scheme::Generic.error(text, reason);
        // A `v` directly before a digit is decoration (`v1.9.0`).
        let body = match text.strip_prefix(['v', 'V']) {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
            _ => text,
        };
        let mut tokens = Vec::new();
        let mut chars = body.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            let digit = c.is_ascii_digit();
            if !(digit || c.is_ascii_alphabetic()) {
                if !".-_+~".contains(c) {
                    return Err(err("only letters, digits and . - _ + ~ are allowed"));
                }
                continue;
            }
            let mut end = start + c.len_utf8();
            while let Some(&(i, n)) = chars.peek() {
                if (digit && n.is_ascii_digit()) || (!digit && n.is_ascii_alphabetic()) {
                    end = i + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let run = &body[start..end];
            tokens.push(if digit {
                let trimmed = run.trim_start_matches('0');
                Token::Number(if trimmed.is_empty() {
                    "0".into()
                } else {
                    trimmed.into()
                })
            } else {
                Token::Word(run.to_ascii_lowercase())
            });
        }
        if !tokens.iter().any(|t| matches!(t, Token::Number(_))) {
            return Err(err("no digits"));
        }
        Ok(Self {
            text: text.to_string(),
            tokens,
        })
    }
}

impl GenericVersion {
    /// Equal for equal versions: trailing zero numbers dropped.
    pub(super) fn key(&self) -> String {
        let keep = self
            .tokens
            .iter()
            .rposition(|t| !matches!(t, Token::Number(n) if n == "0"))
            .map_or(1, |i| i + 1);
        let parts: Vec<&str> = self.tokens[..keep.min(self.tokens.len())]
            .iter()
            .map(|t| match t {
                Token::Number(n) | Token::Word(n) => n.as_str(),
            })
            .collect();
        parts.join(".")
    }
}

fn cmp_numbers(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.tokens.len().max(other.tokens.len());
        for i in 0..len {
            let ord = match (self.tokens.get(i), other.tokens.get(i)) {
                (Some(Token::Number(a)), Some(Token::Number(b))) => cmp_numbers(a, b),
                (Some(Token::Word(a)), Some(Token::Word(b))) => a.cmp(b),
                (Some(Token::Number(_)), Some(Token::Word(_))) => Ordering::Greater,
                (Some(Token::Word(_)), Some(Token::Number(_))) => Ordering::Less,
                (Some(Token::Number(a)), None) => cmp_numbers(a, "0"),
                (None, Some(Token::Number(b))) => cmp_numbers("0", b),
                (Some(Token::Word(_)), None) => Ordering::Less,
                (None, Some(Token::Word(_))) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GenericVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for GenericVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_ascending;
    use super::*;

    #[test]
    fn dotted_numbers() {
        assert_ascending(
            Scheme::Generic,
            &["2.9.0", "2.10.0", "2.59.0", "2.60.0", "2.60.1", "10.0"],
        );
        assert_ascending(
            Scheme::Generic,
            &["6.2.19", "6.2.20", "7.0.15", "7.2.4", "7.2.11", "8.2.2"],
        );
        assert_eq!(
            Scheme::Generic.compare("1.0", "1.0.0").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            Scheme::Generic.compare("v1.9.0", "1.9.0").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            Scheme::Generic.compare("007.2", "7.2").unwrap(),
            Ordering::Equal
        );
    }

    #[test]
    fn letters_mark_pre_releases_and_build_prefixes() {
        assert_ascending(Scheme::Generic, &["8.0-rc1", "8.0-rc2", "8.0.0", "8.0.1"]);
        assert_ascending(Scheme::Generic, &["1.0.0-alpha", "1.0.0-beta", "1.0.0"]);
        assert_ascending(Scheme::Generic, &["b3560", "b3561", "b4567", "b10000"]);
    }

    #[test]
    fn huge_numbers_do_not_overflow() {
        assert_ascending(
            Scheme::Generic,
            &["1.99999999999999999999", "1.100000000000000000000"],
        );
    }

    #[test]
    fn rejects_noise() {
        assert!(GenericVersion::parse("latest").is_err());
        assert!(GenericVersion::parse("1.0 (build 5)").is_err());
    }
}
