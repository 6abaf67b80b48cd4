//! Servers judged from their command line and environment alone (TGI,
//! LocalAI), and the command-line helpers the checks share.
use super::{Ai, Item, Out, Workload};

/// Whether a listen address means every interface (`0.0.0.0`, `::`, `:8080`).
pub fn listens_everywhere(host: &str) -> bool {
    let h = host.trim_matches(|c| c == '"' || c == '\'');
    h.starts_with("0.0.0.0") || h.starts_with("[::]") || h == "::" || h.starts_with(':') || h == "*"
}

/// TGI (`text-generation-launcher`, `--hostname` defaults to 0.0.0.0, the
/// router takes `--api-key`) and LocalAI (`--address` defaults to `:8080`,
/// keys from `--api-keys`, `LOCALAI_API_KEY` or `API_KEY`) without a key.
pub fn check(w: &Workload, ai: Ai, first_arg: &Item, out: &mut Out) {
    if w.auth_configured(ai) {
        return;
    }
    let (rule, flag, default, what) = match ai {
        Ai::Tgi => ("tgi-no-api-key", "--hostname", "0.0.0.0", "TGI"),
        Ai::LocalAi => ("localai-no-api-key", "--address", ":8080", "LocalAI"),
        // text-embeddings-router: --hostname 0.0.0.0 by default, --api-key optional.
        Ai::Tei => ("tei-no-api-key", "--hostname", "0.0.0.0", "TEI"),
        _ => return,
    };
    let (host, at) = w
        .flag(flag)
        .map_or((default.to_string(), first_arg), |(h, i)| (h, i));
    if listens_everywhere(&host) {
        let key = if ai == Ai::Tgi || ai == Ai::Tei {
            "--api-key"
        } else {
            "--api-keys"
        };
        out.hit(rule, at, format!("{what} on {host} without {key}"));
    }
}

/// Split a shell-style command string into tokens on one line (quotes kept
/// together, not interpreted further).
pub fn split_command(text: &str, line: u32, column: u32) -> Vec<Item> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(Item::new(std::mem::take(&mut cur), line, column));
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() || quote.is_some() {
        out.push(Item::new(cur, line, column));
    }
    out
}
