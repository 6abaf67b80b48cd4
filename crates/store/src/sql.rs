//! Multi-row INSERTs: one statement carries up to [`ROWS_PER_STATEMENT`]
//! rows, so a batch of a thousand findings is five round trips, not a
//! thousand. PostgreSQL gets numbered placeholders (`$1`); SQLite gets
//! anonymous ones (`?`), because it looks numbered names up in a list,
//! which made binding a 1,600-parameter statement quadratic.
// Dynamic SQL here is assembled only from constant table and column names.
use sqlx::AnyConnection;
use sqlx::AssertSqlSafe;

use crate::error::{db, Result};
use crate::open::Backend;

/// Rows per statement. Full chunks share one SQL text, so each
/// connection prepares it once. 200 rows × 10 columns stays far below
/// SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const ROWS_PER_STATEMENT: usize = 200;

/// One bound value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Val {
    Int(i64),
    Text(String),
    OptText(Option<String>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Self::OptText(v)
    }
}

/// `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) <tail>`.
fn statement(backend: Backend, table: &str, cols: &[&str], rows: usize, tail: &str) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..cols.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            match backend {
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
                Backend::Sqlite => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql.push(' ');
    sql.push_str(tail);
    sql
}

/// Insert `rows` (each `cols.len()` values); returns the rows the engine
/// reports as inserted (conflicts skipped by `tail` are not counted).
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    op: &'static str,
    table: &str,
    cols: &[&str],
    rows: &[Vec<Val>],
    tail: &str,
) -> Result<u64> {
    let mut inserted = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = statement(backend, table, cols, chunk.len(), tail);
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            debug_assert_eq!(row.len(), cols.len());
            for v in row {
                q = match v {
                    Val::Int(i) => q.bind(*i),
                    Val::Text(s) => q.bind(s.as_str()),
                    Val::OptText(s) => q.bind(s.as_deref()),
                };
            }
        }
        inserted += q.execute(&mut *conn).await.map_err(db(op))?.rows_affected();
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_placeholders_across_rows() {
        use super::{statement, Backend};
        assert_eq!(
            statement(
                Backend::Postgres,
                "t",
                &["a", "b"],
                2,
                "ON CONFLICT DO NOTHING"
            ),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            statement(Backend::Sqlite, "t", &["a", "b"], 2, ""),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) "
        );
    }
}
