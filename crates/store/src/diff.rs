//! What changed between two runs: services (new, gone, changed version,
//! auth or product), findings by stable fingerprint (new, resolved,
//! changed severity) and components (added, removed, version changed).
//! Each side is read once, sorted in memory and merged.
use std::collections::BTreeMap;

use aimap_model::{AuthVerdict, Severity};
use serde::Serialize;
use sqlx::Row;

use crate::error::{corrupt, db, Result};
use crate::runs::RunInfo;
use crate::Store;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceBrief {
    pub host: String,
    pub port: u16,
    pub service: String,
    pub product: String,
    pub version: Option<String>,
    pub auth: String,
    /// Capabilities open without credentials (`inference`, `data`, …).
    pub open_capabilities: Vec<String>,
    pub vulnerabilities: u64,
}

impl ServiceBrief {
    fn openness(&self) -> u8 {
        AuthVerdict::parse(&self.auth).map_or(0, AuthVerdict::openness)
    }

    /// Whether an unauthenticated client can do more here than in `before`:
    /// the verdict moved towards open, or a capability opened.
    pub fn opened_since(&self, before: &ServiceBrief) -> bool {
        self.openness() > before.openness()
            || self
                .open_capabilities
                .iter()
                .any(|c| !before.open_capabilities.contains(c))
    }

    /// Whether a client without credentials can use it (`none` or `partial`).
    pub fn open(&self) -> bool {
        matches!(
            AuthVerdict::parse(&self.auth),
            Some(AuthVerdict::None | AuthVerdict::Partial)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceChange {
    pub before: ServiceBrief,
    pub after: ServiceBrief,
    /// What differs: `service`, `version`, `auth`, `capabilities`,
    /// `vulnerabilities`.
    pub changed: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingBrief {
    pub fingerprint: String,
    pub id: String,
    pub kind: String,
    pub severity: Severity,
    pub subject: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingChange {
    pub before: FindingBrief,
    pub after: FindingBrief,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentBrief {
    pub key: String,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub ecosystem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentChange {
    pub before: ComponentBrief,
    pub after: ComponentBrief,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes<T, C> {
    pub new: Vec<T>,
    pub gone: Vec<T>,
    pub changed: Vec<C>,
}

impl<T, C> Changes<T, C> {
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.gone.is_empty() && self.changed.is_empty()
    }
}

/// The changes from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub from: RunInfo,
    pub to: RunInfo,
    pub services: Changes<ServiceBrief, ServiceChange>,
    /// `gone` findings are the resolved ones.
    pub findings: Changes<FindingBrief, FindingChange>,
    pub components: Changes<ComponentBrief, ComponentChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.services.is_empty() && self.findings.is_empty() && self.components.is_empty()
    }

    /// Findings that are new or got worse: what `watch` alerts on.
    pub fn worsened(&self) -> impl Iterator<Item = &FindingBrief> {
        self.findings.new.iter().chain(
            self.findings
                .changed
                .iter()
                .filter(|c| c.after.severity > c.before.severity)
                .map(|c| &c.after),
        )
    }

    /// Services that let an unauthenticated client do more than before:
    /// new ones that are open (`none` or `partial`), and known ones whose
    /// verdict moved towards open or where a capability opened.
    pub fn newly_open(&self) -> impl Iterator<Item = &ServiceBrief> {
        self.services.new.iter().filter(|s| s.open()).chain(
            self.services
                .changed
                .iter()
                .filter(|c| c.after.opened_since(&c.before))
                .map(|c| &c.after),
        )
    }
}

/// Merge two key-sorted lists into new, gone and (per `compare`) changed.
fn merge<K: Ord, T, C>(
    a: Vec<(K, T)>,
    b: Vec<(K, T)>,
    compare: impl Fn(T, T) -> Option<C>,
) -> Changes<T, C> {
    let mut out = Changes {
        new: Vec::new(),
        gone: Vec::new(),
        changed: Vec::new(),
    };
    let mut b: BTreeMap<K, T> = b.into_iter().collect();
    for (k, before) in a {
        match b.remove(&k) {
            Some(after) => out.changed.extend(compare(before, after)),
            None => out.gone.push(before),
        }
    }
    out.new = b.into_values().collect();
    out
}

impl Store {
    /// What changed from run `from` to run `to`.
    pub async fn diff(&self, from: &RunInfo, to: &RunInfo) -> Result<Diff> {
        let services = merge(
            self.service_briefs(&from.id).await?,
            self.service_briefs(&to.id).await?,
            |before, after| {
                let mut changed = Vec::new();
                if before.service != after.service {
                    changed.push("service");
                }
                if before.version != after.version {
                    changed.push("version");
                }
                if before.auth != after.auth {
                    changed.push("auth");
                }
                if before.open_capabilities != after.open_capabilities {
                    changed.push("capabilities");
                }
                if before.vulnerabilities != after.vulnerabilities {
                    changed.push("vulnerabilities");
                }
                (!changed.is_empty()).then_some(ServiceChange {
                    before,
                    after,
                    changed,
                })
            },
        );
        let findings = merge(
            self.finding_briefs(&from.id).await?,
            self.finding_briefs(&to.id).await?,
            |before, after| {
                (before.severity != after.severity).then_some(FindingChange { before, after })
            },
        );
        let components = pair_versions(merge(
            self.component_briefs(&from.id).await?,
            self.component_briefs(&to.id).await?,
            |_, _| None,
        ));
        Ok(Diff {
            from: from.clone(),
            to: to.clone(),
            services,
            findings,
            components,
        })
    }

    async fn service_briefs(&self, run: &str) -> Result<Vec<((String, u16), ServiceBrief)>> {
        let rows = sqlx::query(
            "SELECT host, port, service, product, version, auth, vulns, open_caps FROM services WHERE run_id = $1",
        )
        .bind(run)
        .fetch_all(self.pool())
        .await
        .map_err(db("read services for a diff"))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let get = |e| corrupt("services", e);
            let port: i64 = r.try_get(1).map_err(get)?;
            let s = ServiceBrief {
                host: r.try_get(0).map_err(get)?,
                port: u16::try_from(port).map_err(|e| corrupt("services", e))?,
                service: r.try_get(2).map_err(get)?,
                product: r.try_get(3).map_err(get)?,
                version: r.try_get(4).map_err(get)?,
                auth: r.try_get(5).map_err(get)?,
                vulnerabilities: r.try_get::<i64, _>(6).map_err(get)?.max(0) as u64,
                open_capabilities: r
                    .try_get::<String, _>(7)
                    .map_err(get)?
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
            };
            out.push(((s.host.clone(), s.port), s));
        }
        Ok(out)
    }

    async fn finding_briefs(&self, run: &str) -> Result<Vec<(String, FindingBrief)>> {
        let rows = sqlx::query(
            "SELECT fingerprint, rule, kind, severity, subject, title FROM findings WHERE run_id = $1",
        )
        .bind(run)
        .fetch_all(self.pool())
        .await
        .map_err(db("read findings for a diff"))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let get = |e| corrupt("findings", e);
            let rank: i64 = r.try_get(3).map_err(get)?;
            let f = FindingBrief {
                fingerprint: r.try_get(0).map_err(get)?,
                id: r.try_get(1).map_err(get)?,
                kind: r.try_get(2).map_err(get)?,
                severity: u8::try_from(rank)
                    .ok()
                    .and_then(Severity::from_rank)
                    .ok_or_else(|| corrupt("findings", format!("severity {rank}")))?,
                subject: r.try_get(4).map_err(get)?,
                title: r.try_get(5).map_err(get)?,
            };
            out.push((f.fingerprint.clone(), f));
        }
        Ok(out)
    }

    async fn component_briefs(&self, run: &str) -> Result<Vec<(String, ComponentBrief)>> {
        let rows = sqlx::query(
            "SELECT ckey, name, version, purl, ecosystem FROM components WHERE run_id = $1",
        )
        .bind(run)
        .fetch_all(self.pool())
        .await
        .map_err(db("read components for a diff"))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let get = |e| corrupt("components", e);
            let c = ComponentBrief {
                key: r.try_get(0).map_err(get)?,
                name: r.try_get(1).map_err(get)?,
                version: r.try_get(2).map_err(get)?,
                purl: r.try_get(3).map_err(get)?,
                ecosystem: r.try_get(4).map_err(get)?,
            };
            out.push((c.key.clone(), c));
        }
        Ok(out)
    }
}

/// A component's key carries its version, so an upgrade first shows as
/// one removed and one added; pair those by ecosystem and name.
fn pair_versions(
    mut c: Changes<ComponentBrief, ComponentChange>,
) -> Changes<ComponentBrief, ComponentChange> {
    let mut gone: BTreeMap<(String, String), Vec<ComponentBrief>> = BTreeMap::new();
    for g in c.gone.drain(..) {
        gone.entry((g.ecosystem.clone(), g.name.clone()))
            .or_default()
            .push(g);
    }
    let mut new = Vec::new();
    for n in c.new.drain(..) {
        let slot = gone.get_mut(&(n.ecosystem.clone(), n.name.clone()));
        match slot.and_then(|v| (!v.is_empty()).then(|| v.remove(0))) {
            Some(before) => c.changed.push(ComponentChange { before, after: n }),
            None => new.push(n),
        }
    }
    c.new = new;
    c.gone = gone.into_values().flatten().collect();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sorts_out_new_gone_changed() {
        let a = vec![(1, "a"), (2, "b"), (3, "c")];
        let b = vec![(2, "b"), (3, "C"), (4, "d")];
        let c = merge(a, b, |x, y| (x != y).then_some((x, y)));
        assert_eq!(c.gone, vec!["a"]);
        assert_eq!(c.new, vec!["d"]);
        assert_eq!(c.changed, vec![("c", "C")]);
    }
}
