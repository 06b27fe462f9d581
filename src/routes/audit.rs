//! The audit log, newest first, with cursor pagination (admin); and the
//! events deleted soon after their creation (admin).

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, AuditEntry, AuditFilter, ShortLivedEvent, ShortLivedFilter};
use crate::domain::calendar::{Day, Instant, start_of_day_utc};
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
    /// The person who acted: a username (any case) or an account id.
    #[param(min_length = 1)]
    pub person: Option<String>,
    /// What happened: `create`, `update`, `delete`, `confirm_claim`, ...;
    /// `migrate_broadcast` lists the broadcasts an upgrade moved to their
    /// audience (issue 31), with the identified participants some of them
    /// hold (kept, not counted) for an admin to correct.
    #[param(min_length = 1)]
    pub action: Option<String>,
    /// Records at or after this time (RFC 3339, years 1900 to 2100).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub from: Option<Instant>,
    /// Records before this time (RFC 3339, years 1900 to 2100).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub to: Option<Instant>,
    /// Page size, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
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
    let limit = page_size(q.limit, 100)?;
    let mut filter = AuditFilter {
        entity_type: given(q.entity),
        entity_id: given(q.entity_id),
        actor: given(q.actor),
        person: None,
        action: given(q.action),
        from: q.from.map(|t| t.0.naive_utc()),
        to: q.to.map(|t| t.0.naive_utc()),
        before_id,
    };
    let person = given(q.person);
    let mut items = with_conn(&state, move |c| {
        if let Some(p) = person {
            filter.person = Some(crate::accounts::person_id(c, &p)?);
        }
        audit::list(c, &filter, limit + 1)
    })
    .await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|e| cursor::encode([e.id]))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}

/// Longest lifetime `within_minutes` may ask about: one week.
pub const MAX_WITHIN_MINUTES: i64 = 7 * 24 * 60;

/// Filters and paging for short-lived events.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ShortLivedQuery {
    /// Only events reported by this agency.
    #[param(min_length = 1)]
    pub agency: Option<String>,
    /// Events deleted at most this many minutes after they were created,
    /// 1-10080 (one week; default 60).
    #[param(minimum = 1, maximum = 10080)]
    pub within_minutes: Option<i64>,
    /// Events deleted on or after this day (Vietnam's calendar, UTC+7; 1900-01-01 to 2100-12-31).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<Day>,
    /// Events deleted on or before this day (Vietnam's calendar, UTC+7; 1900-01-01 to 2100-12-31).
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<Day>,
    /// Page size, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of short-lived events.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortLivedPage {
    /// Events, most recently deleted first.
    pub items: Vec<ShortLivedEvent>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// List events deleted soon after they were created (admin), latest first.
///
/// Whoever can both write an agency's events and read aggregates could learn
/// whether a person attended anything by posting an event with that one
/// identifier, reading an aggregate and deleting the event. A probe looks
/// like an honest correction, so it is made visible instead: this lists
/// every deleted event whose lifetime (deletion minus creation) was at
/// most `within_minutes`, with how many identified participants it had. An
/// event restored after its deletion is no longer deleted and is not listed;
/// its create, delete and update records stay in `GET /api/v1/audit`.
#[utoipa::path(operation_id = "audit_short_lived_events", tag = "audit", security(("bearer" = [])), params(ShortLivedQuery),
    responses((status = 200, description = "A page of events", body = ShortLivedPage), AuthErrors,
        (status = 422, description = "Invalid filter", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/audit/short-lived-events")]
pub async fn short_lived_events(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<ShortLivedQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let q = q.0;
    let within_minutes = q.within_minutes.unwrap_or(60);
    if !(1..=MAX_WITHIN_MINUTES).contains(&within_minutes) {
        return Err(ApiError::field(
            "within_minutes",
            format!("must be 1 to {MAX_WITHIN_MINUTES} (one week)"),
        ));
    }
    let (from, to) = (q.from.map(|d| d.0), q.to.map(|d| d.0));
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ApiError::field("to", "must not be before from"));
    }
    let after = given(q.cursor)
        .as_deref()
        .map(cursor::decode_at)
        .transpose()?;
    let limit = page_size(q.limit, 100)?;
    let filter = ShortLivedFilter {
        within_minutes: i32::try_from(within_minutes).expect("at most a week of minutes"),
        agency: given(q.agency),
        deleted_from: from.map(start_of_day_utc),
        deleted_before: to.and_then(|t| t.succ_opt()).map(start_of_day_utc),
        after,
    };
    let mut rows = with_conn(&state, move |c| {
        audit::short_lived_events(c, &filter, limit + 1)
    })
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last()
            .map(|(e, seq)| cursor::encode_at(e.deleted_at.naive_utc(), *seq))
    } else {
        None
    };
    let items = rows.into_iter().map(|(e, _)| e).collect();
    Ok(HttpResponse::Ok().json(ShortLivedPage { items, next_cursor }))
}
