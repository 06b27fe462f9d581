//! Requests from the people recorded (admin): register an access or an
//! erasure request with the person's identifiers (keyed at once, never
//! stored or returned), list them with their deadlines, read one, extend
//! an open one's deadline once; and the breach log (record a breach, its
//! 72-hour deadline to notify, the notification). PRIVACY.md says how each
//! duty is met.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, Problem};
use crate::http::extract::{JsonBody, Late, QueryParams, given};
use crate::http::{AuthErrors, BodyErrors, NotFound, Principal, cursor, page_size, with_conn};
use crate::privacy::breaches::{self, Breach, NewBreach, Notification};
use crate::privacy::input::{RequestInput, validate};
use crate::privacy::register::Register;
use crate::privacy::retention::{self, Retention};
use crate::privacy::{self, PrivacyRequest, RequestAnswer};
use crate::state::AppState;

/// Which requests to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// Only `open` or only `done` requests; default: all, open ones first.
    #[param(pattern = "^(open|done)$")]
    pub status: Option<String>,
    /// Requests per page, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrivacyRequestPage {
    /// Requests: open ones first, then newest first.
    pub items: Vec<PrivacyRequest>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Why a deadline is extended.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendRequest {
    /// The reason, kept with the request and in the audit log (no
    /// identifier).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Register a request from a person recorded (admin), with the person
/// present: `kind` `access` answers which live events hold them (agency,
/// kind, dates, place; nothing about anyone else); `erasure` removes them
/// from every event (deleted ones and locked periods included: the law
/// outranks the lock) in one transaction, keeps their keys on the erased
/// list so that no later write brings them back (its answer says
/// `erased_participants`), and leaves publications as they were. The
/// identifiers are normalised and keyed as an event's participants and
/// dropped at once: never stored, logged or returned. Both complete at
/// once (`done`) unless `defer` is true (`open`, carried out by `POST
/// .../{id}/complete`); the answer has the deadlines the law sets
/// (PRIVACY.md). Erasing an erased person again removes nothing.
#[utoipa::path(operation_id = "privacy_requests_create", tag = "privacy", security(("bearer" = [])), request_body = RequestInput,
    responses((status = 201, description = "Registered and carried out", body = RequestAnswer), AuthErrors, BodyErrors))]
#[post("/privacy/requests")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: Late<JsonBody<RequestInput>>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let input = body.get()?.0;
    let valid = validate(&input, &state.pseudonymizer).map_err(ApiError::validation)?;
    drop(input);
    let actor = who.actor();
    let calendar = state.settings.workdays.clone();
    let answer = with_conn(&state, move |c| {
        privacy::register(c, &actor, &calendar, &valid)
    })
    .await?;
    Ok(HttpResponse::Created().json(answer))
}

/// The requests (admin), open ones first, then newest first, each with its
/// deadlines (`acknowledge_by`, `due_date`) and counts; never an
/// identifier.
#[utoipa::path(operation_id = "privacy_requests_list", tag = "privacy", security(("bearer" = [])), params(RequestsQuery),
    responses((status = 200, description = "A page of requests", body = PrivacyRequestPage), AuthErrors,
        (status = 422, description = "Invalid status, limit or cursor", body = Problem, content_type = "application/problem+json")))]
#[get("/privacy/requests")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    q: Late<QueryParams<RequestsQuery>>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let q = q.get()?.0;
    let status = given(q.status);
    if status
        .as_deref()
        .is_some_and(|s| !matches!(s, "open" | "done"))
    {
        return Err(ApiError::field("status", "open or done"));
    }
    let after = match given(q.cursor)
        .as_deref()
        .map(cursor::decode::<2>)
        .transpose()?
    {
        None => None,
        Some([open @ (0 | 1), seq]) => Some((open == 1, seq)),
        Some(_) => {
            return Err(ApiError::field(
                "cursor",
                "not a cursor returned by this endpoint",
            ));
        }
    };
    let limit = page_size(q.limit, 100)?;
    let (items, next) = with_conn(&state, move |c| {
        privacy::list(c, status.as_deref(), after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PrivacyRequestPage {
        items,
        next_cursor: next.map(|(open, seq)| cursor::encode([i64::from(open), seq])),
    }))
}

/// One request (admin): its deadlines and counts.
#[utoipa::path(operation_id = "privacy_requests_get", tag = "privacy", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = PrivacyRequest), AuthErrors, NotFound))]
#[get("/privacy/requests/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let id = id.into_inner();
    let out = with_conn(&state, move |c| privacy::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Carry out an open (deferred) request (admin): as when registered
/// without `defer`, with the keys kept with it, which are then forgotten
/// (an erasure's stay on the erased list). A completed request is a 409.
#[utoipa::path(operation_id = "privacy_requests_complete", tag = "privacy", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "Carried out", body = RequestAnswer),
        (status = 409, description = "Carried out already", body = Problem, content_type = "application/problem+json"),
        AuthErrors, NotFound))]
#[post("/privacy/requests/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let id = id.into_inner();
    let actor = who.actor();
    let out = with_conn(&state, move |c| privacy::complete(c, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Extend an open request's deadline (admin), once, by 15 days, with a
/// reason: the due date becomes the 30th day after the day it was received
/// (moved to the next working day when it is a day off). The law asks the
/// person be told why before the first deadline. A completed request, or
/// one extended already, is a 409.
#[utoipa::path(operation_id = "privacy_requests_extend", tag = "privacy", security(("bearer" = [])), request_body = ExtendRequest,
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "Extended", body = PrivacyRequest),
        (status = 409, description = "Completed, or extended already", body = Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors, NotFound))]
#[post("/privacy/requests/{id}/extend")]
pub async fn extend(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
    body: Late<JsonBody<ExtendRequest>>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let reason = body.get()?.0.reason;
    let id = id.into_inner();
    let actor = who.actor();
    let calendar = state.settings.workdays.clone();
    let out = with_conn(&state, move |c| {
        privacy::extend(c, &actor, &calendar, &id, &reason)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Which breaches to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BreachesQuery {
    /// Breaches per page, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of breaches.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreachPage {
    /// Breaches, newest first.
    pub items: Vec<Breach>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Record a personal-data breach (admin), as soon as the operator learns
/// of it: what happened, the categories of data, about how many people,
/// the measures; never personal data itself. The answer has `notify_by`,
/// 72 hours after `detected_at`, the deadline to notify the authority
/// (Decree 356/2025/NĐ-CP), and `status` `open` until the notification is
/// recorded.
#[utoipa::path(operation_id = "privacy_breaches_create", tag = "privacy", security(("bearer" = [])), request_body = NewBreach,
    responses((status = 201, description = "Recorded", body = Breach), AuthErrors, BodyErrors))]
#[post("/privacy/breaches")]
pub async fn breach_create(
    state: web::Data<AppState>,
    who: Principal,
    body: Late<JsonBody<NewBreach>>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let body = body.get()?.0;
    let actor = who.actor();
    let out = with_conn(&state, move |c| breaches::record(c, &actor, &body)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/privacy/breaches/{}", out.id)))
        .json(out))
}

/// The breach log (admin), newest first: each breach with its deadline to
/// notify and whether, when and to whom it was notified.
#[utoipa::path(operation_id = "privacy_breaches_list", tag = "privacy", security(("bearer" = [])), params(BreachesQuery),
    responses((status = 200, description = "A page of breaches", body = BreachPage), AuthErrors,
        (status = 422, description = "Invalid limit or cursor", body = Problem, content_type = "application/problem+json")))]
#[get("/privacy/breaches")]
pub async fn breach_list(
    state: web::Data<AppState>,
    who: Principal,
    q: Late<QueryParams<BreachesQuery>>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let q = q.get()?.0;
    let before = given(q.cursor)
        .as_deref()
        .map(cursor::decode::<1>)
        .transpose()?
        .map(|[seq]| seq);
    let limit = page_size(q.limit, 100)?;
    let (items, next) = with_conn(&state, move |c| breaches::list(c, before, limit)).await?;
    Ok(HttpResponse::Ok().json(BreachPage {
        items,
        next_cursor: next.map(|seq| cursor::encode([seq])),
    }))
}

/// One breach (admin).
#[utoipa::path(operation_id = "privacy_breaches_get", tag = "privacy", security(("bearer" = [])),
    params(("id" = String, Path, description = "Breach id")),
    responses((status = 200, description = "The breach", body = Breach), AuthErrors, NotFound))]
#[get("/privacy/breaches/{id}")]
pub async fn breach_get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let id = id.into_inner();
    let out = with_conn(&state, move |c| breaches::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Record that a breach was notified to the authority (admin): when, to
/// whom, the reference; after `notify_by` the reason for the delay is
/// required (422 without it). A breach is notified once (409 after).
#[utoipa::path(operation_id = "privacy_breaches_notify", tag = "privacy", security(("bearer" = [])), request_body = Notification,
    params(("id" = String, Path, description = "Breach id")),
    responses((status = 200, description = "Notified", body = Breach),
        (status = 409, description = "Notified already", body = Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors, NotFound))]
#[post("/privacy/breaches/{id}/notified")]
pub async fn breach_notified(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
    body: Late<JsonBody<Notification>>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let body = body.get()?.0;
    let id = id.into_inner();
    let actor = who.actor();
    let out = with_conn(&state, move |c| breaches::notify(c, &actor, &id, &body)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Whether a retention run only counts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RetentionQuery {
    /// `true`: count what would go, change nothing (default false).
    pub dry_run: Option<bool>,
}

/// Apply retention now (admin), as the service does once a day when
/// `PARTICIPANT_RETENTION_YEARS` is set: events that ended more than that
/// many years ago, in a period that is published, lose their participants'
/// keys; their live figures then count those people as unidentified
/// attendance, and the publications read as before. 409 when the setting
/// is not set. The answer and its audit record hold counts and periods,
/// never people.
#[utoipa::path(operation_id = "privacy_retention", tag = "privacy", security(("bearer" = [])), params(RetentionQuery),
    responses((status = 200, description = "Applied (or counted)", body = Retention),
        (status = 409, description = "PARTICIPANT_RETENTION_YEARS is not set", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid dry_run", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[post("/privacy/retention")]
pub async fn retention_run(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<RetentionQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let years = state
        .settings
        .retention_years
        .ok_or_else(|| ApiError::Conflict {
            detail: "PARTICIPANT_RETENTION_YEARS is not set: identifiers are kept until erased"
                .into(),
            existing_id: None,
        })?;
    let dry_run = q.0.dry_run.unwrap_or(false);
    let actor = who.actor();
    let rule = state.settings.period_rule;
    let today = crate::domain::calendar::today();
    let out = with_conn(&state, move |c| {
        retention::apply(c, &actor, years, today, rule, dry_run)
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// How the register is answered.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// `json` (default), `docx` (Word) or `pdf` (A4, fonts embedded): the
    /// register as a report with the deployment's letterhead, in Vietnamese.
    #[param(value_type = Option<String>, pattern = "^(json|docx|pdf)$")]
    pub format: Option<String>,
}

/// The processing register (admin), for the impact-assessment dossier
/// (Decree 356/2025/NĐ-CP): the categories of personal data, purposes,
/// legal bases (events holding identifiers counted by the basis their
/// agencies stated, children's data apart), recipients, retention,
/// security measures, the participant key's rotations, and the counts that
/// change (identifiers held and erased, requests open, overdue and done,
/// breaches). As JSON, or as a Word or PDF document for the dossier.
#[utoipa::path(operation_id = "privacy_register", tag = "privacy", security(("bearer" = [])), params(RegisterQuery),
    responses((status = 200, description = "The register: JSON (default), Word or PDF",
            content((Register = "application/json"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (Vec<u8> = "application/pdf"))),
        (status = 422, description = "Invalid format", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/privacy/register")]
pub async fn register(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<RegisterQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::reports::render::Format;
    who.require_admin()?;
    let format = match q.0.format.as_deref() {
        None | Some("json") => None,
        Some("docx") => Some(Format::Docx),
        Some("pdf") => Some(Format::Pdf),
        Some(_) => return Err(ApiError::field("format", "must be json, docx or pdf")),
    };
    let settings = state.settings.clone();
    let out = with_conn(&state, move |c| {
        crate::privacy::register::read(c, &settings)
    })
    .await?;
    let Some(format) = format else {
        return Ok(HttpResponse::Ok().json(out));
    };
    let name = format!(
        "so-dang-ky-xu-ly-du-lieu-ca-nhan-{}.{}",
        out.as_of
            .with_timezone(&crate::domain::calendar::vietnam())
            .date_naive(),
        format.extension()
    );
    let head = state.settings.letterhead.clone();
    let body = web::block(move || crate::privacy::register_doc::render(&out, &head, format))
        .await
        .map_err(|e| ApiError::internal(format!("register task: {e}")))?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}
