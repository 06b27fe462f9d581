//! Outreach events: agencies write their own; agencies read their own and
//! those they co-organise; admins read and write all; dashboards use aggregates.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{reader, writer};
use crate::db::events::EventFilter;
use crate::domain::calendar::{Day, Instant};
use crate::domain::{Kind, TargetGroup, Topic};
use crate::error::{ApiError, Problem};
use crate::events::patch::ParticipantsChange;
use crate::events::{self, BatchResult, EventBody, EventInput, EventOut, Expected, Mode, Outcome};
use crate::http::extract::{JsonBody, Late, MergePatch, QueryParams, given, parse_json};
use crate::http::if_match::IfMatch;
use crate::http::{AuthErrors, BodyErrors, Locked, NotFound, page_size, with_conn};
use crate::http::{PageQuery, Principal, cursor};
use crate::metrics::IngestPath;
use crate::state::AppState;

/// Marks an answer to a write that stored participants without their legal
/// basis: `Deprecation` (RFC 9745: since the basis was asked for) and
/// `Sunset` (RFC 8594: from when such a write is refused).
fn deprecated_without_basis(resp: &mut actix_web::HttpResponseBuilder) {
    use crate::events::legal::{ASKED_SINCE, REQUIRED_FROM};
    let midnight = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    resp.insert_header((
        "Deprecation",
        format!("@{}", midnight(ASKED_SINCE).timestamp()),
    ));
    resp.insert_header((
        "Sunset",
        midnight(REQUIRED_FROM)
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string(),
    ));
}

/// Counts a single-event write in the metrics, then answers it.
fn counted(
    state: &AppState,
    agency: &str,
    result: Result<(Outcome, EventOut), ApiError>,
) -> Result<HttpResponse, ApiError> {
    let outcome = match &result {
        Ok((Outcome::Created, _)) => "created",
        Ok((Outcome::Updated, _)) => "updated",
        Ok((Outcome::Unchanged, _)) => "unchanged",
        Err(ApiError::Conflict { .. }) => "conflict",
        Err(ApiError::Validation { .. }) => "invalid",
        Err(_) => "refused",
    };
    state
        .metrics
        .ingested(agency, IngestPath::Single, outcome, 1);
    result.map(|(outcome, event)| respond(outcome, &event))
}

fn respond(outcome: Outcome, event: &EventOut) -> HttpResponse {
    let mut resp = match outcome {
        Outcome::Created => HttpResponse::Created(),
        Outcome::Updated | Outcome::Unchanged => HttpResponse::Ok(),
    };
    if event.legal_basis.as_deref() == Some("unknown") {
        deprecated_without_basis(&mut resp);
    }
    if outcome == Outcome::Created {
        resp.insert_header((header::LOCATION, format!("/api/v1/events/{}", event.id)));
    }
    resp.insert_header((header::ETAG, event.etag())).json(event)
}

/// Record an event (agency token). The same `external_id` with the same
/// content answers 200 with the stored event and writes nothing; with other
/// content, 409 naming the stored event (use PUT to replace it).
#[utoipa::path(operation_id = "events_create", tag = "events", security(("bearer" = [])), request_body = EventInput,
    responses(
        (status = 201, description = "Stored", body = EventOut,
         headers(("Location" = String, description = "The event's URL"), ("ETag" = String, description = "Version tag for If-Match"))),
        (status = 200, description = "Already stored with the same content", body = EventOut,
         headers(("ETag" = String, description = "Version tag"))),
        (status = 409, description = "The external_id names an event with other content (`conflict`; `existing_id` points to it), or the start date is in a locked period (`period-locked`; `locked_period` names it)",
         body = Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors))]
#[post("/events")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: JsonBody<EventBody>,
) -> Result<HttpResponse, ApiError> {
    let agency = who.require_writing_agency()?.to_string();
    let actor = who.actor();
    let pseudo = state.pseudonymizer.clone();
    let result = with_conn(&state, {
        let agency = agency.clone();
        move |c| {
            let v = events::validate_body(&body.0, &agency, &pseudo, "")
                .map_err(ApiError::validation)?;
            events::write_one(c, &actor, &agency, &v, Mode::Create, Expected::Nothing)
        }
    })
    .await;
    counted(&state, &agency, result)
}

/// Options of a write by external id.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PutQuery {
    /// Restore the event if it was deleted (without it, a deleted event is
    /// a 409 naming the deletion: a sync never undoes a person's deletion).
    pub restore: Option<bool>,
}

/// Create or replace an event by the agency's own id (agency token): the call
/// for systems that sync. With `If-Match`, the stored version must match;
/// with `If-None-Match: *`, nothing may be stored under that id yet (412
/// otherwise). An event that was deleted is a 409 unless `restore=true`.
#[utoipa::path(operation_id = "events_put_external", tag = "events", security(("bearer" = [])), request_body = EventInput,
    params(("external_id" = String, Path, description = "The agency's own id; a body `external_id`, if sent, must equal it"),
           ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?"[0-9]{1,18}"( *, *(W/)?"[0-9]{1,18}")*)$"#, description = "ETag of the version being replaced, or `*`"),
           ("If-None-Match" = Option<String>, Header, nullable = false, pattern = r#"^\*$"#, description = "`*`: create only, never replace"),
           PutQuery),
    responses(
        (status = 201, description = "Created", body = EventOut,
         headers(("Location" = String, description = "The event's URL"), ("ETag" = String, description = "Version tag"))),
        (status = 200, description = "Replaced, or unchanged", body = EventOut, headers(("ETag" = String, description = "Version tag"))),
        (status = 409, description = "The event was deleted (`conflict`, naming when, why and by whom; send `restore=true`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the stored version, or If-None-Match: * and an event is stored", body = Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors, Locked))]
#[put("/events/external/{external_id}")]
pub async fn put_external(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    external_id: web::Path<String>,
    q: QueryParams<PutQuery>,
    body: JsonBody<EventBody>,
) -> Result<HttpResponse, ApiError> {
    let mode = Mode::from_param(Some("upsert"), q.0.restore.unwrap_or(false))?;
    let agency = who.require_writing_agency()?.to_string();
    let external_id = external_id.into_inner();
    let mut body = body.0;
    let input = &mut body.input;
    if input
        .external_id
        .as_deref()
        .is_some_and(|e| e != external_id)
    {
        return Err(ApiError::field(
            "external_id",
            "must equal the external_id in the path",
        ));
    }
    input.external_id = Some(external_id);
    let actor = who.actor();
    let result = async {
        // A malformed body is a 422 whatever the precondition says.
        let v = events::validate_body(&body, &agency, &state.pseudonymizer, "")
            .map_err(ApiError::validation)?;
        let expected = match req.headers().get(actix_web::http::header::IF_NONE_MATCH) {
            None => IfMatch::of(&req)?.expected(),
            Some(v) if v.as_bytes() == b"*" => Expected::Absent,
            Some(_) => {
                return Err(ApiError::BadRequest(
                    "If-None-Match on a write must be *".into(),
                ));
            }
        };
        let agency = agency.clone();
        with_conn(&state, move |c| {
            events::write_one(c, &actor, &agency, &v, mode, expected)
        })
        .await
    }
    .await;
    counted(&state, &agency, result)
}

/// Batch options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// `create` (default): an existing external id with other content is a conflict;
    /// `upsert`: it is replaced.
    #[param(value_type = Option<String>, pattern = "^(create|upsert)$")]
    pub mode: Option<String>,
    /// Validate everything and write nothing.
    pub dry_run: Option<bool>,
    /// With `mode=upsert`: an item naming a deleted event restores it
    /// (without it, such an item is a `conflict` naming the deletion, so a
    /// nightly sync never undoes a deletion a person made).
    pub restore: Option<bool>,
}

/// A batch of events.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// Up to the configured batch limit (default 1,000) items, each an event
    /// shaped like `EventInput` or a deletion
    /// (`{"delete": {"external_id", "reason"}}`). An item that is neither is
    /// answered `invalid` with its errors; it does not reject the batch.
    #[schema(value_type = Vec<BatchItemInput>, min_items = 1, max_items = 1000)]
    pub items: Vec<serde_json::Value>,
}

/// One item of a batch: an event to write, or a deletion of one stored
/// before the batch.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "the document's shape of an item; the handler reads items one by one"
)]
pub enum BatchItemInput {
    /// An event to create or replace.
    Event(Box<EventInput>),
    /// An event to delete, by the agency's external id.
    Delete(events::batch_delete::DeletionItem),
}

/// Record up to 1,000 events in one transaction (agency token). Every item is
/// answered in order with `created`, `updated`, `unchanged`, `conflict`,
/// `invalid`, `locked` or (a deletion item) `deleted`; valid items are
/// stored even when others are not. A deletion item
/// (`{"delete": {"external_id", "reason"}}`) soft-deletes an event stored
/// before the batch (`unchanged` if already deleted). With `dry_run=true`
/// nothing is written.
#[utoipa::path(operation_id = "events_batch", tag = "events", security(("bearer" = [])), request_body = BatchBody, params(BatchQuery),
    responses((status = 200, description = "Per-item results", body = BatchResult), AuthErrors, BodyErrors))]
#[post("/events/batch")]
pub async fn batch(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<BatchQuery>,
    body: JsonBody<BatchBody>,
) -> Result<HttpResponse, ApiError> {
    let agency = who.require_writing_agency()?.to_string();
    let mode = Mode::from_param(q.0.mode.as_deref(), q.0.restore.unwrap_or(false))?;
    let dry_run = q.0.dry_run.unwrap_or(false);
    let items = events::Items::parse(
        &body.0.items,
        state.settings.batch_limit,
        parse_json::<EventBody>,
    )?;
    let actor = who.actor();
    let pseudo = state.pseudonymizer.clone();
    let lacks_basis = items.lacks_legal_basis();
    let result = with_conn(&state, {
        let agency = agency.clone();
        move |c| events::write_batch(c, &pseudo, &actor, &agency, &items, mode, dry_run)
    })
    .await?;
    if !dry_run {
        for (status, n) in result.summary.counts() {
            state
                .metrics
                .ingested(&agency, IngestPath::Batch, status, n as u64);
        }
    }
    let mut resp = HttpResponse::Ok();
    if lacks_basis {
        deprecated_without_basis(&mut resp);
    }
    Ok(resp.json(result))
}

/// Filters and paging for listing events.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Reporting agency (repeatable).
    #[serde(default)]
    pub agency: Vec<String>,
    /// Kind.
    pub kind: Option<Kind>,
    /// Events with this topic.
    pub topic: Option<Topic>,
    /// Events addressing this group.
    pub target_group: Option<TargetGroup>,
    /// Administrative unit code: events in it or in any unit below it.
    #[param(min_length = 1)]
    pub area: Option<String>,
    /// start_date on or after (1900-01-01 to 2100-12-31).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<Day>,
    /// start_date on or before (1900-01-01 to 2100-12-31).
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<Day>,
    /// Changed at or after this time (RFC 3339, years 1900 to 2100), for incremental sync.
    #[param(value_type = Option<DateTime<Utc>>)]
    pub updated_since: Option<Instant>,
    /// Include soft-deleted events (they carry `deleted_at`).
    pub include_deleted: Option<bool>,
    /// Page size, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of events.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct EventPage {
    /// Events in (updated_at, id) order: stable while paging, and suited to syncing.
    pub items: Vec<EventOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// List events (agency and admin tokens). Agencies see the events they
/// reported and those they co-organise; admins see all.
#[utoipa::path(operation_id = "events_list", tag = "events", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "A page of events", body = EventPage), AuthErrors,
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json")))]
#[get("/events")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let reader = reader(&who)?;
    let q = q.0;
    let limit = page_size(q.limit, 100)?;
    let after = given(q.cursor.clone())
        .as_deref()
        .map(cursor::decode_at)
        .transpose()?;
    let mut area = given(q.area.clone());
    super::slice::scope_area(&state, &who, &mut area).await?;
    let filter = EventFilter {
        visible_to: None,
        agencies: q.agency.iter().filter(|a| !a.is_empty()).cloned().collect(),
        kind: q.kind.map(|k| k.as_str().to_string()),
        topic: q.topic.map(|t| t.as_str().to_string()),
        target_group: q.target_group.map(|t| t.as_str().to_string()),
        area_ids: None,
        from: q.from.map(|d| d.0),
        to: q.to.map(|d| d.0),
        updated_since: q.updated_since.map(|t| t.0.naive_utc()),
        include_deleted: q.include_deleted.unwrap_or(false),
        after,
    };
    let (items, next) = with_conn(&state, move |c| {
        events::page(c, &reader, filter, area.as_deref(), limit)
    })
    .await?;
    let page = EventPage {
        items,
        next_cursor: next.map(|(t, seq)| cursor::encode_at(t, seq)),
    };
    Ok(HttpResponse::Ok().json(page))
}

/// One event (its agency, a co-organiser, or an admin; to others it does not exist).
#[utoipa::path(operation_id = "events_get_one", tag = "events", security(("bearer" = [])), params(("id" = String, Path, description = "Event id")),
    responses((status = 200, description = "The event", body = EventOut, headers(("ETag" = String, description = "Version tag"))),
        AuthErrors, NotFound))]
#[get("/events/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reader = reader(&who)?;
    let id = id.into_inner();
    let event = with_conn(&state, move |c| events::read_one(c, &reader, &id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, event.etag()))
        .json(event))
}

/// Replace an event entirely (its agency or an admin). `If-Match` is
/// required: 428 without it, 412 when the event changed since.
#[utoipa::path(operation_id = "events_replace", tag = "events", security(("bearer" = [])), request_body = EventInput,
    params(("id" = String, Path, description = "Event id"), ("If-Match" = String, Header, pattern = r#"^(\*|(W/)?"[0-9]{1,18}"( *, *(W/)?"[0-9]{1,18}")*)$"#, description = "ETag of the version being replaced, or `*`")),
    responses((status = 200, description = "Replaced (or unchanged)", body = EventOut, headers(("ETag" = String, description = "Version tag"))),
        (status = 412, description = "The event changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors, NotFound, Locked))]
#[put("/events/{id}")]
pub async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
    body: Late<JsonBody<EventBody>>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    visible_for_writing(&state, &who, &id).await?;
    let input = body.get()?.0;
    let expected = IfMatch::of(&req)?.required()?;
    let actor = who.actor();
    let pseudo = state.pseudonymizer.clone();
    let (outcome, event) = with_conn(&state, move |c| {
        events::replace_by_id(c, &pseudo, &actor, writer(&who)?, &id, &input, expected)
    })
    .await?;
    Ok(respond(outcome, &event))
}

/// Change some fields of an event, keeping the others (its agency or an
/// admin): a JSON merge patch (RFC 7396, `Content-Type:
/// application/merge-patch+json`), e.g. `{"attendance": {"total": 52}}`
/// changes the headcount and keeps everything else, participants included.
/// A member set to `null` removes an optional field. `participants` is
/// refused (422): they change through `POST
/// /api/v1/events/{id}/participants`. `If-Match` is required. The same
/// consent effects as a `PUT`: a figure change sets confirmed claims back
/// to pending.
#[utoipa::path(operation_id = "events_patch", tag = "events", security(("bearer" = [])),
    request_body(content = EventPatch, content_type = "application/merge-patch+json"),
    params(("id" = String, Path, description = "Event id"), ("If-Match" = String, Header, pattern = r#"^(\*|(W/)?"[0-9]{1,18}"( *, *(W/)?"[0-9]{1,18}")*)$"#, description = "ETag of the version being changed, or `*`")),
    responses((status = 200, description = "Changed (or unchanged)", body = EventOut, headers(("ETag" = String, description = "Version tag"))),
        (status = 412, description = "The event changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors, NotFound, Locked))]
#[patch("/events/{id}")]
pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
    body: Late<MergePatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    visible_for_writing(&state, &who, &id).await?;
    let patch = body.get()?.0;
    let expected = IfMatch::of(&req)?.required()?;
    let actor = who.actor();
    let pseudo = state.pseudonymizer.clone();
    let (outcome, event) = with_conn(&state, move |c| {
        events::patch::patch_by_id(c, &pseudo, &actor, writer(&who)?, &id, &patch, expected)
    })
    .await?;
    Ok(respond(outcome, &event))
}

/// The fields a merge patch may carry: any of an event's, each optional
/// (`participants` excepted). Shown for documentation; the body is read
/// as a merge patch onto the stored event, then checked as a whole event.
#[derive(Debug, ToSchema)]
#[schema(as = EventPatch)]
#[expect(
    dead_code,
    reason = "the merge patch's schema in the OpenAPI document; the body is read as JSON"
)]
pub struct EventPatch {
    /// Title, 1-300 characters.
    pub title: Option<String>,
    /// Free text (`null` removes it).
    pub description: Option<String>,
    /// Kind.
    #[schema(value_type = Option<Kind>)]
    pub kind: Option<String>,
    /// Topics (the whole set).
    #[schema(value_type = Option<Vec<Topic>>)]
    pub topics: Option<Vec<String>>,
    /// First day.
    #[schema(value_type = Option<String>, format = Date)]
    pub start_date: Option<String>,
    /// Last day.
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<String>,
    /// Unit code valid on the start date.
    pub area_code: Option<String>,
    /// Co-organisers (the whole list).
    pub co_organizers: Option<Vec<String>>,
    /// Target groups (the whole set).
    #[schema(value_type = Option<Vec<TargetGroup>>)]
    pub target_groups: Option<Vec<String>>,
    /// Sessions.
    pub sessions: Option<i64>,
    /// Headcounts: members merge (`{"attendance": {"female": 20}}` keeps the total).
    pub attendance: Option<crate::events::input::Attendance>,
    /// A mass-media record's audience.
    pub audience: Option<crate::events::input::Audience>,
}

/// Add and remove identified participants of an event, keeping the others
/// (its agency or an admin). Each is typed as the person gave it,
/// normalised and hashed like any participant: a removal matches the hash
/// (nothing raw is stored). Someone to remove who is not among the
/// event's participants is a 422 naming `remove[i]`. The headcount must
/// still hold the identified people. `If-Match` is required; the same
/// consent effects as a `PUT`.
#[utoipa::path(operation_id = "events_participants_change", tag = "events", security(("bearer" = [])),
    request_body = ParticipantsChange,
    params(("id" = String, Path, description = "Event id"), ("If-Match" = String, Header, pattern = r#"^(\*|(W/)?"[0-9]{1,18}"( *, *(W/)?"[0-9]{1,18}")*)$"#, description = "ETag of the version being changed, or `*`")),
    responses((status = 200, description = "Changed", body = EventOut, headers(("ETag" = String, description = "Version tag"))),
        (status = 412, description = "The event changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors, NotFound, Locked))]
#[post("/events/{id}/participants")]
pub async fn change_participants(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
    body: Late<JsonBody<ParticipantsChange>>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    visible_for_writing(&state, &who, &id).await?;
    let change = body.get()?.0;
    let expected = IfMatch::of(&req)?.required()?;
    let actor = who.actor();
    let pseudo = state.pseudonymizer.clone();
    let (outcome, event) = with_conn(&state, move |c| {
        events::patch::change_participants(
            c,
            &pseudo,
            &actor,
            writer(&who)?,
            &id,
            &change,
            expected,
        )
    })
    .await?;
    Ok(respond(outcome, &event))
}

/// 403 for a caller who may not write; 404 for an event it may not change,
/// before anything else in the request is judged.
pub(super) async fn visible_for_writing(
    state: &AppState,
    who: &Principal,
    id: &str,
) -> Result<(), ApiError> {
    writer(who)?;
    let (who, id) = (who.clone(), id.to_string());
    with_conn(state, move |c| {
        events::check_writable(c, writer(&who)?, &id)
    })
    .await
}

/// Why an event is deleted.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Why the event is deleted (1-500 characters); kept in the audit log.
    #[param(min_length = 1, max_length = 500, pattern = "\\S")]
    pub reason: String,
}

/// Soft-delete an event (its agency or an admin): it disappears from lists and
/// aggregates and stays in the audit log.
#[utoipa::path(operation_id = "events_remove", tag = "events", security(("bearer" = [])), params(("id" = String, Path, description = "Event id"), DeleteQuery),
    responses((status = 200, description = "Deleted", body = EventOut), AuthErrors, NotFound, Locked,
        (status = 422, description = "Missing reason", body = Problem, content_type = "application/problem+json")))]
#[delete("/events/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
    q: Late<QueryParams<DeleteQuery>>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    visible_for_writing(&state, &who, &id).await?;
    let reason = q.get()?.0.reason;
    let actor = who.actor();
    let event = with_conn(&state, move |c| {
        events::delete(c, &actor, writer(&who)?, &id, &reason)
    })
    .await?;
    Ok(HttpResponse::Ok().json(event))
}

/// A page of duplicate candidates.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CandidatePage {
    /// Pairs, in a stable order.
    pub items: Vec<events::DuplicateCandidate>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Pairs of reports by different agencies, not linked yet, that may be the
/// same real event: overlapping dates, the same area or one inside the
/// other, and the same kind or a shared topic, each with its reasons. Admins
/// see every pair; agencies the pairs involving one of their reports.
/// Confirm one with `POST /api/v1/events/{id}/same-as`.
#[utoipa::path(operation_id = "events_duplicate_candidates", tag = "events", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of candidate pairs", body = CandidatePage), AuthErrors,
        (status = 422, description = "Invalid cursor", body = Problem, content_type = "application/problem+json")))]
#[get("/events/duplicate-candidates")]
pub async fn duplicate_candidates(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let reader = reader(&who)?;
    let limit = page_size(q.0.limit, 100)?;
    let after = given(q.0.cursor)
        .as_deref()
        .map(cursor::decode)
        .transpose()?
        .map(|[a, b]| (a, b));
    let (items, next) = with_conn(&state, move |c| {
        events::duplicate_candidates(c, reader.scope(), after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CandidatePage {
        items,
        next_cursor: next.map(|(a, b)| cursor::encode([a, b])),
    }))
}
