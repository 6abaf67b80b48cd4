//! The scan's side of the store: one run (joined when `--run-id` names an
//! existing one), one shard claimed with its checkpoint, then services and
//! checkpoints committed as they come. A store that fails mid-scan is
//! reported once and the scan goes on: the printed report loses nothing.
use std::net::{IpAddr, SocketAddr};

use aimap_model::{Checkpoint, RunRef, Service, TargetError};
use aimap_store::{NewRun, RunKind, RunStatus, RunWriter, ShardProgress, ShardStart, Store};
use anyhow::{bail, Result};
use tracing::warn;

use super::settings::Settings;
use crate::run::store::{label, scope_key};

pub struct Persist {
    store: Store,
    writer: RunWriter,
    start: ShardStart,
    run: RunRef,
    failed: Option<String>,
}

impl Persist {
    /// Create or join the run and claim this worker's shard.
    pub async fn begin(store: Store, s: &Settings) -> Result<Self> {
        let p = &s.params;
        let mut scope_parts: Vec<String> = p.targets.clone();
        scope_parts.extend(p.exclude.iter().map(|x| format!("!{x}")));
        scope_parts.extend(p.ports.iter().map(|port| format!(":{port}")));
        let new = NewRun {
            id: s.run_id.clone(),
            kind: RunKind::Scan,
            scope: scope_key("scan", &scope_parts),
            label: label(&p.targets, &format!("({} ports)", p.ports.len())),
            params: serde_json::to_value(p)?,
            shard_count: u32::try_from(p.order.shard_count)?,
            parent: None,
        };
        let run = store.begin_run(&new).await?;
        // Every worker must walk the same order, or shards would overlap.
        if run.params.get("order") != new.params.get("order") {
            bail!(
                "run {} was started with another probe order (seed, shard count or probe count differ): give the same targets, ports, --seed and --shard-count",
                run.id
            );
        }
        let shard = u32::try_from(s.shard)?;
        let start = store.begin_shard(&run.id, shard, s.order.len()).await?;
        let writer = RunWriter::for_shard(&store, &run.id, shard, start.clone());
        Ok(Self {
            run: RunRef {
                id: run.id,
                shard: s.shard,
                shards: p.order.shard_count,
                resumed: start.attempts > 1,
            },
            store,
            writer,
            start,
            failed: None,
        })
    }

    pub fn run(&self) -> &RunRef {
        &self.run
    }

    /// What earlier attempts finished.
    pub fn resume_from(&self) -> Checkpoint {
        self.start.checkpoint.clone()
    }

    pub fn already_done(&self) -> bool {
        self.start.already_done
    }

    pub async fn service(&mut self, svc: &Service) {
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = self.writer.service(svc) {
            return self.fail(e);
        }
        if self.writer.wants_flush() {
            let r = self.writer.flush().await;
            if let Err(e) = r {
                self.fail(e);
            }
        }
    }

    /// Queue a failed probe; it is committed with the next checkpoint,
    /// which is the first one that counts its position finished.
    pub fn probe_error(&mut self, addr: SocketAddr, error: &str) {
        if self.failed.is_none() {
            self.writer
                .probe_error(&addr.ip().to_string(), addr.port(), error);
        }
    }

    /// Commit everything so far with this checkpoint.
    pub async fn checkpoint(&mut self, cp: Checkpoint, probes_sent: u64, open_ports: u64) {
        if self.failed.is_some() {
            return;
        }
        self.writer.checkpoint(
            cp,
            ShardProgress {
                probes_sent,
                open_ports,
            },
        );
        let r = self.writer.flush().await;
        if let Err(e) = r {
            self.fail(e);
        }
    }

    fn fail(&mut self, e: aimap_store::StoreError) {
        warn!("the run store failed; this run is not fully remembered: {e}");
        self.failed = Some(e.to_string());
    }

    /// Mark the shard done or interrupted; returns the store error, if
    /// any happened during the run.
    pub async fn finish(self, interrupted: bool) -> (Store, Option<String>) {
        let Self {
            store,
            writer,
            failed,
            ..
        } = self;
        if failed.is_some() {
            return (store, failed);
        }
        let status = if interrupted {
            RunStatus::Interrupted
        } else {
            RunStatus::Done
        };
        let failed = writer.finish(status).await.err().map(|e| {
            warn!("the run store failed at the end of the run: {e}");
            e.to_string()
        });
        (store, failed)
    }
}

/// Stored probe errors as report entries, `host:port` as the scan itself
/// names them (IPv6 bracketed), in address order.
pub fn probe_errors_from(rows: Vec<(String, u16, String)>) -> Vec<TargetError> {
    let mut rows: Vec<(Option<IpAddr>, u16, String, String)> = rows
        .into_iter()
        .map(|(host, port, error)| (host.parse().ok(), port, host, error))
        .collect();
    rows.sort_by_key(|r| (r.0, r.1));
    rows.into_iter()
        .map(|(ip, port, host, error)| TargetError {
            target: match ip {
                Some(ip) => SocketAddr::new(ip, port).to_string(),
                None => format!("{host}:{port}"),
            },
            error,
        })
        .collect()
}
