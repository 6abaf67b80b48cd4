//! `/api/v1`: the dashboard's data as JSON, described by
//! `/api/v1/openapi.json`. Every body is redacted before it is sent.
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::Value;

use crate::error::{ApiError, WebError};
use crate::params::{ApiQuery, Checked, DiffQuery, ListQuery, RunsQuery};
use crate::redact::redact_json;
use crate::AppState;

/// How many runs the trend covers.
pub const TREND_RUNS: u32 = 60;

const OPENAPI: &str = include_str!("../assets/openapi.json");

/// Serialise and mask secrets in every string.
pub fn redacted<T: Serialize>(v: &T) -> Result<Json<Value>, ApiError> {
    let mut value = serde_json::to_value(v).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise a response");
        WebError::Internal
    })?;
    redact_json(&mut value);
    Ok(Json(value))
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

pub async fn not_found() -> ApiError {
    ApiError(WebError::NotFound(
        "no such API route; see /api/v1/openapi.json".into(),
    ))
}

pub async fn overview(
    State(app): State<AppState>,
    Checked(q, _): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let scope = q.scope(&app.store).await?;
    let overview = app.store.overview(&scope.runs).await?;
    let trend = app.store.trend(TREND_RUNS).await?;
    redacted(&serde_json::json!({
        "runs": scope.runs,
        "overview": overview,
        "trend": trend,
    }))
}

pub async fn services(
    State(app): State<AppState>,
    Checked(q, _): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let scope = q.scope(&app.store).await?;
    redacted(&app.store.services_page(&q.services(scope.runs)?).await?)
}

pub async fn service(
    State(app): State<AppState>,
    Path((run, host, port)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let port: u16 = port
        .parse()
        .map_err(|_| WebError::BadRequest(format!("port {port:?} is not a port number")))?;
    match app.store.service_detail(&run, &host, port).await? {
        Some(s) => redacted(&s),
        None => Err(ApiError(WebError::NotFound(format!(
            "run {run} has no service at {host}:{port}"
        )))),
    }
}

pub async fn findings(
    State(app): State<AppState>,
    Checked(q, _): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let scope = q.scope(&app.store).await?;
    redacted(&app.store.findings_page(&q.findings(scope.runs)?).await?)
}

pub async fn finding(
    State(app): State<AppState>,
    Path(fingerprint): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match app.store.finding_detail(&fingerprint, &[]).await? {
        Some(d) => redacted(&d),
        None => Err(ApiError(WebError::NotFound(format!(
            "no stored finding has fingerprint {fingerprint:?}"
        )))),
    }
}

pub async fn components(
    State(app): State<AppState>,
    Checked(q, _): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let scope = q.scope(&app.store).await?;
    redacted(
        &app.store
            .components_page(&q.components(scope.runs)?)
            .await?,
    )
}

pub async fn runs(
    State(app): State<AppState>,
    Checked(q, _): ApiQuery<RunsQuery>,
) -> Result<Json<Value>, ApiError> {
    let (limit, kind) = q.parse()?;
    redacted(&app.store.list_runs(limit, kind).await?)
}

pub async fn run(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let info = app.store.resolve(&id).await?;
    let shards = app.store.shards(&info.id).await?;
    let summary = app.store.summarize(info).await?;
    redacted(&serde_json::json!({"run": summary, "shards": shards}))
}

pub async fn diff(
    State(app): State<AppState>,
    Checked(q, _): ApiQuery<DiffQuery>,
) -> Result<Json<Value>, ApiError> {
    let (from, to) = q.runs(&app.store).await?;
    redacted(&app.store.diff(&from, &to).await?)
}
