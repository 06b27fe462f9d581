//! Locked periods: an admin locks a period once its figures are signed
//! (every write that would move them then answers 409 `period-locked`) and
//! reopens it with a reason. Every token may list the locks, so agencies'
//! systems can tell in advance which of their reports can no longer change.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::calendar::PeriodRule;
use crate::error::{ApiError, Problem};
use crate::http::extract::{JsonBody, QueryParams, given};
use crate::http::{AuthErrors, BodyErrors, NotFound, Principal, cursor, page_size, with_conn};
use crate::periods::{self, PERIOD_FORMAT, Period, PeriodLock};
use crate::state::AppState;

/// A period to lock.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LockRequest {
    /// `2025` (a year), `2025-Q3` (a quarter) or `2025-07` (a month).
    #[schema(
        example = "2025-Q3",
        pattern = r"^(19[0-9]{2}|20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$"
    )]
    pub period: String,
    /// Why: usually the report the figures were signed in.
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Báo cáo quý III/2025 đã ký"
    )]
    pub reason: String,
}

/// Why a period is reopened.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    /// The reason, kept with the lock and in the audit log.
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Correcting a duplicated class reported by the police"
    )]
    pub reason: String,
}

/// Which locks to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodsQuery {
    /// `true`: reopened locks too (the history); default: active locks only.
    pub all: Option<bool>,
    /// Only this period (`2025-Q3`).
    #[param(min_length = 1)]
    pub period: Option<String>,
    /// Locks per page, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of period locks.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodLockPage {
    /// Locks, newest first.
    pub items: Vec<PeriodLock>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn parse_period(field: &str, text: &str, rule: PeriodRule) -> Result<Period, ApiError> {
    Period::parse(text, rule).map_err(|_: String| ApiError::field(field, PERIOD_FORMAT))
}

/// The period locks: active ones (writes to them are refused), or with
/// `all=true` the whole history including reopened ones. Any token; public
/// tokens see periods and dates only (no token ids, no reasons).
#[utoipa::path(operation_id = "periods_list", tag = "periods", security(("bearer" = [])), params(PeriodsQuery),
    responses((status = 200, description = "A page of locks", body = PeriodLockPage), AuthErrors,
        (status = 422, description = "Invalid period or cursor", body = Problem, content_type = "application/problem+json")))]
#[get("/periods")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<PeriodsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let period = given(q.period)
        .map(|p| parse_period("period", &p, state.settings.period_rule))
        .transpose()?;
    let before = given(q.cursor)
        .as_deref()
        .map(cursor::decode::<1>)
        .transpose()?
        .map(|[id]| id);
    let limit = page_size(q.limit, 100)?;
    let all = q.all.unwrap_or(false);
    let (items, next) = with_conn(&state, move |c| {
        periods::list(c, all, period.as_ref(), before, limit)
    })
    .await?;
    let items = if who.public {
        items.into_iter().map(PeriodLock::for_public).collect()
    } else {
        items
    };
    Ok(HttpResponse::Ok().json(PeriodLockPage {
        items,
        next_cursor: next.map(|id| cursor::encode([id])),
    }))
}

/// Lock a period (admin): from now on, creating, replacing, deleting,
/// linking, unlinking or confirming a report whose real event has a report
/// starting in the period, or moving a report into or out of it, answers
/// 409 `period-locked` on every write path (batch items answer `locked`).
/// Writes in flight finish first. Locking a locked period returns its lock
/// (200).
#[utoipa::path(operation_id = "periods_lock", tag = "periods", security(("bearer" = [])), request_body = LockRequest,
    responses((status = 201, description = "Locked", body = PeriodLock),
        (status = 200, description = "Already locked: the active lock", body = PeriodLock),
        AuthErrors, BodyErrors))]
#[post("/periods")]
pub async fn lock(
    state: web::Data<AppState>,
    who: Principal,
    body: JsonBody<LockRequest>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let period = parse_period("period", &body.0.period, state.settings.period_rule)?;
    let actor = who.actor();
    let (new, out) = with_conn(&state, move |c| {
        periods::lock(c, &actor, &period, &body.0.reason)
    })
    .await?;
    Ok(if new {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
    .json(out))
}

/// Reopen a locked period (admin) with a reason: writes to it are accepted
/// again. The lock stays in the history (`GET /periods?all=true`) with who
/// reopened it and why; both are in the audit log.
#[utoipa::path(operation_id = "periods_reopen", tag = "periods", security(("bearer" = [])), request_body = ReopenRequest,
    params(("period" = String, Path, pattern = r"^(19[0-9]{2}|20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$", description = "The locked period, e.g. `2025-Q3`")),
    responses((status = 200, description = "Reopened", body = PeriodLock), AuthErrors, BodyErrors, NotFound))]
#[post("/periods/{period}/reopen")]
pub async fn reopen(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
    body: JsonBody<ReopenRequest>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let period = parse_period("period", &path.into_inner(), state.settings.period_rule)?;
    let actor = who.actor();
    let out = with_conn(&state, move |c| {
        periods::reopen(c, &actor, &period, &body.0.reason)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}
