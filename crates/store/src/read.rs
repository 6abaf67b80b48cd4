//! Reading a run back: its services, findings and components.
use aimap_model::{Finding, Service};
use sqlx::Row;

use crate::error::{corrupt, db, Result};
use crate::write::ComponentRow;
use crate::Store;

/// A finding with when it was first stored (in any run).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredFinding {
    #[serde(flatten)]
    pub finding: Finding,
    /// The key it is stored under: its identity, numbered if repeated.
    pub fingerprint: String,
    pub first_seen_ms: Option<i64>,
    /// Where in a binary file (model findings), when it was stored with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
}

/// A row of (body, fingerprint, first seen) as a [`StoredFinding`].
pub(crate) fn stored_finding(r: &sqlx::any::AnyRow) -> Result<StoredFinding> {
    let get = |e| corrupt("findings", e);
    let body: String = r.try_get(0).map_err(get)?;
    let (finding, byte_offset) = parse_body(&body).map_err(|e| corrupt("findings", e))?;
    Ok(StoredFinding {
        finding,
        fingerprint: r.try_get(1).map_err(get)?,
        first_seen_ms: r.try_get(2).map_err(get)?,
        byte_offset,
    })
}

/// A stored finding body: the finding, and the byte offset that
/// [`crate::RunWriter::finding_at`] may have put beside it. Only bodies
/// that carry one pay for the second look.
pub(crate) fn parse_body(body: &str) -> serde_json::Result<(Finding, Option<u64>)> {
    #[derive(serde::Deserialize)]
    struct Offset {
        byte_offset: Option<u64>,
    }
    let finding = serde_json::from_str(body)?;
    let offset = if body.contains("\"byte_offset\":") {
        serde_json::from_str::<Offset>(body)?.byte_offset
    } else {
        None
    };
    Ok((finding, offset))
}

impl Store {
    /// Every service of a run, ordered by host and port.
    pub async fn services(&self, run_id: &str) -> Result<Vec<Service>> {
        let rows = sqlx::query("SELECT body FROM services WHERE run_id = $1 ORDER BY host, port")
            .bind(run_id)
            .fetch_all(self.pool())
            .await
            .map_err(db("read services"))?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get(0).map_err(|e| corrupt("services", e))?;
                serde_json::from_str(&body).map_err(|e| corrupt("services", e))
            })
            .collect()
    }

    /// Every open port of a run whose probe failed, as (host, port,
    /// error), ordered by host and port.
    pub async fn probe_errors(&self, run_id: &str) -> Result<Vec<(String, u16, String)>> {
        let rows = sqlx::query(
            "SELECT host, port, error FROM probe_errors WHERE run_id = $1 ORDER BY host, port",
        )
        .bind(run_id)
        .fetch_all(self.pool())
        .await
        .map_err(db("read probe errors"))?;
        rows.iter()
            .map(|r| {
                let get = |e| corrupt("probe_errors", e);
                let port: i64 = r.try_get(1).map_err(get)?;
                Ok((
                    r.try_get(0).map_err(get)?,
                    u16::try_from(port).map_err(|e| corrupt("probe_errors", e))?,
                    r.try_get(2).map_err(get)?,
                ))
            })
            .collect()
    }

    /// Every finding of a run, worst first.
    pub async fn findings(&self, run_id: &str) -> Result<Vec<StoredFinding>> {
        let rows = sqlx::query(
            "SELECT f.body, f.fingerprint, s.seen_ms FROM findings f
               LEFT JOIN first_seen s ON s.fingerprint = f.fingerprint
             WHERE f.run_id = $1 ORDER BY f.severity DESC, f.fingerprint",
        )
        .bind(run_id)
        .fetch_all(self.pool())
        .await
        .map_err(db("read findings"))?;
        rows.iter().map(stored_finding).collect()
    }

    /// Every component of a run, by key.
    pub async fn components(&self, run_id: &str) -> Result<Vec<ComponentRow>> {
        let rows = sqlx::query(
            "SELECT ckey, name, version, purl, ecosystem, body FROM components WHERE run_id = $1 ORDER BY ckey",
        )
        .bind(run_id)
        .fetch_all(self.pool())
        .await
        .map_err(db("read components"))?;
        rows.iter()
            .map(|r| {
                let get = |e| corrupt("components", e);
                let body: String = r.try_get(5).map_err(get)?;
                Ok(ComponentRow {
                    key: r.try_get(0).map_err(get)?,
                    name: r.try_get(1).map_err(get)?,
                    version: r.try_get(2).map_err(get)?,
                    purl: r.try_get(3).map_err(get)?,
                    ecosystem: r.try_get(4).map_err(get)?,
                    body: serde_json::from_str(&body).map_err(|e| corrupt("components", e))?,
                })
            })
            .collect()
    }

    /// Every shard of a run, for `aimap run status`.
    pub async fn shards(&self, run_id: &str) -> Result<Vec<ShardInfo>> {
        let rows = sqlx::query(
            "SELECT shard, status, total, done, probes_sent, open_ports, services, attempts, started_ms, updated_ms, finished_ms
               FROM shards WHERE run_id = $1 ORDER BY shard",
        )
        .bind(run_id)
        .fetch_all(self.pool())
        .await
        .map_err(db("read shards"))?;
        rows.iter()
            .map(|r| {
                let get = |e| corrupt("shards", e);
                let n = |i: usize| -> Result<u64> {
                    Ok(r.try_get::<i64, _>(i).map_err(get)?.max(0) as u64)
                };
                Ok(ShardInfo {
                    shard: n(0)? as u32,
                    status: crate::RunStatus::parse(&r.try_get::<String, _>(1).map_err(get)?)?,
                    total: n(2)?,
                    done: n(3)?,
                    probes_sent: n(4)?,
                    open_ports: n(5)?,
                    services: n(6)?,
                    attempts: n(7)?,
                    started_ms: r.try_get(8).map_err(get)?,
                    updated_ms: r.try_get(9).map_err(get)?,
                    finished_ms: r.try_get(10).map_err(get)?,
                })
            })
            .collect()
    }
}

/// One shard's progress.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShardInfo {
    pub shard: u32,
    pub status: crate::RunStatus,
    pub total: u64,
    pub done: u64,
    pub probes_sent: u64,
    pub open_ports: u64,
    pub services: u64,
    pub attempts: u64,
    pub started_ms: i64,
    pub updated_ms: i64,
    pub finished_ms: Option<i64>,
}
