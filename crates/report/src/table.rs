use std::io::{self, Write};

use aimap_model::{
    open_capabilities, AuthVerdict, FindingKind, Label, ScanReport, Service, Severity,
};

use crate::grid::Grid;
use crate::vulngroup::VulnGroup;
use crate::{Sink, Style};

/// A readable summary: one row per service, then each finding with its
/// evidence and fix. Buffers until the end so rows come out sorted.
pub struct TableSink<'w> {
    out: Box<dyn Write + 'w>,
    style: Style,
}

impl<'w> TableSink<'w> {
    pub fn new(out: Box<dyn Write + 'w>, style: Style) -> Self {
        Self { out, style }
    }
}

const HEADERS: [&str; 6] = [
    "ENDPOINT", "SERVICE", "VERSION", "AUTH", "DETAILS", "FINDINGS",
];

fn endpoint(s: &Service) -> String {
    let host = if s.host.contains(':') {
        format!("[{}]", s.host)
    } else {
        s.host.clone()
    };
    let scheme = if s.transport == "https" { " (tls)" } else { "" };
    format!("{host}:{}{scheme}", s.port)
}

fn details(s: &Service) -> String {
    let mut parts: Vec<String> = s
        .details
        .iter()
        .filter(|(k, _)| k.as_str() != "extensions")
        .map(|(k, v)| {
            let shown: Vec<&str> = v.iter().take(3).map(String::as_str).collect();
            let more = if v.len() > 3 {
                format!(" +{}", v.len() - 3)
            } else {
                String::new()
            };
            format!("{k}: {}{more}", shown.join(", "))
        })
        .collect();
    parts.truncate(2);
    parts.join("; ")
}

/// The product, marked with its labels (contradictory, host-check,
/// claimable) so a reader sees them before trusting the row.
fn product(s: &Service) -> String {
    let marks: Vec<&str> = s
        .labels
        .iter()
        .map(|l| match l {
            Label::Contradictory => "contradictory",
            Label::HostCheck => "host-check",
            Label::Claimable => "claimable",
        })
        .collect();
    if marks.is_empty() {
        s.product.clone()
    } else {
        format!("{} [{}]", s.product, marks.join(", "))
    }
}

/// The verdict; a partial one names what is open.
fn auth(s: &Service) -> String {
    if s.auth != AuthVerdict::Partial {
        return s.auth.as_str().into();
    }
    let open: Vec<&str> = open_capabilities(&s.capabilities)
        .filter(|c| c.sensitive())
        .map(|c| c.as_str())
        .collect();
    format!("partial ({} open)", open.join("+"))
}

/// The version, or the releases asset hashes narrowed it to.
fn version(s: &Service) -> String {
    match (&s.version, s.version_candidates.as_slice()) {
        (Some(v), _) => v.clone(),
        (None, []) => "?".into(),
        (None, c) if c.len() <= 3 => c.join("|"),
        (None, c) => format!("{}..{} ({} releases)", c[0], c[c.len() - 1], c.len()),
    }
}

fn worst(s: &Service) -> Option<Severity> {
    s.findings.iter().map(|f| f.severity).max()
}

impl Sink for TableSink<'_> {
    fn finish(&mut self, report: &ScanReport) -> io::Result<()> {
        let st = self.style;
        let mut services: Vec<&Service> = report.services.iter().collect();
        services.sort_by(|a, b| (a.host.as_str(), a.port).cmp(&(b.host.as_str(), b.port)));
        if services.is_empty() {
            writeln!(self.out, "No AI services found.")?;
        } else {
            let mut grid = Grid::new(&HEADERS);
            for s in &services {
                let findings = match worst(s) {
                    Some(sev) => format!("{} ({sev})", s.findings.len()),
                    None => "-".into(),
                };
                grid.row(vec![
                    endpoint(s),
                    product(s),
                    version(s),
                    auth(s),
                    details(s),
                    findings,
                ]);
            }
            grid.write_text(&mut self.out, st, |r, c, cell| {
                match (c, worst(services[r])) {
                    (3, _) => st.auth(services[r].auth, &cell),
                    (5, Some(sev)) => st.severity(sev, &cell),
                    _ => cell,
                }
            })?;
        }
        // A service's advisories are grouped below under the upgrade that
        // fixes them; the rest are listed one by one.
        let grouped = |f: &&aimap_model::Finding| {
            f.kind == FindingKind::Vulnerability
                && report.services.iter().any(|s| {
                    !s.vulnerabilities.is_empty() && s.findings.iter().any(|g| std::ptr::eq(g, *f))
                })
        };
        let mut findings: Vec<_> = report.findings().filter(|f| !grouped(f)).collect();
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.subject.key().cmp(&b.subject.key()))
        });
        if !findings.is_empty() {
            writeln!(self.out)?;
            writeln!(self.out, "{}", st.bold("FINDINGS"))?;
        }
        for f in findings {
            let sev = st.severity(
                f.severity,
                &format!("{:<8}", f.severity.as_str().to_uppercase()),
            );
            writeln!(
                self.out,
                "{sev} {}  {}  [{}]",
                f.subject.key(),
                f.title,
                f.id
            )?;
            let evidence = f.evidence.replace('\n', "\n                   ");
            writeln!(self.out, "         {} {evidence}", st.dim("evidence:"))?;
            writeln!(self.out, "         {} {}", st.dim("fix:"), f.remediation)?;
        }
        write_groups(&mut self.out, st, &services)?;
        let s = &report.stats;
        writeln!(self.out)?;
        let interrupted = if s.interrupted { " (interrupted)" } else { "" };
        writeln!(
            self.out,
            "{}",
            st.dim(&format!(
                "{} probes, {} open ports, {} AI services, {} unidentified{interrupted}",
                s.probes_sent,
                s.open_ports,
                s.services,
                report.unidentified.len()
            ))
        )?;
        for e in &report.errors {
            writeln!(self.out, "error: {}: {}", e.target, e.error)?;
        }
        self.out.flush()
    }
}

/// Each service's advisories under one headline, worst service first.
fn write_groups(out: &mut dyn Write, st: Style, services: &[&Service]) -> io::Result<()> {
    let mut groups: Vec<(&Service, VulnGroup)> = services
        .iter()
        .filter_map(|s| VulnGroup::of(s).map(|g| (*s, g)))
        .collect();
    if groups.is_empty() {
        return Ok(());
    }
    groups.sort_by(|a, b| {
        b.1.worst()
            .cmp(&a.1.worst())
            .then(b.1.advisories.len().cmp(&a.1.advisories.len()))
    });
    writeln!(out)?;
    writeln!(out, "{}", st.bold("VULNERABILITIES"))?;
    for (s, g) in groups {
        let head = st.severity(g.worst(), &g.headline());
        writeln!(out, "{}  {head}", endpoint(s))?;
        for v in &g.advisories {
            let sev = st.severity(
                v.severity,
                &format!("{:<8}", v.severity.as_str().to_uppercase()),
            );
            let fixed = v.fixed.as_deref().unwrap_or("no fix known");
            writeln!(
                out,
                "    {sev} {}  {}  ({})",
                v.id,
                v.summary,
                st.dim(fixed)
            )?;
        }
    }
    Ok(())
}
