//! Reports over the run store: run lists, one run, diffs, shard progress.
//! Each comes as an aligned table, Markdown, or JSON.
use std::io::{self, Write};

use aimap_model::{Finding, FindingKind, Service, Severity, Subject};
use aimap_store::{
    rfc3339, ComponentRow, Diff, FindingBrief, RunSummary, ServiceBrief, ShardInfo, StoredFinding,
};
use serde::Serialize;

use crate::grid::{md_cell, Grid};
use crate::vulngroup::VulnGroup;
use crate::Style;

/// The history commands' formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryFormat {
    Table,
    Json,
    Markdown,
}

fn json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

fn grid_out(out: &mut dyn Write, g: &Grid, fmt: HistoryFormat, st: Style) -> io::Result<()> {
    match fmt {
        HistoryFormat::Markdown => g.write_markdown(out),
        _ => g.write_text(out, st, |_, _, c| c),
    }
}

fn took(r: &aimap_store::RunInfo) -> String {
    match r.finished_ms {
        Some(f) => format!("{:.1}s", (f - r.started_ms).max(0) as f64 / 1000.0),
        None => "-".into(),
    }
}

/// `2 critical, 1 high` or `-`.
fn severity_counts(by: &[u64; 5]) -> String {
    let parts: Vec<String> = Severity::ALL
        .iter()
        .filter(|s| by[s.rank() as usize] > 0)
        .map(|s| format!("{} {s}", by[s.rank() as usize]))
        .collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

pub fn write_runs(
    out: &mut dyn Write,
    runs: &[RunSummary],
    fmt: HistoryFormat,
    st: Style,
) -> io::Result<()> {
    if fmt == HistoryFormat::Json {
        return json(out, &runs);
    }
    if runs.is_empty() {
        return writeln!(out, "No runs stored yet.");
    }
    let mut g = Grid::new(&[
        "RUN",
        "KIND",
        "STATUS",
        "STARTED",
        "TOOK",
        "TARGET",
        "SERVICES",
        "COMPONENTS",
        "FINDINGS",
    ]);
    for r in runs {
        g.row(vec![
            r.run.id.clone(),
            r.run.kind.to_string(),
            r.run.status.to_string(),
            rfc3339(r.run.started_ms),
            took(&r.run),
            r.run.label.clone(),
            r.services.to_string(),
            r.components.to_string(),
            severity_counts(&r.by_severity),
        ]);
    }
    grid_out(out, &g, fmt, st)
}

#[derive(Serialize)]
struct ShowJson<'a> {
    #[serde(flatten)]
    run: &'a RunSummary,
    services: &'a [Service],
    findings: &'a [StoredFinding],
    components: Vec<&'a serde_json::Value>,
}

/// One stored run: what it held.
pub fn write_run(
    out: &mut dyn Write,
    run: &RunSummary,
    services: &[Service],
    findings: &[StoredFinding],
    components: &[ComponentRow],
    fmt: HistoryFormat,
    st: Style,
) -> io::Result<()> {
    if fmt == HistoryFormat::Json {
        return json(
            out,
            &ShowJson {
                run,
                services,
                findings,
                components: components.iter().map(|c| &c.body).collect(),
            },
        );
    }
    let md = fmt == HistoryFormat::Markdown;
    let r = &run.run;
    let head = format!("Run {} — {} of {} ({})", r.id, r.kind, r.label, r.status);
    if md {
        writeln!(out, "# {}\n", md_cell(&head))?;
    } else {
        writeln!(out, "{}", st.bold(&head))?;
    }
    writeln!(
        out,
        "started {}, took {}; {} services, {} components, findings: {}\n",
        rfc3339(r.started_ms),
        took(r),
        run.services,
        run.components,
        severity_counts(&run.by_severity)
    )?;
    if !services.is_empty() {
        let mut g = Grid::new(&["ENDPOINT", "SERVICE", "VERSION", "AUTH", "VULNS"]);
        for s in services {
            g.row(vec![
                endpoint(&s.host, s.port),
                s.product.clone(),
                s.version.clone().unwrap_or_else(|| "?".into()),
                s.auth.as_str().into(),
                s.vulnerabilities.len().to_string(),
            ]);
        }
        grid_out(out, &g, fmt, st)?;
        writeln!(out)?;
    }
    if !components.is_empty() {
        let mut g = Grid::new(&["COMPONENT", "VERSION", "ECOSYSTEM", "PURL"]);
        for c in components {
            g.row(vec![
                c.name.clone(),
                c.version.clone().unwrap_or_else(|| "-".into()),
                c.ecosystem.clone(),
                c.purl.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        grid_out(out, &g, fmt, st)?;
        writeln!(out)?;
    }
    // A service's advisories under the one upgrade that fixes them; the
    // other findings one by one (`--format json` keeps every finding).
    let groups: Vec<(&Service, VulnGroup)> = services
        .iter()
        .filter_map(|s| VulnGroup::of(s).map(|g| (s, g)))
        .collect();
    let in_group = |f: &Finding| {
        f.kind == FindingKind::Vulnerability
            && matches!(&f.subject, Subject::Service { host, port, .. }
                if groups.iter().any(|(s, _)| &s.host == host && s.port == *port))
    };
    for f in findings.iter().filter(|f| !in_group(&f.finding)) {
        write_finding(out, &f.finding, f.first_seen_ms, md, st)?;
    }
    for (s, g) in &groups {
        let at = endpoint(&s.host, s.port);
        if md {
            writeln!(out, "\n## {} — {}\n", md_cell(&at), md_cell(&g.headline()))?;
        } else {
            writeln!(out, "\n{}  {}", at, st.severity(g.worst(), &g.headline()))?;
        }
        for v in &g.advisories {
            let fixed = v.fixed.as_deref().unwrap_or("no fix known");
            if md {
                writeln!(
                    out,
                    "- **{}** `{}` {} (fixed in {})",
                    v.severity,
                    v.id,
                    md_cell(&v.summary),
                    md_cell(fixed)
                )?;
            } else {
                let sev = st.severity(
                    v.severity,
                    &format!("{:<8}", v.severity.as_str().to_uppercase()),
                );
                writeln!(
                    out,
                    "    {sev} {}  {}  ({})",
                    v.id,
                    v.summary,
                    st.dim(fixed)
                )?;
            }
        }
    }
    Ok(())
}

fn write_finding(
    out: &mut dyn Write,
    f: &Finding,
    first_seen: Option<i64>,
    md: bool,
    st: Style,
) -> io::Result<()> {
    let seen = first_seen.map_or(String::new(), |ms| format!(" (first seen {})", rfc3339(ms)));
    if md {
        writeln!(
            out,
            "- **{}** `{}` {} — {}{seen}\n  - fix: {}",
            f.severity,
            f.fingerprint(),
            md_cell(&f.title),
            md_cell(&f.evidence),
            md_cell(&f.remediation)
        )
    } else {
        let sev = st.severity(
            f.severity,
            &format!("{:<8}", f.severity.as_str().to_uppercase()),
        );
        writeln!(
            out,
            "{sev} {}  {}  [{}]{seen}",
            f.subject.key(),
            f.title,
            f.id
        )?;
        writeln!(out, "         {} {}", st.dim("fix:"), f.remediation)
    }
}

fn endpoint(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn brief(s: &ServiceBrief) -> String {
    format!(
        "{} {} {} (auth {})",
        endpoint(&s.host, s.port),
        s.service,
        s.version.as_deref().unwrap_or("?"),
        s.auth
    )
}

fn finding_line(f: &FindingBrief) -> String {
    format!(
        "{} {}  {}",
        f.severity.as_str().to_uppercase(),
        f.fingerprint,
        f.title
    )
}

/// The changes between two runs.
pub fn write_diff(out: &mut dyn Write, d: &Diff, fmt: HistoryFormat, st: Style) -> io::Result<()> {
    if fmt == HistoryFormat::Json {
        return json(out, d);
    }
    let md = fmt == HistoryFormat::Markdown;
    let head = format!(
        "Changes from run {} to run {} ({})",
        d.from.id, d.to.id, d.to.label
    );
    if md {
        writeln!(out, "# {}\n", md_cell(&head))?;
    } else {
        writeln!(out, "{}", st.bold(&head))?;
    }
    if d.is_empty() {
        return writeln!(out, "No changes.");
    }
    let mut section = |title: &str, lines: Vec<(char, String)>| -> io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        if md {
            writeln!(out, "\n## {title}\n")?;
        } else {
            writeln!(out, "\n{}", st.bold(title))?;
        }
        for (mark, text) in lines {
            if md {
                writeln!(out, "- {mark} {}", md_cell(&text))?;
            } else {
                writeln!(out, "{mark} {text}")?;
            }
        }
        Ok(())
    };
    let s = &d.services;
    let mut lines: Vec<(char, String)> = s.new.iter().map(|x| ('+', brief(x))).collect();
    lines.extend(s.gone.iter().map(|x| ('-', brief(x))));
    lines.extend(s.changed.iter().map(|c| {
        let what: Vec<String> = c
            .changed
            .iter()
            .map(|field| match *field {
                "version" => format!(
                    "version {} → {}",
                    c.before.version.as_deref().unwrap_or("?"),
                    c.after.version.as_deref().unwrap_or("?")
                ),
                "auth" => format!("auth {} → {}", c.before.auth, c.after.auth),
                "service" => format!("service {} → {}", c.before.service, c.after.service),
                "capabilities" => format!(
                    "open without credentials [{}] → [{}]",
                    c.before.open_capabilities.join(", "),
                    c.after.open_capabilities.join(", ")
                ),
                _ => format!(
                    "vulnerabilities {} → {}",
                    c.before.vulnerabilities, c.after.vulnerabilities
                ),
            })
            .collect();
        (
            '~',
            format!(
                "{} {}: {}",
                endpoint(&c.after.host, c.after.port),
                c.after.service,
                what.join(", ")
            ),
        )
    }));
    section(
        &format!(
            "Services: {} new, {} gone, {} changed",
            s.new.len(),
            s.gone.len(),
            s.changed.len()
        ),
        lines,
    )?;
    let f = &d.findings;
    let mut lines: Vec<(char, String)> = f.new.iter().map(|x| ('+', finding_line(x))).collect();
    lines.extend(
        f.gone
            .iter()
            .map(|x| ('-', format!("resolved: {}", finding_line(x)))),
    );
    lines.extend(f.changed.iter().map(|c| {
        (
            '~',
            format!(
                "{} severity {} → {}",
                c.after.fingerprint, c.before.severity, c.after.severity
            ),
        )
    }));
    section(
        &format!(
            "Findings: {} new, {} resolved, {} changed",
            f.new.len(),
            f.gone.len(),
            f.changed.len()
        ),
        lines,
    )?;
    let c = &d.components;
    let name = |x: &aimap_store::ComponentBrief| {
        format!(
            "{} {} ({})",
            x.name,
            x.version.as_deref().unwrap_or("-"),
            x.ecosystem
        )
    };
    let mut lines: Vec<(char, String)> = c.new.iter().map(|x| ('+', name(x))).collect();
    lines.extend(c.gone.iter().map(|x| ('-', name(x))));
    lines.extend(c.changed.iter().map(|ch| {
        (
            '~',
            format!(
                "{} {} → {}",
                ch.after.name,
                ch.before.version.as_deref().unwrap_or("-"),
                ch.after.version.as_deref().unwrap_or("-")
            ),
        )
    }));
    section(
        &format!(
            "Components: {} added, {} removed, {} changed",
            c.new.len(),
            c.gone.len(),
            c.changed.len()
        ),
        lines,
    )
}

#[derive(Serialize)]
struct StatusJson<'a> {
    run: &'a RunSummary,
    shards_done: usize,
    probes_sent: u64,
    probes_per_second: f64,
    stragglers: Vec<u32>,
    shards: &'a [ShardInfo],
}

/// Progress of a run's shards; a running shard without a checkpoint for
/// `stale_ms` is a straggler (its worker may be dead or starved).
pub fn write_shards(
    out: &mut dyn Write,
    run: &RunSummary,
    shards: &[ShardInfo],
    now_ms: i64,
    stale_ms: i64,
    fmt: HistoryFormat,
    st: Style,
) -> io::Result<()> {
    use aimap_store::RunStatus;
    let done = shards
        .iter()
        .filter(|s| s.status == RunStatus::Done)
        .count();
    let sent: u64 = shards.iter().map(|s| s.probes_sent).sum();
    let end = run.run.finished_ms.unwrap_or(now_ms);
    let secs = ((end - run.run.started_ms).max(1)) as f64 / 1000.0;
    let rate = sent as f64 / secs;
    let stragglers: Vec<u32> = shards
        .iter()
        .filter(|s| s.status == RunStatus::Running && now_ms - s.updated_ms > stale_ms)
        .map(|s| s.shard)
        .collect();
    if fmt == HistoryFormat::Json {
        return json(
            out,
            &StatusJson {
                run,
                shards_done: done,
                probes_sent: sent,
                probes_per_second: rate,
                stragglers,
                shards,
            },
        );
    }
    writeln!(
        out,
        "{}",
        st.bold(&format!(
            "Run {} ({}): {}",
            run.run.id, run.run.label, run.run.status
        ))
    )?;
    let missing = (run.run.shard_count as usize).saturating_sub(shards.len());
    writeln!(
        out,
        "shards: {done}/{} done, {missing} not started, {} straggling; {sent} probes at {rate:.0}/s; {} services\n",
        run.run.shard_count,
        stragglers.len(),
        run.services
    )?;
    let mut g = Grid::new(&[
        "SHARD",
        "STATUS",
        "DONE",
        "PROBES",
        "SERVICES",
        "ATTEMPTS",
        "LAST CHECKPOINT",
    ]);
    for s in shards {
        let pct = if s.total == 0 {
            100.0
        } else {
            100.0 * s.done as f64 / s.total as f64
        };
        let age = (now_ms - s.updated_ms).max(0) / 1000;
        let flag = if stragglers.contains(&s.shard) {
            " STRAGGLER"
        } else {
            ""
        };
        g.row(vec![
            s.shard.to_string(),
            s.status.to_string(),
            format!("{pct:.1}%"),
            s.probes_sent.to_string(),
            s.services.to_string(),
            s.attempts.to_string(),
            format!("{age}s ago{flag}"),
        ]);
    }
    grid_out(out, &g, fmt, st)
}
