//! Contradictions the scanner sees across rules: several products copy
//! Ollama's or OpenAI's routes, proxies pass them through, and honeypots
//! imitate them. A service that also answers as a product it is not known
//! to imitate, or that answers a made-up path as it answered the
//! identifying probes, is still reported, but marked contradictory with
//! the reasons in its evidence (the per-rule checks live in
//! aimap_rules::Assessment::contradictions).
use std::hash::{BuildHasher, Hasher};

use aimap_model::Evidence;
use aimap_rules::{Assessment, Request, CONTRADICTION};

/// `GET /aimap-canary-<16 hex>`: a path no product serves, different for
/// every scan so a honeypot cannot learn it.
pub(crate) fn canary_request() -> Request {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    Request::Http {
        method: "GET".into(),
        path: format!("/aimap-canary-{:016x}", h.finish()),
        headers: Vec::new(),
        body: None,
    }
}

/// Other rules that identified the same port and whose match `best` does
/// not explain: neither a protocol label (`generic`) nor a product `best`
/// is known to imitate.
pub(crate) fn also_identified<'a, 'r: 'a>(
    best: &Assessment<'r>,
    others: impl Iterator<Item = &'a Assessment<'r>>,
) -> Vec<Evidence> {
    others
        .filter(|o| !o.rule.generic && !best.rule.imitates.contains(&o.rule.id))
        .map(|o| {
            let probes: Vec<&str> = o
                .outcomes
                .iter()
                .filter(|p| p.matched)
                .map(|p| p.probe.as_str())
                .collect();
            Evidence {
                probe: CONTRADICTION.into(),
                request: format!("rule {}", o.rule.id),
                status: None,
                excerpt: format!(
                    "it also answers as {} (score {} of {}, probes {}), which {} is not known to imitate",
                    o.rule.product,
                    o.score,
                    o.rule.threshold,
                    probes.join(", "),
                    best.rule.product
                ),
            }
        })
        .collect()
}
