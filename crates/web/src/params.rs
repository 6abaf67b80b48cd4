//! Query strings → store filters, one parser for pages and API alike, so a
//! page and its JSON twin always show the same rows. Bad values are a 400
//! that names the parameter, never a silent default.
use aimap_model::{FindingKind, Severity};
use aimap_store::{
    ComponentFilter, FindingFilter, FindingSort, RunInfo, ServiceFilter, Store, MAX_PAGE,
};
use serde::Deserialize;

use crate::error::WebError;

pub const DEFAULT_PAGE: u32 = 50;
/// Longest search string accepted.
const MAX_TEXT: usize = 200;
/// Offsets beyond this are refused rather than handed to the database.
const MAX_OFFSET: u64 = 1_000_000_000;

/// Every filter any list understands; each list reads the ones it needs.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    /// A run id, unique prefix or `last`; absent: the current runs.
    pub run: Option<String>,
    pub severity: Option<String>,
    pub kind: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub product: Option<String>,
    pub auth: Option<String>,
    pub version: Option<String>,
    pub vulnerable: Option<String>,
    pub ecosystem: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    pub format: Option<String>,
}

/// Which runs a view covers.
pub struct Scope {
    pub runs: Vec<String>,
    /// The run asked for, when one was.
    pub selected: Option<RunInfo>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListQuery {
    pub async fn scope(&self, store: &Store) -> Result<Scope, WebError> {
        match blank(&self.run) {
            Some(spec) => {
                let run = store.resolve(spec).await?;
                Ok(Scope {
                    runs: vec![run.id.clone()],
                    selected: Some(run),
                })
            }
            None => Ok(Scope {
                runs: store
                    .current_runs()
                    .await?
                    .into_iter()
                    .map(|r| r.id)
                    .collect(),
                selected: None,
            }),
        }
    }

    pub fn limit(&self) -> Result<u32, WebError> {
        match blank(&self.limit) {
            None => Ok(DEFAULT_PAGE),
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| bad("limit", s, &format!("a number from 1 to {MAX_PAGE}"))),
        }
    }

    pub fn offset(&self) -> Result<u64, WebError> {
        match blank(&self.offset) {
            None => Ok(0),
            Some(s) => s
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= MAX_OFFSET)
                .ok_or_else(|| bad("offset", s, "a number from 0")),
        }
    }

    pub fn min_severity(&self) -> Result<Option<Severity>, WebError> {
        blank(&self.severity)
            .map(|s| {
                Severity::ALL
                    .into_iter()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s))
                    .ok_or_else(|| bad("severity", s, "info, low, medium, high or critical"))
            })
            .transpose()
    }

    pub fn kind(&self) -> Result<Option<FindingKind>, WebError> {
        blank(&self.kind)
            .map(|s| {
                FindingKind::parse(s).ok_or_else(|| {
                    bad(
                        "kind",
                        s,
                        "exposure, vulnerability, misconfiguration, unsafe-model or informational",
                    )
                })
            })
            .transpose()
    }

    pub fn sort(&self) -> Result<FindingSort, WebError> {
        blank(&self.sort)
            .map(|s| FindingSort::parse(s).ok_or_else(|| bad("sort", s, "severity, age or newest")))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    pub fn auth(&self) -> Result<Option<String>, WebError> {
        blank(&self.auth)
            .map(|s| match s {
                "none" | "required" | "unknown" => Ok(s.to_string()),
                _ => Err(bad("auth", s, "none, required or unknown")),
            })
            .transpose()
    }

    pub fn vulnerable(&self) -> Result<Option<bool>, WebError> {
        blank(&self.vulnerable)
            .map(|s| match s {
                "yes" => Ok(true),
                "no" => Ok(false),
                _ => Err(bad("vulnerable", s, "yes or no")),
            })
            .transpose()
    }

    /// Bounded: a search string is a few words, not a payload.
    fn text(&self) -> Result<Option<String>, WebError> {
        match blank(&self.q) {
            Some(s) if s.chars().count() > MAX_TEXT => Err(WebError::BadRequest(format!(
                "q: at most {MAX_TEXT} characters"
            ))),
            other => Ok(other.map(str::to_string)),
        }
    }

    pub fn findings(&self, runs: Vec<String>) -> Result<FindingFilter, WebError> {
        Ok(FindingFilter {
            runs,
            min_severity: self.min_severity()?,
            kind: self.kind()?,
            text: self.text()?,
            sort: self.sort()?,
            limit: self.limit()?,
            offset: self.offset()?,
        })
    }

    pub fn services(&self, runs: Vec<String>) -> Result<ServiceFilter, WebError> {
        Ok(ServiceFilter {
            runs,
            product: blank(&self.product).map(str::to_string),
            auth: self.auth()?,
            version: match blank(&self.version) {
                Some(v) if v.chars().count() > 100 => {
                    return Err(WebError::BadRequest(
                        "version: at most 100 characters".into(),
                    ))
                }
                v => v.map(str::to_string),
            },
            vulnerable: self.vulnerable()?,
            text: self.text()?,
            limit: self.limit()?,
            offset: self.offset()?,
        })
    }

    pub fn components(&self, runs: Vec<String>) -> Result<ComponentFilter, WebError> {
        Ok(ComponentFilter {
            runs,
            ecosystem: blank(&self.ecosystem).map(str::to_string),
            text: self.text()?,
            limit: self.limit()?,
            offset: self.offset()?,
        })
    }
}

fn bad(param: &str, value: &str, want: &str) -> WebError {
    let shown: String = value.chars().take(40).collect();
    WebError::BadRequest(format!("{param}={shown:?}: expected {want}"))
}

/// `from`/`to` of a diff.
#[derive(Debug, Default, Deserialize)]
pub struct DiffQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl DiffQuery {
    /// Both runs: `to` defaults to the newest run, `from` to the run before
    /// `to` with the same targets.
    pub async fn runs(&self, store: &Store) -> Result<(RunInfo, RunInfo), WebError> {
        let to = store.resolve(blank(&self.to).unwrap_or("last")).await?;
        let from = match blank(&self.from) {
            Some(spec) => store.resolve(spec).await?,
            None => store.previous_comparable(&to).await?.ok_or_else(|| {
                WebError::NotFound(format!(
                    "run {} has no earlier run with the same targets to compare with",
                    to.id
                ))
            })?,
        };
        Ok((from, to))
    }
}

/// `limit`/`kind` of the runs list.
#[derive(Debug, Default, Deserialize)]
pub struct RunsQuery {
    pub limit: Option<String>,
    pub kind: Option<String>,
}

impl RunsQuery {
    pub fn parse(&self) -> Result<(u32, Option<aimap_store::RunKind>), WebError> {
        let limit = match blank(&self.limit) {
            None => 50,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| bad("limit", s, &format!("a number from 1 to {MAX_PAGE}")))?,
        };
        let kind = blank(&self.kind)
            .map(|k| {
                aimap_store::RunKind::from_name(k)
                    .ok_or_else(|| bad("kind", k, "scan, inventory or audit"))
            })
            .transpose()?;
        Ok((limit, kind))
    }
}

/// `Query<T>` whose rejection (a repeated or malformed parameter) is
/// answered like every other bad parameter: `ApiQuery` as JSON for the API,
/// `PageQuery` as an error page.
pub struct Checked<T, E>(pub T, pub std::marker::PhantomData<E>);
pub type ApiQuery<T> = Checked<T, crate::error::ApiError>;
pub type PageQuery<T> = Checked<T, crate::error::PageError>;

impl<T, E, S> axum::extract::FromRequestParts<S> for Checked<T, E>
where
    T: serde::de::DeserializeOwned,
    E: From<WebError> + axum::response::IntoResponse,
    S: Send + Sync,
{
    type Rejection = E;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0, std::marker::PhantomData))
            .map_err(|r| E::from(WebError::BadRequest(r.body_text())))
    }
}
