//! The progress bar: stderr only, only on a terminal, never with --quiet.
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use aimap_scan::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn start(total: u128, quiet: bool, progress: Arc<Progress>) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::with_draw_target(
            Some(total.min(u64::MAX as u128) as u64),
            ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} probes {per_sec} | {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let ticker = bar.clone();
        std::thread::spawn(move || {
            while !ticker.is_finished() {
                ticker.set_position(progress.get(&progress.probes_done));
                ticker.set_message(format!(
                    "{} open, {} services",
                    progress.get(&progress.open_ports),
                    progress.get(&progress.services)
                ));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Self { bar: Some(bar) }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
