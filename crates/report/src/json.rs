use std::io::{self, Write};

use aimap_model::{ScanReport, Service};
use serde::Serialize;

use crate::Sink;

/// The whole report as one JSON document, written at the end.
pub struct JsonSink<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> JsonSink<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self { out }
    }
}

impl Sink for JsonSink<'_> {
    fn finish(&mut self, report: &ScanReport) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut self.out, report)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}

/// One JSON object per line: each service as it is found, then a summary.
pub struct JsonLinesSink<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> JsonLinesSink<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self { out }
    }

    fn line<T: Serialize>(&mut self, kind: &str, value: &T) -> io::Result<()> {
        #[derive(Serialize)]
        struct Tagged<'a, T> {
            r#type: &'a str,
            #[serde(flatten)]
            value: &'a T,
        }
        serde_json::to_writer(
            &mut self.out,
            &Tagged {
                r#type: kind,
                value,
            },
        )?;
        writeln!(self.out)?;
        // Flush per line: a consumer tailing the stream sees results live.
        self.out.flush()
    }
}

impl Sink for JsonLinesSink<'_> {
    fn service(&mut self, service: &Service) -> io::Result<()> {
        self.line("service", service)
    }

    fn finish(&mut self, report: &ScanReport) -> io::Result<()> {
        #[derive(Serialize)]
        struct Summary<'a> {
            aimap_version: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            run: &'a Option<aimap_model::RunRef>,
            started_at: &'a str,
            finished_at: &'a str,
            stats: &'a aimap_model::ScanStats,
            unidentified: &'a [String],
            errors: &'a [aimap_model::TargetError],
        }
        self.line(
            "summary",
            &Summary {
                aimap_version: &report.aimap_version,
                run: &report.run,
                started_at: &report.started_at,
                finished_at: &report.finished_at,
                stats: &report.stats,
                unidentified: &report.unidentified,
                errors: &report.errors,
            },
        )
    }
}
