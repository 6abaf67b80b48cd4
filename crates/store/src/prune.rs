//! Retention: `aimap prune --keep 30d` deletes runs whose last activity
//! is older than the cutoff, with every row they own, in one transaction.
//! Nothing newer is touched; first-seen times survive while any kept run
//! still has the finding.
use serde::Serialize;
// Dynamic SQL here is assembled only from constant table and column names.
use sqlx::AssertSqlSafe;
use sqlx::Row;

use crate::error::{db, Result};
use crate::Store;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneStats {
    pub runs: u64,
    pub services: u64,
    pub findings: u64,
    pub components: u64,
    pub shards: u64,
}

impl Store {
    /// Delete runs last active before `cutoff_ms` (start, finish and every
    /// shard update count as activity, so a live sharded scan is kept).
    pub async fn prune(&self, cutoff_ms: i64) -> Result<PruneStats> {
        let mut tx = self.pool().begin().await.map_err(db("begin prune"))?;
        let rows = sqlx::query(
            "SELECT r.id FROM runs r
              WHERE COALESCE(r.finished_ms, r.started_ms) < $1 AND r.started_ms < $1
                AND NOT EXISTS (SELECT 1 FROM shards s WHERE s.run_id = r.id AND s.updated_ms >= $1)",
        )
        .bind(cutoff_ms)
        .fetch_all(&mut *tx)
        .await
        .map_err(db("select runs to prune"))?;
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<_, _>>()
            .map_err(db("select runs to prune"))?;
        let mut stats = PruneStats::default();
        for id in &ids {
            // Probe errors go with their run; they are not counted apart.
            let mut probe_errors = 0;
            for (table, slot) in [
                ("services", &mut stats.services),
                ("findings", &mut stats.findings),
                ("components", &mut stats.components),
                ("shards", &mut stats.shards),
                ("probe_errors", &mut probe_errors),
            ] {
                let sql = format!("DELETE FROM {table} WHERE run_id = $1");
                *slot += sqlx::query(AssertSqlSafe(sql))
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db("prune rows"))?
                    .rows_affected();
            }
            stats.runs += sqlx::query("DELETE FROM runs WHERE id = $1")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db("prune a run"))?
                .rows_affected();
        }
        if !ids.is_empty() {
            sqlx::query(
                "DELETE FROM first_seen WHERE NOT EXISTS
                   (SELECT 1 FROM findings f WHERE f.fingerprint = first_seen.fingerprint)",
            )
            .execute(&mut *tx)
            .await
            .map_err(db("prune first-seen times"))?;
        }
        tx.commit().await.map_err(db("commit prune"))?;
        Ok(stats)
    }
}
