//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Probe answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// Readiness answer.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// Always `ok`.
    pub status: &'static str,
    /// Which engine answers aggregates now: `index` once the in-memory reach
    /// index is built, `sql` while it is being built at start (or when
    /// `AGGREGATES_ENGINE=sql`). Both give the same figures, so the service
    /// is ready either way; the SQL path is only slower.
    pub aggregates_engine: &'static str,
}

/// Liveness: the process is up and serving HTTP. Never touches the database.
#[utoipa::path(operation_id = "health_healthz", tag = "health", responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: the database answers a query within the configured timeout
/// and can take writes (its storage is not read-only or nearly full:
/// `MIN_FREE_DISK_MB`). Load balancers should stop sending traffic while
/// this answers 503.
#[utoipa::path(operation_id = "health_readyz", 
    tag = "health",
    responses(
        (status = 200, description = "The database answers", body = Readiness),
        (status = 503, description = "The database is unreachable, every connection is busy, or its storage is full or read-only",
         body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u32, description = "Seconds to wait")))
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let min_free = state.settings.min_free_disk_bytes;
    web::block(move || -> Result<(), ApiError> {
        let mut conn = pool.get()?;
        crate::db::ping(&mut conn).map_err(|e| {
            ApiError::Unavailable(format!("the database does not answer: {}", short(&e)))
        })?;
        match crate::db::storage_problem(&mut conn, min_free) {
            Ok(None) => Ok(()),
            Ok(Some(problem)) => Err(ApiError::Unavailable(problem)),
            Err(e) => Err(ApiError::Unavailable(format!(
                "the database does not answer: {}",
                short(&e)
            ))),
        }
    })
    .await??;
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ok",
        aggregates_engine: if state.reach.is_ready() {
            "index"
        } else {
            "sql"
        },
    }))
}

fn short(e: &diesel::result::Error) -> &'static str {
    match e {
        diesel::result::Error::DatabaseError(..) => "query failed",
        _ => "connection error",
    }
}
