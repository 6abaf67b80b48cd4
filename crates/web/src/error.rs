//! One error type for handlers, answered as JSON by the API and as a page
//! by the dashboard. Store failures are logged in full and answered with a
//! generic message: a database error text may name hosts or paths.
use aimap_store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub enum WebError {
    BadRequest(String),
    NotFound(String),
    Internal,
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Self::BadRequest(m) | Self::NotFound(m) => m,
            Self::Internal => "the store could not answer; see the server's log",
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoRun(_) => Self::NotFound(e.to_string()),
            StoreError::Ambiguous { .. } | StoreError::Invalid(_) => {
                Self::BadRequest(e.to_string())
            }
            other => {
                tracing::error!(error = %other, "store error while serving");
                Self::Internal
            }
        }
    }
}

/// An error answered as `{"error": "..."}`.
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.0.status(),
            Json(serde_json::json!({"error": self.0.message()})),
        )
            .into_response()
    }
}

/// An error answered as a page.
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        crate::html::error_page(self.0.status(), self.0.message())
    }
}
