//! Reporters: the last stage of the pipeline.
//!
//! Every output format is a [`Sink`]: it sees each service the moment it is
//! found (so JSON Lines streams) and the finished report at the end (so the
//! table and JSON, which need everything, buffer inside themselves).
#![forbid(unsafe_code)]

mod grid;
pub mod history;
mod json;
mod sarif;
mod style;
mod table;

use std::io::{self, Write};

use aimap_model::{ScanReport, Service};

pub use json::{JsonLinesSink, JsonSink};
pub use sarif::{path_uri, sarif_level, sarif_log, write_sarif, SarifResult, SarifTool};
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
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "jsonl" => Ok(Self::JsonLines),
            other => Err(format!("unknown format {other:?} (table, json, jsonl)")),
        }
    }
}

/// Build the sink for `format` over `out`.
pub fn sink<'w>(format: Format, out: Box<dyn Write + 'w>, style: Style) -> Box<dyn Sink + 'w> {
    match format {
        Format::Table => Box::new(TableSink::new(out, style)),
        Format::Json => Box::new(JsonSink::new(out)),
        Format::JsonLines => Box::new(JsonLinesSink::new(out)),
    }
}
