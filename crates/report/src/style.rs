//! Terminal colour, only when writing to a terminal that wants it.
use aimap_model::{AuthVerdict, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub const PLAIN: Style = Style { color: false };

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn severity(self, s: Severity, text: &str) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, text)
    }

    pub fn auth(self, a: AuthVerdict, text: &str) -> String {
        match a {
            AuthVerdict::None => self.paint("1;31", text),
            AuthVerdict::Partial => self.paint("31", text),
            AuthVerdict::Required => self.paint("32", text),
            AuthVerdict::Unknown => self.paint("2", text),
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}
