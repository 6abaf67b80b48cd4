//! What a version string read from a service means. Source builds report
//! placeholders (Ollama built from source says `0.0.0`; others `dev`,
//! `unknown`), which match every advisory if taken at face value; builds
//! between releases report `git describe` forms (`v0.5.1-12-g1a2b3c4`),
//! which are the named release plus commits.
use std::sync::OnceLock;

use regex::Regex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionForm {
    /// A release number, as read.
    Release(String),
    /// `git describe` output: `commits` commits after release `base`.
    Describe { base: String, commits: u32 },
    /// A placeholder that names no release.
    Placeholder,
}

/// Strings that name no release, compared without case.
const PLACEHOLDERS: [&str; 14] = [
    "0.0.0",
    "0.0.0-dev",
    "0.0.0.dev0",
    "0.0.0+unknown",
    "dev",
    "devel",
    "(devel)",
    "unknown",
    "none",
    "null",
    "undefined",
    "n/a",
    "latest",
    "main",
];

fn describe_form() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // v?X.Y.Z[-pre] - N - g<hash>[-dirty]
    RE.get_or_init(|| {
        Regex::new(
            r"^v?(\d+\.\d+\.\d+(?:-(?:rc|alpha|beta)\.?\d*)?)-(\d+)-g[0-9a-f]{7,40}(?:-dirty)?$",
        )
        .expect("a valid regex")
    })
}

pub fn classify(raw: &str) -> VersionForm {
    let v = raw.trim();
    if v.is_empty() || PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(v)) || v == "master" {
        return VersionForm::Placeholder;
    }
    if let Some(c) = describe_form().captures(v) {
        let commits = c[2].parse().unwrap_or(u32::MAX);
        if commits == 0 {
            return VersionForm::Release(c[1].to_string());
        }
        return VersionForm::Describe {
            base: c[1].to_string(),
            commits,
        };
    }
    VersionForm::Release(v.to_string())
}

/// The release a reading stands for, with a note when that is not the
/// reading itself; `None` (with the note) for a placeholder.
pub fn release_of(raw: &str) -> (Option<String>, Option<String>) {
    match classify(raw) {
        VersionForm::Release(v) => (Some(v), None),
        VersionForm::Describe { base, commits } => (
            Some(base.clone()),
            Some(format!(
                "{raw:?} is a build {commits} commit(s) after release {base} (git describe): taken as {base}; \
                 fixes made after {base} may be in it"
            )),
        ),
        VersionForm::Placeholder => (
            None,
            Some(format!(
                "{raw:?} names no release (a source or development build): version unknown, \
                 advisories are not matched on it"
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_name_no_release() {
        for p in ["0.0.0", "dev", "Unknown", "", "  ", "(devel)", "latest"] {
            assert_eq!(classify(p), VersionForm::Placeholder, "{p:?}");
        }
        assert_eq!(release_of("0.0.0").0, None);
        assert!(release_of("0.0.0").1.unwrap().contains("no release"));
    }

    #[test]
    fn git_describe_is_its_base_release() {
        assert_eq!(
            classify("v0.5.1-12-g1a2b3c4"),
            VersionForm::Describe {
                base: "0.5.1".into(),
                commits: 12
            }
        );
        assert_eq!(
            classify("0.6.0-rc1-3-gdeadbeef-dirty"),
            VersionForm::Describe {
                base: "0.6.0-rc1".into(),
                commits: 3
            }
        );
        assert_eq!(
            classify("v1.2.3-0-gabcdef0"),
            VersionForm::Release("1.2.3".into())
        );
        let (v, note) = release_of("v0.5.1-12-g1a2b3c4");
        assert_eq!(v.as_deref(), Some("0.5.1"));
        assert!(note.unwrap().contains("12 commit"));
    }

    #[test]
    fn releases_and_look_alikes_stay_as_read() {
        for v in [
            "0.1.32",
            "0.6.4.dev123+gabcdef1",
            "2.48.0",
            "7.2.4",
            "1.0.0-12-notahash",
        ] {
            assert_eq!(classify(v), VersionForm::Release(v.into()), "{v}");
        }
    }
}
