//! Versioned schema migrations, embedded in the binary. Many workers may
//! open one store at the same moment (a sharded scan starting on a
//! cluster), so migrating is serialised: PostgreSQL by an advisory lock,
//! SQLite by its write lock, with retries when another process got there
//! first.
use std::time::Duration;

use sqlx::{AnyPool, Executor, Row};

use crate::error::{db, Result, StoreError};
use crate::open::Backend;

/// (version, name, SQL). Append only: a released migration never changes.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "dashboard indexes",
        include_str!("../migrations/0002_dashboard_indexes.sql"),
    ),
    (
        3,
        "capabilities",
        include_str!("../migrations/0003_capabilities.sql"),
    ),
    (
        4,
        "probe errors",
        include_str!("../migrations/0004_probe_errors.sql"),
    ),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

/// An arbitrary constant: the PostgreSQL advisory lock aimap migrates under.
const PG_LOCK_KEY: i64 = 0x0a1a_4a90;

pub(crate) async fn migrate(pool: &AnyPool, backend: Backend) -> Result<()> {
    let mut delay = Duration::from_millis(20);
    for attempt in 0.. {
        match try_migrate(pool, backend).await {
            Err(StoreError::Db { source, .. }) if attempt < 30 && is_contention(&source) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(1));
            }
            other => return other,
        }
    }
    unreachable!("the loop returns")
}

/// SQLite's "database is locked"/"busy", or two PostgreSQL sessions
/// racing to create the same table.
pub(crate) fn is_contention(e: &sqlx::Error) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    text.contains("locked") || text.contains("busy") || text.contains("duplicate key")
}

async fn try_migrate(pool: &AnyPool, backend: Backend) -> Result<()> {
    let mut conn = pool.acquire().await.map_err(db("connect"))?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(PG_LOCK_KEY)
            .execute(&mut *conn)
            .await
            .map_err(db("lock for migration"))?;
    }
    let result = apply(&mut conn, backend).await;
    if backend == Backend::Postgres {
        // Unlock even after a failure; the session keeps the lock otherwise.
        let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(PG_LOCK_KEY)
            .execute(&mut *conn)
            .await;
    }
    result
}

/// One transaction for the whole upgrade, opened so that the version is
/// read under the write lock: a second process waits, then sees the
/// schema the first one made.
async fn apply(conn: &mut sqlx::AnyConnection, backend: Backend) -> Result<()> {
    let begin = match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    conn.execute(begin).await.map_err(db("begin migration"))?;
    match apply_in_transaction(conn).await {
        Ok(()) => {
            conn.execute("COMMIT")
                .await
                .map_err(db("commit migration"))?;
            Ok(())
        }
        Err(e) => {
            let _ = conn.execute("ROLLBACK").await;
            Err(e)
        }
    }
}

async fn apply_in_transaction(conn: &mut sqlx::AnyConnection) -> Result<()> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS aimap_schema (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
    )
    .await
    .map_err(db("create the schema table"))?;
    let current: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM aimap_schema")
        .fetch_one(&mut *conn)
        .await
        .map_err(db("read the schema version"))?
        .try_get(0)
        .map_err(db("read the schema version"))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        conn.execute(sql).await.map_err(db("apply a migration"))?;
        sqlx::query("INSERT INTO aimap_schema (version, name, applied_ms) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(name)
            .bind(crate::clock::now_ms())
            .execute(&mut *conn)
            .await
            .map_err(db("record a migration"))?;
    }
    Ok(())
}
