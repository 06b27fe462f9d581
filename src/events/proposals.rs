//! How proposals and real-event groups are shown: the figures each party
//! may read. A proposal shows a report's figures to an agency only once
//! that report's agency approved its current revision, or when they
//! already share a real event; an admin (and the audit log) sees all.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::groups::{Stake, claimants, stake_of_reports};
use super::view::Writer;
use crate::db::DbConn;
use crate::db::event_links::{self, ProposalRow};
use crate::db::events::{EventRow, EventSets};
use crate::error::ApiError;

/// A proposed link between two reports, waiting for the agencies whose
/// figures it would change.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct LinkProposal {
    /// Proposal id.
    #[schema(format = Uuid)]
    pub id: String,
    /// What approving agrees to: a number that changes whenever any report
    /// of either real event is edited, deleted, answered by a co-organiser,
    /// or joins or leaves it. Approve with `If-Match: "<revision>"`; an
    /// approval given at another revision no longer counts.
    pub revision: i64,
    /// The proposer's own report.
    #[schema(format = Uuid)]
    pub from_id: String,
    /// The other report.
    #[schema(format = Uuid)]
    pub to_id: String,
    /// Proposing agency.
    pub proposed_by: String,
    /// Proposed (UTC).
    pub created_at: DateTime<Utc>,
    /// Agencies that approved this revision.
    pub approved_by: Vec<String>,
    /// Parties that have not approved this revision: every agency with a
    /// live report in either real event, and every agency named on one of
    /// them as co-organiser that has not declined. Approve with
    /// `POST /api/v1/link-proposals/{id}/approve`.
    pub waiting_for: Vec<String>,
    /// The live reports of both real events, which the link would merge:
    /// the figures each party is agreeing to. A report's figures are shown
    /// to an agency only once that report's agency approved, or when they
    /// already share a real event.
    pub reports: Vec<GroupReport>,
}

/// One report of a real event, as agencies sharing that event see it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct GroupReport {
    /// Report id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Reporting agency.
    pub agency: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Kind of activity.
    pub kind: String,
    /// Whether the figures below are shown to the caller. A proposal shows
    /// another agency's figures only once that agency approved it.
    pub figures_shown: bool,
    /// Headcount (absent while hidden).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance_total: Option<i64>,
    /// Distinct identified participants (absent while hidden).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants_identified: Option<i64>,
    /// Topics (absent while hidden).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topics: Option<Vec<String>>,
    /// Target groups (absent while hidden).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_groups: Option<Vec<String>>,
    /// Named co-organisers that have not declined (absent while hidden).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub co_organizers: Option<Vec<String>>,
}

impl GroupReport {
    pub(super) fn of(r: &EventRow, stake: &Stake, shown: bool) -> Self {
        let sets = stake.sets.get(&r.seq);
        let list =
            |f: fn(&EventSets) -> Vec<String>| shown.then(|| sets.map(f).unwrap_or_default());
        GroupReport {
            id: r.id.clone(),
            agency: r.agency_code.clone(),
            start_date: r.start_date,
            end_date: r.end_date,
            kind: r.kind.clone(),
            figures_shown: shown,
            attendance_total: shown.then_some(r.attendance_total),
            participants_identified: shown.then_some(r.participants_identified),
            topics: list(|s| s.topics.clone()),
            target_groups: list(|s| s.target_groups.clone()),
            co_organizers: shown.then(|| claimants(sets).collect()),
        }
    }
}

/// An event's real-event group: its reports, the links that join them and
/// the proposals touching them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SameAsGroup {
    /// The event asked about.
    #[schema(format = Uuid)]
    pub id: String,
    /// The live reports of its real event, this one included.
    pub reports: Vec<GroupReport>,
    /// Direct links, as pairs of report ids.
    pub links: Vec<[String; 2]>,
    /// Pending proposals touching these reports.
    pub proposals: Vec<LinkProposal>,
}

/// The stake of a proposal: both real events it would merge.
pub(super) fn proposal_stake(conn: &mut DbConn, p: &ProposalRow) -> Result<Stake, ApiError> {
    stake_of_reports(conn, &[p.a_seq, p.b_seq])
}

/// A proposal as `viewer` sees it (`None`: everything, for an admin or
/// the audit log).
pub(super) fn proposal_view(
    conn: &mut DbConn,
    p: &ProposalRow,
    viewer: Option<&str>,
) -> Result<LinkProposal, ApiError> {
    let st = proposal_stake(conn, p)?;
    view_at(conn, p, &st, viewer)
}

/// A proposal at its stake `st` (read once by the caller), as `viewer`
/// sees it.
pub(super) fn view_at(
    conn: &mut DbConn,
    p: &ProposalRow,
    st: &Stake,
    viewer: Option<&str>,
) -> Result<LinkProposal, ApiError> {
    let id_of = |seq: i64| {
        st.rows
            .iter()
            .find(|r| r.seq == seq)
            .map(|r| r.id.clone())
            .ok_or_else(|| ApiError::internal(format!("proposal names missing report {seq}")))
    };
    let to_seq = if p.from_seq == p.a_seq {
        p.b_seq
    } else {
        p.a_seq
    };
    let approved_by: Vec<String> = event_links::approvals(conn, &p.id)?
        .into_iter()
        .filter(|(agency, rev)| *rev == st.revision && st.parties.contains(agency))
        .map(|(agency, _)| agency)
        .collect();
    let waiting_for = st
        .parties
        .iter()
        .filter(|x| !approved_by.contains(x))
        .cloned()
        .collect();
    let reports = st
        .rows
        .iter()
        .map(|r| {
            let shown = match viewer {
                None => true,
                Some(x) => {
                    r.agency_code == x
                        || approved_by.contains(&r.agency_code)
                        || st.parties_of_group(r.group_seq).contains(x)
                }
            };
            GroupReport::of(r, st, shown)
        })
        .collect();
    Ok(LinkProposal {
        id: p.id.clone(),
        revision: st.revision,
        from_id: id_of(p.from_seq)?,
        to_id: id_of(to_seq)?,
        proposed_by: p.proposed_by.clone(),
        created_at: p.created_at.and_utc(),
        approved_by,
        waiting_for,
        reports,
    })
}

/// The viewer a writer reads proposals as.
pub(super) fn viewer<'a>(who: Writer<'a>) -> Option<&'a str> {
    match who {
        Writer::Admin => None,
        Writer::Agency(x) => Some(x),
    }
}
