//! Where the store lives and how to reach it: a SQLite file by default, a
//! PostgreSQL server for teams. Both go through sqlx's `Any` driver, so
//! every query below is one code path for both engines.
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::error::{Result, StoreError};

/// The two engines the store speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed `--db` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file (created with its directory on first use).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host/db`).
    Postgres(String),
}

impl Location {
    /// `postgres://…` / `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`, or a bare file path.
    pub fn parse(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(StoreError::Invalid("--db is empty".into()));
        }
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            return Ok(Self::Postgres(spec.to_string()));
        }
        if let Some((scheme, _)) = spec.split_once("://") {
            if scheme != "sqlite" {
                return Err(StoreError::Invalid(format!(
                    "unsupported database URL scheme {scheme:?} (sqlite://PATH or postgres://…)"
                )));
            }
        }
        let path = spec
            .strip_prefix("sqlite://")
            .or_else(|| spec.strip_prefix("sqlite:"))
            .unwrap_or(spec);
        if path.is_empty() {
            return Err(StoreError::Invalid("--db names no SQLite file".into()));
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    /// `$XDG_DATA_HOME/aimap/aimap.db`, else `~/.local/share/aimap/aimap.db`.
    pub fn default_sqlite() -> Self {
        let base = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        Self::Sqlite(base.join("aimap").join("aimap.db"))
    }

    /// For messages: the path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(p) => p.display().to_string(),
            Self::Postgres(url) => redact_password(url),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(parts) => parts,
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

pub(crate) async fn connect(loc: &Location) -> Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let url = match loc {
        Location::Sqlite(path) => sqlite_url(path)?,
        Location::Postgres(url) => url.clone(),
    };
    let open_err = |source| StoreError::Open {
        url: loc.display(),
        source,
    };
    let opts: AnyConnectOptions = url.parse().map_err(open_err)?;
    // Statement logging at debug level would print every batch.
    let opts = opts.disable_statement_logging();
    let backend = loc.backend();
    AnyPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(60))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // Several aimap processes share one file: wait for the
                    // lock (set first, so the pragmas below wait too). WAL:
                    // readers never block the writer, and a killed process
                    // loses nothing committed.
                    conn.execute("PRAGMA busy_timeout = 60000").await?;
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
                        .await?;
                }
                Ok(())
            })
        })
        .connect_with(opts)
        .await
        .map_err(open_err)
}

fn sqlite_url(path: &Path) -> Result<String> {
    let text = path
        .to_str()
        .ok_or_else(|| StoreError::Invalid(format!("{} is not valid UTF-8", path.display())))?;
    if text.contains(['?', '#', '%']) {
        return Err(StoreError::Invalid(format!(
            "SQLite path {text:?} may not contain '?', '#' or '%'"
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    Ok(format!("sqlite://{text}?mode=rwc"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locations() {
        assert_eq!(
            Location::parse("/tmp/a.db").unwrap(),
            Location::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:///tmp/a.db").unwrap(),
            Location::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:rel.db").unwrap(),
            Location::Sqlite("rel.db".into())
        );
        assert!(matches!(
            Location::parse("postgresql://u@127.0.0.1/db").unwrap(),
            Location::Postgres(_)
        ));
        assert!(Location::parse("mysql://x").is_err());
        assert!(Location::parse("").is_err());
        assert!(Location::parse("sqlite://").is_err());
    }

    #[test]
    fn hides_passwords() {
        let loc = Location::parse("postgres://aimap:s3cret@127.0.0.1:5432/aimap").unwrap();
        assert_eq!(loc.display(), "postgres://aimap:***@127.0.0.1:5432/aimap");
        assert!(!loc.display().contains("s3cret"));
    }
}
