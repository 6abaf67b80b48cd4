/// A target, exclusion or port list the user typed that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {input:?}: {reason}")]
pub struct TargetParseError {
    /// `target`, `exclusion` or `port list`.
    pub what: &'static str,
    pub input: String,
    pub reason: String,
}

impl TargetParseError {
    pub(crate) fn new(what: &'static str, input: &str, reason: impl Into<String>) -> Self {
        Self {
            what,
            input: input.to_string(),
            reason: reason.into(),
        }
    }
}
