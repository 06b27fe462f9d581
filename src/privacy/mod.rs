//! Requests from the people recorded (Law 91/2025/QH15, Decree
//! 356/2025/NĐ-CP; PRIVACY.md): an admin registers, with the person
//! present, an access request (which events hold them) or an erasure
//! (remove them from every event and keep them out). The identifiers are
//! keyed like any participant's in [`input`] and dropped; a request keeps
//! its deadlines and counts only, and so does its audit record.
//!
//! A request is carried out when registered, or, deferred, later
//! ([`complete`]: its keys are kept with it until then).
//!
//! An erasure removes the person's participant rows from every report,
//! live or deleted, in one transaction holding the links lock exclusively
//! (event writes in flight finish first, later ones see the erased list),
//! locked periods included: the law outranks the lock, and the audit record
//! names the locked periods it changed. Each report's stored identified
//! count goes down by what it lost, which adds its row to the reach
//! index's change log. Versions, content hashes and co-organisers' answers
//! do not change (ARCHITECTURE.md, "Erasure").

pub mod breaches;
pub mod input;
pub mod keys;
pub mod register;
pub mod register_doc;
pub mod retention;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::db::privacy::{self as table, NewRequest, RequestRow};
use crate::db::{DbConn, event_links, write_tx};
use crate::domain::workdays::Calendar;
use crate::error::ApiError;
use crate::periods::Locks;
use input::{RequestKind, ValidRequest};

/// A request as stored and listed: its deadlines and counts, no identifier.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrivacyRequest {
    /// Request id (UUID).
    #[schema(format = Uuid)]
    pub id: String,
    /// `access` or `erasure`.
    pub kind: RequestKind,
    /// `open` (registered with `defer`, to be carried out) or `done`.
    #[schema(example = "done")]
    pub status: String,
    /// When it was received (UTC).
    pub received_at: DateTime<Utc>,
    /// Who registered it (username, token id, or `cli`).
    pub received_by: String,
    /// The last day to acknowledge it: the 2nd working day after the day
    /// it was received (Vietnam's date).
    pub acknowledge_by: NaiveDate,
    /// The last day to complete it: the 15th day after the day it was
    /// received (30th once extended), moved to the next working day when it
    /// is a day off.
    pub due_date: NaiveDate,
    /// Whether the deadline was extended (at most once).
    pub extended: bool,
    /// Why it was extended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_reason: Option<String>,
    /// When it was completed (UTC).
    pub completed_at: Option<DateTime<Utc>>,
    /// How many identifiers the person gave (never the identifiers).
    pub identifiers: i64,
    /// Reports found holding the person (live and deleted).
    pub events_found: i64,
    /// Participant entries removed (erasure; 0 for access, and for an
    /// erasure of a person already erased).
    pub removed: i64,
    /// The note given with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl PrivacyRequest {
    fn from_row(r: RequestRow) -> Result<Self, ApiError> {
        Ok(PrivacyRequest {
            kind: RequestKind::parse(&r.kind).ok_or_else(|| {
                ApiError::internal(format!("privacy request {} has kind {:?}", r.id, r.kind))
            })?,
            id: r.id,
            status: r.status,
            received_at: r.received_at.and_utc(),
            received_by: r.received_by,
            acknowledge_by: r.acknowledge_by,
            due_date: r.due_date,
            extended: r.extended_at.is_some(),
            extension_reason: r.extension_reason,
            completed_at: r.completed_at.map(|t| t.and_utc()),
            identifiers: r.identifiers,
            events_found: r.events_found,
            removed: r.links_removed,
            note: r.note,
        })
    }
}

/// A place: a unit's code and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Place {
    /// The unit's code.
    pub code: String,
    /// Its name (with its dates when another unit shares the code).
    pub name: String,
}

/// An event holding the person, as the access answer shows it: no other
/// person's data, no figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldEvent {
    /// Event (report) id.
    #[schema(format = Uuid)]
    pub id: String,
    /// The reporting agency.
    pub agency: String,
    /// Kind of activity.
    #[schema(value_type = crate::domain::Kind)]
    pub kind: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Where it took place.
    pub place: Place,
}

/// The answer to a request just registered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestAnswer {
    /// The request as stored.
    #[serde(flatten)]
    pub request: PrivacyRequest,
    /// Access: the live (not deleted) reports holding the person, in date
    /// order. Linked reports of one real event are each listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<HeldEvent>>,
    /// Access: deleted reports still holding the person's keys (an erasure
    /// removes them too); erasure: deleted reports it changed.
    pub deleted_reports: i64,
    /// Erasure: the locked periods whose live figures it changed (the law
    /// outranks the lock); their publications are not rewritten.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_periods: Option<Vec<String>>,
}

/// Registers a request (access or erasure) received now, its deadlines
/// following `calendar`, and carries it out at once, unless it is deferred
/// (`open`: its keys are kept with it until [`complete`]).
pub fn register(
    conn: &mut DbConn,
    actor: &Actor,
    calendar: &Calendar,
    req: &ValidRequest,
) -> Result<RequestAnswer, ApiError> {
    let now = crate::db::now();
    let id = uuid::Uuid::new_v4().to_string();
    let keys: Vec<String> = req.keys.iter().cloned().collect();
    write_tx(conn, |conn| {
        // Keys of another epoch would find no one (access) or erase no one.
        crate::key_epoch::check(conn, req.key_epoch, true)?;
        let row = table::insert(
            conn,
            &NewRequest {
                id: &id,
                kind: req.kind.as_str(),
                status: "open",
                received_at: now,
                received_by: &actor.name(),
                acknowledge_by: calendar.acknowledge_by(vietnam_day(now)),
                due_date: calendar.due_date(vietnam_day(now), false),
                completed_at: None,
                identifiers: req.given as i64,
                events_found: 0,
                links_removed: 0,
                note: req.note.as_deref(),
            },
        )?;
        if !req.defer {
            return carry_out(conn, actor, row, req.kind, &keys, None);
        }
        table::keep_keys(conn, &id, &keys)?;
        let answer = RequestAnswer {
            request: PrivacyRequest::from_row(row)?,
            events: None,
            deleted_reports: 0,
            locked_periods: None,
        };
        audit::record(
            conn,
            actor,
            "register",
            "privacy_request",
            &id,
            None::<&()>,
            Some(&answer),
        )?;
        Ok(answer)
    })
}

/// Carries out an open request (`POST .../{id}/complete`) with the keys
/// kept with it, which are then forgotten (an erasure's stay on the erased
/// list). A completed request is a 409.
pub fn complete(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<RequestAnswer, ApiError> {
    write_tx(conn, |conn| {
        let row = table::by_id(conn, id)?
            .ok_or_else(|| ApiError::NotFound(format!("no privacy request {id}")))?;
        if row.status == "done" {
            return Err(ApiError::Conflict {
                detail: format!("privacy request {id} was carried out already"),
                existing_id: None,
            });
        }
        let before = PrivacyRequest::from_row(row.clone())?;
        // Its keys are re-keyed with the others by a rotation: not halfway.
        crate::key_epoch::not_rotating(conn)?;
        let keys = table::kept_keys(conn, id)?;
        carry_out(conn, actor, row, before.kind, &keys, Some(&before))
    })
}

/// Carries out request `row` on `keys`, inside the caller's transaction:
/// access reads, erasure removes; the request is marked done and audited
/// with its counts (`before`: its view while open).
fn carry_out(
    conn: &mut DbConn,
    actor: &Actor,
    row: RequestRow,
    kind: RequestKind,
    keys: &[String],
    before: Option<&PrivacyRequest>,
) -> Result<RequestAnswer, ApiError> {
    if kind == RequestKind::Erasure {
        // Waits for every event write in flight; later ones see the list.
        event_links::lock_all(conn)?;
    }
    let now = crate::db::now();
    let ids = table::participant_ids(conn, keys)?;
    let held = table::holding(conn, &ids)?;
    let mut seqs: Vec<i64> = held.keys().copied().collect();
    seqs.sort_unstable();
    let reports = table::held_events(conn, &seqs)?;
    let deleted = reports.iter().filter(|e| e.deleted_at.is_some()).count() as i64;
    let (events, locked_periods, removed) = match kind {
        RequestKind::Access => (Some(access_view(conn, &reports)?), None, 0),
        RequestKind::Erasure => {
            let locked = locked_periods(conn, &reports)?;
            table::mark_erased(conn, keys, &row.id, now)?;
            (None, Some(locked), table::erase(conn, &ids, &held)? as i64)
        }
    };
    table::complete(conn, row.seq, now, reports.len() as i64, removed)?;
    table::drop_keys(conn, &row.id)?;
    let answer = RequestAnswer {
        request: get(conn, &row.id)?,
        events,
        deleted_reports: deleted,
        locked_periods,
    };
    // The record holds counts and locked periods, never which events.
    let recorded = RequestAnswer {
        events: None,
        ..answer.clone()
    };
    audit::record(
        conn,
        actor,
        kind.as_str(),
        "privacy_request",
        &row.id,
        before,
        Some(&recorded),
    )?;
    Ok(answer)
}

/// The day `t` (UTC) is in Vietnam.
fn vietnam_day(t: NaiveDateTime) -> NaiveDate {
    t.and_utc()
        .with_timezone(&crate::domain::calendar::vietnam())
        .date_naive()
}

/// The live reports of an access answer, with their places named.
fn access_view(
    conn: &mut DbConn,
    reports: &[table::HeldEvent],
) -> Result<Vec<HeldEvent>, ApiError> {
    let codes: Vec<String> = reports.iter().map(|e| e.area_code.clone()).collect();
    let shared = table::shared_codes(conn, &codes)?;
    Ok(reports
        .iter()
        .filter(|e| e.deleted_at.is_none())
        .map(|e| HeldEvent {
            id: e.id.clone(),
            agency: e.agency_code.clone(),
            kind: e.kind.clone(),
            start_date: e.start_date,
            end_date: e.end_date,
            place: Place {
                code: e.area_code.clone(),
                name: crate::domain::names::unit_name(
                    &e.area_name,
                    e.area_from,
                    e.area_until,
                    shared.contains(&e.area_code),
                ),
            },
        })
        .collect())
}

/// The active locks whose periods hold a live report of the real events
/// of `reports` (what a write to them would be refused by).
fn locked_periods(
    conn: &mut DbConn,
    reports: &[table::HeldEvent],
) -> Result<Vec<String>, ApiError> {
    let locks = Locks::load(conn)?;
    let groups: Vec<i64> = reports.iter().map(|e| e.group_seq).collect();
    let mut out: Vec<String> = event_links::live_start_dates(conn, &groups)?
        .into_iter()
        .flat_map(|d| locks.overlapping(Some(d), Some(d)))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// A request's place in the list: whether it is open, and its seq.
pub type Position = (bool, i64);

/// A page of requests, open ones first, then newest first; the position
/// of the last when more follow.
pub fn list(
    conn: &mut DbConn,
    status: Option<&str>,
    after: Option<Position>,
    limit: i64,
) -> Result<(Vec<PrivacyRequest>, Option<Position>), ApiError> {
    let mut rows = table::page(conn, status, after, limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| (r.status == "open", r.seq))
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(PrivacyRequest::from_row)
        .collect::<Result<_, _>>()?;
    Ok((items, next))
}

/// One request; 404 when there is none.
pub fn get(conn: &mut DbConn, id: &str) -> Result<PrivacyRequest, ApiError> {
    table::by_id(conn, id)?
        .ok_or_else(|| ApiError::NotFound(format!("no privacy request {id}")))
        .and_then(PrivacyRequest::from_row)
}

/// Extends an open request's deadline once, by 15 days, with a reason
/// (kept with it and audited). A completed request, or one extended
/// already, is a 409.
pub fn extend(
    conn: &mut DbConn,
    actor: &Actor,
    calendar: &Calendar,
    id: &str,
    reason: &str,
) -> Result<PrivacyRequest, ApiError> {
    // The length as sent (what the document's maxLength states).
    let too_long = reason.chars().count() > input::MAX_NOTE;
    let reason = reason.trim();
    if reason.is_empty() || too_long {
        return Err(ApiError::field("reason", "required, 1 to 500 characters"));
    }
    write_tx(conn, |conn| {
        let row = table::by_id(conn, id)?
            .ok_or_else(|| ApiError::NotFound(format!("no privacy request {id}")))?;
        let refuse = |detail: String| ApiError::Conflict {
            detail,
            existing_id: None,
        };
        if row.status == "done" {
            return Err(refuse(format!(
                "privacy request {id} was completed; a completed request needs no more time"
            )));
        }
        if row.extended_at.is_some() {
            return Err(refuse(format!(
                "privacy request {id} was extended already: a deadline is extended once"
            )));
        }
        let before = PrivacyRequest::from_row(row.clone())?;
        let due = calendar.due_date(vietnam_day(row.received_at), true);
        table::extend(conn, row.seq, due, crate::db::now(), reason)?;
        let after = get(conn, id)?;
        audit::record(
            conn,
            actor,
            "extend",
            "privacy_request",
            id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}
