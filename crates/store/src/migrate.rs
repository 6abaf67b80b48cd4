//! Versioned schema migrations, embedded in the binary. Many workers may
//! open one store at the same moment (a sharded scan starting on a
//! cluster), so migrating is serialised: PostgreSQL by an advisory lock,
//! SQLite by its write lock, with retries when another process got there
//! first.
use std::time::Duration;

use sqlx::{AnyPool, Executor, Row};

use crate::error::{db, Result, StoreError};
use crate::open::Backend;

/// One schema step: SQL, and for a data migration a step in Rust after it.
#[derive(Clone, Copy)]
struct Migration {
    version: i64,
    name: &'static str,
    /// Dialect-neutral SQL; empty for a step that is Rust only.
    sql: &'static str,
    rust: Option<Step>,
}

/// A data migration, run in the migration's transaction.
#[derive(Clone, Copy)]
enum Step {
    /// Schema 5: audit findings re-keyed by [`aimap_model::Finding::identity`].
    RekeyFileFindings,
}

const fn sql(version: i64, name: &'static str, sql: &'static str) -> Migration {
    Migration {
        version,
        name,
        sql,
        rust: None,
    }
}

/// Append only: a released migration never changes. Each is applied when
/// its version is not yet recorded, not merely when it is above the
/// highest recorded one, so migrations written side by side (4 on one
/// branch, 5 on another) both reach every store, whichever came first.
const MIGRATIONS: &[Migration] = &[
    sql(1, "init", include_str!("../migrations/0001_init.sql")),
    sql(
        2,
        "dashboard indexes",
        include_str!("../migrations/0002_dashboard_indexes.sql"),
    ),
    sql(
        3,
        "capabilities",
        include_str!("../migrations/0003_capabilities.sql"),
    ),
    Migration {
        version: 4,
        name: "probe errors",
        sql: include_str!("../migrations/0004_probe_errors.sql"),
        rust: None,
    },
    Migration {
        version: 5,
        name: "finding identity",
        sql: "",
        rust: Some(Step::RekeyFileFindings),
    },
];

/// The schema version this build writes: its newest migration.
pub const SCHEMA_VERSION: i64 = newest(MIGRATIONS);

/// How many migrations this build knows (rows `aimap_schema` ends with).
pub const MIGRATION_COUNT: usize = MIGRATIONS.len();

const fn newest(list: &[Migration]) -> i64 {
    let mut i = 0;
    let mut max = 0;
    while i < list.len() {
        if list[i].version > max {
            max = list[i].version;
        }
        i += 1;
    }
    max
}

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

/// SQLite's "database is locked"/"busy", two PostgreSQL sessions racing
/// to create the same table, or PostgreSQL aborting one of two
/// transactions that wait on each other (deadlock, serialization or lock
/// timeout): all pass when the transaction is simply tried again.
pub(crate) fn is_contention(e: &sqlx::Error) -> bool {
    // SQLSTATE classes 40 (transaction rollback) and 55P03 (lock not
    // available), 23505 (unique violation while creating the same table).
    if let Some(code) = e.as_database_error().and_then(|d| d.code()) {
        if code.starts_with("40") || code == "55P03" || code == "23505" {
            return true;
        }
    }
    let text = e.to_string().to_ascii_lowercase();
    text.contains("locked")
        || text.contains("busy")
        || text.contains("duplicate key")
        || text.contains("deadlock")
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
    match apply_in_transaction(conn, MIGRATIONS).await {
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

async fn apply_in_transaction(
    conn: &mut sqlx::AnyConnection,
    migrations: &[Migration],
) -> Result<()> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS aimap_schema (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
    )
    .await
    .map_err(db("create the schema table"))?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM aimap_schema")
        .fetch_all(&mut *conn)
        .await
        .map_err(db("read the schema version"))?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()
        .map_err(db("read the schema version"))?;
    let known = newest(migrations);
    if let Some(&found) = applied.iter().filter(|&&v| v > known).max() {
        return Err(StoreError::TooNew { found, known });
    }
    for m in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        if !m.sql.is_empty() {
            conn.execute(m.sql).await.map_err(db("apply a migration"))?;
        }
        match m.rust {
            Some(Step::RekeyFileFindings) => crate::rekey::file_findings(conn).await?,
            None => {}
        }
        sqlx::query("INSERT INTO aimap_schema (version, name, applied_ms) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(crate::clock::now_ms())
            .execute(&mut *conn)
            .await
            .map_err(db("record a migration"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Location, Store};

    /// Stands in for a migration written on another branch.
    async fn versions(conn: &mut sqlx::AnyConnection) -> Vec<i64> {
        sqlx::query_scalar("SELECT version FROM aimap_schema ORDER BY version")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
    }

    /// The build's migrations but one, as a build from a branch without
    /// that migration had them.
    fn without(version: i64) -> Vec<Migration> {
        MIGRATIONS
            .iter()
            .copied()
            .filter(|m| m.version != version)
            .collect()
    }

    #[tokio::test]
    async fn migrations_apply_in_either_order_of_arrival() {
        let dir = tempfile::tempdir().unwrap();
        // A store made without 4 (5 already applied) gets 4 later.
        let loc = Location::parse(dir.path().join("a.db").to_str().unwrap()).unwrap();
        let pool = crate::open::connect(&loc).await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        apply_in_transaction(&mut conn, &without(4)).await.unwrap();
        assert_eq!(versions(&mut conn).await, [1, 2, 3, 5]);
        apply_in_transaction(&mut conn, MIGRATIONS).await.unwrap();
        assert_eq!(versions(&mut conn).await, [1, 2, 3, 4, 5]);
        sqlx::query("SELECT COUNT(*) FROM probe_errors")
            .fetch_one(&mut *conn)
            .await
            .expect("4 applied");
        // Applying again changes nothing (and does not fail on the table).
        apply_in_transaction(&mut conn, MIGRATIONS).await.unwrap();
        assert_eq!(versions(&mut conn).await, [1, 2, 3, 4, 5]);

        // A store that had 4 first gets 5 on top.
        let loc = Location::parse(dir.path().join("b.db").to_str().unwrap()).unwrap();
        let pool = crate::open::connect(&loc).await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        apply_in_transaction(&mut conn, &without(5)).await.unwrap();
        assert_eq!(versions(&mut conn).await, [1, 2, 3, 4]);
        apply_in_transaction(&mut conn, MIGRATIONS).await.unwrap();
        assert_eq!(versions(&mut conn).await, [1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn a_newer_store_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(dir.path().join("n.db").to_str().unwrap()).unwrap();
        let store = Store::open(&loc).await.unwrap();
        sqlx::query(
            "INSERT INTO aimap_schema (version, name, applied_ms) VALUES (99, 'future', 0)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        store.close().await;
        match Store::open(&loc).await {
            Err(StoreError::TooNew { found: 99, known }) => assert_eq!(known, SCHEMA_VERSION),
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("a newer schema was accepted"),
        }
    }
}
