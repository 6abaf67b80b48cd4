//! Aligned text tables and Markdown tables from the same rows.
use std::io::{self, Write};

use crate::Style;

/// Widest a text column grows before its cells are cut.
const MAX_WIDTH: usize = 60;

pub struct Grid {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Grid {
    pub fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Space-aligned columns, bold headers; `paint(row, column, padded)`
    /// may colour a cell after padding (so escapes never skew widths).
    pub fn write_text(
        &self,
        out: &mut dyn Write,
        st: Style,
        paint: impl Fn(usize, usize, String) -> String,
    ) -> io::Result<()> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.len()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count()).min(MAX_WIDTH);
            }
        }
        let header: Vec<String> = self
            .headers
            .iter()
            .zip(&widths)
            .map(|(h, &w)| pad(h, w))
            .collect();
        writeln!(out, "{}", st.bold(header.join("  ").trim_end()))?;
        for (r, row) in self.rows.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(c, (cell, &w))| paint(r, c, pad(cell, w)))
                .collect();
            writeln!(out, "{}", cells.join("  ").trim_end())?;
        }
        Ok(())
    }

    /// A GitHub-flavoured Markdown table (pipes in cells escaped).
    pub fn write_markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "| {} |", self.headers.join(" | "))?;
        writeln!(
            out,
            "|{}|",
            self.headers
                .iter()
                .map(|_| "---")
                .collect::<Vec<_>>()
                .join("|")
        )?;
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        Ok(())
    }
}

fn pad(text: &str, w: usize) -> String {
    let cut: String = text.chars().take(w).collect();
    let n = cut.chars().count();
    format!("{cut}{}", " ".repeat(w.saturating_sub(n)))
}

/// Markdown cell text: no line breaks, pipes escaped.
pub fn md_cell(text: &str) -> String {
    text.replace(['\n', '\r'], " ").replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_and_escapes() {
        let mut g = Grid::new(&["A", "B"]);
        g.row(vec!["long cell".into(), "x|y".into()]);
        let mut text = Vec::new();
        g.write_text(&mut text, Style::PLAIN, |_, _, s| s).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "A          B\nlong cell  x|y\n"
        );
        let mut md = Vec::new();
        g.write_markdown(&mut md).unwrap();
        assert_eq!(
            String::from_utf8(md).unwrap(),
            "| A | B |\n|---|---|\n| long cell | x\\|y |\n"
        );
    }
}
