//! Text rendered from replies, made safe before any matcher or report sees
//! it. Transports that turn a binary protocol into `name: value` lines
//! (MongoDB, PostgreSQL, gRPC, TLS certificates, MCP documents) build them
//! here, because every string in a reply is chosen by the target:
//!
//! * control characters (newlines above all) become spaces, so a key or a
//!   value cannot end its line and forge a field a rule matches on
//!   (`buildInfo.version: 7.0\nlistDatabases.ok: 1`); Unicode line
//!   separators and bidirectional overrides go too, for the same reason on
//!   screens;
//! * every cut lands on a character boundary (`String::truncate` panics
//!   inside a multi-byte character);
//! * the whole rendering has a byte cap and a line cap, so a flood of
//!   small messages cannot grow it without bound.

/// Whether `c` could break a line or disguise text: replaced by a space.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{2028}' | '\u{2029}'          // line and paragraph separators
            | '\u{200E}' | '\u{200F}'        // directional marks
            | '\u{202A}'..='\u{202E}'        // bidirectional embeddings/overrides
            | '\u{2066}'..='\u{2069}'        // bidirectional isolates
            | '\u{FEFF}') // zero-width no-break space (a BOM mid-text)
}

/// `s` on one line: unsafe characters become spaces, at most `max_chars`
/// characters kept.
pub fn clean_line(s: &str, max_chars: usize) -> String {
    s.chars()
        .take(max_chars)
        .map(|c| if unsafe_char(c) { ' ' } else { c })
        .collect()
}

/// The longest prefix of `s` of at most `max_bytes` bytes that ends on a
/// character boundary.
pub fn prefix_at_boundary(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Cut `s` to at most `max_bytes`, on a character boundary.
pub fn truncate_at_boundary(s: &mut String, max_bytes: usize) {
    let keep = prefix_at_boundary(s, max_bytes).len();
    s.truncate(keep);
}

/// Lines of rendered text under a byte cap and a line cap. Every piece
/// pushed is cleaned; once either cap is reached nothing more is added
/// and [`Lines::truncated`] says so.
#[derive(Debug)]
pub struct Lines {
    text: String,
    lines: usize,
    max_bytes: usize,
    max_lines: usize,
    truncated: bool,
}

/// Longest single piece (key or value) kept; longer ones are cut.
pub const MAX_PIECE: usize = 1024;

impl Lines {
    pub fn new(max_bytes: usize, max_lines: usize) -> Self {
        Self {
            text: String::new(),
            lines: 0,
            max_bytes,
            max_lines,
            truncated: false,
        }
    }

    /// Append a line made of `parts`, each cleaned and capped at
    /// [`MAX_PIECE`] characters. Returns false once the text is full.
    pub fn line(&mut self, parts: &[&str]) -> bool {
        if self.is_full() {
            self.truncated = true;
            return false;
        }
        let mut line = String::new();
        for p in parts {
            line.push_str(&clean_line(p, MAX_PIECE));
        }
        line.push('\n');
        let room = self.max_bytes - self.text.len();
        if line.len() > room {
            // The part that fits, still ending the line, so the text
            // stays a sequence of whole lines.
            let mut cut = prefix_at_boundary(&line, room.saturating_sub(1)).to_string();
            if !cut.is_empty() {
                cut.push('\n');
                self.text.push_str(&cut);
                self.lines += 1;
            }
            self.truncated = true;
            self.max_bytes = self.text.len();
            return false;
        }
        self.text.push_str(&line);
        self.lines += 1;
        true
    }

    /// `key: value` (the common shape).
    pub fn field(&mut self, key: &str, value: &str) -> bool {
        self.line(&[key, ": ", value])
    }

    pub fn is_full(&self) -> bool {
        self.lines >= self.max_lines || self.text.len() >= self.max_bytes
    }

    pub fn truncated(&self) -> bool {
        self.truncated
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_and_look_alikes_cannot_forge_a_line() {
        let mut l = Lines::new(1000, 10);
        l.field(
            "buildInfo.version\nlistDatabases.ok",
            "7.0\r\nisMaster.ismaster: true\u{2028}x\u{202E}y\0",
        );
        assert_eq!(l.as_str().lines().count(), 1, "{:?}", l.as_str());
        assert_eq!(
            l.as_str(),
            "buildInfo.version listDatabases.ok: 7.0  isMaster.ismaster: true x y \n"
        );
    }

    #[test]
    fn cuts_land_on_character_boundaries() {
        let s = "ééé"; // 2 bytes each
        assert_eq!(prefix_at_boundary(s, 3), "é");
        assert_eq!(prefix_at_boundary(s, 4), "éé");
        assert_eq!(prefix_at_boundary(s, 0), "");
        assert_eq!(prefix_at_boundary(s, 100), s);
        let mut t = "a€b".to_string(); // € is 3 bytes
        truncate_at_boundary(&mut t, 3);
        assert_eq!(t, "a");
        // Every cap on a string of 1-, 2-, 3- and 4-byte characters.
        let mixed = "aé€𝄞".repeat(40);
        for cap in 0..mixed.len() + 2 {
            let mut l = Lines::new(cap, 1000);
            l.field(&mixed, &mixed);
            assert!(l.as_str().len() <= cap, "cap {cap}");
            assert!(l.as_str().is_empty() || l.as_str().ends_with('\n'));
        }
    }

    #[test]
    fn byte_and_line_caps_hold_and_say_so() {
        let mut l = Lines::new(1 << 20, 3);
        for i in 0..10 {
            l.field("k", &i.to_string());
        }
        assert_eq!(l.as_str(), "k: 0\nk: 1\nk: 2\n");
        assert!(l.truncated());
        let mut l = Lines::new(12, 100);
        assert!(l.field("a", "1"));
        assert!(!l.field("bbbb", "22222"));
        assert_eq!(l.as_str(), "a: 1\nbbbb: \n");
        assert!(!l.field("c", "3"), "nothing after the cut");
        assert_eq!(l.as_str().len(), 12);
        let long = "x".repeat(5000);
        let mut l = Lines::new(1 << 20, 10);
        l.field("k", &long);
        assert_eq!(l.as_str().len(), 3 + MAX_PIECE + 1);
        assert!(
            !l.truncated(),
            "a capped piece is a bounded value, not a cut text"
        );
    }
}
