//! Charts as inline SVG, drawn on the server: no script, no CDN, nothing
//! fetched. Colours come from classes in the stylesheet, so the strict CSP
//! (no inline styles) holds.
use std::fmt::Write;

use aimap_store::TrendPoint;

use crate::html::{esc, thousands, when};

const W: f64 = 720.0;
const H: f64 = 220.0;
const PAD_L: f64 = 48.0;
const PAD_R: f64 = 12.0;
const PAD_T: f64 = 12.0;
const PAD_B: f64 = 28.0;

/// Open findings after each run, as a line over an area, with a point per
/// run (its tooltip names the run).
pub fn trend(points: &[TrendPoint]) -> String {
    if points.is_empty() {
        return r#"<p class="empty">No runs stored yet.</p>"#.into();
    }
    let max = points.iter().map(|p| p.open).max().unwrap_or(0).max(1);
    let n = points.len();
    let x = |i: usize| {
        if n == 1 {
            PAD_L + (W - PAD_L - PAD_R) / 2.0
        } else {
            PAD_L + (W - PAD_L - PAD_R) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: u64| PAD_T + (H - PAD_T - PAD_B) * (1.0 - v as f64 / max as f64);
    let mut line = String::new();
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            line,
            "{}{:.1},{:.1} ",
            if i == 0 { "M" } else { "L" },
            x(i),
            y(p.open)
        );
    }
    let area = format!(
        "{line}L{:.1},{:.1} L{:.1},{:.1} Z",
        x(n - 1),
        y(0),
        x(0),
        y(0)
    );
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="Open findings after each of the last {n} runs">"#
    );
    // Axis: zero, the maximum, and the middle.
    for v in [0, max / 2, max] {
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{PAD_L}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            W - PAD_R,
            y(v),
            y(v),
            PAD_L - 6.0,
            y(v) + 4.0,
            thousands(v)
        );
    }
    let _ = write!(
        svg,
        r#"<path class="area" d="{area}"/><path class="line" d="{line}"/>"#
    );
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="3"><title>{}: {} open after {} run {}</title></circle>"#,
            x(i),
            y(p.open),
            esc(&when(p.started_ms)),
            thousands(p.open),
            p.kind.as_str(),
            esc(&p.run_id)
        );
    }
    let first = when(points[0].started_ms);
    let last = when(points[n - 1].started_ms);
    let _ = write!(
        svg,
        r#"<text class="tick" x="{PAD_L}" y="{:.1}">{}</text><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text></svg>"#,
        H - 8.0,
        esc(&first),
        W - PAD_R,
        H - 8.0,
        esc(&last)
    );
    svg
}

/// Horizontal bars: one per (label, value, css class), scaled to the largest.
pub fn bars(rows: &[(String, u64, &str)], link: impl Fn(&str) -> Option<String>) -> String {
    if rows.is_empty() {
        return r#"<p class="empty">Nothing to show.</p>"#.into();
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let row_h = 22.0;
    let h = row_h * rows.len() as f64 + 4.0;
    let label_w = 170.0;
    let bar_w = W - label_w - 70.0;
    let mut svg = format!(r#"<svg class="chart bars" viewBox="0 0 {W} {h}" role="img">"#);
    for (i, (label, value, class)) in rows.iter().enumerate() {
        let top = i as f64 * row_h + 2.0;
        let w = (bar_w * *value as f64 / max as f64).max(if *value > 0 { 2.0 } else { 0.0 });
        let bar = format!(
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect class="bar {class}" x="{label_w}" y="{top:.1}" width="{w:.1}" height="{:.1}"/><text class="value" x="{:.1}" y="{:.1}">{}</text>"#,
            label_w - 8.0,
            top + 15.0,
            esc(label),
            row_h - 6.0,
            label_w + w + 6.0,
            top + 15.0,
            thousands(*value)
        );
        match link(label) {
            Some(href) => {
                let _ = write!(svg, r#"<a href="{}">{bar}</a>"#, esc(&href));
            }
            None => svg.push_str(&bar),
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use aimap_store::RunKind;

    fn point(open: u64, ms: i64) -> TrendPoint {
        TrendPoint {
            run_id: format!("r{ms}"),
            kind: RunKind::Scan,
            started_ms: ms,
            by_severity: [0, 0, 0, 0, open],
            open,
        }
    }

    #[test]
    fn trend_scales_to_the_maximum() {
        let svg = trend(&[point(2, 0), point(10, 1000), point(5, 2000)]);
        assert_eq!(svg.matches("<circle").count(), 3);
        // The maximum sits on the top padding line, zero on the bottom one.
        assert!(svg.contains(&format!("cy=\"{PAD_T:.1}\"")), "{svg}");
        assert!(svg.contains("10 open after scan run r1000"));
        assert!(!svg.contains("style="), "inline styles break the CSP");
    }

    #[test]
    fn bars_escape_labels() {
        let svg = bars(&[("<b>".into(), 3, "c")], |_| None);
        assert!(svg.contains("&lt;b&gt;"));
        assert!(trend(&[]).contains("No runs"));
    }
}
