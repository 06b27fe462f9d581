//! Co-organiser claims: naming another agency on an event asks for its
//! consent. The event counts in the named agency's rows, shows in its lists
//! and is readable by it only once it (or an admin) confirms; it may
//! decline, and it is asked again when the figures it agreed to change.

use crate::domain::Versions;
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::view::{EventOut, Writer, view};
use crate::audit::{self, Actor};
use crate::db::events::{self as table, CoOrganizer};
use crate::db::{DbConn, claims as store, write_tx};
use crate::domain::ClaimStatus;
use crate::error::ApiError;

/// A named co-organiser and its answer.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Claim {
    /// The named agency.
    pub agency: String,
    /// Its answer. Only `confirmed` makes the event count for it.
    pub status: ClaimStatus,
    /// When it answered (absent while pending).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
}

impl Claim {
    /// The API view of a stored claim; an unknown stored status is corrupt data.
    pub fn new(c: &CoOrganizer) -> Result<Self, ApiError> {
        let status = ClaimStatus::parse(&c.status).ok_or_else(|| {
            ApiError::internal(format!("stored claim status {:?} is unknown", c.status))
        })?;
        Ok(Claim {
            agency: c.agency_code.clone(),
            status,
            decided_at: c.decided_at.map(|t| t.and_utc()),
        })
    }
}

/// The claims an event carries after a write naming `named`. A new name is
/// a pending claim; a kept name keeps its answer, except that a confirmed
/// claim goes back to pending when the figures it agreed to change. An
/// admin speaks for every agency: the claims it names are confirmed.
pub fn next_claims(
    named: &BTreeSet<String>,
    previous: &[CoOrganizer],
    figures_changed: bool,
    by_admin: bool,
    now: NaiveDateTime,
) -> Vec<CoOrganizer> {
    let confirmed = ClaimStatus::Confirmed.as_str();
    named
        .iter()
        .map(|agency| {
            let before = previous.iter().find(|c| &c.agency_code == agency);
            let (status, decided_at) = match before {
                _ if by_admin => match before {
                    Some(c) if c.status == confirmed && !figures_changed => {
                        (confirmed, c.decided_at)
                    }
                    _ => (confirmed, Some(now)),
                },
                Some(c) if c.status == confirmed && figures_changed => {
                    (ClaimStatus::Pending.as_str(), None)
                }
                Some(c) => (
                    ClaimStatus::parse(&c.status)
                        .unwrap_or(ClaimStatus::Pending)
                        .as_str(),
                    c.decided_at,
                ),
                None => (ClaimStatus::Pending.as_str(), None),
            };
            CoOrganizer {
                agency_code: agency.clone(),
                status: status.to_string(),
                decided_at,
            }
        })
        .collect()
}

/// The agencies a write names that the event did not name before: each a
/// new pending claim, and a new party to the event's real event.
pub fn new_names<'a>(named: &'a BTreeSet<String>, previous: &[CoOrganizer]) -> Vec<&'a String> {
    named
        .iter()
        .filter(|a| !previous.iter().any(|c| &c.agency_code == *a))
        .collect()
}

/// The most claims one agency may have pending on another at once. A
/// claim asks the named agency to answer; beyond this many unanswered
/// ones, naming it again waits for its answers (a single write answers
/// 429, a batch item `invalid`), so no agency can flood another's queue.
pub const MAX_PENDING_CLAIMS: i64 = 200;

/// The pending claims a write's agency may still file on each other
/// agency, counted once per transaction and kept across a batch's items.
#[derive(Debug)]
pub struct ClaimQuota {
    /// An admin's claims are confirmed at once: nothing waits.
    exempt: bool,
    /// Pending claims by named agency, once read.
    pending: Option<HashMap<String, i64>>,
}

impl ClaimQuota {
    /// The quota of a write by `actor`.
    pub fn new(actor: &Actor) -> Self {
        ClaimQuota {
            exempt: actor.speaks_for_every_agency(),
            pending: None,
        }
    }

    /// Counts the new pending claims of a write naming `named` on an
    /// event that named `previous`, or refuses the write (nothing counted)
    /// when one would go over [`MAX_PENDING_CLAIMS`].
    pub fn take(
        &mut self,
        conn: &mut DbConn,
        agency: &str,
        named: &BTreeSet<String>,
        previous: &[CoOrganizer],
    ) -> Result<(), ApiError> {
        if self.exempt {
            return Ok(());
        }
        let new = new_names(named, previous);
        if new.is_empty() {
            return Ok(());
        }
        let pending = match &mut self.pending {
            Some(p) => p,
            None => self.pending.insert(store::pending_by_named(conn, agency)?),
        };
        if let Some(full) = new
            .iter()
            .find(|a| pending.get(a.as_str()).copied().unwrap_or(0) >= MAX_PENDING_CLAIMS)
        {
            return Err(ApiError::QuotaExceeded {
                field: "co_organizers".into(),
                detail: format!(
                    "{full} has not answered {MAX_PENDING_CLAIMS} claims of yours yet, the most one agency may file on another; wait for its answers before naming it again"
                ),
            });
        }
        for a in new {
            *pending.entry(a.clone()).or_default() += 1;
        }
        Ok(())
    }
}

/// A co-organiser's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Agrees to the figures of the version it names.
    Confirm,
    /// Did not organise this event.
    Decline,
}

/// A claim with the event it is about, as the named agency sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimOut {
    /// The named agency.
    pub agency: String,
    /// Its answer.
    pub status: ClaimStatus,
    /// When it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    /// The event as it stands: the figures a confirmation agrees to. Its
    /// `version` is what `If-Match` names when confirming.
    pub event: EventOut,
}

fn claim_out(event: EventOut, agency: &str) -> Result<ClaimOut, ApiError> {
    let claim = event
        .claims
        .iter()
        .find(|c| c.agency == agency)
        .cloned()
        .ok_or_else(|| ApiError::internal("the claim vanished"))?;
    Ok(ClaimOut {
        agency: claim.agency,
        status: claim.status,
        decided_at: claim.decided_at,
        event,
    })
}

/// Confirms or declines the claim naming `agency` on event `id`. Anyone
/// but that agency or an admin gets 404, as for an event that does not
/// exist or does not name it, before anything else is checked. Then
/// `precondition` gives the version the answer is about (`If-Match`; `None`
/// for `*`): a confirmation agrees to that version's figures, and 412 when
/// the event has changed since.
pub fn answer(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
    agency: &str,
    answer: Answer,
    precondition: impl Fn() -> Result<Option<Versions>, ApiError>,
) -> Result<ClaimOut, ApiError> {
    let not_found = || ApiError::NotFound(format!("no claim naming {agency} on event {id}"));
    if let Writer::Agency(own) = who
        && own != agency
    {
        return Err(not_found());
    }
    write_tx(conn, |conn| {
        // Shared like every event write, so a period lock waits for it.
        crate::db::event_links::lock_shared(conn)?;
        let row = table::read_locked(conn, |c| Ok(table::by_id(c, id)?.into_iter().collect()))?
            .into_iter()
            .next()
            .filter(|r| r.deleted_at.is_none())
            .ok_or_else(not_found)?;
        let before = view(conn, row.clone())?;
        let current = before
            .claims
            .iter()
            .find(|c| c.agency == agency)
            .ok_or_else(not_found)?
            .status;
        if let Some(v) = precondition()?
            && !v.matches(row.version)
        {
            return Err(ApiError::PreconditionFailed(format!(
                "the event is at version {}, not {}: read its figures again before confirming",
                row.version,
                v.describe()
            )));
        }
        let status = match answer {
            Answer::Confirm => ClaimStatus::Confirmed,
            Answer::Decline => ClaimStatus::Declined,
        };
        if status == current {
            return claim_out(before, agency);
        }
        crate::periods::guard(conn, &[row.group_seq], &[])?;
        store::set_status(conn, row.seq, agency, status.as_str(), crate::db::now())?;
        let after = view(conn, row)?;
        let action = match answer {
            Answer::Confirm => "confirm_claim",
            Answer::Decline => "decline_claim",
        };
        // Recorded on the event, so its audit chain stays whole: each
        // record's `before` is the previous record's `after`.
        audit::record(
            conn,
            actor,
            action,
            "event",
            id,
            Some(&before),
            Some(&after),
        )?;
        let out = claim_out(after, agency)?;
        Ok(out)
    })
}

/// A page of claims on live events: those naming `agency` (all, for
/// `None`), with `status` when given, in event order, for at most `limit`
/// events; the last event's seq when more follow.
pub fn list(
    conn: &mut DbConn,
    agency: Option<&str>,
    status: Option<ClaimStatus>,
    after: Option<i64>,
    limit: i64,
) -> Result<(Vec<ClaimOut>, Option<i64>), ApiError> {
    let mut seqs = store::page(
        conn,
        agency,
        status.map(ClaimStatus::as_str),
        after,
        limit + 1,
    )?;
    let next = if seqs.len() as i64 > limit {
        seqs.truncate(limit as usize);
        seqs.last().copied()
    } else {
        None
    };
    let rows = table::by_seqs(conn, &seqs)?;
    let mut items = Vec::new();
    for event in super::view::views(conn, rows)? {
        let matching: Vec<String> = event
            .claims
            .iter()
            .filter(|c| agency.is_none_or(|a| c.agency == a))
            .filter(|c| status.is_none_or(|s| c.status == s))
            .map(|c| c.agency.clone())
            .collect();
        for a in matching {
            items.push(claim_out(event.clone(), &a)?);
        }
    }
    Ok((items, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2025, 1, day)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    fn claim(agency: &str, status: ClaimStatus, decided: Option<u32>) -> CoOrganizer {
        CoOrganizer {
            agency_code: agency.into(),
            status: status.as_str().into(),
            decided_at: decided.map(at),
        }
    }

    fn names(n: &[&str]) -> BTreeSet<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn new_names_are_pending_and_answers_are_kept() {
        let prev = [
            claim("labour", ClaimStatus::Confirmed, Some(1)),
            claim("education", ClaimStatus::Declined, Some(2)),
        ];
        let next = next_claims(
            &names(&["education", "labour", "womens-union"]),
            &prev,
            false,
            false,
            at(9),
        );
        assert_eq!(
            next,
            vec![
                claim("education", ClaimStatus::Declined, Some(2)),
                claim("labour", ClaimStatus::Confirmed, Some(1)),
                claim("womens-union", ClaimStatus::Pending, None),
            ]
        );
    }

    #[test]
    fn changed_figures_ask_again_and_dropped_names_go() {
        let prev = [
            claim("labour", ClaimStatus::Confirmed, Some(1)),
            claim("education", ClaimStatus::Declined, Some(2)),
            claim("police", ClaimStatus::Confirmed, Some(3)),
        ];
        let next = next_claims(&names(&["education", "labour"]), &prev, true, false, at(9));
        assert_eq!(
            next,
            vec![
                claim("education", ClaimStatus::Declined, Some(2)),
                claim("labour", ClaimStatus::Pending, None),
            ]
        );
    }

    #[test]
    fn an_admin_confirms_what_it_names() {
        let prev = [
            claim("labour", ClaimStatus::Confirmed, Some(1)),
            claim("education", ClaimStatus::Declined, Some(2)),
        ];
        let next = next_claims(
            &names(&["education", "labour", "police"]),
            &prev,
            false,
            true,
            at(9),
        );
        assert_eq!(
            next,
            vec![
                claim("education", ClaimStatus::Confirmed, Some(9)),
                claim("labour", ClaimStatus::Confirmed, Some(1)),
                claim("police", ClaimStatus::Confirmed, Some(9)),
            ]
        );
    }
}
