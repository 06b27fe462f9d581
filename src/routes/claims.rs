//! Co-organiser claims: an agency named as co-organiser of another
//! agency's event lists the claims naming it and confirms or declines
//! each; admins list every claim and answer for any agency.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::writer;
use crate::domain::ClaimStatus;
use crate::error::{ApiError, Problem};
use crate::events::Writer;
use crate::events::claims::{self, Answer, ClaimOut};
use crate::http::extract::{QueryParams, given};
use crate::http::if_match::IfMatch;
use crate::http::{AuthErrors, Locked, NotFound, Principal, cursor, page_size, with_conn};
use crate::state::AppState;

/// Which claims to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClaimsQuery {
    /// Only claims with this answer (`pending` lists what waits for you).
    pub status: Option<ClaimStatus>,
    /// Admins: only claims naming this agency. Agency tokens list the
    /// claims naming them; another agency here is 403.
    #[param(min_length = 1)]
    pub agency: Option<String>,
    /// Events per page, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of claims.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimPage {
    /// Claims with the events they are about, in event order.
    pub items: Vec<ClaimOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Claims on live events: for an agency, those naming it (with the event's
/// figures, so it can decide); for an admin, all. An event counts for a
/// named co-organiser only once it confirmed.
#[utoipa::path(operation_id = "claims_list", tag = "claims", security(("bearer" = [])), params(ClaimsQuery),
    responses((status = 200, description = "A page of claims", body = ClaimPage), AuthErrors,
        (status = 422, description = "Invalid cursor or status", body = Problem, content_type = "application/problem+json")))]
#[get("/claims")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<ClaimsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let agency = match (writer(&who)?, given(q.agency)) {
        (Writer::Admin, a) => a,
        (Writer::Agency(own), Some(a)) if a != own => {
            return Err(ApiError::Forbidden(
                "an agency lists only the claims naming it".into(),
            ));
        }
        (Writer::Agency(own), _) => Some(own.to_string()),
    };
    let limit = page_size(q.limit, 100)?;
    let after = given(q.cursor)
        .as_deref()
        .map(cursor::decode::<1>)
        .transpose()?
        .map(|[s]| s);
    let status = q.status;
    let (items, next) = with_conn(&state, move |c| {
        claims::list(c, agency.as_deref(), status, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ClaimPage {
        items,
        next_cursor: next.map(|s| cursor::encode([s])),
    }))
}

async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: (String, String),
    answer: Answer,
) -> Result<HttpResponse, ApiError> {
    writer(&who)?;
    // Parsed now, judged after the visibility check (404 comes first).
    let if_match = IfMatch::of(&req).map_err(|e| e.to_string());
    let actor = who.actor();
    let (id, agency) = path;
    let out = with_conn(&state, move |c| {
        claims::answer(c, &actor, writer(&who)?, &id, &agency, answer, || {
            let m = if_match.clone().map_err(ApiError::BadRequest)?;
            match answer {
                Answer::Confirm => m.required(),
                Answer::Decline => Ok(m.version()),
            }
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, out.event.etag()))
        .json(out))
}

/// Confirm that the caller's agency co-organised the event (an admin: the
/// named agency): with the figures of the version named in `If-Match`
/// (required: 428 without it, 412 when the event changed since).
/// From then on the event counts in that agency's rows, lists and reads,
/// until the reporting agency changes its people, headcounts, dates or
/// place, which asks again. 404, before anything else, for a claim the
/// caller cannot answer, as for one that does not exist.
#[utoipa::path(operation_id = "claims_confirm", tag = "claims", security(("bearer" = [])),
    params(("id" = String, Path, description = "Event id"),
        ("agency" = String, Path, description = "The named co-organiser (the caller's own agency, unless admin)"),
        ("If-Match" = String, Header, pattern = r#"^(\*|(W/)?"[0-9]{1,18}"( *, *(W/)?"[0-9]{1,18}")*)$"#, description = "ETag of the event version whose figures you confirm")),
    responses((status = 200, description = "Confirmed", body = ClaimOut),
        (status = 400, description = "If-Match is not an entity tag (or a list of them) nor `*`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The event changed since that ETag (or only weak tags were sent: If-Match compares strongly)", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        AuthErrors, NotFound, Locked))]
#[post("/events/{id}/claims/{agency}/confirm")]
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    answer(req, state, who, path.into_inner(), Answer::Confirm).await
}

/// Decline a claim: the caller's agency (or, for an admin, the named
/// agency) did not organise this event. It stops counting for that agency
/// at once; the event stays the reporting agency's. A confirmed claim may
/// be declined later. `If-Match` is optional (412 when it does not match).
#[utoipa::path(operation_id = "claims_decline", tag = "claims", security(("bearer" = [])),
    params(("id" = String, Path, description = "Event id"),
        ("agency" = String, Path, description = "The named co-organiser (the caller's own agency, unless admin)"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?"[0-9]{1,18}"( *, *(W/)?"[0-9]{1,18}")*)$"#, description = "ETag of the event version you answer about")),
    responses((status = 200, description = "Declined", body = ClaimOut),
        (status = 400, description = "If-Match is not an entity tag (or a list of them) nor `*`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The event changed since that ETag (or only weak tags were sent: If-Match compares strongly)", body = Problem, content_type = "application/problem+json"),
        AuthErrors, NotFound, Locked))]
#[post("/events/{id}/claims/{agency}/decline")]
pub async fn decline(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    answer(req, state, who, path.into_inner(), Answer::Decline).await
}
