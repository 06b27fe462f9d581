//! HTTP handlers, one file per resource, registered once in [`configure`]:
//! that registration is also what produces the OpenAPI document.

pub mod agencies;
pub mod aggregates;
pub mod areas;
pub mod audit;
pub mod events;
pub mod health;
pub mod tokens;

use actix_web::web;
use utoipa::IntoResponses;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::DbConn;
use crate::error::{ApiError, Problem};
use crate::startup::AppState;

/// Registers every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz);
    cfg.service(scope::scope("/api/v1").configure(api_v1));
}

fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(agencies::list)
        .service(agencies::create)
        .service(agencies::get)
        .service(agencies::update)
        .service(tokens::create)
        .service(tokens::list)
        .service(tokens::revoke)
        .service(audit::list)
        .service(events::create)
        .service(events::batch)
        .service(events::list)
        .service(events::duplicate_candidates)
        .service(events::put_external)
        .service(events::get_one)
        .service(events::replace)
        .service(events::remove)
        .service(events::link)
        .service(events::unlink)
        .service(aggregates::query)
        .service(areas::list)
        .service(areas::import)
        .service(areas::import_successors)
        .service(areas::create)
        .service(areas::get);
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
#[derive(IntoResponses)]
pub enum NotFound {
    /// No such resource (or not visible to this caller).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
}

/// Largest page of any list.
pub const MAX_PAGE: i64 = 500;

/// Clamps a requested page size to 1..=[`MAX_PAGE`] (default `default`).
pub fn page_size(requested: Option<i64>, default: i64) -> i64 {
    requested.unwrap_or(default).clamp(1, MAX_PAGE)
}
