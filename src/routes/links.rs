//! Same-as links between agencies' reports, by consent: an agency proposes
//! from its own report; the link takes effect once every agency whose
//! figures it changes approved (an admin's link at once). Each agency may
//! take its own report out of a group at any time.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{reader, writer};
use crate::error::{ApiError, Problem};
use crate::events::links::{self, LinkStatus};
use crate::events::{self, LinkOutcome, LinkProposal, SameAsGroup};
use crate::http::extract::{JsonBody, Late, QueryParams, given};
use crate::http::if_match::IfMatch;
use crate::http::{
    AuthErrors, BodyErrors, Locked, NotFound, PageQuery, Principal, cursor, page_size, with_conn,
};
use crate::state::AppState;

/// The other report of the same real event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SameAsBody {
    /// Id of the other agency's report of the same event: one of the
    /// caller's duplicate candidates (`GET /api/v1/events/duplicate-candidates`)
    /// or an id the other agency gave (tallies and province-wide records are
    /// never candidates). Proposing shows nothing of that report's figures
    /// until its agency approves.
    pub other_id: String,
}

fn outcome(out: LinkOutcome) -> HttpResponse {
    match out.status {
        LinkStatus::Linked => HttpResponse::Ok().json(out),
        LinkStatus::Proposed => HttpResponse::Accepted().json(out),
    }
}

/// An event's real event: its live reports, the links joining them and the
/// pending proposals touching them (an admin, or an agency with a report in
/// it; 404 to others, as for an event that does not exist).
#[utoipa::path(operation_id = "events_same_as", tag = "links", security(("bearer" = [])),
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, description = "The real-event group", body = SameAsGroup), AuthErrors, NotFound))]
#[get("/events/{id}/same-as")]
pub async fn group(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reader = reader(&who)?;
    let id = id.into_inner();
    let out = with_conn(&state, move |c| links::group(c, &reader, &id)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Say two reports by different agencies describe the same real event.
/// An admin links them at once. An agency proposes, from its own report:
/// linking merges two real events, which changes the figures of every
/// party to either (each agency with a report in it, and each agency named
/// on one as co-organiser that has not declined), so the link takes effect
/// only when each of them approved the proposal's current revision (`202`
/// with the proposal until then; `200` once linked). Posting a pair that
/// already has a proposal changes nothing (sync jobs may repeat it); with
/// `If-Match: "<revision>"` it also approves it for the caller.
/// Linked reports count once in aggregates: the largest reported
/// headcounts, the union of participants, the earliest date.
#[utoipa::path(operation_id = "events_link", tag = "links", security(("bearer" = [])), request_body = SameAsBody,
    params(("id" = String, Path, description = "Event id: the caller's own report (any, for an admin)"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?"[0-9]{1,18}"( *, *(W/)?"[0-9]{1,18}")*$"#, description = "The pending proposal's `revision`, to approve it as well")),
    responses((status = 200, description = "The reports now form one real event", body = LinkOutcome),
        (status = 202, description = "Proposed: waiting for the agencies in `proposal.waiting_for`", body = LinkOutcome),
        (status = 412, description = "The pending proposal changed since its revision was read", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`If-Match: *` names no revision", body = Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors, NotFound, Locked))]
#[post("/events/{id}/same-as")]
pub async fn link(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Principal,
    id: web::Path<String>,
    body: Late<JsonBody<SameAsBody>>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    super::events::visible_for_writing(&state, &who, &id).await?;
    let other_id = body.get()?.0.other_id;
    let revision = IfMatch::of(&req)?.revision()?;
    let actor = who.actor();
    let out = with_conn(&state, move |c| {
        events::link(c, &actor, writer(&who)?, &id, &other_id, revision)
    })
    .await?;
    Ok(outcome(out))
}

/// Take the caller's report out of its real event: every link and pending
/// proposal touching it goes; the other reports regroup by their remaining
/// links.
#[utoipa::path(operation_id = "events_leave_group", tag = "links", security(("bearer" = [])),
    params(("id" = String, Path, description = "Event id: the caller's own report (any, for an admin)")),
    responses((status = 200, description = "The report, now alone", body = events::SameAs), AuthErrors, NotFound, Locked))]
#[delete("/events/{id}/same-as")]
pub async fn leave(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    writer(&who)?;
    let actor = who.actor();
    let id = id.into_inner();
    let out = with_conn(&state, move |c| links::leave(c, &actor, writer(&who)?, &id)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Remove the direct link, or withdraw the pending proposal, between the
/// caller's report and another. 404 when there is none, whether or not the
/// other event exists.
#[utoipa::path(operation_id = "events_unlink", tag = "links", security(("bearer" = [])),
    params(("id" = String, Path, description = "Event id: the caller's own report (any, for an admin)"),
        ("other_id" = String, Path, description = "The linked event's id")),
    responses((status = 200, description = "The reports still forming the event's real event", body = events::SameAs),
        AuthErrors, NotFound, Locked))]
#[delete("/events/{id}/same-as/{other_id}")]
pub async fn unlink(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    writer(&who)?;
    let actor = who.actor();
    let (id, other) = path.into_inner();
    let out = with_conn(&state, move |c| {
        events::unlink(c, &actor, writer(&who)?, &id, &other)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A page of pending link proposals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalList {
    /// In a stable order (by the reports they join).
    pub items: Vec<LinkProposal>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Pending link proposals the caller may act on: for an agency, those it
/// made, approved, or that wait for it; for an admin, all.
#[utoipa::path(operation_id = "link_proposals_list", tag = "links", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of pending proposals", body = ProposalList), AuthErrors,
        (status = 422, description = "Invalid cursor", body = Problem, content_type = "application/problem+json")))]
#[get("/link-proposals")]
pub async fn proposals(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    writer(&who)?;
    let limit = page_size(q.0.limit, 100)?;
    let after = given(q.0.cursor)
        .as_deref()
        .map(cursor::decode)
        .transpose()?
        .map(|[a, b]| (a, b));
    let (items, next) = with_conn(&state, move |c| {
        links::proposals(c, writer(&who)?, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ProposalList {
        items,
        next_cursor: next.map(|(a, b)| cursor::encode([a, b])),
    }))
}

/// One pending link proposal, as the caller sees it (a party to it or an
/// admin; 404 to others). Its `ETag` is the revision an approval names.
#[utoipa::path(operation_id = "link_proposals_get", tag = "links", security(("bearer" = [])),
    params(("id" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "The proposal", body = LinkProposal,
            headers(("ETag" = String, description = "The proposal's revision"))),
        AuthErrors, NotFound))]
#[get("/link-proposals/{id}")]
pub async fn proposal(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    writer(&who)?;
    let id = id.into_inner();
    let out = with_conn(&state, move |c| links::proposal(c, writer(&who)?, &id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::ETAG,
            format!("\"{}\"", out.revision),
        ))
        .json(out))
}

/// Approve a link proposal for the caller's agency (an admin approves for
/// every agency: the link takes effect at once). Consent is to specific
/// figures: `If-Match` must name the proposal's current `revision` (428
/// without it, 412 when any report of either real event changed since it
/// was read). `200` once linked, `202` while other parties have still to
/// approve this revision.
#[utoipa::path(operation_id = "link_proposals_approve", tag = "links", security(("bearer" = [])),
    params(("id" = String, Path, description = "Proposal id"),
        ("If-Match" = String, Header, pattern = r#"^(W/)?"[0-9]{1,18}"( *, *(W/)?"[0-9]{1,18}")*$"#, description = "The proposal's `revision`, as an entity tag: `\"1234\"`")),
    responses((status = 200, description = "Linked", body = LinkOutcome),
        (status = 202, description = "Approved; waiting for others", body = LinkOutcome),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The proposal changed since its revision was read", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match naming the revision", body = Problem, content_type = "application/problem+json"),
        AuthErrors, NotFound, Locked))]
#[post("/link-proposals/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    writer(&who)?;
    let actor = who.actor();
    let id = id.into_inner();
    let revision = IfMatch::of(&req)?.revision()?;
    let out = with_conn(&state, move |c| {
        links::approve(c, &actor, writer(&who)?, &id, revision)
    })
    .await?;
    Ok(outcome(out))
}

/// Decline a link proposal (any agency whose figures it would change), or
/// withdraw it (its proposer). It is removed; nothing was linked.
#[utoipa::path(operation_id = "link_proposals_decline", tag = "links", security(("bearer" = [])),
    params(("id" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "The removed proposal", body = LinkProposal), AuthErrors, NotFound))]
#[delete("/link-proposals/{id}")]
pub async fn decline(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    writer(&who)?;
    let actor = who.actor();
    let id = id.into_inner();
    let out = with_conn(&state, move |c| {
        links::decline(c, &actor, writer(&who)?, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}
