//! Same-as links between agencies' reports of one real event, by consent.
//! Linking two reports merges their real events, which changes the figures
//! of every agency with a report in either: so an agency's link is a
//! proposal, made from its own report, that becomes a link once every
//! agency with a live report in either group approved it. An admin speaks
//! for every agency: its links take effect at once. An agency may take its
//! own report out of a group at any time.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::groups::{SameAs, regroup, same_as_view};
use super::view::{Reader, Writer};
use crate::audit::{self, Actor};
use crate::db::event_links::{self, ProposalRow};
use crate::db::events::{self as table, EventRow};
use crate::db::{DbConn, write_tx};
use crate::domain::ClaimStatus;
use crate::error::ApiError;

/// What a same-as request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// The reports now form one real event.
    Linked,
    /// A proposal waits for the agencies in `proposal.waiting_for`.
    Proposed,
}

/// The answer to a link request or approval.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkOutcome {
    /// Linked at once, or proposed.
    pub status: LinkStatus,
    /// The event asked about.
    pub id: String,
    /// The reports of its real event now, this one included.
    pub same_as: Vec<String>,
    /// The proposal, while it waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<LinkProposal>,
}

/// A proposed link between two reports, waiting for the agencies whose
/// figures it would change.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct LinkProposal {
    /// Proposal id.
    pub id: String,
    /// The proposer's own report.
    pub from_id: String,
    /// The other report.
    pub to_id: String,
    /// Proposing agency.
    pub proposed_by: String,
    /// Proposed (UTC).
    pub created_at: DateTime<Utc>,
    /// Agencies that approved so far.
    pub approved_by: Vec<String>,
    /// Agencies with a live report in either real event that have not
    /// approved yet. Approve with `POST /api/v1/link-proposals/{id}/approve`.
    pub waiting_for: Vec<String>,
    /// The live reports of both real events, which the link would merge:
    /// the figures each agency asked is agreeing to.
    pub reports: Vec<GroupReport>,
}

/// One report of a real event, as agencies sharing that event see it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct GroupReport {
    /// Report id.
    pub id: String,
    /// Reporting agency.
    pub agency: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Headcount.
    pub attendance_total: i64,
    /// Distinct identified participants.
    pub participants_identified: i64,
}

impl GroupReport {
    fn of(r: &EventRow) -> Self {
        GroupReport {
            id: r.id.clone(),
            agency: r.agency_code.clone(),
            start_date: r.start_date,
            end_date: r.end_date,
            attendance_total: r.attendance_total,
            participants_identified: r.participants_identified,
        }
    }
}

/// An event's real-event group: its reports, the links that join them and
/// the proposals touching them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SameAsGroup {
    /// The event asked about.
    pub id: String,
    /// The live reports of its real event, this one included.
    pub reports: Vec<GroupReport>,
    /// Direct links, as pairs of report ids.
    pub links: Vec<[String; 2]>,
    /// Pending proposals touching these reports.
    pub proposals: Vec<LinkProposal>,
}

/// A link's two ends in stored order (`lo < hi`).
fn ends(a: &EventRow, b: &EventRow) -> (i64, i64) {
    (a.seq.min(b.seq), a.seq.max(b.seq))
}

fn live(conn: &mut DbConn, id: &str) -> Result<Option<EventRow>, ApiError> {
    Ok(table::by_id(conn, id)?.filter(|r| r.deleted_at.is_none()))
}

fn by_seq(conn: &mut DbConn, seq: i64) -> Result<EventRow, ApiError> {
    table::by_seqs(conn, &[seq])?
        .pop()
        .ok_or_else(|| ApiError::internal(format!("proposal names missing report {seq}")))
}

/// The agencies whose figures merging the groups of `a` and `b` changes.
fn affected(conn: &mut DbConn, a: &EventRow, b: &EventRow) -> Result<BTreeSet<String>, ApiError> {
    Ok(
        event_links::live_members(conn, &[a.group_seq, b.group_seq])?
            .into_iter()
            .map(|(_, agency)| agency)
            .collect(),
    )
}

fn proposal_view(conn: &mut DbConn, p: &ProposalRow) -> Result<LinkProposal, ApiError> {
    let (a, b) = (by_seq(conn, p.a_seq)?, by_seq(conn, p.b_seq)?);
    let (from, to) = if p.from_seq == a.seq {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let approved_by = event_links::approvals(conn, &p.id)?;
    let waiting_for = affected(conn, &a, &b)?
        .into_iter()
        .filter(|x| !approved_by.contains(x))
        .collect();
    let members: Vec<i64> = event_links::live_members(conn, &[a.group_seq, b.group_seq])?
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    let reports = table::by_seqs(conn, &members)?
        .iter()
        .map(GroupReport::of)
        .collect();
    Ok(LinkProposal {
        id: p.id.clone(),
        from_id: from.id.clone(),
        to_id: to.id.clone(),
        proposed_by: p.proposed_by.clone(),
        created_at: p.created_at.and_utc(),
        approved_by,
        waiting_for,
        reports,
    })
}

/// Links `a` and `b` now: stores the link, drops any proposal between them
/// and regroups. Returns the group's members.
fn make_link(
    conn: &mut DbConn,
    actor: &Actor,
    a: &EventRow,
    b: &EventRow,
) -> Result<Vec<i64>, ApiError> {
    let (lo, hi) = ends(a, b);
    if let Some(p) = event_links::proposal_between(conn, lo, hi)? {
        event_links::delete_proposal(conn, &p.id)?;
    }
    let exists = event_links::exists(conn, lo, hi)?;
    if !exists {
        event_links::insert(conn, lo, hi)?;
    }
    let members = regroup(conn, a.seq)?;
    if !exists {
        let out = same_as_view(conn, &a.id, &members)?;
        audit::record(
            conn,
            actor,
            "link",
            "same_as",
            &a.id,
            None::<&()>,
            Some(&out),
        )?;
    }
    Ok(members)
}

/// Records agency `x`'s approval of a proposal, audited.
fn approve_as(conn: &mut DbConn, actor: &Actor, p: &ProposalRow, x: &str) -> Result<(), ApiError> {
    event_links::approve(conn, &p.id, x)?;
    let view = proposal_view(conn, p)?;
    audit::record(
        conn,
        actor,
        "approve_link",
        "link_proposal",
        &p.id,
        None::<&()>,
        Some(&view),
    )?;
    Ok(())
}

/// Removes a proposal (declined or withdrawn), audited; returns its last view.
fn remove_proposal(
    conn: &mut DbConn,
    actor: &Actor,
    p: &ProposalRow,
) -> Result<LinkProposal, ApiError> {
    let view = proposal_view(conn, p)?;
    event_links::delete_proposal(conn, &p.id)?;
    audit::record(
        conn,
        actor,
        "decline_link",
        "link_proposal",
        &p.id,
        Some(&view),
        None::<&()>,
    )?;
    Ok(view)
}

/// Links the proposal's reports if every affected agency approved it.
fn settle(
    conn: &mut DbConn,
    actor: &Actor,
    p: &ProposalRow,
    asked: &EventRow,
) -> Result<LinkOutcome, ApiError> {
    let view = proposal_view(conn, p)?;
    if view.waiting_for.is_empty() {
        let (a, b) = (by_seq(conn, p.a_seq)?, by_seq(conn, p.b_seq)?);
        make_link(conn, actor, &a, &b)?;
        return linked(conn, asked);
    }
    let members = regroup(conn, asked.seq)?;
    Ok(LinkOutcome {
        status: LinkStatus::Proposed,
        id: asked.id.clone(),
        same_as: table::ids_by_seq(conn, &members)?,
        proposal: Some(view),
    })
}

fn linked(conn: &mut DbConn, row: &EventRow) -> Result<LinkOutcome, ApiError> {
    let members = regroup(conn, row.seq)?;
    Ok(LinkOutcome {
        status: LinkStatus::Linked,
        id: row.id.clone(),
        same_as: table::ids_by_seq(conn, &members)?,
        proposal: None,
    })
}

/// Whether agency `x` may name report `b` as the other side of a link from
/// its report `a`: its own report, one it confirmed co-organising, a
/// duplicate candidate of `a`, or the other side of a proposal already
/// made. Anything else answers like an event that does not exist.
fn may_name(conn: &mut DbConn, x: &str, a: &EventRow, b: &EventRow) -> Result<bool, ApiError> {
    if b.agency_code == x {
        return Ok(true);
    }
    let (lo, hi) = ends(a, b);
    let claims = table::sets_of(conn, &[b.seq])?
        .remove(&b.seq)
        .unwrap_or_default()
        .co_organizers;
    Ok(claims
        .iter()
        .any(|c| c.agency_code == x && c.status == ClaimStatus::Confirmed.as_str())
        || event_links::proposal_between(conn, lo, hi)?.is_some()
        || event_links::is_candidate(conn, lo, hi)?)
}

/// Links (admin) or proposes to link (agency, from its own report) two
/// reports of one real event by different agencies. Reports already in
/// one real event are linked at once (nothing's figures change); the other
/// side posting the same pair approves the proposal.
pub fn link(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
    other_id: &str,
) -> Result<LinkOutcome, ApiError> {
    write_tx(conn, |conn| {
        event_links::lock_all(conn)?;
        let a = live(conn, id)?
            .filter(|r| who.owns(r))
            .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))?;
        let b = match (who, live(conn, other_id)?) {
            (Writer::Admin, Some(b)) => Some(b),
            (Writer::Agency(x), Some(b)) => may_name(conn, x, &a, &b)?.then_some(b),
            (_, None) => None,
        };
        let b = b.ok_or_else(|| {
            ApiError::field(
                "other_id",
                "no such event among your events and this report's duplicate candidates",
            )
        })?;
        if a.seq == b.seq {
            return Err(ApiError::field(
                "other_id",
                "an event cannot be linked to itself",
            ));
        }
        if a.agency_code == b.agency_code {
            return Err(ApiError::field(
                "other_id",
                "both reports are by the same agency; delete the duplicate instead",
            ));
        }
        if a.group_seq != b.group_seq {
            crate::periods::guard(conn, &[a.group_seq, b.group_seq], &[])?;
        }
        let x = match who {
            Writer::Agency(x) if a.group_seq != b.group_seq => x,
            // An admin speaks for everyone; within one real event nothing changes.
            _ => {
                make_link(conn, actor, &a, &b)?;
                return linked(conn, &a);
            }
        };
        let (lo, hi) = ends(&a, &b);
        let p = match event_links::proposal_between(conn, lo, hi)? {
            Some(p) => {
                approve_as(conn, actor, &p, x)?;
                p
            }
            None => {
                let p = ProposalRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    a_seq: lo,
                    b_seq: hi,
                    from_seq: a.seq,
                    proposed_by: x.to_string(),
                    created_at: crate::db::now(),
                };
                event_links::insert_proposal(conn, &p)?;
                let view = proposal_view(conn, &p)?;
                audit::record(
                    conn,
                    actor,
                    "propose_link",
                    "link_proposal",
                    &p.id,
                    None::<&()>,
                    Some(&view),
                )?;
                p
            }
        };
        settle(conn, actor, &p, &a)
    })
}

/// The proposal `id` if `who` may act on it: an admin, or an agency whose
/// figures it would change (or that proposed it). Others get 404.
fn proposal_for(
    conn: &mut DbConn,
    who: Writer<'_>,
    id: &str,
) -> Result<(ProposalRow, LinkProposal), ApiError> {
    let not_found = || ApiError::NotFound(format!("no link proposal {id}"));
    let p = event_links::proposal(conn, id)?.ok_or_else(not_found)?;
    let view = proposal_view(conn, &p)?;
    if let Writer::Agency(x) = who
        && p.proposed_by != x
        && !view.waiting_for.iter().any(|a| a == x)
        && !view.approved_by.iter().any(|a| a == x)
    {
        return Err(not_found());
    }
    Ok((p, view))
}

/// Approves a proposal (an agency for itself; an admin for everyone).
pub fn approve(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
) -> Result<LinkOutcome, ApiError> {
    write_tx(conn, |conn| {
        event_links::lock_all(conn)?;
        let (p, _) = proposal_for(conn, who, id)?;
        let groups = [
            by_seq(conn, p.a_seq)?.group_seq,
            by_seq(conn, p.b_seq)?.group_seq,
        ];
        crate::periods::guard(conn, &groups, &[])?;
        let from = by_seq(conn, p.from_seq)?;
        match who {
            Writer::Admin => {
                let to = by_seq(
                    conn,
                    if p.a_seq == p.from_seq {
                        p.b_seq
                    } else {
                        p.a_seq
                    },
                )?;
                make_link(conn, actor, &from, &to)?;
                linked(conn, &from)
            }
            Writer::Agency(x) => {
                approve_as(conn, actor, &p, x)?;
                settle(conn, actor, &p, &from)
            }
        }
    })
}

/// Declines (or, for its proposer, withdraws) a proposal; it is removed.
pub fn decline(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
) -> Result<LinkProposal, ApiError> {
    write_tx(conn, |conn| {
        event_links::lock_all(conn)?;
        let (p, _) = proposal_for(conn, who, id)?;
        remove_proposal(conn, actor, &p)
    })
}

/// Where a page of proposals ends: the last proposal's report pair.
pub type ProposalCursor = (i64, i64);

/// A page of the pending proposals `who` may act on (an admin: all), in
/// report-pair order: at most `limit`, and the cursor after it when more follow.
pub fn proposals(
    conn: &mut DbConn,
    who: Writer<'_>,
    mut after: Option<ProposalCursor>,
    limit: i64,
) -> Result<(Vec<LinkProposal>, Option<ProposalCursor>), ApiError> {
    let mut out = Vec::new();
    loop {
        let batch = event_links::proposals_after(conn, after, 500)?;
        let Some(last) = batch.last() else {
            return Ok((out, None));
        };
        after = Some((last.a_seq, last.b_seq));
        for p in &batch {
            let view = proposal_view(conn, p)?;
            let mine = match who {
                Writer::Admin => true,
                Writer::Agency(x) => {
                    p.proposed_by == x
                        || view.waiting_for.iter().any(|a| a == x)
                        || view.approved_by.iter().any(|a| a == x)
                }
            };
            if !mine {
                continue;
            }
            if out.len() as i64 == limit {
                let cursor = out_cursor(&out, conn)?;
                return Ok((out, cursor));
            }
            out.push(view);
        }
    }
}

/// The cursor after the last proposal of a full page.
fn out_cursor(
    page: &[LinkProposal],
    conn: &mut DbConn,
) -> Result<Option<ProposalCursor>, ApiError> {
    let Some(last) = page.last() else {
        return Ok(None);
    };
    let p = event_links::proposal(conn, &last.id)?
        .ok_or_else(|| ApiError::internal("a listed proposal vanished"))?;
    Ok(Some((p.a_seq, p.b_seq)))
}

/// Removes the direct link (or the pending proposal) between the caller's
/// report `id` and `other_id`; both fall back to the real events their
/// remaining links form. Anything else is 404, whether or not it exists.
pub fn unlink(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
    other_id: &str,
) -> Result<SameAs, ApiError> {
    let no_link = || ApiError::NotFound(format!("no link between {id} and {other_id}"));
    write_tx(conn, |conn| {
        event_links::lock_all(conn)?;
        let a = table::by_id(conn, id)?
            .filter(|r| who.owns(r))
            .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))?;
        let b = table::by_id(conn, other_id)?.ok_or_else(no_link)?;
        let (lo, hi) = ends(&a, &b);
        let before_members = regroup(conn, a.seq)?;
        let before = same_as_view(conn, id, &before_members)?;
        if event_links::delete(conn, lo, hi)? == 0 {
            let p = event_links::proposal_between(conn, lo, hi)?.ok_or_else(no_link)?;
            remove_proposal(conn, actor, &p)?;
            return Ok(before);
        }
        crate::periods::guard(conn, &[a.group_seq], &[])?;
        regroup(conn, b.seq)?;
        let members = regroup(conn, a.seq)?;
        let out = same_as_view(conn, id, &members)?;
        audit::record(
            conn,
            actor,
            "unlink",
            "same_as",
            id,
            Some(&before),
            Some(&out),
        )?;
        Ok(out)
    })
}

/// Takes the caller's report out of its real-event group: every link and
/// proposal touching it goes, and the rest regroups.
pub fn leave(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
) -> Result<SameAs, ApiError> {
    write_tx(conn, |conn| {
        event_links::lock_all(conn)?;
        let a = table::by_id(conn, id)?
            .filter(|r| who.owns(r))
            .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))?;
        let before_members = regroup(conn, a.seq)?;
        let before = same_as_view(conn, id, &before_members)?;
        let edges = event_links::touching(conn, a.seq)?;
        if !edges.is_empty() {
            crate::periods::guard(conn, &[a.group_seq], &[])?;
        }
        for &(lo, hi) in &edges {
            event_links::delete(conn, lo, hi)?;
        }
        for p in event_links::proposals_touching(conn, &[a.seq])? {
            event_links::delete_proposal(conn, &p.id)?;
        }
        for &(lo, hi) in &edges {
            regroup(conn, lo)?;
            regroup(conn, hi)?;
        }
        let out = same_as_view(conn, id, &[a.seq])?;
        if !edges.is_empty() {
            audit::record(
                conn,
                actor,
                "leave_group",
                "same_as",
                id,
                Some(&before),
                Some(&out),
            )?;
        }
        Ok(out)
    })
}

/// An event's real-event group, for an admin or an agency with a live
/// report in it; 404 to anyone else, as for an event that does not exist.
pub fn group(conn: &mut DbConn, reader: &Reader, id: &str) -> Result<SameAsGroup, ApiError> {
    let not_found = || ApiError::NotFound(format!("no event {id}"));
    let row = live(conn, id)?.ok_or_else(not_found)?;
    let members = event_links::live_members(conn, &[row.group_seq])?;
    if let Some(x) = reader.scope()
        && !members.iter().any(|(_, a)| a == x)
    {
        return Err(not_found());
    }
    let seqs: Vec<i64> = members.iter().map(|(s, _)| *s).collect();
    let rows = table::by_seqs(conn, &seqs)?;
    let id_of = |seq: i64| {
        rows.iter()
            .find(|r| r.seq == seq)
            .map(|r| r.id.clone())
            .ok_or_else(|| ApiError::internal(format!("group member {seq} vanished")))
    };
    let mut links = Vec::new();
    for &s in &seqs {
        for (lo, hi) in event_links::touching(conn, s)? {
            if lo == s && seqs.contains(&hi) {
                links.push([id_of(lo)?, id_of(hi)?]);
            }
        }
    }
    let proposals = event_links::proposals_touching(conn, &seqs)?
        .iter()
        .map(|p| proposal_view(conn, p))
        .collect::<Result<Vec<_>, _>>()?;
    let reports = rows.iter().map(GroupReport::of).collect();
    Ok(SameAsGroup {
        id: id.to_string(),
        reports,
        links,
        proposals,
    })
}
