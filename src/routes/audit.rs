//! The audit log, newest first, with cursor pagination (admin).

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, AuditEntry, AuditFilter};
use crate::domain::calendar::Instant;
use crate::error::ApiError;
use crate::http::extract::{QueryParams, given};
use crate::http::{AuthErrors, page_size, with_conn};
use crate::http::{Principal, cursor};
use crate::state::AppState;

/// Filters and paging for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entity type: `agency`, `token`, `event`, `area`, ...
    #[param(min_length = 1)]
    pub entity: Option<String>,
    /// Entity id (with `entity`).
    #[param(min_length = 1)]
    pub entity_id: Option<String>,
    /// Actor token id (`jti`).
    #[param(min_length = 1)]
    pub actor: Option<String>,
    /// Records at or after this time (RFC 3339, years 1900 to 2100).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub from: Option<Instant>,
    /// Records before this time (RFC 3339, years 1900 to 2100).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub to: Option<Instant>,
    /// Page size, 1-500 (default 100; larger values are clamped to 500).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of audit records.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Records, newest first.
    pub items: Vec<AuditEntry>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Read the audit log (admin): every write in the service, newest first.
#[utoipa::path(operation_id = "audit_list", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "A page of records", body = AuditPage), AuthErrors,
        (status = 422, description = "Invalid filter", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let q = q.0;
    let before_id = match &q.cursor {
        None => None,
        Some(c) => match cursor::decode(c)? {
            [id] if id > 0 => Some(id),
            _ => {
                return Err(ApiError::field(
                    "cursor",
                    "not a cursor returned by this endpoint",
                ));
            }
        },
    };
    let limit = page_size(q.limit, 100);
    let filter = AuditFilter {
        entity_type: given(q.entity),
        entity_id: given(q.entity_id),
        actor: given(q.actor),
        from: q.from.map(|t| t.0.naive_utc()),
        to: q.to.map(|t| t.0.naive_utc()),
        before_id,
    };
    let mut items = with_conn(&state, move |c| audit::list(c, &filter, limit + 1)).await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|e| cursor::encode([e.id]))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}
