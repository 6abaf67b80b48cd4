//! The batch writer: results are queued as they arrive and committed in
//! transactions of a few hundred rows, each carrying the shard's
//! checkpoint. A process killed at any moment loses at most the batch in
//! memory, and what is committed is always consistent with the checkpoint
//! committed beside it.
use std::time::Duration;

use aimap_model::{Checkpoint, Finding, Service};

use crate::clock::now_ms;
use crate::error::{db, Result, StoreError};
use crate::migrate::is_contention;
use crate::runs::{RunStatus, ShardStart};
use crate::sql::{insert_rows, Val};
use crate::Store;

/// Rows queued before [`RunWriter::wants_flush`] says to commit.
pub const BATCH_ROWS: usize = 1000;

/// A software component as the store keeps it (aimap-inventory's
/// component, flattened by the binary so the store needs no inventory
/// types).
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentRow {
    /// Unique within a run (the purl, or name and hash).
    pub key: String,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub ecosystem: String,
    /// The whole component as JSON.
    pub body: serde_json::Value,
}

/// A shard's live counters, written with each checkpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardProgress {
    pub probes_sent: u64,
    pub open_ports: u64,
}

struct ShardState {
    shard: u32,
    /// Counters from earlier attempts; this attempt's are added on top.
    base: ShardStart,
    inserted_services: u64,
    latest: Option<(Checkpoint, ShardProgress)>,
}

/// Writes one run (or one shard of it).
pub struct RunWriter {
    store: Store,
    run_id: String,
    shard: Option<ShardState>,
    services: Vec<Vec<Val>>,
    findings: Vec<Vec<Val>>,
    components: Vec<Vec<Val>>,
    probe_errors: Vec<Vec<Val>>,
    dirty: bool,
}

const SERVICE_COLS: &[&str] = &[
    "run_id",
    "host",
    "port",
    "service",
    "product",
    "version",
    "auth",
    "purl",
    "vulns",
    "body",
    "open_caps",
];
const FINDING_COLS: &[&str] = &[
    "run_id",
    "fingerprint",
    "rule",
    "kind",
    "severity",
    "subject",
    "title",
    "body",
];
const SEEN_COLS: &[&str] = &["fingerprint", "seen_ms", "run_id"];
const PROBE_ERROR_COLS: &[&str] = &["run_id", "host", "port", "error"];
const COMPONENT_COLS: &[&str] = &[
    "run_id",
    "ckey",
    "name",
    "version",
    "purl",
    "ecosystem",
    "body",
];

/// The `open_caps` column: capabilities open without credentials.
fn open_caps(s: &Service) -> String {
    aimap_model::open_capabilities(&s.capabilities)
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

impl RunWriter {
    /// A writer for a run without shards (inventory, audit, rematch).
    pub fn new(store: &Store, run_id: &str) -> Self {
        Self {
            store: store.clone(),
            run_id: run_id.to_string(),
            shard: None,
            services: Vec::new(),
            findings: Vec::new(),
            components: Vec::new(),
            probe_errors: Vec::new(),
            dirty: false,
        }
    }

    /// A writer for one shard of a scan, continuing from `start`.
    pub fn for_shard(store: &Store, run_id: &str, shard: u32, start: ShardStart) -> Self {
        let mut w = Self::new(store, run_id);
        w.shard = Some(ShardState {
            shard,
            base: start,
            inserted_services: 0,
            latest: None,
        });
        w
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Queue a service and its findings.
    pub fn service(&mut self, s: &Service) -> Result<()> {
        let body = serde_json::to_string(s).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.services.push(vec![
            self.run_id.as_str().into(),
            s.host.as_str().into(),
            i64::from(s.port).into(),
            s.service.as_str().into(),
            s.product.as_str().into(),
            s.version.clone().into(),
            s.auth.as_str().into(),
            s.purl.clone().into(),
            (s.vulnerabilities.len() as i64).into(),
            body.into(),
            open_caps(s).into(),
        ]);
        for f in &s.findings {
            self.finding(f)?;
        }
        self.dirty = true;
        Ok(())
    }

    /// Queue a finding under its identity ([`Finding::identity`]).
    pub fn finding(&mut self, f: &Finding) -> Result<()> {
        self.finding_keyed(f, f.identity())
    }

    /// Queue a finding under an explicit key: for the rare source that
    /// reports one identity twice (two dangerous imports in one pickle),
    /// which numbers them so neither is lost.
    pub fn finding_keyed(&mut self, f: &Finding, fingerprint: String) -> Result<()> {
        self.finding_at(f, fingerprint, None)
    }

    /// [`RunWriter::finding_keyed`] for a finding in a binary file: its
    /// byte offset is kept in the stored body (as `aimap audit --format
    /// json` writes it), so a stored run still points at the opcode.
    pub fn finding_at(
        &mut self,
        f: &Finding,
        fingerprint: String,
        byte_offset: Option<u64>,
    ) -> Result<()> {
        let invalid = |e: serde_json::Error| StoreError::Invalid(e.to_string());
        let body = match byte_offset {
            None => serde_json::to_string(f).map_err(invalid)?,
            Some(offset) => {
                let mut v = serde_json::to_value(f).map_err(invalid)?;
                if let Some(map) = v.as_object_mut() {
                    map.insert("byte_offset".into(), offset.into());
                }
                v.to_string()
            }
        };
        self.findings.push(vec![
            self.run_id.as_str().into(),
            fingerprint.into(),
            f.id.as_str().into(),
            f.kind.as_str().into(),
            i64::from(f.severity.rank()).into(),
            f.subject.key().into(),
            f.title.as_str().into(),
            body.into(),
        ]);
        self.dirty = true;
        Ok(())
    }

    /// Queue a component.
    pub fn component(&mut self, c: ComponentRow) {
        self.components.push(vec![
            self.run_id.as_str().into(),
            c.key.into(),
            c.name.into(),
            c.version.into(),
            c.purl.into(),
            c.ecosystem.into(),
            c.body.to_string().into(),
        ]);
        self.dirty = true;
    }

    /// Queue an open port whose probe failed, with what happened. It is
    /// committed with the checkpoint that counts its position finished.
    pub fn probe_error(&mut self, host: &str, port: u16, error: &str) {
        self.probe_errors.push(vec![
            self.run_id.as_str().into(),
            host.into(),
            i64::from(port).into(),
            error.into(),
        ]);
        self.dirty = true;
    }

    /// Record how far the shard has got. It is committed with the next
    /// batch, after every result queued before it.
    pub fn checkpoint(&mut self, cp: Checkpoint, progress: ShardProgress) {
        if let Some(state) = &mut self.shard {
            state.latest = Some((cp, progress));
            self.dirty = true;
        }
    }

    pub fn pending_rows(&self) -> usize {
        self.services.len() + self.findings.len() + self.components.len() + self.probe_errors.len()
    }

    pub fn wants_flush(&self) -> bool {
        self.pending_rows() >= BATCH_ROWS
    }

    /// Commit everything queued, in one transaction. On failure nothing
    /// is dropped: the queue stays for the next attempt.
    pub async fn flush(&mut self) -> Result<()> {
        if !self.dirty {
            return Ok(());
        }
        let mut delay = Duration::from_millis(50);
        for attempt in 0.. {
            match self.try_flush(None).await {
                Err(StoreError::Db { source, .. }) if attempt < 8 && is_contention(&source) => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => return Err(e),
                Ok(()) => break,
            }
        }
        self.services.clear();
        self.findings.clear();
        self.components.clear();
        self.probe_errors.clear();
        self.dirty = false;
        Ok(())
    }

    async fn try_flush(&mut self, final_status: Option<RunStatus>) -> Result<()> {
        let now = now_ms();
        let backend = self.store.backend();
        let mut tx = self
            .store
            .pool()
            .begin()
            .await
            .map_err(db("begin a batch"))?;
        let inserted = insert_rows(
            &mut tx,
            backend,
            "store services",
            "services",
            SERVICE_COLS,
            &self.services,
            "ON CONFLICT (run_id, host, port) DO NOTHING",
        )
        .await?;
        insert_rows(
            &mut tx,
            backend,
            "store findings",
            "findings",
            FINDING_COLS,
            &self.findings,
            "ON CONFLICT (run_id, fingerprint) DO NOTHING",
        )
        .await?;
        // first_seen is shared by every run: concurrent writers insert its
        // keys in one global order, so two transactions never wait on each
        // other's rows (PostgreSQL aborts one with "deadlock detected").
        let mut seen: Vec<Vec<Val>> = self
            .findings
            .iter()
            .map(|row| vec![row[1].clone(), now.into(), self.run_id.as_str().into()])
            .collect();
        seen.sort_by(|a, b| a[0].cmp(&b[0]));
        insert_rows(
            &mut tx,
            backend,
            "store first-seen times",
            "first_seen",
            SEEN_COLS,
            &seen,
            "ON CONFLICT (fingerprint) DO NOTHING",
        )
        .await?;
        insert_rows(
            &mut tx,
            backend,
            "store components",
            "components",
            COMPONENT_COLS,
            &self.components,
            "ON CONFLICT (run_id, ckey) DO NOTHING",
        )
        .await?;
        insert_rows(
            &mut tx,
            backend,
            "store probe errors",
            "probe_errors",
            PROBE_ERROR_COLS,
            &self.probe_errors,
            "ON CONFLICT (run_id, host, port) DO NOTHING",
        )
        .await?;
        if let Some(state) = &self.shard {
            let status = final_status.map_or("running", |s| match s {
                RunStatus::Done => "done",
                _ => "interrupted",
            });
            let (cp, progress) = state
                .latest
                .clone()
                .unwrap_or_else(|| (state.base.checkpoint.clone(), ShardProgress::default()));
            sqlx::query(
                "UPDATE shards SET done = $3, checkpoint = $4, probes_sent = $5, open_ports = $6,
                   services = services + $7, updated_ms = $8, status = $9,
                   finished_ms = CASE WHEN $9 = 'running' THEN NULL ELSE $8 END
                 WHERE run_id = $1 AND shard = $2",
            )
            .bind(self.run_id.as_str())
            .bind(i64::from(state.shard))
            .bind(cp.done_count() as i64)
            .bind(cp.encode())
            .bind((state.base.probes_sent + progress.probes_sent) as i64)
            .bind((state.base.open_ports + progress.open_ports) as i64)
            .bind(inserted as i64)
            .bind(now)
            .bind(status)
            .execute(&mut *tx)
            .await
            .map_err(db("store a checkpoint"))?;
        }
        tx.commit().await.map_err(db("commit a batch"))?;
        if let Some(state) = &mut self.shard {
            state.inserted_services += inserted;
        }
        Ok(())
    }

    /// Commit the rest and mark the run (or shard) finished with `status`.
    pub async fn finish(mut self, status: RunStatus) -> Result<()> {
        self.dirty = true;
        let mut delay = Duration::from_millis(50);
        for attempt in 0.. {
            match self.try_flush(Some(status)).await {
                Err(StoreError::Db { source, .. }) if attempt < 8 && is_contention(&source) => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => return Err(e),
                Ok(()) => break,
            }
        }
        match self.shard {
            Some(_) => self.store.settle_run(&self.run_id, None).await,
            None => self.store.settle_run(&self.run_id, Some(status)).await,
        }
    }

    /// Services this writer has committed (not counting earlier attempts).
    pub fn committed_services(&self) -> u64 {
        self.shard.as_ref().map_or(0, |s| s.inserted_services)
    }
}
