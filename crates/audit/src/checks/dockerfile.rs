//! Dockerfiles and Containerfiles, multi-stage. Instructions are joined
//! across `\` continuations but every finding points at the physical line
//! that holds the offending word.
use super::workload::split_command;
use super::{check_workload, images, Item, Out, Workload};

/// One instruction: keyword, arguments joined, first line, physical lines.
struct Instr<'a> {
    keyword: String,
    args: String,
    line: u32,
    lines: Vec<(u32, &'a str)>,
}

impl Instr<'_> {
    /// The physical line holding `needle` (the instruction's first line otherwise).
    fn line_of(&self, needle: &str) -> u32 {
        self.lines
            .iter()
            .find(|(_, l)| l.contains(needle))
            .map_or(self.line, |(n, _)| *n)
    }
    fn at(&self, needle: &str, text: impl Into<String>) -> Item {
        Item::new(text, self.line_of(needle), 1)
    }
}

fn instructions(text: &str) -> Vec<Instr<'_>> {
    let mut out: Vec<Instr> = Vec::new();
    let mut open = false;
    for (i, raw) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let t = raw.trim();
        if t.starts_with('#') || (t.is_empty() && !open) {
            continue;
        }
        let (body, cont) = match t.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (t, false),
        };
        if open {
            if let Some(last) = out.last_mut() {
                last.args.push(' ');
                last.args.push_str(body.trim());
                last.lines.push((n, raw));
            }
        } else {
            let (kw, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
            out.push(Instr {
                keyword: kw.to_ascii_uppercase(),
                args: rest.trim().to_string(),
                line: n,
                lines: vec![(n, raw)],
            });
        }
        open = cont;
    }
    out
}

/// `K=V K2="v 2"` or the legacy `K V`.
fn assignments(args: &str) -> Vec<(String, String)> {
    let tokens = split_command(args, 0, 0);
    if tokens.first().is_some_and(|t| !t.text.contains('=')) {
        let mut it = args.splitn(2, char::is_whitespace);
        let k = it.next().unwrap_or_default().to_string();
        return vec![(
            k,
            it.next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"')
                .to_string(),
        )];
    }
    tokens
        .into_iter()
        .filter_map(|t| {
            t.text
                .split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Exec form `["a","b"]` or shell form.
fn command(args: &str, line: u32) -> Vec<Item> {
    if args.trim_start().starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(args) {
            return v
                .into_iter()
                .flat_map(|s| split_command(&s, line, 1))
                .collect();
        }
    }
    split_command(args, line, 1)
}

const FULL_DISTROS: &[&str] = &[
    "ubuntu",
    "debian",
    "centos",
    "fedora",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "python",
    "node",
    "golang",
    "openjdk",
    "ruby",
];

fn non_minimal(reference: &str) -> bool {
    let r = images::parse(reference);
    let tag = r.tag.clone().unwrap_or_default();
    let minimal = [
        "slim",
        "alpine",
        "distroless",
        "minimal",
        "micro",
        "runtime",
        "base",
        "chiseled",
    ]
    .iter()
    .any(|m| tag.contains(m) || r.repository.contains(m));
    if minimal {
        return false;
    }
    let short = r.short();
    FULL_DISTROS.contains(&short)
        || (short == "nvidia/cuda" || short == "pytorch/pytorch") && tag.contains("devel")
}

pub fn check(text: &str, out: &mut Out) {
    let all = instructions(text);
    let mut stages: Vec<String> = Vec::new();
    let mut w: Option<Workload> = None;
    let (mut user, mut health, mut final_from) = (None::<Item>, false, None::<Item>);
    for ins in &all {
        match ins.keyword.as_str() {
            "FROM" => {
                if let Some(prev) = w.take() {
                    check_workload(&prev, out);
                }
                let words: Vec<&str> = ins
                    .args
                    .split_whitespace()
                    .filter(|a| !a.starts_with("--"))
                    .collect();
                let image = words.first().copied().unwrap_or_default().to_string();
                let earlier_stage = stages.iter().any(|s| s.eq_ignore_ascii_case(&image));
                if let Some(alias) = words
                    .iter()
                    .position(|w| w.eq_ignore_ascii_case("as"))
                    .and_then(|i| words.get(i + 1))
                {
                    stages.push((*alias).to_string());
                }
                let from = ins.at(&image, image.clone());
                w = Some(Workload {
                    anchor: from.clone(),
                    image: (!earlier_stage && image != "scratch").then(|| from.clone()),
                    isolated_network: true,
                    ..Workload::default()
                });
                user = None;
                health = false;
                final_from = Some(from);
            }
            "ENV" | "ARG" => {
                if let Some(w) = w.as_mut() {
                    for (k, v) in assignments(&ins.args) {
                        let at = ins.at(&k, v);
                        w.env.push((k, at));
                    }
                }
            }
            "CMD" | "ENTRYPOINT" => {
                if let Some(w) = w.as_mut() {
                    w.args.extend(command(&ins.args, ins.line));
                }
            }
            "USER" => user = Some(ins.at(&ins.args, ins.args.clone())),
            "HEALTHCHECK" => health = !ins.args.trim().eq_ignore_ascii_case("NONE"),
            "ADD" => {
                let url = ins
                    .args
                    .split_whitespace()
                    .find(|a| a.starts_with("http://") || a.starts_with("https://"));
                if let (Some(url), false) = (url, ins.args.contains("--checksum")) {
                    out.hit("add-from-url", &ins.at(url, url), format!("ADD {url}"));
                }
            }
            _ => {}
        }
    }
    if let Some(last) = w {
        check_workload(&last, out);
    }
    let Some(from) = final_from else { return };
    if non_minimal(&from.text) {
        out.hit("non-minimal-base", &from, format!("FROM {}", from.text));
    }
    let root = |u: &Item| {
        let name = u.text.split(':').next().unwrap_or_default();
        name == "root" || name == "0"
    };
    match user {
        Some(u) if root(&u) => out.hit("runs-as-root", &u, format!("USER {}", u.text)),
        Some(_) => {}
        None => out.hit(
            "runs-as-root",
            &from,
            "final stage sets no USER (runs as root)",
        ),
    }
    if !health {
        out.hit("no-healthcheck", &from, "final stage has no HEALTHCHECK");
    }
}
