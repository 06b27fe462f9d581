//! The HTTP layer shared by every route: extractors ([`extract`]), the
//! authenticated caller ([`principal`]), middleware ([`middleware`]), the
//! route table for 405 ([`route_table`]), and the responses and helpers
//! every handler uses (this file).

pub mod cursor;
pub mod duplicate_keys;
pub mod extract;
pub mod if_match;
pub mod middleware;
pub mod principal;
pub mod route_table;

pub use principal::Principal;

use actix_web::web;
use utoipa::IntoResponses;

use crate::db::DbConn;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Paging of a list: a page size and where the previous page ended.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn with_conn<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Errors any authenticated route can answer.
#[expect(
    dead_code,
    reason = "documents responses in the OpenAPI document; never constructed"
)]
#[derive(IntoResponses)]
pub enum AuthErrors {
    /// Missing, malformed, wrongly signed, expired, not-yet-valid or revoked token.
    #[response(status = 401, content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer`")))]
    Unauthorized(Problem),
    /// The token's role may not do this.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Over the per-token rate limit.
    #[response(status = 429, content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait")))]
    TooManyRequests(Problem),
    /// The database is unavailable or every connection is busy.
    #[response(status = 503, content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait")))]
    Unavailable(Problem),
}

/// Errors of a request with a JSON body.
#[expect(
    dead_code,
    reason = "documents responses in the OpenAPI document; never constructed"
)]
#[derive(IntoResponses)]
pub enum BodyErrors {
    /// The body is not valid JSON.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// The body is larger than the configured limit.
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    /// The body is not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Some fields are invalid; `errors` names each one.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// A 404 answer.
#[expect(
    dead_code,
    reason = "documents responses in the OpenAPI document; never constructed"
)]
#[derive(IntoResponses)]
pub enum NotFound {
    /// No such resource (or not visible to this caller).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
}

/// The answer of a write that would change a locked period.
#[expect(
    dead_code,
    reason = "documents responses in the OpenAPI document; never constructed"
)]
#[derive(IntoResponses)]
pub enum Locked {
    /// The write would change the figures of a locked period (type
    /// `urn:campaign-tracker:problem:period-locked`; `locked_period` names
    /// it). Nothing was written; an admin may reopen the period.
    #[response(status = 409, content_type = "application/problem+json")]
    Locked(Problem),
}

/// Largest page of any list.
pub const MAX_PAGE: i64 = 500;

/// A requested page size (default `default`); outside 1..=[`MAX_PAGE`] a
/// 422 naming `limit`, like any other bad parameter (it was clamped
/// before 0.3: see the changelog).
pub fn page_size(requested: Option<i64>, default: i64) -> Result<i64, ApiError> {
    match requested {
        None => Ok(default),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field(
            "limit",
            format!("must be from 1 to {MAX_PAGE}"),
        )),
    }
}
