//! Schema 5, a data migration: findings about places in files were keyed
//! `rule@path:line` before [`Finding::identity`] existed, so inserting a
//! line above one made `diff` and `watch` report it fixed plus new. This
//! re-keys every stored audit finding under its identity, numbered as a
//! run writes repeats (`#2`, in file and line order), and carries each
//! first-seen time over to the new key (the earliest, when two old keys
//! meet). Scan and inventory findings are keyed as before and untouched.
//!
//! It only reads and writes `run_id`, `fingerprint` and `body` of
//! `findings` and the rows of `first_seen`, so it composes with other
//! migrations whatever order they arrive in.
use std::collections::{BTreeMap, HashMap};

use aimap_model::{Finding, Subject};
use sqlx::{AnyConnection, Row};

use crate::error::{corrupt, db, Result};

/// Re-key, inside the migration's transaction.
/// One audit finding to re-key: (file, line, column) order, old key, identity.
type Keyed = ((String, u32, u32), String, String);

pub(crate) async fn file_findings(conn: &mut AnyConnection) -> Result<()> {
    let rows = sqlx::query(
        "SELECT f.run_id, f.fingerprint, f.body FROM findings f
          WHERE f.run_id IN (SELECT id FROM runs WHERE kind = 'audit')",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db("read audit findings to re-key"))?;
    let mut runs: BTreeMap<String, Vec<Keyed>> = BTreeMap::new();
    for r in &rows {
        let get = |e| corrupt("findings", e);
        let run: String = r.try_get(0).map_err(get)?;
        let old: String = r.try_get(1).map_err(get)?;
        let body: String = r.try_get(2).map_err(get)?;
        let f: Finding = serde_json::from_str(&body).map_err(|e| corrupt("findings", e))?;
        let order = match &f.subject {
            Subject::File { path, line, column } => {
                (path.clone(), line.unwrap_or(0), column.unwrap_or(0))
            }
            _ => continue,
        };
        runs.entry(run)
            .or_default()
            .push((order, old, f.identity()));
    }
    let seen = first_seen(conn).await?;
    let mut new_seen: HashMap<String, (i64, String)> = HashMap::new();
    let mut retired: Vec<String> = Vec::new();
    for (run, mut list) in runs {
        list.sort();
        let mut count: HashMap<&str, u32> = HashMap::new();
        let renames: Vec<(&str, String)> = list
            .iter()
            .map(|(_, old, id)| {
                let n = count.entry(id).or_insert(0);
                *n += 1;
                let key = if *n == 1 {
                    id.clone()
                } else {
                    format!("{id}#{n}")
                };
                (old.as_str(), key)
            })
            .filter(|(old, new)| old != new)
            .collect();
        // Two passes through keys no real finding has (rule ids never
        // start with `~`), so a new key never meets an old one mid-way.
        for (i, (old, _)) in renames.iter().enumerate() {
            rename(conn, &run, old, &format!("~rekey~{i}")).await?;
        }
        for (i, (old, new)) in renames.iter().enumerate() {
            rename(conn, &run, &format!("~rekey~{i}"), new).await?;
            retired.push(old.to_string());
            if let Some((ms, first_run)) = seen.get(*old) {
                let e = new_seen
                    .entry(new.clone())
                    .or_insert((*ms, first_run.clone()));
                if *ms < e.0 {
                    *e = (*ms, first_run.clone());
                }
            }
        }
    }
    for (key, (ms, run)) in &new_seen {
        sqlx::query(
            "INSERT INTO first_seen (fingerprint, seen_ms, run_id) VALUES ($1, $2, $3)
             ON CONFLICT (fingerprint) DO NOTHING",
        )
        .bind(key.as_str())
        .bind(*ms)
        .bind(run.as_str())
        .execute(&mut *conn)
        .await
        .map_err(db("carry first-seen times over"))?;
    }
    // Old keys no run holds any more (what prune would drop).
    for key in &retired {
        sqlx::query(
            "DELETE FROM first_seen WHERE fingerprint = $1 AND NOT EXISTS
               (SELECT 1 FROM findings f WHERE f.fingerprint = first_seen.fingerprint)",
        )
        .bind(key.as_str())
        .execute(&mut *conn)
        .await
        .map_err(db("drop first-seen times of old keys"))?;
    }
    Ok(())
}

/// First-seen times of audit findings' keys only: a store of a million
/// scan findings is not read whole.
async fn first_seen(conn: &mut AnyConnection) -> Result<HashMap<String, (i64, String)>> {
    let rows = sqlx::query(
        "SELECT s.fingerprint, s.seen_ms, s.run_id FROM first_seen s
          WHERE s.fingerprint IN (SELECT f.fingerprint FROM findings f
                 WHERE f.run_id IN (SELECT id FROM runs WHERE kind = 'audit'))",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db("read first-seen times"))?;
    rows.iter()
        .map(|r| {
            let get = |e| corrupt("first_seen", e);
            Ok((
                r.try_get(0).map_err(get)?,
                (r.try_get(1).map_err(get)?, r.try_get(2).map_err(get)?),
            ))
        })
        .collect()
}

async fn rename(conn: &mut AnyConnection, run: &str, from: &str, to: &str) -> Result<()> {
    sqlx::query("UPDATE findings SET fingerprint = $3 WHERE run_id = $1 AND fingerprint = $2")
        .bind(run)
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await
        .map_err(db("re-key a finding"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use aimap_model::{Finding, FindingKind, Severity, Subject};

    use crate::{Location, NewRun, RunKind, RunStatus, RunWriter, Store};

    fn at(line: u32, evidence: &str) -> Finding {
        Finding {
            id: "privileged".into(),
            kind: FindingKind::Misconfiguration,
            severity: Severity::High,
            title: "privileged".into(),
            description: String::new(),
            subject: Subject::File {
                path: "/srv/compose.yaml".into(),
                line: Some(line),
                column: Some(5),
            },
            evidence: evidence.into(),
            remediation: "r".into(),
            references: Vec::new(),
        }
    }

    async fn keys(store: &Store, run: &str) -> Vec<String> {
        let mut k: Vec<String> = store
            .findings(run)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.fingerprint)
            .collect();
        k.sort();
        k
    }

    #[tokio::test]
    async fn old_line_keys_become_identities_and_keep_their_age() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(dir.path().join("r.db").to_str().unwrap()).unwrap();
        let store = Store::open(&loc).await.unwrap();
        let run = store
            .begin_run(&NewRun {
                id: None,
                kind: RunKind::Audit,
                scope: "audit-x".into(),
                label: "x".into(),
                params: serde_json::json!({}),
                shard_count: 1,
                parent: None,
            })
            .await
            .unwrap();
        // As a store written before schema 5 holds them: keyed by line.
        let mut w = RunWriter::new(&store, &run.id);
        for f in [
            at(12, "privileged: true"),
            at(3, "privileged: true"),
            at(7, "pid: host"),
        ] {
            w.finding_keyed(&f, f.fingerprint()).unwrap();
        }
        w.finish(RunStatus::Done).await.unwrap();
        sqlx::query("UPDATE first_seen SET seen_ms = 1000 WHERE fingerprint = 'privileged@/srv/compose.yaml:3'")
            .execute(store.pool())
            .await
            .unwrap();

        let mut conn = store.pool().acquire().await.unwrap();
        super::file_findings(&mut conn).await.unwrap();
        drop(conn);
        assert_eq!(
            keys(&store, &run.id).await,
            [
                "privileged@/srv/compose.yaml#pid: host",
                "privileged@/srv/compose.yaml#privileged: true",
                "privileged@/srv/compose.yaml#privileged: true#2",
            ]
        );
        let stored = store.findings(&run.id).await.unwrap();
        let first = stored
            .iter()
            .find(|f| f.fingerprint == "privileged@/srv/compose.yaml#privileged: true")
            .unwrap();
        // The first by line (3) is the unnumbered one, and keeps its age.
        assert_eq!(first.first_seen_ms, Some(1000));
        assert!(matches!(
            first.finding.subject,
            Subject::File { line: Some(3), .. }
        ));
        let old: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM first_seen WHERE fingerprint LIKE '%compose.yaml:%'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(old, 0, "old keys' first-seen rows are gone");
    }
}
