//! Publications: an admin publishes a period's tables; every token, public
//! ones included, reads them (JSON byte for byte as hashed, or CSV) and the
//! changes between versions.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::calendar::PeriodRule;
use crate::error::{ApiError, Problem};
use crate::http::extract::{JsonBody, QueryParams, given};
use crate::http::{AuthErrors, BodyErrors, NotFound, Principal, cursor, page_size, with_conn};
use crate::periods::{PERIOD_FORMAT, Period};
use crate::publications::{self, Changes, Publication, PublicationSummary, PublishRequest};
use crate::state::AppState;

/// Which publications to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicationsQuery {
    /// Only this period's versions (`2025-Q3`).
    #[param(min_length = 1)]
    pub period: Option<String>,
    /// Per page, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of publications.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationPage {
    /// Newest first.
    pub items: Vec<PublicationSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Which version.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version (default: the latest).
    #[param(minimum = 1)]
    pub version: Option<i64>,
}

/// Changes since which version.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The earlier version; the changes are to the latest.
    #[param(minimum = 1)]
    pub since: Option<i64>,
    /// `true` (admins): instead, the latest version against what a
    /// republish would publish now from live figures (after an erasure or
    /// a correction), computed and not stored.
    pub live: Option<bool>,
}

fn period(text: &str, rule: PeriodRule) -> Result<Period, ApiError> {
    Period::parse(text, rule).map_err(|_: String| ApiError::field("period", PERIOD_FORMAT))
}

fn etag(sha256: &str) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{sha256}\""))
}

/// Publish a period's tables (admin): each is computed once over the
/// period (by default by agency, kind, target group, province and month),
/// every count from 1 to `threshold - 1` is withheld, and so are other
/// cells, across all the tables, until none can be worked out by adding
/// and subtracting published ones. The result is stored as the period's
/// next version with the SHA-256 of its JSON (the `ETag`) and never
/// changes. First-time and cumulative people are not published (they
/// depend on attendances before the period). Lock the period first
/// (`POST /periods`) so the figures cannot move under the publication.
#[utoipa::path(operation_id = "publications_publish", tag = "publications", security(("bearer" = [])), request_body = PublishRequest,
    responses((status = 201, description = "Published", body = Publication,
        headers(("Location" = String, description = "The publication's URL"), ("ETag" = String, description = "Its SHA-256, quoted"))),
        AuthErrors, BodyErrors))]
#[post("/publications")]
pub async fn publish(
    state: web::Data<AppState>,
    who: Principal,
    body: JsonBody<PublishRequest>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let actor = who.actor();
    let k = state.settings.suppress_k;
    let rule = state.settings.period_rule;
    let row = with_conn(&state, move |c| {
        publications::publish(c, &actor, &body.0, k, rule)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/publications/{}?version={}",
                row.period, row.version
            ),
        ))
        .insert_header(etag(&row.sha256))
        .content_type("application/json")
        .body(row.content))
}

/// The publications, newest first (any token).
#[utoipa::path(operation_id = "publications_list", tag = "publications", security(("bearer" = [])), params(PublicationsQuery),
    responses((status = 200, description = "A page of publications", body = PublicationPage), AuthErrors,
        (status = 422, description = "Invalid period or cursor", body = Problem, content_type = "application/problem+json")))]
#[get("/publications")]
pub async fn list(
    state: web::Data<AppState>,
    _who: Principal,
    q: QueryParams<PublicationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let rule = state.settings.period_rule;
    let only = given(q.period).map(|p| period(&p, rule)).transpose()?;
    let before = given(q.cursor)
        .as_deref()
        .map(cursor::decode::<3>)
        .transpose()?
        .map(|[t, v, p]| {
            let bad = || ApiError::field("cursor", "not a cursor returned by this endpoint");
            let at = chrono::DateTime::from_timestamp_micros(t).ok_or_else(bad)?;
            let p = Period::from_code(p, rule).ok_or_else(bad)?;
            Ok::<_, ApiError>((at.naive_utc(), v, p.as_str().to_string()))
        })
        .transpose()?;
    let limit = page_size(q.limit, 100)?;
    let (items, next) = with_conn(&state, move |c| {
        publications::list(c, only.as_ref().map(Period::as_str), before, limit)
    })
    .await?;
    let next_cursor = next
        .map(|(at, v, p)| -> Result<String, ApiError> {
            let code = period(&p, rule)?.code();
            Ok(cursor::encode([at.and_utc().timestamp_micros(), v, code]))
        })
        .transpose()?;
    Ok(HttpResponse::Ok().json(PublicationPage { items, next_cursor }))
}

/// One version of a period's publication (the latest by default), exactly
/// the JSON whose SHA-256 is its `sha256` (and `ETag`). Any token.
#[utoipa::path(operation_id = "publications_get", tag = "publications", security(("bearer" = [])),
    params(("period" = String, Path, pattern = r"^(19[0-9]{2}|20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$", description = "The period, e.g. `2025-Q3`"), VersionQuery),
    responses((status = 200, description = "The publication", body = Publication,
        headers(("ETag" = String, description = "Its SHA-256, quoted"))), AuthErrors, NotFound,
        (status = 422, description = "Invalid period or version", body = Problem, content_type = "application/problem+json")))]
#[get("/publications/{period}")]
pub async fn get_one(
    state: web::Data<AppState>,
    _who: Principal,
    path: web::Path<String>,
    q: QueryParams<VersionQuery>,
) -> Result<HttpResponse, ApiError> {
    let p = period(&path.into_inner(), state.settings.period_rule)?;
    let version = q.0.version;
    let row = with_conn(&state, move |c| publications::get(c, p.as_str(), version)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(&row.sha256))
        .content_type("application/json")
        .body(row.content))
}

/// One version of a publication as CSV: a line per row of each table and
/// a `total` line per table; a withheld value is empty and named in the
/// `suppressed` column. Any token.
#[utoipa::path(operation_id = "publications_get_csv", tag = "publications", security(("bearer" = [])),
    params(("period" = String, Path, pattern = r"^(19[0-9]{2}|20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$", description = "The period, e.g. `2025-Q3`"), VersionQuery),
    responses((status = 200, description = "The publication as CSV", body = String, content_type = "text/csv"), AuthErrors, NotFound,
        (status = 422, description = "Invalid period or version", body = Problem, content_type = "application/problem+json")))]
#[get("/publications/{period}.csv")]
pub async fn get_csv(
    state: web::Data<AppState>,
    _who: Principal,
    path: web::Path<String>,
    q: QueryParams<VersionQuery>,
) -> Result<HttpResponse, ApiError> {
    let p = period(&path.into_inner(), state.settings.period_rule)?;
    let version = q.0.version;
    let body = with_conn(&state, move |c| {
        let row = publications::get(c, p.as_str(), version)?;
        publications::output::to_csv(&publications::parse(&row)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .body(body))
}

/// The cells that changed from version `since` to the latest: value or
/// withholding, by table, row and measure (rows that appeared or went
/// too). Any token. With `live=true` (admins), the cells a republish would
/// change now: the latest version against the same tables computed from
/// live figures, disclosure control applied (after an erasure, which
/// never rewrites a stored publication).
#[utoipa::path(operation_id = "publications_changes", tag = "publications", security(("bearer" = [])),
    params(("period" = String, Path, pattern = r"^(19[0-9]{2}|20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$", description = "The period, e.g. `2025-Q3`"), ChangesQuery),
    responses((status = 200, description = "The changed cells", body = Changes), AuthErrors, NotFound,
        (status = 422, description = "No such earlier version", body = Problem, content_type = "application/problem+json")))]
#[get("/publications/{period}/changes")]
pub async fn changes(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
    q: QueryParams<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let rule = state.settings.period_rule;
    let p = period(&path.into_inner(), rule)?;
    let out = match (q.0.since, q.0.live.unwrap_or(false)) {
        (Some(since), false) => {
            with_conn(&state, move |c| publications::changes(c, p.as_str(), since)).await?
        }
        (None, true) => {
            who.require_admin()?;
            with_conn(&state, move |c| {
                publications::changes::would_change(c, p.as_str(), rule)
            })
            .await?
        }
        (Some(_), true) => {
            return Err(ApiError::field("live", "give since or live=true, not both"));
        }
        (None, false) => {
            return Err(ApiError::field(
                "since",
                "required: the earlier version (or live=true)",
            ));
        }
    };
    Ok(HttpResponse::Ok().json(out))
}
