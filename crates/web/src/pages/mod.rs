//! The dashboard's pages: server-rendered HTML over the same queries and
//! filters as the API, with no script at all.
pub mod components;
pub mod findings;
pub mod login;
pub mod overview;
pub mod runs;
pub mod services;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../assets/app.css");

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// No icon: an empty answer instead of a 404 (or a login page) per visit.
pub async fn favicon() -> StatusCode {
    StatusCode::NO_CONTENT
}

pub async fn not_found() -> Response {
    crate::html::error_page(StatusCode::NOT_FOUND, "There is no such page.")
}
