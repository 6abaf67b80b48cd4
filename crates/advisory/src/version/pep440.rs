//! PEP 440 versions (PyPI), through `pep440_rs`.

use std::str::FromStr;

use super::Scheme;
use crate::error::Result;

/// Reads a PEP 440 version. `pep440_rs` already applies the PEP's
/// normalisation rules (leading `v`, `-`/`_` separators, `alpha` → `a`,
/// implicit post-release numbers).
pub(super) fn parse(text: &str) -> Result<pep440_rs::Version> {
    pep440_rs::Version::from_str(text).map_err(|e| Scheme::Pep440.error(text, e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use super::super::tests::assert_ascending;
    use super::*;

    #[test]
    fn pep440_summary_of_permitted_suffixes_and_relative_ordering() {
        // PEP 440, "Summary of permitted suffixes and relative ordering",
        // in the order the PEP lists them (with the local-version examples
        // from the "Local version identifiers" section folded in).
        assert_ascending(
            Scheme::Pep440,
            &[
                "1.dev0",
                "1.0.dev456",
                "1.0a1",
                "1.0a2.dev456",
                "1.0a12.dev456",
                "1.0a12",
                "1.0b1.dev456",
                "1.0b2",
                "1.0b2.post345.dev456",
                "1.0b2.post345",
                "1.0rc1.dev456",
                "1.0rc1",
                "1.0",
                "1.0+abc.5",
                "1.0+abc.7",
                "1.0+5",
                "1.0.post456.dev34",
                "1.0.post456",
                "1.0.15",
                "1.1.dev1",
            ],
        );
    }

    #[test]
    fn epochs_outrank_everything() {
        assert_ascending(
            Scheme::Pep440,
            &["2013.10", "2014.04", "1!1.0", "1!1.1", "1!2.0"],
        );
    }

    #[test]
    fn normalisation_makes_spellings_equal() {
        let eq = |a: &str, b: &str| Scheme::Pep440.compare(a, b).unwrap() == Ordering::Equal;
        assert!(eq("1.0", "1.0.0"));
        assert!(eq("v1.0", "1.0"));
        assert!(eq("1.0-alpha1", "1.0a1"));
        assert!(eq("1.0-1", "1.0.post1"));
        assert!(eq("1.0RC1", "1.0rc1"));
        assert_eq!(
            Scheme::Pep440.canonical("1.0-ALPHA.1").as_deref(),
            Some("1a1")
        );
        assert_eq!(
            Scheme::Pep440.canonical("1.1.0"),
            Scheme::Pep440.canonical("1.1")
        );
        assert_eq!(Scheme::Pep440.canonical("0.0").as_deref(), Some("0"));
        assert!(Scheme::Pep440.parse("not a version").is_err());
    }
}
