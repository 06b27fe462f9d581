//! Real-event groups: the linked reports of one real event share
//! `group_seq` (the smallest seq among them). This file keeps groups right
//! when links change, and the locking that makes those changes race-free
//! on PostgreSQL: link changes hold the links lock exclusively; event
//! writes take it shared first ([`in_write_tx`]) and retry exclusively
//! when they find they must change links (a deleted report, or figures
//! changed under a link).

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::db::events::{self as table, EventRow, EventSets};
use crate::db::{DbConn, event_links, write_tx};
use crate::domain::ClaimStatus;
use crate::error::ApiError;

/// The reports forming one real event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SameAs {
    /// The event asked about.
    #[schema(format = Uuid)]
    pub id: String,
    /// Every report of the same real event, this one included, by id.
    pub same_as: Vec<String>,
}

/// Reassigns `group_seq` for the component of linked reports containing
/// `start`: the smallest seq of the component. Returns the component.
pub(super) fn regroup(conn: &mut DbConn, start: i64) -> Result<Vec<i64>, ApiError> {
    let mut component = BTreeSet::from([start]);
    let mut frontier = vec![start];
    while let Some(s) = frontier.pop() {
        for (a, b) in event_links::touching(conn, s)? {
            for n in [a, b] {
                if component.insert(n) {
                    frontier.push(n);
                }
            }
        }
    }
    let group = *component.iter().next().expect("non-empty");
    let members: Vec<i64> = component.into_iter().collect();
    event_links::set_group(conn, &members, group)?;
    Ok(members)
}

/// What a change to some real events puts at stake, and for whom: the one
/// rule of consent between agencies, written once.
#[derive(Debug)]
pub(super) struct Stake {
    /// The live reports of the real events, in seq order.
    pub rows: Vec<EventRow>,
    /// Their topics, target groups and claims.
    pub sets: HashMap<i64, EventSets>,
    /// Every agency in whose rows, lists or scope the real events count or
    /// would count: the agency of each live report, and each agency named
    /// on one as co-organiser that has not declined. A pending claim is a
    /// party too: once confirmed it would see the merged real event, so it
    /// is asked before the merge, not after.
    pub parties: BTreeSet<String>,
    /// A hash of everything above (each report's version, each claim's
    /// answer, who is in which real event): what an approval agrees to.
    /// It changes whenever any of it does. 53 bits, so that it survives
    /// JSON readers that hold numbers as doubles.
    pub revision: i64,
}

impl Stake {
    /// The parties to one of the real events: the one whose `group_seq`
    /// is `group`.
    pub fn parties_of_group(&self, group: i64) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for r in self.rows.iter().filter(|r| r.group_seq == group) {
            out.insert(r.agency_code.clone());
            out.extend(claimants(self.sets.get(&r.seq)));
        }
        out
    }
}

/// The agencies named on a report that have not declined.
pub(super) fn claimants(sets: Option<&EventSets>) -> impl Iterator<Item = String> + '_ {
    let declined = ClaimStatus::Declined.as_str();
    sets.into_iter()
        .flat_map(|s| s.co_organizers.iter())
        .filter(move |c| c.status != declined)
        .map(|c| c.agency_code.clone())
}

/// The stake of the real events `groups`.
pub(super) fn stake(conn: &mut DbConn, groups: &[i64]) -> Result<Stake, ApiError> {
    let seqs: Vec<i64> = event_links::live_members(conn, groups)?
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    let rows = table::by_seqs(conn, &seqs)?;
    let sets = table::sets_of(conn, &seqs)?;
    let mut parties = BTreeSet::new();
    let mut h = Sha256::new();
    for r in &rows {
        parties.insert(r.agency_code.clone());
        parties.extend(claimants(sets.get(&r.seq)));
        h.update(format!(
            "{}:{}:{}:{};",
            r.seq, r.group_seq, r.agency_code, r.version
        ));
        for c in sets.get(&r.seq).iter().flat_map(|s| s.co_organizers.iter()) {
            h.update(format!("{}={};", c.agency_code, c.status));
        }
    }
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let revision = (u64::from_be_bytes(first) & ((1 << 53) - 1)) as i64;
    Ok(Stake {
        rows,
        sets,
        parties,
        revision,
    })
}

/// The stake of the real events the reports `seqs` are in.
pub(super) fn stake_of_reports(conn: &mut DbConn, seqs: &[i64]) -> Result<Stake, ApiError> {
    let groups: Vec<i64> = table::by_seqs(conn, seqs)?
        .iter()
        .map(|r| r.group_seq)
        .collect();
    stake(conn, &groups)
}

/// The API view of a group.
pub(super) fn same_as_view(
    conn: &mut DbConn,
    id: &str,
    members: &[i64],
) -> Result<SameAs, ApiError> {
    Ok(SameAs {
        id: id.to_string(),
        same_as: table::ids_by_seq(conn, members)?,
    })
}

/// Runs an event write in a transaction holding the links lock shared; if
/// it reports that it must change links ([`ApiError::NeedsLinksLock`]), runs
/// it again holding the lock exclusively. Locks are always taken in one
/// order (links lock, then event rows), so writes and link changes never
/// deadlock.
pub fn in_write_tx<T>(
    conn: &mut DbConn,
    mut f: impl FnMut(&mut DbConn) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let first = write_tx(conn, |c| {
        event_links::lock_shared(c)?;
        f(c)
    });
    match first {
        Err(ApiError::NeedsLinksLock(_)) => write_tx(conn, |c| {
            event_links::lock_all(c)?;
            f(c)
        }),
        other => other,
    }
}

fn ensure_exclusive(conn: &mut DbConn) -> Result<(), ApiError> {
    if event_links::holds_exclusive(conn)? {
        Ok(())
    } else {
        Err(ApiError::NeedsLinksLock(
            "this write changes same-as links; retry".into(),
        ))
    }
}

/// After an agency changed a linked report's figures (people, headcounts,
/// dates, place, kind, topics, target groups) or named a new co-organiser
/// on it (a new party to the real event): the other agencies agreed to merge with the old figures,
/// so each of the report's links goes back to being a proposal from it,
/// waiting for them again. An admin's change keeps the links.
pub(super) fn figures_changed(
    conn: &mut DbConn,
    actor: &Actor,
    old: &EventRow,
) -> Result<(), ApiError> {
    if actor.speaks_for_every_agency() {
        return Ok(());
    }
    let edges = event_links::touching(conn, old.seq)?;
    if edges.is_empty() {
        return Ok(());
    }
    ensure_exclusive(conn)?;
    let before_members = regroup(conn, old.seq)?;
    let before = same_as_view(conn, &old.id, &before_members)?;
    for &(lo, hi) in &edges {
        event_links::delete(conn, lo, hi)?;
    }
    for &(lo, hi) in &edges {
        regroup(conn, lo)?;
        regroup(conn, hi)?;
    }
    for &(lo, hi) in &edges {
        if event_links::proposal_between(conn, lo, hi)?.is_none() {
            let revision = stake_of_reports(conn, &[lo, hi])?.revision;
            event_links::insert_proposal(
                conn,
                &event_links::ProposalRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    a_seq: lo,
                    b_seq: hi,
                    from_seq: old.seq,
                    proposed_by: old.agency_code.clone(),
                    created_at: crate::db::now(),
                },
                revision,
            )?;
        }
    }
    let after_members = regroup(conn, old.seq)?;
    let after = same_as_view(conn, &old.id, &after_members)?;
    audit::record(
        conn,
        actor,
        "unlink_on_change",
        "same_as",
        &old.id,
        Some(&before),
        Some(&after),
    )?;
    Ok(())
}

/// After a report was deleted: its links and proposals go, and the rest of
/// its group regroups without it.
pub(super) fn removed(conn: &mut DbConn, actor: &Actor, row: &EventRow) -> Result<(), ApiError> {
    if !event_links::any_touching(conn, &[row.seq])? {
        return Ok(());
    }
    ensure_exclusive(conn)?;
    let before_members = regroup(conn, row.seq)?;
    let before = same_as_view(conn, &row.id, &before_members)?;
    let edges = event_links::touching(conn, row.seq)?;
    for &(lo, hi) in &edges {
        event_links::delete(conn, lo, hi)?;
    }
    for p in event_links::proposals_touching(conn, &[row.seq])? {
        event_links::delete_proposal(conn, &p.id)?;
    }
    for &(lo, hi) in &edges {
        regroup(conn, lo)?;
        regroup(conn, hi)?;
    }
    let after = same_as_view(conn, &row.id, &[row.seq])?;
    audit::record(
        conn,
        actor,
        "unlink_on_delete",
        "same_as",
        &row.id,
        Some(&before),
        Some(&after),
    )?;
    Ok(())
}
