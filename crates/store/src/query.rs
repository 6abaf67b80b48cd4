//! Dashboard reads: aggregates and filtered, paged lists over a set of
//! runs. Everything is counted, filtered, sorted and cut in SQL, so a store
//! holding 100,000 findings answers a page in milliseconds: nothing here
//! loads a whole run into memory.
use std::collections::BTreeMap;

use aimap_model::{FindingKind, Service, Severity};
use serde::Serialize;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Row};

use crate::error::{corrupt, db, Result};
use crate::open::Backend;
use crate::read::StoredFinding;
use crate::runs::{run_from_row, RunInfo, RunKind, RUN_COLUMNS};
use crate::Store;

/// The most rows one page may ask for.
pub const MAX_PAGE: u32 = 500;

/// One page of a longer list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// Rows matching the filter, all pages together.
    pub total: u64,
    pub offset: u64,
    pub limit: u32,
    pub items: Vec<T>,
}

/// Counts over a set of runs, for the overview.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overview {
    /// Findings per severity, `[info, low, medium, high, critical]`.
    pub findings_by_severity: [u64; 5],
    pub findings_by_kind: BTreeMap<String, u64>,
    pub findings: u64,
    pub services: u64,
    /// Services that answered without credentials.
    pub exposed: u64,
    pub vulnerable_services: u64,
    pub components: u64,
    /// Per product, most exposed first.
    pub products: Vec<ProductCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductCount {
    pub product: String,
    pub services: u64,
    /// Answered without credentials.
    pub exposed: u64,
    /// With at least one matched advisory.
    pub vulnerable: u64,
}

/// Open findings after one run, for the trend chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    pub run_id: String,
    pub kind: RunKind,
    pub started_ms: i64,
    /// This run's findings per severity.
    pub by_severity: [u64; 5],
    /// Findings open across every scope once this run was in: each scope
    /// counts with its latest run so far.
    pub open: u64,
}

/// Filter and order of the findings list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub runs: Vec<String>,
    pub min_severity: Option<Severity>,
    pub kind: Option<FindingKind>,
    /// Case-insensitive substring of title, subject or rule.
    pub text: Option<String>,
    pub sort: FindingSort,
    pub limit: u32,
    pub offset: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FindingSort {
    /// Worst first (then by fingerprint: the index order, no sort).
    #[default]
    Severity,
    /// Oldest first (first seen), then worst.
    Age,
    /// Newest first.
    Newest,
}

impl FindingSort {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "severity" => Some(Self::Severity),
            "age" => Some(Self::Age),
            "newest" => Some(Self::Newest),
            _ => None,
        }
    }

    fn order_by(self, backend: Backend) -> &'static str {
        // COALESCE: a finding stored before first_seen existed sorts as new.
        match self {
            // The order of the index (run_id, severity, kind): SQLite
            // appends the rowid to every index entry, so it walks the index
            // and sorts nothing; PostgreSQL takes the top N by fingerprint.
            Self::Severity => match backend {
                Backend::Sqlite => "f.severity DESC, f.kind DESC, f.rowid DESC",
                Backend::Postgres => "f.severity DESC, f.kind DESC, f.fingerprint DESC",
            },
            Self::Age => "COALESCE(s.seen_ms, 0) ASC, f.severity DESC, f.fingerprint",
            Self::Newest => "COALESCE(s.seen_ms, 0) DESC, f.severity DESC, f.fingerprint",
        }
    }
}

/// A finding in a list: what a row shows, without the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRow {
    pub fingerprint: String,
    pub run_id: String,
    pub rule: String,
    pub kind: String,
    pub severity: Severity,
    pub subject: String,
    pub title: String,
    pub first_seen_ms: Option<i64>,
}

/// One finding in full, with the runs that hold it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingDetail {
    /// As the newest run holding it stored it.
    pub finding: StoredFinding,
    pub run_id: String,
    /// Newest first.
    pub seen_in: Vec<RunSighting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSighting {
    pub run_id: String,
    pub started_ms: i64,
}

/// Filter of the services list.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub runs: Vec<String>,
    pub product: Option<String>,
    pub auth: Option<String>,
    /// Exact version, or a prefix ending in `*` (`0.1.*`).
    pub version: Option<String>,
    pub vulnerable: Option<bool>,
    /// Substring of host, service or product.
    pub text: Option<String>,
    pub limit: u32,
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRow {
    pub run_id: String,
    pub host: String,
    pub port: u16,
    pub service: String,
    pub product: String,
    pub version: Option<String>,
    pub auth: String,
    pub purl: Option<String>,
    pub vulnerabilities: u64,
}

/// Filter of the components list.
#[derive(Debug, Clone, Default)]
pub struct ComponentFilter {
    pub runs: Vec<String>,
    pub ecosystem: Option<String>,
    /// Substring of name or purl.
    pub text: Option<String>,
    pub limit: u32,
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentListRow {
    pub run_id: String,
    pub key: String,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub ecosystem: String,
}

/// A WHERE clause under construction, with numbered placeholders (`$1`)
/// that both engines accept outside multi-row inserts.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

#[derive(Clone)]
enum Bind {
    Int(i64),
    Text(String),
}

impl Where {
    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }

    fn text(&mut self, s: &str) -> String {
        self.bind(Bind::Text(s.to_string()))
    }

    fn and(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// `col IN (...)`; an empty set matches nothing.
    fn runs(&mut self, col: &str, runs: &[String]) {
        if runs.is_empty() {
            self.and("1 = 0".into());
            return;
        }
        let marks: Vec<String> = runs.iter().map(|r| self.text(r)).collect();
        self.and(format!("{col} IN ({})", marks.join(", ")));
    }

    /// Case-insensitive substring over any of `cols`.
    fn contains(&mut self, cols: &[&str], needle: &str) {
        let pattern = format!("%{}%", like_escape(&needle.to_lowercase()));
        let mark = self.text(&pattern);
        let any: Vec<String> = cols
            .iter()
            .map(|c| format!("LOWER({c}) LIKE {mark} ESCAPE '\\'"))
            .collect();
        self.and(format!("({})", any.join(" OR ")));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    fn apply<'q>(&'q self, mut q: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        for b in &self.binds {
            q = match b {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(s) => q.bind(s.as_str()),
            };
        }
        q
    }
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn clamp_limit(limit: u32) -> u32 {
    limit.clamp(1, MAX_PAGE)
}

fn count(row: &AnyRow, i: usize, table: &'static str) -> Result<u64> {
    let n: i64 = row.try_get(i).map_err(|e| corrupt(table, e))?;
    Ok(n.max(0) as u64)
}

impl Store {
    /// `SELECT COUNT(*) FROM <from> <where>`: a page's total.
    async fn count_rows(&self, from: &str, w: &Where, table: &'static str) -> Result<u64> {
        let sql = format!("SELECT COUNT(*) FROM {from}{}", w.sql());
        let row = w
            .apply(sqlx::query(AssertSqlSafe(sql)))
            .fetch_one(self.pool())
            .await
            .map_err(db("count rows"))?;
        count(&row, 0, table)
    }

    /// One page of `table`: the total under `w`, then `select` (a SELECT
    /// ... FROM, joins included) filtered by `w`, ordered, cut and mapped.
    #[allow(clippy::too_many_arguments)]
    async fn page<T>(
        &self,
        table: &'static str,
        count_from: &str,
        select: &str,
        w: &Where,
        order: &str,
        limit: u32,
        offset: u64,
        map: impl Fn(&AnyRow) -> Result<T>,
    ) -> Result<Page<T>> {
        let limit = clamp_limit(limit);
        let total = self.count_rows(count_from, w, table).await?;
        let sql = format!(
            "{select}{} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            w.sql()
        );
        let rows = w
            .apply(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(self.pool())
            .await
            .map_err(db("list a page"))?;
        Ok(Page {
            total,
            offset,
            limit,
            items: rows.iter().map(map).collect::<Result<_>>()?,
        })
    }

    /// The newest run of every (kind, scope) that did not fail: what is
    /// true now, as far as aimap knows.
    pub async fn current_runs(&self) -> Result<Vec<RunInfo>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs r WHERE r.status <> 'failed' AND NOT EXISTS (
               SELECT 1 FROM runs n WHERE n.kind = r.kind AND n.scope = r.scope AND n.status <> 'failed'
                 AND (n.started_ms > r.started_ms OR (n.started_ms = r.started_ms AND n.id > r.id)))
             ORDER BY r.started_ms DESC, r.id DESC"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(db("find the current runs"))?;
        rows.iter().map(run_from_row).collect()
    }

    /// Counts over `runs`.
    pub async fn overview(&self, runs: &[String]) -> Result<Overview> {
        let mut out = Overview::default();
        let mut w = Where::default();
        w.runs("run_id", runs);
        let sql = format!(
            "SELECT kind, severity, COUNT(*) FROM findings{} GROUP BY kind, severity",
            w.sql()
        );
        let rows = w
            .apply(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(self.pool())
            .await
            .map_err(db("count findings"))?;
        for r in &rows {
            let kind: String = r.try_get(0).map_err(|e| corrupt("findings", e))?;
            let sev: i64 = r.try_get(1).map_err(|e| corrupt("findings", e))?;
            let n = count(r, 2, "findings")?;
            if let Some(slot) = usize::try_from(sev)
                .ok()
                .and_then(|i| out.findings_by_severity.get_mut(i))
            {
                *slot += n;
            }
            *out.findings_by_kind.entry(kind).or_default() += n;
            out.findings += n;
        }

        let sql = format!(
            "SELECT product, SUM(CASE WHEN auth = 'none' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN vulns > 0 THEN 1 ELSE 0 END), COUNT(*)
               FROM services{} GROUP BY product",
            w.sql()
        );
        let rows = w
            .apply(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(self.pool())
            .await
            .map_err(db("count services"))?;
        for r in &rows {
            let p = ProductCount {
                product: r.try_get(0).map_err(|e| corrupt("services", e))?,
                exposed: count(r, 1, "services")?,
                vulnerable: count(r, 2, "services")?,
                services: count(r, 3, "services")?,
            };
            out.services += p.services;
            out.exposed += p.exposed;
            out.vulnerable_services += p.vulnerable;
            out.products.push(p);
        }
        out.products.sort_by(|a, b| {
            (b.exposed, b.services, &a.product).cmp(&(a.exposed, a.services, &b.product))
        });

        let sql = format!("SELECT COUNT(*) FROM components{}", w.sql());
        let row = w
            .apply(sqlx::query(AssertSqlSafe(sql)))
            .fetch_one(self.pool())
            .await
            .map_err(db("count components"))?;
        out.components = count(&row, 0, "components")?;
        Ok(out)
    }

    /// The last `limit` runs in time order, each with the findings open
    /// once it was in.
    pub async fn trend(&self, limit: u32) -> Result<Vec<TrendPoint>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE status <> 'failed' ORDER BY started_ms DESC, id DESC LIMIT $1"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(self.pool())
            .await
            .map_err(db("list runs"))?;
        let mut runs: Vec<RunInfo> = rows.iter().map(run_from_row).collect::<Result<_>>()?;
        runs.reverse();
        let ids: Vec<String> = runs.iter().map(|r| r.id.clone()).collect();
        let mut w = Where::default();
        w.runs("run_id", &ids);
        let sql = format!(
            "SELECT run_id, severity, COUNT(*) FROM findings{} GROUP BY run_id, severity",
            w.sql()
        );
        let rows = w
            .apply(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(self.pool())
            .await
            .map_err(db("count findings"))?;
        let mut per_run: BTreeMap<String, [u64; 5]> = BTreeMap::new();
        for r in &rows {
            let id: String = r.try_get(0).map_err(|e| corrupt("findings", e))?;
            let sev: i64 = r.try_get(1).map_err(|e| corrupt("findings", e))?;
            let n = count(r, 2, "findings")?;
            if let Some(slot) = usize::try_from(sev)
                .ok()
                .and_then(|i| per_run.entry(id).or_default().get_mut(i))
            {
                *slot += n;
            }
        }
        let mut latest: BTreeMap<(RunKind, String), u64> = BTreeMap::new();
        Ok(runs
            .into_iter()
            .map(|run| {
                let by_severity = per_run.get(&run.id).copied().unwrap_or_default();
                latest.insert((run.kind, run.scope.clone()), by_severity.iter().sum());
                TrendPoint {
                    open: latest.values().sum(),
                    run_id: run.id,
                    kind: run.kind,
                    started_ms: run.started_ms,
                    by_severity,
                }
            })
            .collect())
    }

    fn finding_where(filter: &FindingFilter) -> Where {
        let mut w = Where::default();
        w.runs("f.run_id", &filter.runs);
        if let Some(min) = filter.min_severity {
            let mark = w.bind(Bind::Int(i64::from(min.rank())));
            w.and(format!("f.severity >= {mark}"));
        }
        if let Some(kind) = filter.kind {
            let mark = w.text(kind.as_str());
            w.and(format!("f.kind = {mark}"));
        }
        if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
            w.contains(&["f.title", "f.subject", "f.rule"], text);
        }
        w
    }

    /// One page of findings.
    pub async fn findings_page(&self, filter: &FindingFilter) -> Result<Page<FindingRow>> {
        let w = Self::finding_where(filter);
        let select = "SELECT f.fingerprint, f.run_id, f.rule, f.kind, f.severity, f.subject, f.title, s.seen_ms
               FROM findings f LEFT JOIN first_seen s ON s.fingerprint = f.fingerprint";
        let order = filter.sort.order_by(self.backend());
        self.page(
            "findings",
            "findings f",
            select,
            &w,
            order,
            filter.limit,
            filter.offset,
            |r| {
                let get = |e| corrupt("findings", e);
                let sev: i64 = r.try_get(4).map_err(get)?;
                Ok(FindingRow {
                    fingerprint: r.try_get(0).map_err(get)?,
                    run_id: r.try_get(1).map_err(get)?,
                    rule: r.try_get(2).map_err(get)?,
                    kind: r.try_get(3).map_err(get)?,
                    severity: u8::try_from(sev)
                        .ok()
                        .and_then(Severity::from_rank)
                        .ok_or_else(|| corrupt("findings", format!("severity {sev}")))?,
                    subject: r.try_get(5).map_err(get)?,
                    title: r.try_get(6).map_err(get)?,
                    first_seen_ms: r.try_get(7).map_err(get)?,
                })
            },
        )
        .await
    }

    /// Findings in full (evidence included) for an export, in list order,
    /// at most `cap` of them.
    pub async fn findings_export(
        &self,
        filter: &FindingFilter,
        cap: u32,
    ) -> Result<Vec<StoredFinding>> {
        let w = Self::finding_where(filter);
        let sql = format!(
            "SELECT f.body, f.fingerprint, s.seen_ms
               FROM findings f LEFT JOIN first_seen s ON s.fingerprint = f.fingerprint{}
             ORDER BY {} LIMIT {cap}",
            w.sql(),
            filter.sort.order_by(self.backend())
        );
        let rows = w
            .apply(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(self.pool())
            .await
            .map_err(db("export findings"))?;
        rows.iter().map(stored_finding).collect()
    }

    /// One finding by fingerprint, from the newest run that holds it
    /// (among `runs`, or any run when `runs` is empty).
    pub async fn finding_detail(
        &self,
        fingerprint: &str,
        runs: &[String],
    ) -> Result<Option<FindingDetail>> {
        let mut w = Where::default();
        let mark = w.text(fingerprint);
        w.and(format!("f.fingerprint = {mark}"));
        if !runs.is_empty() {
            w.runs("f.run_id", runs);
        }
        let sql = format!(
            "SELECT f.body, f.fingerprint, s.seen_ms, f.run_id, r.started_ms
               FROM findings f JOIN runs r ON r.id = f.run_id
               LEFT JOIN first_seen s ON s.fingerprint = f.fingerprint{}
             ORDER BY r.started_ms DESC, r.id DESC LIMIT 100",
            w.sql()
        );
        let rows = w
            .apply(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(self.pool())
            .await
            .map_err(db("read a finding"))?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let get = |e| corrupt("findings", e);
        let seen_in = rows
            .iter()
            .map(|r| {
                Ok(RunSighting {
                    run_id: r.try_get(3).map_err(get)?,
                    started_ms: r.try_get(4).map_err(get)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Some(FindingDetail {
            finding: stored_finding(first)?,
            run_id: first.try_get(3).map_err(get)?,
            seen_in,
        }))
    }

    fn service_where(filter: &ServiceFilter) -> Where {
        let mut w = Where::default();
        w.runs("run_id", &filter.runs);
        if let Some(p) = filter.product.as_deref().filter(|p| !p.is_empty()) {
            let mark = w.text(p);
            w.and(format!("product = {mark}"));
        }
        if let Some(a) = filter.auth.as_deref().filter(|a| !a.is_empty()) {
            let mark = w.text(a);
            w.and(format!("auth = {mark}"));
        }
        match filter.version.as_deref().filter(|v| !v.is_empty()) {
            Some("unknown") => w.and("version IS NULL".into()),
            Some(v) if v.ends_with('*') => {
                let prefix = format!("{}%", like_escape(v.trim_end_matches('*')));
                let mark = w.text(&prefix);
                w.and(format!("version LIKE {mark} ESCAPE '\\'"));
            }
            Some(v) => {
                let mark = w.text(v);
                w.and(format!("version = {mark}"));
            }
            None => {}
        }
        match filter.vulnerable {
            Some(true) => w.and("vulns > 0".into()),
            Some(false) => w.and("vulns = 0".into()),
            None => {}
        }
        if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
            w.contains(&["host", "service", "product"], text);
        }
        w
    }

    /// One page of services, exposed and vulnerable first.
    pub async fn services_page(&self, filter: &ServiceFilter) -> Result<Page<ServiceRow>> {
        let w = Self::service_where(filter);
        let select =
            "SELECT run_id, host, port, service, product, version, auth, purl, vulns FROM services";
        let order = "CASE WHEN auth = 'none' THEN 0 ELSE 1 END, vulns DESC, product, host, port";
        self.page(
            "services",
            "services",
            select,
            &w,
            order,
            filter.limit,
            filter.offset,
            |r| {
                let get = |e| corrupt("services", e);
                Ok(ServiceRow {
                    run_id: r.try_get(0).map_err(get)?,
                    host: r.try_get(1).map_err(get)?,
                    port: u16::try_from(r.try_get::<i64, _>(2).map_err(get)?)
                        .map_err(|e| corrupt("services", e))?,
                    service: r.try_get(3).map_err(get)?,
                    product: r.try_get(4).map_err(get)?,
                    version: r.try_get(5).map_err(get)?,
                    auth: r.try_get(6).map_err(get)?,
                    purl: r.try_get(7).map_err(get)?,
                    vulnerabilities: count(r, 8, "services")?,
                })
            },
        )
        .await
    }

    /// One stored service in full.
    pub async fn service_detail(
        &self,
        run_id: &str,
        host: &str,
        port: u16,
    ) -> Result<Option<Service>> {
        let row =
            sqlx::query("SELECT body FROM services WHERE run_id = $1 AND host = $2 AND port = $3")
                .bind(run_id)
                .bind(host)
                .bind(i64::from(port))
                .fetch_optional(self.pool())
                .await
                .map_err(db("read a service"))?;
        row.map(|r| {
            let body: String = r.try_get(0).map_err(|e| corrupt("services", e))?;
            serde_json::from_str(&body).map_err(|e| corrupt("services", e))
        })
        .transpose()
    }

    /// The distinct products among `runs`' services, for filter menus.
    pub async fn products(&self, runs: &[String]) -> Result<Vec<String>> {
        let mut w = Where::default();
        w.runs("run_id", runs);
        let sql = format!(
            "SELECT DISTINCT product FROM services{} ORDER BY product",
            w.sql()
        );
        let rows = w
            .apply(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(self.pool())
            .await
            .map_err(db("list products"))?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(|e| corrupt("services", e)))
            .collect()
    }

    /// One page of components.
    pub async fn components_page(
        &self,
        filter: &ComponentFilter,
    ) -> Result<Page<ComponentListRow>> {
        let mut w = Where::default();
        w.runs("run_id", &filter.runs);
        if let Some(e) = filter.ecosystem.as_deref().filter(|e| !e.is_empty()) {
            let mark = w.text(e);
            w.and(format!("ecosystem = {mark}"));
        }
        if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
            w.contains(&["name", "purl"], text);
        }
        let select = "SELECT run_id, ckey, name, version, purl, ecosystem FROM components";
        let order = "ecosystem, name, ckey";
        self.page(
            "components",
            "components",
            select,
            &w,
            order,
            filter.limit,
            filter.offset,
            |r| {
                let get = |e| corrupt("components", e);
                Ok(ComponentListRow {
                    run_id: r.try_get(0).map_err(get)?,
                    key: r.try_get(1).map_err(get)?,
                    name: r.try_get(2).map_err(get)?,
                    version: r.try_get(3).map_err(get)?,
                    purl: r.try_get(4).map_err(get)?,
                    ecosystem: r.try_get(5).map_err(get)?,
                })
            },
        )
        .await
    }
}

/// A row of (body, fingerprint, first seen).
fn stored_finding(r: &AnyRow) -> Result<StoredFinding> {
    crate::read::stored_finding(r)
}
