//! Same-as links between agencies' reports of one real event, by consent.
//! Linking two reports merges their real events, which changes the figures
//! of every agency with a report in either: so an agency's link is a
//! proposal, made from its own report, that becomes a link once every
//! agency with a live report in either group approved it. An admin speaks
//! for every agency: its links take effect at once. An agency may take its
//! own report out of a group at any time.

use crate::domain::Versions;
use serde::Serialize;
use utoipa::ToSchema;

use super::groups::{SameAs, Stake, regroup, same_as_view, stake};
pub use super::proposals::{GroupReport, LinkProposal, SameAsGroup};
use super::proposals::{proposal_stake, proposal_view, view_at, viewer};
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
    #[schema(format = Uuid)]
    pub id: String,
    /// The reports of its real event now, this one included.
    pub same_as: Vec<String>,
    /// The proposal, while it waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<LinkProposal>,
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

/// Checks the revision an approval names (`If-Match`) against the
/// proposal's current one: 428 without one, 412 when the proposal changed
/// since.
fn named_revision(named: Option<&Versions>, current: i64) -> Result<(), ApiError> {
    match named {
        Some(v) if v.matches(current) => Ok(()),
        Some(v) => Err(ApiError::PreconditionFailed(format!(
            "the proposal is at revision {current}, not {}: a report in it changed; read its figures again before approving",
            v.describe()
        ))),
        None => Err(ApiError::PreconditionRequired(
            "send If-Match with the proposal's revision: an approval agrees to those figures"
                .into(),
        )),
    }
}

/// Records agency `x`'s approval of a proposal at `revision`, audited.
fn approve_as(
    conn: &mut DbConn,
    actor: &Actor,
    p: &ProposalRow,
    x: &str,
    revision: i64,
) -> Result<(), ApiError> {
    event_links::approve(conn, &p.id, x, revision)?;
    let view = proposal_view(conn, p, None)?;
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

/// Removes a proposal (declined or withdrawn), audited; returns its last
/// view as `viewer` sees it.
fn remove_proposal(
    conn: &mut DbConn,
    actor: &Actor,
    p: &ProposalRow,
    viewer: Option<&str>,
) -> Result<LinkProposal, ApiError> {
    let st = proposal_stake(conn, p)?;
    let view = view_at(conn, p, &st, None)?;
    let seen = view_at(conn, p, &st, viewer)?;
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
    Ok(seen)
}

/// Links the proposal's reports if every party approved its current
/// revision; otherwise answers the proposal as `viewer` sees it.
fn settle(
    conn: &mut DbConn,
    actor: &Actor,
    p: &ProposalRow,
    asked: &EventRow,
    viewer: Option<&str>,
) -> Result<LinkOutcome, ApiError> {
    let view = proposal_view(conn, p, viewer)?;
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
/// its report `a`: its own report, one it confirmed co-organising, the
/// other side of a proposal already made, a report already in `a`'s real
/// event, a duplicate candidate of `a`, or a report that can never be a
/// candidate (a tally or a province-wide
/// record, whose id the other agency gave). Anything else answers like an
/// event that does not exist. Naming shows nothing of `b`'s figures.
fn may_name(conn: &mut DbConn, x: &str, a: &EventRow, b: &EventRow) -> Result<bool, ApiError> {
    // Its own report, or one already in the same real event as its report
    // (a sync job proposing again a link that was made: idempotent).
    if b.agency_code == x || a.group_seq == b.group_seq {
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
        || event_links::is_candidate(conn, lo, hi)?
        || event_links::never_candidate(conn, b.seq)?)
}

/// Links (admin) or proposes to link (agency, from its own report) two
/// reports of one real event by different agencies. The other report is
/// named by id ([`may_name`]). Proposing
/// reveals nothing of it: its figures are shown only once its agency
/// approves. Reports already in one real event are linked at once
/// (nothing's figures change). Posting a pair that already has a proposal
/// is idempotent; with `revision` naming the proposal's current revision
/// (`If-Match`) it also approves it for the caller.
pub fn link(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
    other_id: &str,
    revision: Option<Versions>,
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
                let st = proposal_stake(conn, &p)?;
                if !st.parties.contains(x) {
                    return Err(ApiError::internal(
                        "the caller's report is outside its own proposal",
                    ));
                }
                if revision.is_some() {
                    named_revision(revision.as_ref(), st.revision)?;
                    approve_as(conn, actor, &p, x, st.revision)?;
                }
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
                let revision = stake(conn, &[a.group_seq, b.group_seq])?.revision;
                event_links::insert_proposal(conn, &p, revision)?;
                let view = proposal_view(conn, &p, None)?;
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
        settle(conn, actor, &p, &a, Some(x))
    })
}

/// The proposal `id` if `who` may act on it: an admin, or a party to it
/// now (an agency that left either real event is no longer one). Others
/// get 404.
fn proposal_for(
    conn: &mut DbConn,
    who: Writer<'_>,
    id: &str,
) -> Result<(ProposalRow, Stake), ApiError> {
    let not_found = || ApiError::NotFound(format!("no link proposal {id}"));
    let p = event_links::proposal(conn, id)?.ok_or_else(not_found)?;
    let st = proposal_stake(conn, &p)?;
    if let Writer::Agency(x) = who
        && !st.parties.contains(x)
    {
        return Err(not_found());
    }
    Ok((p, st))
}

/// Approves a proposal at the revision named (`If-Match`; an agency for
/// itself, an admin for everyone).
pub fn approve(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
    revision: Option<Versions>,
) -> Result<LinkOutcome, ApiError> {
    write_tx(conn, |conn| {
        event_links::lock_all(conn)?;
        let (p, st) = proposal_for(conn, who, id)?;
        named_revision(revision.as_ref(), st.revision)?;
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
                approve_as(conn, actor, &p, x, st.revision)?;
                settle(conn, actor, &p, &from, Some(x))
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
        remove_proposal(conn, actor, &p, viewer(who))
    })
}

/// One pending proposal, as `who` sees it (404 unless a party or an admin).
pub fn proposal(conn: &mut DbConn, who: Writer<'_>, id: &str) -> Result<LinkProposal, ApiError> {
    let (p, st) = proposal_for(conn, who, id)?;
    view_at(conn, &p, &st, viewer(who))
}

/// Where a page of proposals ends: the last proposal's report pair.
pub type ProposalCursor = (i64, i64);

/// A page of the pending proposals `who` is a party to (an admin: all), in
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
            let st = proposal_stake(conn, p)?;
            if let Writer::Agency(x) = who
                && !st.parties.contains(x)
            {
                continue;
            }
            if out.len() as i64 == limit {
                let cursor = out_cursor(&out, conn)?;
                return Ok((out, cursor));
            }
            out.push(view_at(conn, p, &st, viewer(who))?);
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
            remove_proposal(conn, actor, &p, viewer(who))?;
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
        .map(|p| proposal_view(conn, p, reader.scope()))
        .collect::<Result<Vec<_>, _>>()?;
    let st = stake(conn, &[row.group_seq])?;
    let reports = rows.iter().map(|r| GroupReport::of(r, &st, true)).collect();
    Ok(SameAsGroup {
        id: id.to_string(),
        reports,
        links,
        proposals,
    })
}
