//! Reporters: the last stage of the pipeline.
//!
//! Every output format is a [`Sink`]: it sees each service the moment it is
//! found (so JSON Lines streams) and the finished report at the end (so the
//! table and JSON, which need everything, buffer inside themselves).
#![forbid(unsafe_code)]

pub mod bom;
mod grid;
pub mod history;
mod json;
mod sarif;
mod style;
mod table;
pub mod vulngroup;

use std::io::{self, Write};

use aimap_model::{ScanReport, Service};

pub use json::{JsonLinesSink, JsonSink};
pub use sarif::{
    add_notifications, path_uri, sarif_level, sarif_log, write_sarif, SarifResult, SarifTool,
};
pub use style::Style;
pub use table::TableSink;

/// One output format.
pub trait Sink {
    /// A service was identified.
    fn service(&mut self, _service: &Service) -> io::Result<()> {
        Ok(())
    }
    /// The scan ended (completed or interrupted).
    fn finish(&mut self, report: &ScanReport) -> io::Result<()>;
}

/// The formats `aimap scan --format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    JsonLines,
    /// The scan's AI-BOM, CycloneDX of this spec version ("1.6", "1.7").
    CycloneDx(&'static str),
    /// The scan's AI-BOM as SPDX 2.3.
    Spdx,
}

impl Format {
    /// `cyclonedx` with another spec version (`--spec`); other formats as they are.
    pub fn with_spec(self, spec: &str) -> Result<Self, String> {
        let spec = match spec {
            "1.6" => "1.6",
            "1.7" => "1.7",
            other => return Err(format!("unknown CycloneDX version {other:?} (1.6, 1.7)")),
        };
        Ok(match self {
            Self::CycloneDx(_) => Self::CycloneDx(spec),
            other => other,
        })
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "jsonl" => Ok(Self::JsonLines),
            "cyclonedx" => Ok(Self::CycloneDx("1.6")),
            "spdx" => Ok(Self::Spdx),
            other => Err(format!(
                "unknown format {other:?} (table, json, jsonl, cyclonedx, spdx)"
            )),
        }
    }
}

/// Build the sink for `format` over `out`.
pub fn sink<'w>(format: Format, out: Box<dyn Write + 'w>, style: Style) -> Box<dyn Sink + 'w> {
    match format {
        Format::Table => Box::new(TableSink::new(out, style)),
        Format::Json => Box::new(JsonSink::new(out)),
        Format::JsonLines => Box::new(JsonLinesSink::new(out)),
        Format::CycloneDx(spec) => Box::new(BomSink {
            out,
            format: Format::CycloneDx(spec),
        }),
        Format::Spdx => Box::new(BomSink {
            out,
            format: Format::Spdx,
        }),
    }
}

/// A BOM needs every service (models and advisories are cross-referenced),
/// so it is written once, at the end.
struct BomSink<'w> {
    out: Box<dyn Write + 'w>,
    format: Format,
}

impl Sink for BomSink<'_> {
    fn finish(&mut self, report: &ScanReport) -> io::Result<()> {
        let text = match self.format {
            Format::Spdx => bom::write_scan_spdx(report),
            Format::CycloneDx(spec) => bom::write_scan(report, spec),
            _ => unreachable!("only BOM formats make a BomSink"),
        }?;
        self.out.write_all(text.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
