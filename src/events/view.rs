//! What readers see: the API view of an event ([`EventOut`], built by one
//! constructor whether read back or built from a fresh insert), and who
//! sees which events ([`Reader`]): an agency its own and those it confirmed
//! co-organising, an admin all.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::claims::Claim;
use super::input::{Attendance, Audience};
use crate::db::DbConn;
use crate::db::events::{self as table, EventFilter, EventRow, EventSets};
use crate::domain::{ClaimStatus, Kind, TargetGroup, Topic};
use crate::error::ApiError;

/// An event as the API returns it (never raw participants).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct EventOut {
    /// Public id (UUID).
    #[schema(format = Uuid)]
    pub id: String,
    /// Reporting agency.
    pub agency: String,
    /// The agency's own id.
    pub external_id: String,
    /// Kind.
    #[schema(value_type = Kind)]
    pub kind: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Topics.
    #[schema(value_type = Vec<Topic>)]
    pub topics: Vec<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// The unit's code.
    pub area_code: String,
    /// Co-organising agencies, as the reporting agency named them.
    pub co_organizers: Vec<String>,
    /// Each named co-organiser's answer. The event counts for a
    /// co-organiser (its aggregate rows, its lists, its reads) only once
    /// confirmed; naming one is a claim until then. Answers are not part
    /// of the event's content: they do not change its `version`.
    pub claims: Vec<Claim>,
    /// Target groups.
    #[schema(value_type = Vec<TargetGroup>)]
    pub target_groups: Vec<String>,
    /// Sessions the record covers (for a mass-media kind: programmes,
    /// messages or items).
    pub sessions: i64,
    /// Headcounts over all its sessions (absent for a mass-media kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Attendance>,
    /// A mass-media record's estimated audience (absent for other kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    /// Number of distinct identified participants.
    pub participants_identified: i64,
    /// Created (UTC).
    pub created_at: chrono::DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: chrono::DateTime<Utc>,
    /// Incremented on every change; the `ETag` is `"<version>"`.
    pub version: i64,
    /// Set when the event was deleted (only with `include_deleted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<chrono::DateTime<Utc>>,
    /// Why it was deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_reason: Option<String>,
    /// The legal basis on which its participants' identifiers were
    /// collected: `consent`, `legal_obligation`, `public_task`, or
    /// `unknown` (participants stored without one). Absent when it holds no
    /// identified participant and none was stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// The law or decision providing for the collection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_reference: Option<String>,
    /// With `consent`: who gave it (`person`, `legal_representative`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_by: Option<String>,
    /// In the answer to a write only: how many of the participants sent
    /// are on the erased list (people who asked to be erased, PRIVACY.md)
    /// and were left out of the stored event. Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub erased_participants: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl EventOut {
    /// The `ETag` header value.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// The view of a stored row with its sets and its unit's code. Sets are
    /// listed in byte order, whatever the database's collation or the order
    /// they were built in.
    pub fn new(row: EventRow, sets: EventSets, area_code: String) -> Result<Self, ApiError> {
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let mut claims = sets
            .co_organizers
            .iter()
            .map(Claim::new)
            .collect::<Result<Vec<_>, _>>()?;
        claims.sort_by(|a, b| a.agency.cmp(&b.agency));
        Ok(EventOut {
            area_code,
            id: row.id,
            agency: row.agency_code,
            external_id: row.external_id,
            kind: row.kind,
            title: row.title,
            description: row.description,
            topics: sorted(sets.topics),
            start_date: row.start_date,
            end_date: row.end_date,
            co_organizers: claims.iter().map(|c| c.agency.clone()).collect(),
            claims,
            target_groups: sorted(sets.target_groups),
            sessions: row.sessions,
            attendance: (row.audience_estimate.is_none()).then_some(Attendance {
                total: Some(row.attendance_total),
                female: row.attendance_female,
                male: row.attendance_male,
                under_18: row.attendance_under_18,
                declared_people: row.declared_people,
            }),
            audience: row.audience_estimate.map(|estimate| Audience {
                estimate: Some(estimate),
                basis: row.audience_basis.clone(),
            }),
            participants_identified: row.participants_identified,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
            deleted_at: row.deleted_at.map(|t| t.and_utc()),
            delete_reason: row.delete_reason,
            legal_basis: row
                .legal_basis
                .or_else(|| (row.participants_identified > 0).then(|| "unknown".to_string())),
            legal_reference: row.legal_reference,
            consent_by: row.consent_by,
            erased_participants: 0,
        })
    }
}

/// Builds the API views of stored rows.
pub fn views(conn: &mut DbConn, rows: Vec<EventRow>) -> Result<Vec<EventOut>, ApiError> {
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    let mut sets = table::sets_of(conn, &seqs)?;
    let area_ids: Vec<i64> = rows.iter().map(|r| r.area_id).collect();
    let codes = crate::db::areas::codes_of(conn, &area_ids)?;
    rows.into_iter()
        .map(|r| {
            // An event without sets has none (they are optional); an event
            // whose unit is missing is a broken reference, never "".
            let s = sets.remove(&r.seq).unwrap_or_default();
            let code = codes.get(&r.area_id).cloned().ok_or_else(|| {
                ApiError::internal(format!(
                    "event {} refers to missing area {}",
                    r.id, r.area_id
                ))
            })?;
            EventOut::new(r, s, code)
        })
        .collect()
}

/// One event's view.
pub fn view(conn: &mut DbConn, row: EventRow) -> Result<EventOut, ApiError> {
    Ok(views(conn, vec![row])?.remove(0))
}

/// Who may write an event.
#[derive(Debug, Clone, Copy)]
pub enum Writer<'a> {
    /// An admin: any event.
    Admin,
    /// An agency: its own events only.
    Agency(&'a str),
}

impl Writer<'_> {
    /// Whether the writer owns `row` (an admin owns every event).
    pub fn owns(&self, row: &EventRow) -> bool {
        match self {
            Writer::Admin => true,
            Writer::Agency(a) => row.agency_code == *a,
        }
    }
}

/// Who reads events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// An admin: every event, deleted ones too.
    Admin,
    /// An agency: the events it reported and those it co-organises.
    Agency(String),
}

impl Reader {
    /// The agency that lists are restricted to; `None` for all events.
    pub fn scope(&self) -> Option<&str> {
        match self {
            Reader::Admin => None,
            Reader::Agency(a) => Some(a),
        }
    }

    /// Whether the reader may see a deleted event of `agency`: an admin,
    /// or the agency that reported it (not a co-organiser).
    fn sees_deleted_of(&self, agency: &str) -> bool {
        match self {
            Reader::Admin => true,
            Reader::Agency(a) => a == agency,
        }
    }

    /// Whether the reader may see the event.
    pub fn sees(&self, event: &EventOut) -> bool {
        match self {
            Reader::Admin => true,
            Reader::Agency(a) => {
                event.agency == *a
                    || event
                        .claims
                        .iter()
                        .any(|c| c.agency == *a && c.status == ClaimStatus::Confirmed)
            }
        }
    }
}

/// One event as `reader` may see it; to others it does not exist (404).
pub fn read_one(conn: &mut DbConn, reader: &Reader, id: &str) -> Result<EventOut, ApiError> {
    let row = table::by_id(conn, id)?
        .filter(|r| r.deleted_at.is_none() || reader.sees_deleted_of(&r.agency_code));
    let Some(row) = row else {
        return Err(ApiError::NotFound(format!("no event {id}")));
    };
    let event = view(conn, row)?;
    if reader.sees(&event) {
        Ok(event)
    } else {
        Err(ApiError::NotFound(format!("no event {id}")))
    }
}

/// Where a page of events ends: the last event's (updated_at, seq).
pub type EventCursor = (NaiveDateTime, i64);

/// A page of the events `reader` sees, matching `filter` and, with `area`,
/// in that unit or below it; the cursor after it when more follow.
/// `filter.visible_to` and `filter.area_ids` are set here.
pub fn page(
    conn: &mut DbConn,
    reader: &Reader,
    mut filter: EventFilter,
    area: Option<&str>,
    limit: i64,
) -> Result<(Vec<EventOut>, Option<EventCursor>), ApiError> {
    filter.visible_to = reader.scope().map(str::to_string);
    filter.area_ids = match area {
        None => None,
        Some(code) => {
            let ids = crate::areas::ids_with_code(conn, code)?;
            if ids.is_empty() {
                return Err(ApiError::field("area", "unknown administrative unit code"));
            }
            Some(ids)
        }
    };
    let mut rows = table::list(conn, &filter, limit + 1)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| (r.updated_at, r.seq))
    } else {
        None
    };
    Ok((views(conn, rows)?, next))
}
