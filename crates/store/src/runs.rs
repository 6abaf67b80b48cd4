//! Runs and their shards: creating, joining, settling, finding and listing.
use std::fmt;
use std::hash::{BuildHasher, Hasher};

use serde::Serialize;
// Dynamic SQL here is assembled only from constant table and column names.
use sqlx::any::AnyRow;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use crate::clock::now_ms;
use crate::error::{corrupt, db, Result, StoreError};
use crate::Store;

/// Which command made a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Scan,
    Inventory,
    Audit,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scan => "scan",
            Self::Inventory => "inventory",
            Self::Audit => "audit",
        }
    }
    /// `scan`, `inventory` or `audit`.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::parse(s).ok()
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "scan" => Ok(Self::Scan),
            "inventory" => Ok(Self::Inventory),
            "audit" => Ok(Self::Audit),
            other => Err(corrupt("runs", format!("unknown kind {other:?}"))),
        }
    }
}

impl fmt::Display for RunKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Done,
    /// Stopped early (Ctrl-C, a shard that did not finish); resumable.
    Interrupted,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Interrupted => "interrupted",
            Self::Failed => "failed",
        }
    }
    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "running" => Ok(Self::Running),
            "done" => Ok(Self::Done),
            "interrupted" => Ok(Self::Interrupted),
            "failed" => Ok(Self::Failed),
            other => Err(corrupt("runs", format!("unknown status {other:?}"))),
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A run about to start.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// `--run-id`: workers of one sharded scan share it. `None` makes one.
    pub id: Option<String>,
    pub kind: RunKind,
    /// Runs with equal scopes are comparable (same targets, same ports).
    pub scope: String,
    pub label: String,
    /// What `--resume` needs to rebuild the run.
    pub params: serde_json::Value,
    pub shard_count: u32,
    pub parent: Option<String>,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    pub id: String,
    pub kind: RunKind,
    pub scope: String,
    pub label: String,
    pub status: RunStatus,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    pub aimap_version: String,
    pub params: serde_json::Value,
    pub shard_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<serde_json::Value>,
}

/// A run with what it holds, for `aimap runs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    #[serde(flatten)]
    pub run: RunInfo,
    pub services: u64,
    pub components: u64,
    pub findings: u64,
    /// Findings per severity, `[info, low, medium, high, critical]`.
    pub by_severity: [u64; 5],
}

/// What a worker learns when it starts a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardStart {
    pub checkpoint: aimap_model::Checkpoint,
    /// Counters carried over from earlier attempts.
    pub probes_sent: u64,
    pub open_ports: u64,
    pub services: u64,
    /// 1 the first time; more after a restart.
    pub attempts: u64,
    /// The shard finished in an earlier attempt.
    pub already_done: bool,
}

pub(crate) const RUN_COLUMNS: &str = "id, kind, scope, label, status, started_ms, finished_ms, aimap_version, params, shard_count, parent, summary";

pub(crate) fn run_from_row(row: &AnyRow) -> Result<RunInfo> {
    let get = |e: sqlx::Error| corrupt("runs", e);
    let params: String = row.try_get(8).map_err(get)?;
    let summary: Option<String> = row.try_get(11).map_err(get)?;
    Ok(RunInfo {
        id: row.try_get(0).map_err(get)?,
        kind: RunKind::parse(&row.try_get::<String, _>(1).map_err(get)?)?,
        scope: row.try_get(2).map_err(get)?,
        label: row.try_get(3).map_err(get)?,
        status: RunStatus::parse(&row.try_get::<String, _>(4).map_err(get)?)?,
        started_ms: row.try_get(5).map_err(get)?,
        finished_ms: row.try_get(6).map_err(get)?,
        aimap_version: row.try_get(7).map_err(get)?,
        params: serde_json::from_str(&params).map_err(|e| corrupt("runs", e))?,
        shard_count: u32::try_from(row.try_get::<i64, _>(9).map_err(get)?)
            .map_err(|e| corrupt("runs", e))?,
        parent: row.try_get(10).map_err(get)?,
        summary: summary
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| corrupt("runs", e))?,
    })
}

/// `20261203-130512-3f9a1c`: sortable by start, readable, unique enough
/// that two workers starting in the same second do not collide (and an
/// insert that did would fail, not merge).
pub fn new_run_id() -> String {
    let ms = now_ms();
    let stamp = crate::clock::rfc3339(ms);
    let digits: String = stamp.chars().filter(char::is_ascii_digit).collect();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(ms);
    h.write_u32(std::process::id());
    format!(
        "{}-{}-{:06x}",
        digits.get(0..8).unwrap_or("0"),
        digits.get(8..14).unwrap_or("0"),
        h.finish() & 0xff_ffff
    )
}

impl Store {
    /// Start a run, or join it when `new.id` names one that exists (the
    /// other shards of a sharded scan, or `--resume`). Joining checks that
    /// the run is of the same kind, scope and shard count.
    pub async fn begin_run(&self, new: &NewRun) -> Result<RunInfo> {
        let id = new.id.clone().unwrap_or_else(new_run_id);
        if id.is_empty() || id.len() > 128 || id.chars().any(|c| c.is_control()) {
            return Err(StoreError::Invalid(format!("bad run id {id:?}")));
        }
        let inserted = sqlx::query(
            "INSERT INTO runs (id, kind, scope, label, status, started_ms, finished_ms, aimap_version, params, shard_count, parent, summary)
             VALUES ($1, $2, $3, $4, 'running', $5, NULL, $6, $7, $8, $9, NULL) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.as_str())
        .bind(new.kind.as_str())
        .bind(new.scope.as_str())
        .bind(new.label.as_str())
        .bind(now_ms())
        .bind(env!("CARGO_PKG_VERSION"))
        .bind(new.params.to_string())
        .bind(i64::from(new.shard_count))
        .bind(new.parent.as_deref())
        .execute(self.pool())
        .await
        .map_err(db("create a run"))?
        .rows_affected();
        let run = self
            .run_exact(&id)
            .await?
            .ok_or(StoreError::NoRun(id.clone()))?;
        if inserted == 0 {
            if run.kind != new.kind || run.scope != new.scope || run.shard_count != new.shard_count
            {
                return Err(StoreError::Invalid(format!(
                    "run {id} already exists as a {} of {:?} in {} shard(s); give the same targets, ports and --shard-count, or another --run-id",
                    run.kind, run.label, run.shard_count
                )));
            }
            sqlx::query(
                "UPDATE runs SET status = 'running', finished_ms = NULL WHERE id = $1 AND status <> 'done'",
            )
            .bind(id.as_str())
            .execute(self.pool())
            .await
            .map_err(db("reopen a run"))?;
        }
        Ok(run)
    }

    /// Claim shard `shard` of a scan run with `total` positions; a shard
    /// seen before comes back with its checkpoint, so its worker resumes.
    pub async fn begin_shard(&self, run_id: &str, shard: u32, total: u64) -> Result<ShardStart> {
        let now = now_ms();
        let total = i64::try_from(total)
            .map_err(|_| StoreError::Invalid("probe space too large to store".into()))?;
        let row = sqlx::query(
            "INSERT INTO shards (run_id, shard, status, total, done, checkpoint, probes_sent, open_ports, services, attempts, started_ms, updated_ms, finished_ms)
             VALUES ($1, $2, 'running', $3, 0, '0', 0, 0, 0, 1, $4, $4, NULL)
             ON CONFLICT (run_id, shard) DO UPDATE SET
               attempts = shards.attempts + 1,
               status = CASE WHEN shards.status = 'done' THEN 'done' ELSE 'running' END,
               updated_ms = excluded.updated_ms
             RETURNING status, total, checkpoint, probes_sent, open_ports, services, attempts",
        )
        .bind(run_id)
        .bind(i64::from(shard))
        .bind(total)
        .bind(now)
        .fetch_one(self.pool())
        .await
        .map_err(db("claim a shard"))?;
        let get = |e: sqlx::Error| corrupt("shards", e);
        let status: String = row.try_get(0).map_err(get)?;
        let stored_total: i64 = row.try_get(1).map_err(get)?;
        if stored_total != total {
            return Err(StoreError::Invalid(format!(
                "shard {shard} of run {run_id} has {stored_total} probes in the store but {total} now: the targets or ports differ"
            )));
        }
        let text: String = row.try_get(2).map_err(get)?;
        let count =
            |i: usize| -> Result<u64> { Ok(row.try_get::<i64, _>(i).map_err(get)?.max(0) as u64) };
        Ok(ShardStart {
            checkpoint: aimap_model::Checkpoint::decode(&text).map_err(|e| corrupt("shards", e))?,
            probes_sent: count(3)?,
            open_ports: count(4)?,
            services: count(5)?,
            attempts: count(6)?,
            already_done: status == "done",
        })
    }

    /// Recompute a run's status from its shards (or set it, for runs
    /// without shards). `done` is final: a late, stale writer cannot
    /// turn a finished run back into a running one.
    pub(crate) async fn settle_run(&self, run_id: &str, status: Option<RunStatus>) -> Result<()> {
        let status = match status {
            Some(s) => s,
            None => {
                let row = sqlx::query(
                    "SELECT (SELECT shard_count FROM runs WHERE id = $1),
                            (SELECT COUNT(*) FROM shards WHERE run_id = $1 AND status = 'done'),
                            (SELECT COUNT(*) FROM shards WHERE run_id = $1 AND status = 'running'),
                            (SELECT COUNT(*) FROM shards WHERE run_id = $1 AND status = 'interrupted')",
                )
                .bind(run_id)
                .fetch_one(self.pool())
                .await
                .map_err(db("read shard states"))?;
                let get = |i: usize| row.try_get::<Option<i64>, _>(i).map(|v| v.unwrap_or(0));
                let (want, done, running, stopped) = (
                    get(0).map_err(db("read shard states"))?,
                    get(1).map_err(db("read shard states"))?,
                    get(2).map_err(db("read shard states"))?,
                    get(3).map_err(db("read shard states"))?,
                );
                // Shards not started yet keep a run running (their
                // workers may still come); a stopped one with nothing
                // left running makes it interrupted.
                if done >= want {
                    RunStatus::Done
                } else if running > 0 || stopped == 0 {
                    RunStatus::Running
                } else {
                    RunStatus::Interrupted
                }
            }
        };
        let finished = (status != RunStatus::Running).then(now_ms);
        sqlx::query(
            "UPDATE runs SET status = $2, finished_ms = $3 WHERE id = $1 AND status <> 'done'",
        )
        .bind(run_id)
        .bind(status.as_str())
        .bind(finished)
        .execute(self.pool())
        .await
        .map_err(db("settle a run"))?;
        Ok(())
    }

    /// Record a run's summary (counts, as JSON).
    pub async fn set_summary(&self, run_id: &str, summary: &serde_json::Value) -> Result<()> {
        sqlx::query("UPDATE runs SET summary = $2 WHERE id = $1")
            .bind(run_id)
            .bind(summary.to_string())
            .execute(self.pool())
            .await
            .map_err(db("write a run summary"))?;
        Ok(())
    }

    pub(crate) async fn run_exact(&self, id: &str) -> Result<Option<RunInfo>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db("read a run"))?;
        row.as_ref().map(run_from_row).transpose()
    }

    /// A run by id, unique id prefix, or `last` (the newest run; `last:scan`
    /// for the newest of a kind).
    pub async fn resolve(&self, spec: &str) -> Result<RunInfo> {
        let spec = spec.trim();
        if let Some(rest) = spec.strip_prefix("last") {
            let kind = match rest.strip_prefix(':') {
                Some(k) => Some(RunKind::parse(k).map_err(|_| {
                    StoreError::Invalid(format!(
                        "unknown run kind in {spec:?} (scan, inventory, audit)"
                    ))
                })?),
                None if rest.is_empty() => None,
                None => return self.resolve_id(spec).await,
            };
            let list = self.list_runs(1, kind).await?;
            return list
                .into_iter()
                .next()
                .map(|s| s.run)
                .ok_or_else(|| StoreError::NoRun(spec.to_string()));
        }
        self.resolve_id(spec).await
    }

    async fn resolve_id(&self, spec: &str) -> Result<RunInfo> {
        if let Some(run) = self.run_exact(spec).await? {
            return Ok(run);
        }
        if spec.is_empty() {
            return Err(StoreError::NoRun(String::new()));
        }
        let pattern = format!(
            "{}%",
            spec.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE id LIKE $1 ESCAPE '\\' ORDER BY started_ms DESC LIMIT 6"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(pattern)
            .fetch_all(self.pool())
            .await
            .map_err(db("find a run"))?;
        match rows.len() {
            0 => Err(StoreError::NoRun(spec.to_string())),
            1 => run_from_row(&rows[0]),
            _ => Err(StoreError::Ambiguous {
                spec: spec.to_string(),
                candidates: rows
                    .iter()
                    .filter_map(|r| r.try_get::<String, _>(0).ok())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The newest runs first, with what each holds.
    pub async fn list_runs(&self, limit: u32, kind: Option<RunKind>) -> Result<Vec<RunSummary>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE ($1 = '' OR kind = $1) ORDER BY started_ms DESC, id DESC LIMIT $2"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(kind.map_or("", RunKind::as_str))
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await
            .map_err(db("list runs"))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let run = run_from_row(row)?;
            out.push(self.summarize(run).await?);
        }
        Ok(out)
    }

    pub async fn summarize(&self, run: RunInfo) -> Result<RunSummary> {
        let count = |table: &'static str| {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE run_id = $1");
            let id = run.id.clone();
            async move {
                sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_one(self.pool())
                    .await
                    .and_then(|r| r.try_get::<i64, _>(0))
                    .map(|n| n.max(0) as u64)
                    .map_err(db("count rows"))
            }
        };
        let services = count("services").await?;
        let components = count("components").await?;
        let rows = sqlx::query(
            "SELECT severity, COUNT(*) FROM findings WHERE run_id = $1 GROUP BY severity",
        )
        .bind(run.id.as_str())
        .fetch_all(self.pool())
        .await
        .map_err(db("count findings"))?;
        let mut by_severity = [0u64; 5];
        for r in rows {
            let sev: i64 = r.try_get(0).map_err(db("count findings"))?;
            let n: i64 = r.try_get(1).map_err(db("count findings"))?;
            if let Some(slot) = usize::try_from(sev)
                .ok()
                .and_then(|i| by_severity.get_mut(i))
            {
                *slot += n.max(0) as u64;
            }
        }
        Ok(RunSummary {
            findings: by_severity.iter().sum(),
            run,
            services,
            components,
            by_severity,
        })
    }

    /// The newest run of the same scope that started before `run`.
    pub async fn previous_comparable(&self, run: &RunInfo) -> Result<Option<RunInfo>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE scope = $1 AND kind = $2 AND id <> $3
               AND (started_ms < $4 OR (started_ms = $4 AND id < $3))
             ORDER BY started_ms DESC, id DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(run.scope.as_str())
            .bind(run.kind.as_str())
            .bind(run.id.as_str())
            .bind(run.started_ms)
            .fetch_optional(self.pool())
            .await
            .map_err(db("find the previous run"))?;
        row.as_ref().map(run_from_row).transpose()
    }
}
